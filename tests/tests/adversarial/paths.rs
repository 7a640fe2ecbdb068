//! Adversarial components, paths: every trick to leave a directory (`..`, absolute paths,
//! links, NUL, overlong), paths that are not UTF-8, host directories passed through, and
//! listings read past their end.

use super::*;

/// Prints every preopen's name.
const PREOPENS: &str = r#"
  (func $preopens
    (local $i i32) (local $at i32)
    (call $get_directories (i32.const 0x90))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0x94))))
      (local.set $at (i32.add (i32.load (i32.const 0x90)) (i32.mul (local.get $i) (i32.const 12))))
      (call $line (i32.load offset=4 (local.get $at)) (i32.load offset=8 (local.get $at)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))"#;

const SYMLINK_AT: &str = r#"(import "wasi:filesystem/types@0.2.6" "[method]descriptor.symlink-at"
    (func $symlink_at (param i32 i32 i32 i32 i32 i32)))"#;

/// Every path trick to leave a directory: `..`, absolute paths, links (in the image, and made
/// by the guest in a tmpfs), empty, NUL, overlong. Inside the image every file is granted, so
/// the answers are compared with wasmtime's own WASI over the same files on the host, where
/// leaving a preopen or a directory opened from it is never allowed either; and the secret next
/// to the tree, which no policy here grants, is never read.
#[test]
fn paths_never_leave_their_directory() {
    let policy = tree(
        "mount \"/data\" from \"./tree\"; file \"/etc/passwd\" = \"granted elsewhere\"; \
         tmpfs \"/t\";",
    );
    let mut g = Guest::new().with_fs().import(SYMLINK_AT).func(PREOPENS);
    let mut body = String::from("(local $d i32) (local $t i32) (local $f i32)\n(call $preopens)\n");
    let data = g.str("data");
    body.push_str(&format!(
        "(local.set $d (call $open (call $root) {data}))\n"
    ));
    body.push_str("(local.set $t (call $preopen (i32.const 1)))\n");
    for (target, link) in [
        ("../etc/passwd", "up"),
        ("/etc/passwd", "abs"),
        ("..", "parent"),
    ] {
        let (target, link) = (g.str(target), g.str(link));
        body.push_str(&format!(
            "(call $symlink_at (local.get $t) {target} {link} (i32.const 0x100))
             (drop (call $fs_unit (i32.const 0x100)))\n"
        ));
    }
    let long = "a/".repeat(2100);
    let long_name = "n".repeat(300);
    let from_data: Vec<&str> = vec![
        "hello.txt",
        "..",
        "../etc/passwd",
        "/etc/passwd",
        "sub/../../etc/passwd",
        "./../etc/passwd",
        "here/../../etc/passwd",
        "here/here/../../etc/passwd",
        "../data/hello.txt",
        "sub/up/../hello.txt",
        "hello.txt/..",
        "sub//a.txt",
        "sub/./a.txt",
        "",
        "hello.txt\0",
        "hello.txt\0/../../etc/passwd",
        &long,
        &long_name,
        "../../../../secret.key",
        "../secret.key",
    ];
    let from_root = [
        "..",
        "/secret.key",
        "../secret.key",
        "data/../../secret.key",
        "etc/passwd",
    ];
    let from_tmpfs = [
        "..",
        "../etc/passwd",
        "/etc/passwd",
        "up",
        "abs",
        "parent/etc/passwd",
        "up\0",
        &long,
        &long_name,
    ];
    for (dir, paths) in [
        ("$d", &from_data[..]),
        ("(call $root)", &from_root[..]),
        ("$t", &from_tmpfs[..]),
    ] {
        for path in paths {
            let path = g.str(path);
            let dir = if dir.starts_with('$') {
                format!("(local.get {dir})")
            } else {
                dir.into()
            };
            body.push_str(&format!(
                "(local.set $f (call $open {dir} {path}))
                 (if (i32.ne (local.get $f) (i32.const -1)) (then
                   (call $read_show (local.get $f) (i64.const 5) (i64.const 0))
                   (call $drop_descriptor (local.get $f))))\n"
            ));
        }
    }
    let hello = g.str("hello.txt");
    body.push_str(&format!(
        "(local.set $f (call $open (local.get $d) {hello}))
         (call $read_show (local.get $f) (i64.const 100) (i64.const 0))"
    ));
    let wasm = g.main(&body);
    let out = exits(&policy, &wasm);
    assert!(!out.contains("SECRET"), "{out}");

    // The same files on the host, for wasmtime.
    let host = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&policy.dir.path().join("tree"), &host.path().join("data"));
    std::fs::create_dir(host.path().join("etc")).unwrap();
    std::fs::write(host.path().join("etc/passwd"), "granted elsewhere").unwrap();
    // The secret next to the preopen, as next to the tree.
    let secret_dir = tempfile::tempdir().unwrap();
    std::fs::write(secret_dir.path().join("secret.key"), "TOP SECRET").unwrap();
    let reference = run_plain(
        &wasm,
        &[],
        &[
            PlainPreopen {
                host: host.path(),
                guest: "/",
                readonly: true,
            },
            PlainPreopen {
                host: tmp.path(),
                guest: "/t",
                readonly: false,
            },
        ],
    );
    let reference = stdout_after_exit(&reference, 0);
    // Every path answers as wasmtime's preopens do.
    assert_eq!(out, reference);
    let expected = [
        "/",
        "/t",
        "data: ok",
        // The tmpfs's links: a relative target is stored (and never followed out), an absolute
        // one refused.
        "ok",
        "err not-permitted",
        "ok",
        "hello.txt: ok",
        "ok 5 hello",
        "..: err not-permitted",
        "../etc/passwd: err not-permitted",
        "/etc/passwd: err not-permitted",
        "sub/../../etc/passwd: err not-permitted",
        "./../etc/passwd: err not-permitted",
        "here/../../etc/passwd: err not-permitted",
        "here/here/../../etc/passwd: err not-permitted",
        "../data/hello.txt: err not-permitted",
        "sub/up/../hello.txt: err not-directory",
        "hello.txt/..: err not-directory",
        "sub//a.txt: ok",
        "ok 1 A",
        "sub/./a.txt: ok",
        "ok 1 A",
        ": err no-entry",
        "hello.txt\0: err invalid",
        "hello.txt\0/../../etc/passwd: err invalid",
        &format!("{long}: err name-too-long"),
        &format!("{long_name}: err name-too-long"),
        "../../../../secret.key: err not-permitted",
        "../secret.key: err not-permitted",
        // From the root.
        "..: err not-permitted",
        "/secret.key: err not-permitted",
        "../secret.key: err not-permitted",
        "data/../../secret.key: err not-permitted",
        "etc/passwd: ok",
        "ok 5 grant",
        // From the tmpfs.
        "..: err not-permitted",
        "../etc/passwd: err not-permitted",
        "/etc/passwd: err not-permitted",
        "up: err not-permitted",
        "abs: err no-entry",
        "parent/etc/passwd: err not-permitted",
        "up\0: err invalid",
        &format!("{long}: err name-too-long"),
        &format!("{long_name}: err name-too-long"),
        // And the tree reads as before.
        "hello.txt: ok",
        "ok 12 hello world",
        "",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}

