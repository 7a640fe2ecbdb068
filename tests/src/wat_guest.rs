//! Guests written by hand in WAT, for calls no language's standard library makes (handles never
//! issued, resources used after a drop, lengths and offsets at `u64::MAX`, bogus pointers, a
//! `cabi_realloc` that lies): a core module with canonical-ABI imports, turned into a command
//! component with wit-component and virtc's own WASI WIT.
//!
//! A guest is a [`Guest`]: a prelude (memory, a bump `cabi_realloc`, printing to stdout, and with
//! [`Guest::with_fs`] the common file calls), the test's own imports and data, and the body of
//! `$main`, which `wasi:cli/run#run` calls.
//!
//! Memory layout: `0x80` print's return area, `0x90` the preopen list's, `0x100..0x200` return
//! areas for the test's own calls, `0x200` the file helpers', `0x300` the number buffer, `0x380`
//! the prelude's strings, `0x400` the names of `wasi:filesystem` error codes, `0x1000..0x20000`
//! the test's data ([`Guest::str`]), the heap above (`$realloc`; a non-zero `$bogus` is what it
//! returns instead).

use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};

/// The WASI version hand-written guests import.
pub const WASI: &str = "0.2.6";

/// `wasi:filesystem` error codes in enum order: `$code` prints them by name.
const ERROR_CODES: &[&str] = &[
    "access",
    "would-block",
    "already",
    "bad-descriptor",
    "busy",
    "deadlock",
    "quota",
    "exist",
    "file-too-large",
    "illegal-byte-sequence",
    "in-progress",
    "interrupted",
    "invalid",
    "io",
    "is-directory",
    "loop",
    "too-many-links",
    "message-size",
    "name-too-long",
    "no-device",
    "no-entry",
    "no-lock",
    "insufficient-memory",
    "insufficient-space",
    "not-directory",
    "not-empty",
    "not-recoverable",
    "unsupported",
    "no-tty",
    "no-such-device",
    "overflow",
    "not-permitted",
    "pipe",
    "read-only",
    "invalid-seek",
    "text-file-busy",
    "cross-device",
];

/// Where the test's data starts and must end (the heap begins there).
const DATA_START: u32 = 0x1000;
const DATA_END: u32 = 0x20000;

const PRELUDE_IMPORTS: &str = r#"
  (import "wasi:cli/stdout@0.2.6" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:io/streams@0.2.6" "[method]output-stream.blocking-write-and-flush"
    (func $bwf (param i32 i32 i32 i32)))
"#;

