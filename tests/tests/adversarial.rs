//! Adversarial components (issue 13): hand-written WAT guests call the adapter with handles
//! never issued, dropped resources, huge lengths and offsets, bogus pointers and in orders WASI
//! forbids. Each gets a WASI error or a trap, never corrupted state or a file the policy does
//! not grant: after every error the guest goes on with valid calls whose output shows the
//! adapter intact; after a trap nothing more runs.
//!
//! The tests are by kind: `handles` (handles never issued, used after a drop, children
//! outliving parents, `poll`), `sizes` (lengths, offsets, pointers, `cabi_realloc`, permits),
//! `paths` (leaving a directory, strings that are not UTF-8, listings); the guests' shared
//! imports and helpers are here.

mod handles;
mod paths;
mod sizes;

use virtc_run::{Outcome, Status};
use virtc_tests::wat_guest::Guest;
use virtc_tests::*;

const MAX: &str = "(i64.const -1)";
const HALF: &str = "(i64.const 0x8000000000000000)";

const WRITE: &str = r#"(import "wasi:filesystem/types@0.2.6" "[method]descriptor.write"
    (func $write (param i32 i32 i32 i64 i32)))"#;
const SET_SIZE: &str = r#"(import "wasi:filesystem/types@0.2.6" "[method]descriptor.set-size"
    (func $set_size (param i32 i64 i32)))"#;
const WRITE_VIA_STREAM: &str = r#"(import "wasi:filesystem/types@0.2.6"
    "[method]descriptor.write-via-stream" (func $write_via_stream (param i32 i64 i32)))"#;
const READ_DIRECTORY: &str = r#"(import "wasi:filesystem/types@0.2.6"
    "[method]descriptor.read-directory" (func $read_directory (param i32 i32)))
  (import "wasi:filesystem/types@0.2.6"
    "[method]directory-entry-stream.read-directory-entry" (func $next_entry (param i32 i32)))
  (import "wasi:filesystem/types@0.2.6" "[resource-drop]directory-entry-stream"
    (func $drop_entries (param i32)))"#;
const OUTPUT: &str = r#"(import "wasi:io/streams@0.2.6" "[method]output-stream.check-write"
    (func $check_write (param i32 i32)))
  (import "wasi:io/streams@0.2.6" "[method]output-stream.write" (func $owrite (param i32 i32 i32 i32)))"#;
const POLL: &str = r#"(import "wasi:io/streams@0.2.6" "[method]input-stream.subscribe"
    (func $subscribe (param i32) (result i32)))
  (import "wasi:io/poll@0.2.6" "poll" (func $poll (param i32 i32 i32)))
  (import "wasi:io/poll@0.2.6" "[method]pollable.ready" (func $ready (param i32) (result i32)))
  (import "wasi:io/poll@0.2.6" "[resource-drop]pollable" (func $drop_pollable (param i32)))"#;
const STDIN: &str = r#"(import "wasi:cli/stdin@0.2.6" "get-stdin" (func $get_stdin (result i32)))"#;
const RANDOM: &str = r#"(import "wasi:random/random@0.2.6" "get-random-bytes"
    (func $random_bytes (param i64 i32)))
  (import "wasi:random/insecure@0.2.6" "get-insecure-random-bytes"
    (func $insecure_bytes (param i64 i32)))"#;
const ENVIRONMENT: &str = r#"(import "wasi:cli/environment@0.2.6" "get-environment"
    (func $get_environment (param i32)))"#;

/// The embedded tree most tests read, and a secret next to it that no policy grants.
fn tree(statements: &str) -> Policy {
    Policy::new(&format!("stdout allow; {statements}"))
        .with_file("tree/hello.txt", "hello world\n")
        .with_file("tree/sub/a.txt", "A")
        .with_symlink("tree/sub/up", "../hello.txt")
        .with_symlink("tree/here", ".")
        .with_file("secret.key", "TOP SECRET")
}