/// Copies a directory tree, links as links.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), dst).unwrap();
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Paths that are not UTF-8: lifting the string traps before the adapter sees it.
#[test]
fn paths_that_are_not_utf8_trap() {
    for bytes in [
        &b"\xff\xfe"[..],
        b"hello.txt\xc0\xaf",
        b"\xed\xa0\x80",
        b"a\x80",
    ] {
        let mut g = Guest::new().with_fs();
        let setup = open_hello(&mut g);
        let path = g.bytes(bytes);
        let call = format!("(drop (call $open (call $root) {path}))");
        // `$open` prints the path first.
        let printed = HELLO_OK;
        let before = g.str("before");
        let after = g.str("after");
        let wasm = g.main(&format!(
            "(local $a i32)\n{setup}\n(call $line {before})\n{call}\n(call $line {after})"
        ));
        let (message, stdout) = traps(&embedded(), &wasm);
        let mut label = bytes.to_vec();
        label.extend(b": ");
        let expected = [printed.as_bytes(), b"before\n", &label].concat();
        assert_eq!(stdout, text(&expected), "{message}");
        assert!(message.contains("invalid utf8"), "{bytes:?}: {message}");
    }
}

/// A host directory passed through: the host keeps the guest inside it, whatever the path or
/// link, and the adapter adds nothing it could be tricked by.
#[test]
fn host_preopens_keep_their_secrets() {
    let policy = Policy::new("stdout allow; preopen \"/h\" from host \"./hostdir\" readonly;")
        .with_file("hostdir/ok.txt", "fine")
        .with_symlink("hostdir/out", "../secret.key")
        .with_file("secret.key", "TOP SECRET");
    let absolute = policy.dir.path().join("secret.key");
    let mut g = Guest::new().with_fs();
    let mut body = String::from("(local $f i32)\n");
    for path in [
        "ok.txt",
        "out",
        "../secret.key",
        "/secret.key",
        absolute.to_str().unwrap(),
        "./../hostdir/ok.txt",
    ] {
        let path = g.str(path);
        body.push_str(&format!(
            "(local.set $f (call $open (call $root) {path}))
             (if (i32.ne (local.get $f) (i32.const -1)) (then
               (call $read_show (local.get $f) (i64.const 100) (i64.const 0))))\n"
        ));
    }
    let out = exits(&policy, &g.main(&body));
    assert!(!out.contains("SECRET"), "{out}");
    assert_eq!(
        out,
        format!(
            "ok.txt: ok\nok 4 fine\nout: err not-permitted\n../secret.key: err not-permitted\n\
             /secret.key: err not-permitted\n{}: err not-permitted\n\
             ./../hostdir/ok.txt: err not-permitted\n",
            absolute.display()
        )
    );
}

