//! A command that changes a directory every way `wasi:filesystem` can and prints one line per
//! call with its result (the WASI error code's name on failure), for the differential test of
//! writable in-memory directories against a host directory: the same run on both must print the
//! same lines. The directory is the preopen named by `ROOT` (default `/work`); `SCENARIO` picks
//! `ops` (the default), `limit` (writes against a 16-byte limit), `nested` (a tmpfs inside a
//! mount) or `readonly` (a generated sequence on a read-only tree, `readonly.rs`).

mod readonly;

use std::fmt::Debug;

use wasi::filesystem::types::{Descriptor, DescriptorFlags, ErrorCode, OpenFlags, PathFlags};

fn main() {
    let root_name = std::env::var("ROOT").unwrap_or_else(|_| "/work".into());
    let Some(root) = wasi::filesystem::preopens::get_directories()
        .into_iter()
        .find(|(_, name)| *name == root_name)
        .map(|(d, _)| d)
    else {
        println!("no preopen {root_name}");
        return;
    };
    match std::env::var("SCENARIO").as_deref() {
        Ok("limit") => limit(&root),
        Ok("nested") => nested(&root),
        Ok("readonly") => readonly::run(root),
        _ => ops(&root),
    }
}

fn show<T: Debug>(what: &str, result: Result<T, ErrorCode>) -> Option<T> {
    match result {
        Ok(value) => {
            println!("{what}: ok {value:?}");
            Some(value)
        }
        Err(e) => {
            println!("{what}: error {}", e.name());
            None
        }
    }
}

fn done(what: &str, result: Result<(), ErrorCode>) {
    show(what, result);
}

const RW: DescriptorFlags = DescriptorFlags::READ.union(DescriptorFlags::WRITE);

fn open(dir: &Descriptor, path: &str, open: OpenFlags, flags: DescriptorFlags) -> Result<Descriptor, ErrorCode> {
    dir.open_at(PathFlags::empty(), path, open, flags)
}

fn opened(what: &str, result: Result<Descriptor, ErrorCode>) -> Option<Descriptor> {
    match result {
        Ok(d) => {
            println!("{what}: ok");
            Some(d)
        }
        Err(e) => {
            println!("{what}: error {}", e.name());
            None
        }
    }
}

fn list(what: &str, dir: &Descriptor) {
    let names = dir.read_directory().and_then(|stream| {
        let mut names = Vec::new();
        while let Some(entry) = stream.read_directory_entry()? {
            names.push(format!("{}:{:?}", entry.name, entry.type_));
        }
        names.sort();
        Ok(names)
    });
    show(what, names);
}

fn read_all(what: &str, file: &Descriptor) {
    show(
        what,
        file.read(1 << 20, 0)
            .map(|(bytes, end)| (String::from_utf8_lossy(&bytes).into_owned(), end)),
    );
}

fn size(what: &str, dir: &Descriptor, path: &str) {
    show(
        what,
        dir.stat_at(PathFlags::empty(), path)
            .map(|s| (s.type_, s.size, s.link_count)),
    );
}