fn embedded() -> Policy {
    tree("mount \"/\" from \"./tree\";")
}

fn tmpfs() -> Policy {
    tree("tmpfs \"/t\";")
}

fn outcome(policy: &Policy, wasm: &[u8]) -> Outcome {
    run(&policy.compile_ok(wasm), &[], &[], "")
}

/// Runs a guest that must exit 0; its stdout.
fn exits(policy: &Policy, wasm: &[u8]) -> String {
    stdout_after_exit(&outcome(policy, wasm), 0)
}

/// Runs a guest that must trap; the trap's message and stdout.
fn traps(policy: &Policy, wasm: &[u8]) -> (String, String) {
    let out = outcome(policy, wasm);
    match out.status {
        Status::Trapped(message) => (message, text(&out.stdout)),
        other => panic!(
            "expected a trap, got {other:?}\nstdout:\n{}\nstderr:\n{}",
            text(&out.stdout),
            text(&out.stderr)
        ),
    }
}

/// Runs `setup` (which prints `printed`), then `call` between "before" and "after" lines, and
/// checks that it traps in between, with a message containing `why`.
fn traps_between(
    policy: &Policy,
    guest: &mut Guest,
    setup: &str,
    printed: &str,
    call: &str,
    why: &str,
) {
    let before = guest.str("before");
    let after = guest.str("after");
    let wasm = guest.main(&format!(
        "(local $a i32) (local $b i32) (local $c i32)\n{setup}\n(call $line {before})\n{call}\n\
         (call $line {after})"
    ));
    let (message, stdout) = traps(policy, &wasm);
    assert_eq!(stdout, format!("{printed}before\n"), "{call}: {message}");
    assert!(message.contains(why), "{call}: {message}");
}

/// What [`open_hello`] prints.
const HELLO_OK: &str = "hello.txt: ok\n";

/// WAT that opens `hello.txt` in the first preopen as `$a`, printing [`HELLO_OK`].
fn open_hello(guest: &mut Guest) -> String {
    let hello = guest.str("hello.txt");
    format!("(local.set $a (call $open (call $root) {hello}))")
}

/// For a tmpfs, WAT that creates `hello.txt` holding "hello world\n" in the root and prints
/// [`CREATED`].
fn create_hello(g: &mut Guest, tmpfs: bool) -> String {
    if !tmpfs {
        return String::new();
    }
    let create = g.str("create");
    let hello = g.str("hello.txt");
    let text = g.str("hello world\n");
    format!(
        "(call $label {create})
         (call $open_at (call $root) (i32.const 0) {hello} (i32.const 1) (i32.const 3)
           (i32.const 0x100))
         (local.set $a (call $fs_result (i32.const 0x100)))
         (call $write (local.get $a) {text} (i64.const 0) (i32.const 0x100))
         (call $fs_u64 (i32.const 0x100))
         (call $drop_descriptor (local.get $a))"
    )
}

/// What [`create_hello`] prints.
const CREATED: &str = "create: ok\nok 12\n";

fn created(tmpfs: bool) -> &'static str {
    if tmpfs { CREATED } else { "" }
}

/// `$open_rw(dir, path)`: open-at for reading and, where the tree allows, writing; nothing
/// printed.
const OPEN_RW: &str = r#"
  (func $open_rw (param $dir i32) (param $p i32) (param $n i32) (result i32)
    (call $open_at (local.get $dir) (i32.const 0) (local.get $p) (local.get $n) (i32.const 0)
      (i32.const 3) (i32.const 0x180))
    (if (i32.eqz (i32.load8_u (i32.const 0x180))) (then (return (i32.load (i32.const 0x184)))))
    (call $open_at (local.get $dir) (i32.const 0) (local.get $p) (local.get $n) (i32.const 0)
      (i32.const 1) (i32.const 0x180))
    (if (i32.load8_u (i32.const 0x180)) (then unreachable))
    (i32.load (i32.const 0x184)))"#;
