//! Adversarial components, handles: never issued, of the wrong type, used after their drop;
//! streams and pollables outliving what they came from; `poll` over nothing and over 10,000.

use super::*;

#[test]
fn handles_never_issued_trap() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "",
            "(call $read_show (i32.const 0x7fffffff) (i64.const 1) (i64.const 0))",
            "unknown handle index",
        ),
        (
            "",
            "(call $read_show (i32.const 0) (i64.const 1) (i64.const 0))",
            "unknown handle index",
        ),
        (
            "",
            "(call $sread_show (i32.const 0x7fffffff) (i64.const 1))",
            "unknown handle index",
        ),
        (
            "",
            "(call $drop_descriptor (i32.const 0x7fffffff))",
            "unknown handle index",
        ),
        (
            "",
            "(call $drop_input (i32.const 12345))",
            "unknown handle index",
        ),
        (
            POLL,
            "(drop (call $ready (i32.const 0x7fffffff)))",
            "unknown handle index",
        ),
        (
            POLL,
            "(i32.store (i32.const 0x100) (i32.const 0x7fffffff))\
                (call $poll (i32.const 0x100) (i32.const 1) (i32.const 0x180))",
            "unknown handle index",
        ),
        // A handle of another type: the descriptor read as a stream.
        (
            "",
            "(call $sread_show (local.get $a) (i64.const 1))",
            "handle index",
        ),
    ];
    for (imports, call, why) in cases {
        let mut g = Guest::new().with_fs().import(imports);
        let setup = open_hello(&mut g);
        traps_between(&embedded(), &mut g, &setup, HELLO_OK, call, why);
    }
}

#[test]
fn a_dropped_descriptor_traps() {
    for call in [
        "(call $read_show (local.get $a) (i64.const 1) (i64.const 0))",
        "(call $drop_descriptor (local.get $a))",
        "(drop (call $stream_at (local.get $a) (i64.const 0)))",
    ] {
        let mut g = Guest::new().with_fs();
        let setup = format!(
            "{}\n(call $drop_descriptor (local.get $a))",
            open_hello(&mut g)
        );
        traps_between(
            &embedded(),
            &mut g,
            &setup,
            HELLO_OK,
            call,
            "unknown handle index",
        );
    }
}

/// A stream outlives its descriptor (WASI does not make it a child): it reads on, and the
/// file reads as before.
#[test]
fn a_stream_outlives_its_descriptor() {
    for (policy, is_tmpfs) in [(embedded(), false), (tmpfs(), true)] {
        let mut g = Guest::new().with_fs().import(WRITE);
        let create = create_hello(&mut g, is_tmpfs);
        let hello = g.str("hello.txt");
        let out = exits(
            &policy,
            &g.main(&format!(
                "(local $a i32) (local $s i32)
                 {create}
                 (local.set $a (call $open (call $root) {hello}))
                 (local.set $s (call $stream_at (local.get $a) (i64.const 6)))
                 (call $drop_descriptor (local.get $a))
                 (call $sread_show (local.get $s) (i64.const 100))
                 (call $sread_show (local.get $s) (i64.const 100))
                 (call $drop_input (local.get $s))
                 (local.set $a (call $open (call $root) {hello}))
                 (call $read_show (local.get $a) (i64.const 5) (i64.const 0))"
            )),
        );
        assert_eq!(
            out,
            format!(
                "{}hello.txt: ok\nok\nok 6 world\n\nerr closed\nhello.txt: ok\nok 5 hello\n",
                created(is_tmpfs),
            ),
            "tmpfs: {is_tmpfs}"
        );
    }
}

/// A pollable outliving its stream: WASI says implementations may trap at the stream's drop.
#[test]
fn a_pollable_outliving_its_stream() {
    // A stream of an embedded file.
    let mut g = Guest::new().with_fs().import(POLL);
    let hello = g.str("hello.txt");
    let out = outcome(
        &embedded(),
        &g.main(&format!(
            "(local $a i32) (local $s i32) (local $p i32)
             (local.set $a (call $open (call $root) {hello}))
             (local.set $s (call $stream_at (local.get $a) (i64.const 0)))
             (local.set $p (call $subscribe (local.get $s)))
             (call $drop_input (local.get $s))
             (call $num (i64.extend_i32_u (call $ready (local.get $p)))) (call $nl)
             (call $drop_pollable (local.get $p))
             (call $read_show (local.get $a) (i64.const 5) (i64.const 0))"
        )),
    );
    // The adapter's pollable of a virtual stream does not depend on the stream: no trap, and
    // it stays ready.
    assert_eq!(
        stdout_after_exit(&out, 0),
        "hello.txt: ok\nok\n1\nok 5 hello\n"
    );
}