const PRELUDE: &str = r#"
  (memory (export "memory") 4)
  (global $heap (mut i32) (i32.const 0x20000))
  ;; Non-zero: what cabi_realloc returns instead of a real allocation.
  (global $bogus (mut i32) (i32.const 0))
  (global $stdout (mut i32) (i32.const -1))
  (data (i32.const 0x380) "\n ok err closed failed none: ")

  (func $realloc (export "cabi_realloc") (param $old i32) (param $old_len i32) (param $align i32)
    (param $len i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (if (global.get $bogus) (then (return (global.get $bogus))))
    (local.set $p (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (if (i32.lt_u (local.get $end) (local.get $p)) (then unreachable))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then (if (i32.eq
        (memory.grow (i32.shr_u
          (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff))
          (i32.const 16)))
        (i32.const -1)) (then unreachable))))
    (if (local.get $old_len)
      (then (memory.copy (local.get $p) (local.get $old) (local.get $old_len))))
    (global.set $heap (local.get $end))
    (local.get $p))

  ;; Writes bytes to stdout, 4096 at a time (what blocking-write-and-flush allows).
  (func $print (param $p i32) (param $n i32)
    (local $k i32)
    (if (i32.eq (global.get $stdout) (i32.const -1))
      (then (global.set $stdout (call $get_stdout))))
    (loop $more
      (local.set $k (select (local.get $n) (i32.const 4096)
        (i32.lt_u (local.get $n) (i32.const 4096))))
      (call $bwf (global.get $stdout) (local.get $p) (local.get $k) (i32.const 0x80))
      (if (i32.load8_u (i32.const 0x80)) (then unreachable))
      (local.set $p (i32.add (local.get $p) (local.get $k)))
      (local.set $n (i32.sub (local.get $n) (local.get $k)))
      (br_if $more (local.get $n))))
  (func $nl (call $print (i32.const 0x380) (i32.const 1)))
  (func $sp (call $print (i32.const 0x381) (i32.const 1)))
  (func $ok (call $print (i32.const 0x382) (i32.const 2)))
  (func $err (call $print (i32.const 0x385) (i32.const 3)) (call $sp))
  (func $closed (call $print (i32.const 0x389) (i32.const 6)))
  (func $failed (call $print (i32.const 0x390) (i32.const 6)))
  (func $none (call $print (i32.const 0x397) (i32.const 4)))
  ;; "text: "
  (func $label (param $p i32) (param $n i32)
    (call $print (local.get $p) (local.get $n))
    (call $print (i32.const 0x39b) (i32.const 2)))
  ;; "text\n"
  (func $line (param $p i32) (param $n i32)
    (call $print (local.get $p) (local.get $n))
    (call $nl))
  ;; An unsigned number in decimal.
  (func $num (param $v i64)
    (local $at i32)
    (local.set $at (i32.const 0x340))
    (loop $digits
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i64.store8 (local.get $at)
        (i64.add (i64.const 48) (i64.rem_u (local.get $v) (i64.const 10))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $v) (i64.const 0))))
    (call $print (local.get $at) (i32.sub (i32.const 0x340) (local.get $at))))
  ;; Bytes in hex.
  (func $hex (param $p i32) (param $n i32)
    (local $b i32)
    (block $done (loop $more
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $b (i32.load8_u (local.get $p)))
      (i32.store8 (i32.const 0x340)
        (i32.load8_u (i32.add (i32.const 0x360) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.const 0x341)
        (i32.load8_u (i32.add (i32.const 0x360) (i32.and (local.get $b) (i32.const 15)))))
      (call $print (i32.const 0x340) (i32.const 2))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $more))))
  (data (i32.const 0x360) "0123456789abcdef")
  ;; A filesystem error code by name.
  (func $code (param $c i32)
    (local $p i32) (local $n i32)
    (if (i32.ge_u (local.get $c) (i32.const 37)) (then (call $num (i64.extend_i32_u (local.get $c))) (return)))
    (local.set $p (i32.add (i32.const 0x400) (i32.mul (local.get $c) (i32.const 24))))
    (block $end (loop $len
      (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $len)))
    (call $print (local.get $p) (local.get $n)))
  ;; "N bytes" then " " and at most 64 of them as text.
  (func $bytes (param $p i32) (param $n i32)
    (call $num (i64.extend_i32_u (local.get $n)))
    (if (local.get $n) (then
      (call $sp)
      (call $print (local.get $p)
        (select (local.get $n) (i32.const 64) (i32.lt_u (local.get $n) (i32.const 64)))))))
  ;; result<T, error-code> with T an i32 (a handle), the payload at +4: prints "ok" or
  ;; "err CODE" and a newline; returns T, or -1 for an error.
  (func $fs_result (param $ret i32) (result i32)
    (if (i32.load8_u (local.get $ret)) (then
      (call $err) (call $code (i32.load8_u offset=4 (local.get $ret))) (call $nl)
      (return (i32.const -1))))
    (call $ok) (call $nl)
    (i32.load offset=4 (local.get $ret)))
  ;; result<_, error-code>: the code is at +1. Prints "ok" or "err CODE" and a newline;
  ;; returns whether it is ok.
  (func $fs_unit (param $ret i32) (result i32)
    (if (i32.load8_u (local.get $ret)) (then
      (call $err) (call $code (i32.load8_u offset=1 (local.get $ret))) (call $nl)
      (return (i32.const 0))))
    (call $ok) (call $nl)
    (i32.const 1))
  ;; result<u64, error-code>, the payload at +8.
  (func $fs_u64 (param $ret i32)
    (if (i32.load8_u (local.get $ret))
      (then (call $err) (call $code (i32.load8_u offset=8 (local.get $ret))))
      (else (call $ok) (call $sp) (call $num (i64.load offset=8 (local.get $ret)))))
    (call $nl))
  ;; The error of a stream (stream-error at `$at`).
  (func $stream_error (param $at i32)
    (call $err)
    (if (i32.load8_u (local.get $at)) (then (call $closed)) (else (call $failed))))
  ;; result<T, stream-error> with T an i32 or nothing, at +4: "ok" or "err closed|failed";
  ;; returns whether it is ok.
  (func $stream_result (param $ret i32) (result i32)
    (if (i32.load8_u (local.get $ret)) (then
      (call $stream_error (i32.add (local.get $ret) (i32.const 4))) (call $nl)
      (return (i32.const 0))))
    (call $ok) (call $nl)
    (i32.const 1))
  ;; result<u64, stream-error>, at +8.
  (func $stream_u64 (param $ret i32)
    (if (i32.load8_u (local.get $ret))
      (then (call $stream_error (i32.add (local.get $ret) (i32.const 8))))
      (else (call $ok) (call $sp) (call $num (i64.load offset=8 (local.get $ret)))))
    (call $nl))
  ;; result<list<u8>, stream-error>: "ok N text" or the error.
  (func $stream_bytes (param $ret i32)
    (if (i32.load8_u (local.get $ret))
      (then (call $stream_error (i32.add (local.get $ret) (i32.const 4))))
      (else (call $ok) (call $sp)
        (call $bytes (i32.load offset=4 (local.get $ret)) (i32.load offset=8 (local.get $ret)))))
    (call $nl))