fn ops(root: &Descriptor) {
    list("list /", root);
    done("mkdir a", root.create_directory_at("a"));
    done("mkdir a again", root.create_directory_at("a"));
    done("mkdir x/y", root.create_directory_at("x/y"));
    let f = opened("create a/f.txt", open(root, "a/f.txt", OpenFlags::CREATE, RW));
    if let Some(f) = &f {
        show("write hello", f.write(b"hello", 0));
        show("write past the end", f.write(b"x", 10));
        read_all("read a/f.txt", f);
        show("stat a/f.txt", f.stat().map(|s| (s.type_, s.size)));
        let appended = f.append_via_stream().and_then(|s| {
            s.blocking_write_and_flush(b"!!")
                .map_err(|_| ErrorCode::Io)
        });
        done("append !!", appended);
        size("size after append", root, "a/f.txt");
        done("set-size 3", f.set_size(3));
        read_all("read after set-size", f);
    }
    opened("create exclusive a/f.txt", open(root, "a/f.txt", OpenFlags::CREATE | OpenFlags::EXCLUSIVE, RW));
    opened("create in a missing directory", open(root, "a/missing/x", OpenFlags::CREATE, RW));
    opened("a file as a directory", open(root, "a/f.txt/x", OpenFlags::empty(), DescriptorFlags::READ));
    opened("a directory for writing", open(root, "a", OpenFlags::empty(), RW));
    opened("a file with the directory flag", open(root, "a/f.txt", OpenFlags::DIRECTORY, DescriptorFlags::READ));
    opened("truncate a directory", open(root, "a", OpenFlags::TRUNCATE, DescriptorFlags::READ));
    opened("open a missing file", open(root, "a/nope", OpenFlags::empty(), DescriptorFlags::READ));
    if let Some(ro) = opened("open read-only", open(root, "a/f.txt", OpenFlags::empty(), DescriptorFlags::READ)) {
        show("write to a read-only descriptor", ro.write(b"no", 0));
    }
    if let Some(t) = opened("open with truncate", open(root, "a/f.txt", OpenFlags::TRUNCATE, RW)) {
        read_all("read after truncate", &t);
        show("write after truncate", t.write(b"abc", 0));
    }
    done("rename a/f.txt a/g.txt", root.rename_at("a/f.txt", root, "a/g.txt"));
    size("stat a/f.txt after rename", root, "a/f.txt");
    size("stat a/g.txt after rename", root, "a/g.txt");
    if let Some(g) = opened("create a/h.txt", open(root, "a/h.txt", OpenFlags::CREATE, RW)) {
        show("write h", g.write(b"h", 0));
    }
    done("rename over an existing file", root.rename_at("a/h.txt", root, "a/g.txt"));
    size("stat a/g.txt after rename over", root, "a/g.txt");
    done("mkdir b", root.create_directory_at("b"));
    done("rename a over empty b", root.rename_at("a", root, "b"));
    done("rename b into itself", root.rename_at("b", root, "b/c"));
    done("mkdir d", root.create_directory_at("d"));
    done("rename a file over a directory", root.rename_at("b/g.txt", root, "d"));
    done("rename a directory over a file", root.rename_at("d", root, "b/g.txt"));
    done("remove a non-empty directory", root.remove_directory_at("b"));
    done("unlink a directory", root.unlink_file_at("d"));
    done("rmdir a file", root.remove_directory_at("b/g.txt"));
    list("list / after changes", root);
    if let Some(b) = opened("open b", open(root, "b", OpenFlags::DIRECTORY, DescriptorFlags::READ)) {
        list("list b", &b);
        opened("escape with ..", open(&b, "../../x", OpenFlags::empty(), DescriptorFlags::READ));
        opened("up and down with ..", open(&b, "../b/g.txt", OpenFlags::empty(), DescriptorFlags::READ));
        show("stat b", b.stat().map(|s| s.type_));
        println!("b is b: {}", b.is_same_object(&b));
    }
    opened("an absolute path", open(root, "/etc/passwd", OpenFlags::empty(), DescriptorFlags::READ));
    done("unlink a missing file", root.unlink_file_at("nope"));
    done("unlink b/g.txt", root.unlink_file_at("b/g.txt"));
    done("rmdir b", root.remove_directory_at("b"));
    done("rmdir d", root.remove_directory_at("d"));
    done("rmdir x", root.remove_directory_at("x"));
    list("list / at the end", root);
}

fn limit(root: &Descriptor) {
    let Some(f) = opened("create f", open(root, "f", OpenFlags::CREATE, RW)) else {
        return;
    };
    show("write 10", f.write(&[b'a'; 10], 0));
    show("write 10 more", f.write(&[b'b'; 10], 10));
    show("write 6 more", f.write(&[b'c'; 6], 10));
    done("grow to 100", f.set_size(100));
    size("size", root, "f");
    done("truncate to 0", f.set_size(0));
    show("write 16", f.write(&[b'd'; 16], 0));
    let g = opened("create g", open(root, "g", OpenFlags::CREATE, RW));
    if let Some(g) = g {
        show("write 1 to g", g.write(b"e", 0));
    }
    // Closed first: an unlinked file that is still open keeps its bytes, as on Linux.
    drop(f);
    done("unlink f", root.unlink_file_at("f"));
    if let Some(g) = opened("open g", open(root, "g", OpenFlags::empty(), RW)) {
        show("write 1 to g after unlink", g.write(b"e", 0));
    }
}

/// A writable tree inside the preopen's tree at `tmp`: reached through the parent's descriptor as
/// through its own preopen (`NESTED`, default `/work/tmp`).
fn nested(root: &Descriptor) {
    list("list /", root);
    let tmp = opened("open tmp", open(root, "tmp", OpenFlags::DIRECTORY, DescriptorFlags::READ));
    if let Some(x) = opened("create tmp/x", open(root, "tmp/x", OpenFlags::CREATE, RW)) {
        show("write hi", x.write(b"hi", 0));
    }
    if let Some(tmp) = &tmp {
        list("list tmp", tmp);
    }
    size("stat tmp/x", root, "tmp/x");
    done("mkdir tmp/d", root.create_directory_at("tmp/d"));
    done("rename tmp/x tmp/d/y", root.rename_at("tmp/x", root, "tmp/d/y"));
    done("unlink readme.txt", root.unlink_file_at("readme.txt"));
    let name = std::env::var("NESTED").unwrap_or_else(|_| "/work/tmp".into());
    match wasi::filesystem::preopens::get_directories()
        .into_iter()
        .find(|(_, n)| *n == name)
    {
        Some((own, _)) => {
            list("list the tmpfs's own preopen", &own);
            size("stat d/y there", &own, "d/y");
        }
        None => println!("no preopen {name}"),
    }
}