/// `read-directory-entry` after the end keeps answering the end; a listing of a file is an
/// error; the tree is listed the same afterwards.
#[test]
fn directory_entries_after_the_end() {
    let list = r#"
  (func $list (param $dir i32)
    (local $s i32) (local $n i32)
    (call $read_directory (local.get $dir) (i32.const 0x100))
    (local.set $s (call $fs_result (i32.const 0x100)))
    (if (i32.eq (local.get $s) (i32.const -1)) (then (return)))
    (loop $next
      (call $next_entry (local.get $s) (i32.const 0x100))
      (if (i32.load8_u (i32.const 0x100))
        (then (call $err) (call $code (i32.load8_u (i32.const 0x104))))
        (else (if (i32.load8_u (i32.const 0x104))
          (then (call $print (i32.load (i32.const 0x10c)) (i32.load (i32.const 0x110))))
          (else (call $none) (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
      (call $nl)
      (br_if $next (i32.lt_u (local.get $n) (i32.const 4))))
    (call $drop_entries (local.get $s)))"#;
    for (policy, is_tmpfs) in [(embedded(), false), (tmpfs(), true)] {
        let mut g = Guest::new()
            .with_fs()
            .import(WRITE)
            .import(READ_DIRECTORY)
            .func(list);
        let create = create_hello(&mut g, is_tmpfs);
        let setup = open_hello(&mut g);
        let out = exits(
            &policy,
            &g.main(&format!(
                "(local $a i32)
                 {create}
                 {setup}
                 (call $list (call $root))
                 (call $list (local.get $a))
                 (call $list (call $root))"
            )),
        );
        let listing = if is_tmpfs {
            "ok\nhello.txt\nnone\nnone\nnone\nnone\n"
        } else {
            "ok\nhello.txt\nhere\nsub\nnone\nnone\nnone\nnone\n"
        };
        assert_eq!(
            out,
            format!(
                "{}hello.txt: ok\n{listing}err not-directory\n{listing}",
                created(is_tmpfs)
            ),
            "tmpfs: {is_tmpfs}"
        );
    }
}