"#;

const FS_IMPORTS: &str = r#"
  (import "wasi:filesystem/preopens@0.2.6" "get-directories" (func $get_directories (param i32)))
  (import "wasi:filesystem/types@0.2.6" "[method]descriptor.open-at"
    (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi:filesystem/types@0.2.6" "[method]descriptor.read"
    (func $read (param i32 i64 i64 i32)))
  (import "wasi:filesystem/types@0.2.6" "[method]descriptor.read-via-stream"
    (func $read_via_stream (param i32 i64 i32)))
  (import "wasi:filesystem/types@0.2.6" "[resource-drop]descriptor"
    (func $drop_descriptor (param i32)))
  (import "wasi:io/streams@0.2.6" "[method]input-stream.read" (func $stream_read (param i32 i64 i32)))
  (import "wasi:io/streams@0.2.6" "[method]input-stream.blocking-read"
    (func $blocking_read (param i32 i64 i32)))
  (import "wasi:io/streams@0.2.6" "[resource-drop]input-stream" (func $drop_input (param i32)))
"#;

const FS_HELPERS: &str = r#"
  ;; The `i`-th preopen's descriptor (traps if there is none).
  (func $preopen (param $i i32) (result i32)
    (call $get_directories (i32.const 0x90))
    (if (i32.ge_u (local.get $i) (i32.load offset=4 (i32.const 0x90))) (then unreachable))
    (i32.load (i32.add (i32.load (i32.const 0x90)) (i32.mul (local.get $i) (i32.const 12)))))
  (func $root (result i32) (call $preopen (i32.const 0)))
  ;; open-at(dir, symlink-follow, path, no open flags, read) with "path: ok|err CODE" printed;
  ;; the descriptor, or -1.
  (func $open (param $dir i32) (param $p i32) (param $n i32) (result i32)
    (call $label (local.get $p) (local.get $n))
    (call $open_at (local.get $dir) (i32.const 1) (local.get $p) (local.get $n)
      (i32.const 0) (i32.const 1) (i32.const 0x200))
    (call $fs_result (i32.const 0x200)))
  ;; descriptor.read(len, offset): "ok N text [end]" or "err CODE".
  (func $read_show (param $fd i32) (param $len i64) (param $off i64)
    (call $read (local.get $fd) (local.get $len) (local.get $off) (i32.const 0x200))
    (if (i32.load8_u (i32.const 0x200))
      (then (call $err) (call $code (i32.load8_u (i32.const 0x204))))
      (else (call $ok) (call $sp)
        (call $bytes (i32.load (i32.const 0x204)) (i32.load (i32.const 0x208)))
        (if (i32.load8_u (i32.const 0x20c))
          (then (call $sp) (call $print (i32.const 0x39d) (i32.const 3))))))
    (call $nl))
  (data (i32.const 0x39d) "end")
  ;; read-via-stream(offset): the stream, or -1, with "ok|err CODE" printed.
  (func $stream_at (param $fd i32) (param $off i64) (result i32)
    (call $read_via_stream (local.get $fd) (local.get $off) (i32.const 0x200))
    (call $fs_result (i32.const 0x200)))
  ;; input-stream.read(len) / blocking-read(len) shown.
  (func $sread_show (param $s i32) (param $len i64)
    (call $stream_read (local.get $s) (local.get $len) (i32.const 0x200))
    (call $stream_bytes (i32.const 0x200)))
  (func $bread_show (param $s i32) (param $len i64)
    (call $blocking_read (local.get $s) (local.get $len) (i32.const 0x200))
    (call $stream_bytes (i32.const 0x200)))
"#;

/// A hand-written guest being put together.
#[derive(Clone)]
pub struct Guest {
    imports: String,
    data: String,
    funcs: String,
    next: u32,
    fs: bool,
}

impl Default for Guest {
    fn default() -> Self {
        Guest::new()
    }
}

impl Guest {
    /// A guest with the prelude: stdout and the printing helpers.
    pub fn new() -> Guest {
        Guest {
            imports: String::new(),
            data: String::new(),
            funcs: String::new(),
            next: DATA_START,
            fs: false,
        }
    }

    /// Adds the common file calls (`$root`, `$open`, `$read_show`, `$stream_at`,
    /// `$sread_show`, `$bread_show`, and the imports `$open_at`, `$read`, `$read_via_stream`,
    /// `$drop_descriptor`, `$stream_read`, `$blocking_read`, `$drop_input`).
    pub fn with_fs(mut self) -> Guest {
        self.fs = true;
        self
    }

    /// Adds WAT import fields (with the canonical ABI's core names).
    pub fn import(mut self, wat: &str) -> Guest {
        self.imports.push_str(wat);
        self.imports.push('\n');
        self
    }

    /// Adds WAT functions (or other module fields).
    pub fn func(mut self, wat: &str) -> Guest {
        self.funcs.push_str(wat);
        self.funcs.push('\n');
        self
    }

    /// Places `bytes` in the data area; returns `(i32.const PTR) (i32.const LEN)`, the operands
    /// of a call taking a string or list.
    pub fn bytes(&mut self, bytes: &[u8]) -> String {
        let at = self.next;
        let len = u32::try_from(bytes.len()).unwrap();
        assert!(at + len <= DATA_END, "the test's data does not fit");
        let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
        self.data
            .push_str(&format!("  (data (i32.const {at}) \"{escaped}\")\n"));
        self.next = (at + len + 7) & !7;
        format!("(i32.const {at}) (i32.const {len})")
    }

    /// [`Guest::bytes`] of a string.
    pub fn str(&mut self, text: &str) -> String {
        self.bytes(text.as_bytes())
    }

    /// The module's text with `body` as `$main`'s.
    pub fn wat(&self, body: &str) -> String {
        let mut names = String::new();
        for (i, name) in ERROR_CODES.iter().enumerate() {
            names.push_str(&format!(
                "  (data (i32.const {}) \"{name}\")\n",
                0x400 + i * 24
            ));
        }
        let (fs_imports, fs_helpers) = if self.fs {
            (FS_IMPORTS, FS_HELPERS)
        } else {
            ("", "")
        };
        format!(
            "(module\n{PRELUDE_IMPORTS}{fs_imports}{imports}\n{PRELUDE}{fs_helpers}{names}{data}{funcs}\n  \
             (func $main\n{body}\n  )\n  \
             (func (export \"wasi:cli/run@{WASI}#run\") (result i32) (call $main) (i32.const 0))\n)\n",
            imports = self.imports,
            data = self.data,
            funcs = self.funcs,
        )
    }

    /// The command component whose `run` is `body`.
    pub fn main(&self, body: &str) -> Vec<u8> {
        let wat = self.wat(body);
        component(&wat).unwrap_or_else(|e| panic!("{e:#}\n{}", numbered(&wat)))
    }
}

fn numbered(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| format!("{:4} {l}\n", i + 1))
        .collect()
}

/// A command component from a core module in WAT: its world imports every interface the module
/// imports from and exports `wasi:cli/run`.
pub fn component(wat: &str) -> anyhow::Result<Vec<u8>> {
    let mut module = wat::parse_str(wat)?;
    let mut world = String::from("package virtc:wat-guest;\n\nworld guest {\n");
    let mut seen = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&module) {
        if let wasmparser::Payload::ImportSection(section) = payload? {
            for import in section.into_imports() {
                let module = import?.module;
                if !seen.iter().any(|m| m == module) {
                    seen.push(module.to_string());
                }
            }
        }
    }
    for interface in &seen {
        world.push_str(&format!("  import {interface};\n"));
    }
    world.push_str(&format!("  export wasi:cli/run@{WASI};\n}}\n"));
    let mut resolve = virtc::codegen::wasi_wit::resolve(&Default::default())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let package = resolve.push_source("wat-guest.wit", &world)?;
    let world_id = resolve.select_world(&[package], Some("guest"))?;
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)?;
    ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
}