/// Host stdin's stream, wrapped by the adapter: the host traps at the stream's drop.
#[test]
fn a_pollable_outliving_a_host_stream() {
    let mut g = Guest::new().with_fs().import(POLL).import(STDIN);
    let hello = g.str("hello.txt");
    let out = run(
        &tree("stdin allow; mount \"/\" from \"./tree\";").compile_ok(&g.main(&format!(
            "(local $a i32) (local $s i32) (local $p i32)
             (local.set $s (call $get_stdin))
             (local.set $p (call $subscribe (local.get $s)))
             (call $drop_input (local.get $s))
             (call $num (i64.extend_i32_u (call $ready (local.get $p)))) (call $nl)
             (call $drop_pollable (local.get $p))
             (local.set $a (call $open (call $root) {hello}))
             (call $read_show (local.get $a) (i64.const 5) (i64.const 0))"
        ))),
        &[],
        &[],
        "input",
    );
    match out.status {
        Status::Trapped(message) => assert!(message.contains("resource has children"), "{message}"),
        other => panic!("expected a trap, got {other:?}: {}", text(&out.stdout)),
    }
    assert_eq!(text(&out.stdout), "");
}

/// `poll` with an empty list traps, as WASI says; with 10,000 pollables (distinct, or one
/// borrowed 10,000 times) it answers every index, and the file reads as before.
#[test]
fn poll_empty_and_ten_thousand() {
    let mut g = Guest::new().with_fs().import(POLL);
    let setup = open_hello(&mut g);
    traps_between(
        &embedded(),
        &mut g,
        &setup,
        HELLO_OK,
        "(call $poll (i32.const 0x100) (i32.const 0) (i32.const 0x180))",
        "unreachable",
    );

    for same in [false, true] {
        let mut g = Guest::new().with_fs().import(POLL);
        let setup = open_hello(&mut g);
        let (pollable, drops) = if same {
            (
                "(if (result i32) (local.get $i) (then (i32.load (local.get $list)))
                   (else (call $subscribe (local.get $s))))",
                "1",
            )
        } else {
            ("(call $subscribe (local.get $s))", "10000")
        };
        let body = format!(
            "(local $a i32) (local $s i32) (local $list i32) (local $i i32)
             {setup}
             (local.set $s (call $stream_at (local.get $a) (i64.const 0)))
             (local.set $list
               (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 40000)))
             (loop $fill
               (i32.store (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 2)))
                 {pollable})
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $fill (i32.lt_u (local.get $i) (i32.const 10000))))
             (call $poll (local.get $list) (i32.const 10000) (i32.const 0x180))
             ;; How many are ready, the first index and the last.
             (call $num (i64.extend_i32_u (i32.load (i32.const 0x184)))) (call $sp)
             (call $num (i64.load32_u (i32.load (i32.const 0x180)))) (call $sp)
             (call $num (i64.load32_u (i32.sub
               (i32.add (i32.load (i32.const 0x180))
                 (i32.shl (i32.load (i32.const 0x184)) (i32.const 2)))
               (i32.const 4))))
             (call $nl)
             (local.set $i (i32.const 0))
             (loop $drop
               (call $drop_pollable
                 (i32.load (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 2)))))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $drop (i32.lt_u (local.get $i) (i32.const {drops}))))
             (call $bread_show (local.get $s) (i64.const 100))
             (call $read_show (local.get $a) (i64.const 5) (i64.const 0))"
        );
        let out = exits(&embedded(), &g.main(&body));
        assert_eq!(
            out, "hello.txt: ok\nok\n10000 0 9999\nok 12 hello world\n\nok 5 hello\n",
            "same: {same}"
        );
    }
}

/// The same with a host directory passed through: the adapter's descriptor wraps the host's,
/// whose stream reads on after the drop, as it does without the adapter.
#[test]
fn a_host_files_stream_outlives_its_descriptor() {
    let policy = Policy::new("stdout allow; preopen \"/\" from host \"./hostdir\" readonly;")
        .with_file("hostdir/hello.txt", "hello world\n");
    let mut g = Guest::new().with_fs();
    let hello = g.str("hello.txt");
    let wasm = g.main(&format!(
        "(local $a i32) (local $s i32)
         (local.set $a (call $open (call $root) {hello}))
         (local.set $s (call $stream_at (local.get $a) (i64.const 6)))
         (call $drop_descriptor (local.get $a))
         (call $bread_show (local.get $s) (i64.const 100))
         (call $drop_input (local.get $s))"
    ));
    let out = exits(&policy, &wasm);
    assert_eq!(out, "hello.txt: ok\nok\nok 6 world\n\n");
    let host = policy.dir.path().join("hostdir");
    let preopen = PlainPreopen {
        host: &host,
        guest: "/",
        readonly: true,
    };
    assert_eq!(
        stdout_after_exit(&run_plain(&wasm, &[], &[preopen]), 0),
        out
    );
}
