//! The in-memory tree's unit tests: every operation against what Linux answers through
//! wasmtime (cap-std), limit accounting, copy-on-write over an image.
use std::cell::Cell;

use super::*;
use crate::image::ImageBuilder;

std::thread_local! {
    static CLOCK: Cell<u64> = const { Cell::new(1000) };
}

/// Every reading one second later.
fn clock() -> Time {
    CLOCK.with(|c| {
        c.set(c.get() + 1);
        Time {
            seconds: c.get(),
            nanoseconds: 0,
        }
    })
}

const NONE: OpenFlags = OpenFlags {
    create: false,
    exclusive: false,
    truncate: false,
    directory: false,
};
const CREATE: OpenFlags = OpenFlags {
    create: true,
    ..NONE
};
const CREATE_NEW: OpenFlags = OpenFlags {
    create: true,
    exclusive: true,
    ..NONE
};
const TRUNCATE: OpenFlags = OpenFlags {
    truncate: true,
    ..NONE
};
const DIRECTORY: OpenFlags = OpenFlags {
    directory: true,
    ..NONE
};

/// An image: `/etc/motd` = "hello", `/etc/app.toml`, `/etc/link` → `motd`, `/etc/sub/`,
/// `/etc/up` → `../etc/motd`, `/etc/out` → `../../x`, `/etc/abs` → `/x`, `/etc/loop` →
/// `loop`, `/etc/host` (a host file), `/big` (10 bytes); returns it and the root's index.
fn image() -> (Vec<u8>, u32) {
    let mut b = ImageBuilder::new();
    let root = b.root();
    let etc = b.dir(root, "etc").unwrap();
    b.file(etc, "motd", b"hello").unwrap();
    b.file(etc, "app.toml", b"x = 1").unwrap();
    b.symlink(etc, "link", "motd").unwrap();
    b.dir(etc, "sub").unwrap();
    b.symlink(etc, "up", "../etc/motd").unwrap();
    b.symlink(etc, "out", "../../x").unwrap();
    b.symlink(etc, "abs", "/x").unwrap();
    b.symlink(etc, "loop", "loop").unwrap();
    b.host_file(etc, "host", 0).unwrap();
    b.file(root, "big", b"0123456789").unwrap();
    let (bytes, index) = b.finish().unwrap();
    (bytes, index[root])
}

fn empty(limit: Option<u64>) -> MemFs<'static> {
    MemFs::new(Image::empty(), None, limit, clock).unwrap()
}

fn mounted(bytes: &[u8], root: u32, limit: Option<u64>) -> MemFs<'_> {
    MemFs::new(Image::new(bytes).unwrap(), Some(root), limit, clock).unwrap()
}

fn create(fs: &mut MemFs<'_>, path: &str) -> Fd {
    let root = fs.root();
    let fd = fs.open_at(root, false, path, CREATE, true, true).unwrap();
    fs.close(root.node);
    fd
}

fn contents(fs: &mut MemFs<'_>, path: &str) -> Result<Vec<u8>, FsError> {
    let root = fs.root();
    let fd = fs.open_at(root, true, path, NONE, true, false)?;
    let data = fs.read(fd, u64::MAX, 0);
    fs.close(fd.node);
    data
}

fn names(fs: &mut MemFs<'_>, path: &str) -> Vec<String> {
    let root = fs.root();
    let fd = if path == "." {
        root
    } else {
        fs.open_at(root, true, path, DIRECTORY, true, false)
            .unwrap()
    };
    let names = match fs.read_directory(fd).unwrap() {
        Listing::Entries(entries) => entries
            .into_iter()
            .map(|(n, _)| String::from_utf8(n).unwrap())
            .collect(),
        Listing::Image { first, end } => (first..end)
            .map(|i| String::from_utf8(fs.image.node(i).name.to_vec()).unwrap())
            .collect(),
    };
    if fd != root {
        fs.close(fd.node);
    }
    fs.close(root.node);
    names
}

#[test]
fn creates_writes_reads_and_appends() {
    let mut fs = empty(None);
    let root = fs.root();
    let fd = create(&mut fs, "a.txt");
    assert_eq!(fs.write(fd, b"hello", Some(0)), Ok(5));
    assert_eq!(fs.write(fd, b" world", None), Ok(6));
    assert_eq!(fs.read(fd, 100, 0).unwrap(), b"hello world");
    assert_eq!(fs.read(fd, 3, 6).unwrap(), b"wor");
    assert_eq!(fs.read(fd, 3, 50).unwrap(), b"");
    assert_eq!(fs.read(fd, 0, 0).unwrap(), b"");
    let stat = fs.stat(fd).unwrap();
    assert_eq!(
        (stat.kind, stat.size, stat.link_count),
        (FileKind::File, 11, 1)
    );
    assert_eq!(fs.stat_at(root, false, "a.txt").unwrap().size, 11);
    assert_eq!(fs.used(), 11);
    // Overwriting inside the file costs nothing more.
    assert_eq!(fs.write(fd, b"J", Some(0)), Ok(1));
    assert_eq!(fs.used(), 11);
    assert_eq!(contents(&mut fs, "a.txt").unwrap(), b"Jello world");
    // An empty write changes nothing, even past the end.
    assert_eq!(fs.write(fd, b"", Some(100)), Ok(0));
    assert_eq!(fs.stat(fd).unwrap().size, 11);
    assert_eq!(fs.kind(fd), Ok(FileKind::File));
    assert_eq!(fs.kind(root), Ok(FileKind::Directory));
}

#[test]
fn writing_past_the_end_leaves_a_hole_of_zeros() {
    let mut fs = empty(None);
    let fd = create(&mut fs, "sparse");
    fs.write(fd, b"ab", Some(0)).unwrap();
    fs.write(fd, b"xyz", Some(10)).unwrap();
    assert_eq!(fs.read(fd, 100, 0).unwrap(), b"ab\0\0\0\0\0\0\0\0xyz");
    assert_eq!(fs.used(), 13);
    fs.write_zeros(fd, 2, None).unwrap();
    assert_eq!(fs.stat(fd).unwrap().size, 15);
    fs.write_zeros(fd, 1, Some(0)).unwrap();
    assert_eq!(fs.read(fd, 2, 0).unwrap(), b"\0b");
    assert_eq!(fs.write(fd, b"x", Some(u64::MAX)), Err(FsError::Invalid));
    assert_eq!(
        fs.write(fd, b"x", Some(i64::MAX as u64)),
        Err(FsError::Invalid)
    );
    assert_eq!(fs.read(fd, 1, u64::MAX), Err(FsError::Invalid));
    assert_eq!(fs.read(fd, 2, i64::MAX as u64), Err(FsError::Invalid));
    assert_eq!(fs.read(fd, 1, i64::MAX as u64 - 1).unwrap(), b"");
}

#[test]
fn set_size_and_open_truncate() {
    let mut fs = empty(None);
    let root = fs.root();
    let fd = create(&mut fs, "f");
    fs.write(fd, b"0123456789", Some(0)).unwrap();
    fs.set_size(fd, 4).unwrap();
    assert_eq!(fs.read(fd, 100, 0).unwrap(), b"0123");
    assert_eq!(fs.used(), 4);
    fs.set_size(fd, 6).unwrap();
    assert_eq!(fs.read(fd, 100, 0).unwrap(), b"0123\0\0");
    assert_eq!(fs.used(), 6);
    let t = fs
        .open_at(root, false, "f", TRUNCATE, false, false)
        .unwrap();
    assert_eq!(fs.stat(t).unwrap().size, 0);
    assert_eq!(fs.used(), 0);
    // `truncate` opens for writing and reading.
    assert!(t.write && t.read);
    assert_eq!(fs.set_size(t, u64::MAX), Err(FsError::Invalid));
    // Only a descriptor open for writing may resize.
    let r = fs.open_at(root, false, "f", NONE, true, false).unwrap();
    assert_eq!(fs.set_size(r, 1), Err(FsError::Invalid));
    assert_eq!(fs.set_size(root, 1), Err(FsError::BadDescriptor));
}

#[test]
fn the_limit_refuses_and_changes_nothing() {
    let mut fs = empty(Some(10));
    let a = create(&mut fs, "a");
    assert_eq!(fs.write(a, b"12345678", Some(0)), Ok(8));
    assert_eq!(fs.write(a, b"abc", None), Err(FsError::InsufficientSpace));
    assert_eq!(fs.read(a, 100, 0).unwrap(), b"12345678");
    assert_eq!(fs.set_size(a, 11), Err(FsError::InsufficientSpace));
    // A hole counts as written.
    assert_eq!(fs.write(a, b"z", Some(10)), Err(FsError::InsufficientSpace));
    assert_eq!(fs.write(a, b"z", Some(9)), Ok(1));
    assert_eq!(fs.used(), 10);
    assert_eq!(fs.read(a, 100, 0).unwrap(), b"12345678\0z");
    // Another file shares the budget; truncating releases it.
    let b = create(&mut fs, "b");
    assert_eq!(fs.write(b, b"x", Some(0)), Err(FsError::InsufficientSpace));
    fs.set_size(a, 4).unwrap();
    assert_eq!(fs.write(b, b"xxxxxx", Some(0)), Ok(6));
    assert_eq!(fs.used(), 10);
    // Removing a file releases its bytes once nothing refers to it.
    let root = fs.root();
    fs.unlink_file_at(root, "b").unwrap();
    assert_eq!(fs.used(), 10);
    assert_eq!(fs.read(b, 100, 0).unwrap(), b"xxxxxx");
    fs.close(b.node);
    assert_eq!(fs.used(), 4);
    assert_eq!(fs.write_zeros(a, 7, None), Err(FsError::InsufficientSpace));
    assert_eq!(fs.write_zeros(a, 6, None), Ok(6));
}

#[test]
fn embedded_files_are_copied_on_write_and_counted_whole() {
    let (bytes, root_index) = image();
    let mut fs = mounted(&bytes, root_index, Some(12));
    let root = fs.root();
    assert_eq!(contents(&mut fs, "etc/motd").unwrap(), b"hello");
    assert_eq!(fs.used(), 0);
    let big = fs.open_at(root, false, "big", NONE, true, true).unwrap();
    assert_eq!(fs.stat(big).unwrap().size, 10);
    assert_eq!(fs.used(), 0);
    fs.write(big, b"X", Some(0)).unwrap();
    assert_eq!(fs.used(), 10);
    assert_eq!(fs.read(big, 100, 0).unwrap(), b"X123456789");
    // The image itself is untouched.
    let image = Image::new(&bytes).unwrap();
    let node = image.lookup(root_index, b"big").unwrap();
    assert_eq!(image.data(&node), b"0123456789");
    // Copying `motd` (5 bytes, plus 1) would pass 12.
    let motd = fs
        .open_at(root, false, "etc/motd", NONE, false, true)
        .unwrap();
    assert_eq!(fs.write(motd, b"!", None), Err(FsError::InsufficientSpace));
    assert_eq!(contents(&mut fs, "etc/motd").unwrap(), b"hello");
    fs.set_size(big, 2).unwrap();
    assert_eq!(fs.used(), 2);
    assert_eq!(fs.write(motd, b"!", None), Ok(1));
    assert_eq!(fs.used(), 8);
    assert_eq!(contents(&mut fs, "etc/motd").unwrap(), b"hello!");
    // Resizing an untouched embedded file to its own size copies nothing.
    let app = fs
        .open_at(root, false, "etc/app.toml", NONE, false, true)
        .unwrap();
    fs.set_size(app, 5).unwrap();
    assert_eq!(fs.used(), 8);
    // Opening one with `truncate` costs nothing either.
    let app = fs
        .open_at(root, false, "etc/app.toml", TRUNCATE, false, false)
        .unwrap();
    assert_eq!(fs.stat(app).unwrap().size, 0);
    assert_eq!(fs.used(), 8);
    // Nor does shrinking one: it counts what is left.
    let mut fs = mounted(&bytes, root_index, None);
    let root = fs.root();
    let big = fs.open_at(root, false, "big", NONE, true, true).unwrap();
    fs.set_size(big, 3).unwrap();
    assert_eq!(fs.used(), 3);
    assert_eq!(fs.read(big, 100, 0).unwrap(), b"012");
    // A host file node (only the host could serve it) is an empty file here.
    assert_eq!(contents(&mut fs, "etc/host").unwrap(), b"");
}

#[test]
fn listings_follow_the_changes() {
    let (bytes, root_index) = image();
    let mut fs = mounted(&bytes, root_index, None);
    let root = fs.root();
    assert!(matches!(fs.read_directory(root), Ok(Listing::Image { .. })));
    assert_eq!(names(&mut fs, "."), ["big", "etc"]);
    assert_eq!(
        names(&mut fs, "etc"),
        [
            "abs", "app.toml", "host", "link", "loop", "motd", "out", "sub", "up"
        ]
    );
    // Reading and writing files changes no listing.
    let motd = fs
        .open_at(root, false, "etc/motd", NONE, true, true)
        .unwrap();
    fs.write(motd, b"x", Some(0)).unwrap();
    let etc = fs.open_at(root, false, "etc", NONE, true, false).unwrap();
    assert!(matches!(fs.read_directory(etc), Ok(Listing::Image { .. })));
    create(&mut fs, "etc/new");
    fs.unlink_file_at(root, "etc/app.toml").unwrap();
    fs.create_directory_at(root, "etc/d").unwrap();
    assert_eq!(
        fs.read_directory(etc).unwrap(),
        Listing::Entries(
            [
                ("abs", FileKind::Symlink),
                ("d", FileKind::Directory),
                ("host", FileKind::File),
                ("link", FileKind::Symlink),
                ("loop", FileKind::Symlink),
                ("motd", FileKind::File),
                ("new", FileKind::File),
                ("out", FileKind::Symlink),
                ("sub", FileKind::Directory),
                ("up", FileKind::Symlink),
            ]
            .into_iter()
            .map(|(n, k)| (n.as_bytes().to_vec(), k))
            .collect()
        )
    );
    // The same nodes as before: the written file kept its contents.
    assert_eq!(contents(&mut fs, "etc/motd").unwrap(), b"xello");
    assert_eq!(names(&mut fs, "."), ["big", "etc"]);
    // Subdirectories count in a directory's link count.
    assert_eq!(fs.stat(etc).unwrap().link_count, 4);
    assert_eq!(fs.stat(root).unwrap().link_count, 3);
    assert_eq!(fs.stat(root).unwrap().size, DIRECTORY_SIZE);
    assert_eq!(fs.read_directory(motd), Err(FsError::NotDirectory));
}

#[test]
fn renames_replace_like_posix() {
    let mut fs = empty(None);
    let root = fs.root();
    let a = create(&mut fs, "a");
    fs.write(a, b"aaa", Some(0)).unwrap();
    let b = create(&mut fs, "b");
    fs.write(b, b"bb", Some(0)).unwrap();
    fs.rename_at(root, "a", root, "b").unwrap();
    assert_eq!(contents(&mut fs, "b").unwrap(), b"aaa");
    assert_eq!(contents(&mut fs, "a"), Err(FsError::NoEntry));
    // The replaced file lives on while open.
    assert_eq!(fs.stat(b).unwrap().link_count, 0);
    assert_eq!(fs.read(b, 10, 0).unwrap(), b"bb");
    assert_eq!(fs.used(), 5);
    fs.close(b.node);
    assert_eq!(fs.used(), 3);
    // Into another directory, with a trailing slash on the new name.
    fs.create_directory_at(root, "d").unwrap();
    fs.rename_at(root, "b", root, "d/c/").unwrap();
    assert_eq!(contents(&mut fs, "d/c").unwrap(), b"aaa");
    assert_eq!(names(&mut fs, "."), ["d"]);
    // Onto itself: nothing happens.
    fs.rename_at(root, "d/c", root, "d/./c").unwrap();
    assert_eq!(contents(&mut fs, "d/c").unwrap(), b"aaa");
    // A file is not a directory.
    assert_eq!(
        fs.rename_at(root, "d/c/", root, "e"),
        Err(FsError::NotDirectory)
    );
    assert_eq!(
        fs.rename_at(root, "missing", root, "e"),
        Err(FsError::NoEntry)
    );
    assert_eq!(
        fs.rename_at(root, "d/c", root, "nope/e"),
        Err(FsError::NoEntry)
    );
    assert_eq!(fs.rename_at(root, ".", root, "e"), Err(FsError::Busy));
    assert_eq!(fs.rename_at(root, "d/c", root, "d/.."), Err(FsError::Busy));
    assert_eq!(fs.rename_at(root, "d/c", root, ""), Err(FsError::NoEntry));
    assert_eq!(
        fs.rename_at(root, "d/c", root, "/e"),
        Err(FsError::NotPermitted)
    );
    assert_eq!(
        fs.rename_at(root, "d/c", root, "../e"),
        Err(FsError::NotPermitted)
    );
}

#[test]
fn renaming_directories() {
    let mut fs = empty(None);
    let root = fs.root();
    for d in ["a", "a/b", "c", "full", "full/x"] {
        fs.create_directory_at(root, d).unwrap();
    }
    create(&mut fs, "f");
    create(&mut fs, "a/g");
    // Into itself or below itself.
    assert_eq!(
        fs.rename_at(root, "a", root, "a/b/z"),
        Err(FsError::Invalid)
    );
    assert_eq!(fs.rename_at(root, "a", root, "a/z"), Err(FsError::Invalid));
    // Onto one of its ancestors.
    assert_eq!(fs.rename_at(root, "a/b", root, "a"), Err(FsError::NotEmpty));
    assert_eq!(fs.rename_at(root, "a/g", root, "a"), Err(FsError::NotEmpty));
    // Kinds.
    assert_eq!(
        fs.rename_at(root, "a", root, "f"),
        Err(FsError::NotDirectory)
    );
    assert_eq!(
        fs.rename_at(root, "f", root, "c"),
        Err(FsError::IsDirectory)
    );
    assert_eq!(
        fs.rename_at(root, "a", root, "full"),
        Err(FsError::NotEmpty)
    );
    // Onto an empty directory: replaced.
    let c = fs.open_at(root, false, "c", NONE, true, false).unwrap();
    fs.rename_at(root, "a", root, "c").unwrap();
    assert_eq!(names(&mut fs, "c"), ["b", "g"]);
    assert_eq!(fs.stat(c).unwrap().link_count, 0);
    assert_eq!(
        fs.open_at(c, false, "new", CREATE, true, true),
        Err(FsError::NoEntry)
    );
    // `..` follows the move.
    fs.remove_directory_at(root, "full/x").unwrap();
    fs.rename_at(root, "c/", root, "full/moved").unwrap();
    let b = fs
        .open_at(root, false, "full/moved/b", NONE, true, false)
        .unwrap();
    let up = fs
        .open_at(root, false, "full/moved/b/../..", NONE, true, false)
        .unwrap();
    assert_eq!(
        fs.metadata_hash(up),
        fs.metadata_hash_at(root, false, "full")
    );
    assert_eq!(fs.stat_at(b, false, "../g"), Err(FsError::NotPermitted));
    let g = fs.stat_at(root, false, "full/moved/b/../g").unwrap();
    assert_eq!(g.kind, FileKind::File);
    assert_eq!(names(&mut fs, "."), ["f", "full"]);
}

#[test]
fn removing() {
    let (bytes, root_index) = image();
    let mut fs = mounted(&bytes, root_index, None);
    let root = fs.root();
    assert_eq!(fs.remove_directory_at(root, "etc"), Err(FsError::NotEmpty));
    assert_eq!(
        fs.remove_directory_at(root, "big"),
        Err(FsError::NotDirectory)
    );
    assert_eq!(
        fs.remove_directory_at(root, "etc/link"),
        Err(FsError::NotDirectory)
    );
    assert_eq!(fs.remove_directory_at(root, "."), Err(FsError::Invalid));
    assert_eq!(
        fs.remove_directory_at(root, "etc/sub/"),
        Err(FsError::Invalid)
    );
    assert_eq!(
        fs.remove_directory_at(root, "etc/.."),
        Err(FsError::Invalid)
    );
    assert_eq!(
        fs.remove_directory_at(root, ".."),
        Err(FsError::NotPermitted)
    );
    assert_eq!(fs.remove_directory_at(root, "nope"), Err(FsError::NoEntry));
    assert_eq!(fs.remove_directory_at(root, ""), Err(FsError::NoEntry));
    assert_eq!(fs.unlink_file_at(root, "etc"), Err(FsError::IsDirectory));
    assert_eq!(fs.unlink_file_at(root, "."), Err(FsError::IsDirectory));
    assert_eq!(fs.unlink_file_at(root, "big/"), Err(FsError::NotDirectory));
    assert_eq!(fs.unlink_file_at(root, "nope"), Err(FsError::NoEntry));
    // A link goes, not its target.
    fs.unlink_file_at(root, "etc/link").unwrap();
    assert_eq!(contents(&mut fs, "etc/motd").unwrap(), b"hello");
    fs.remove_directory_at(root, "etc/sub").unwrap();
    assert_eq!(fs.stat_at(root, false, "etc/sub"), Err(FsError::NoEntry));
    for name in ["abs", "app.toml", "host", "loop", "motd", "out", "up"] {
        fs.unlink_file_at(root, &format!("etc/{name}")).unwrap();
    }
    fs.remove_directory_at(root, "etc").unwrap();
    assert_eq!(names(&mut fs, "."), ["big"]);
}

#[test]
fn paths_stay_beneath_the_descriptor() {
    let (bytes, root_index) = image();
    let mut fs = mounted(&bytes, root_index, None);
    let root = fs.root();
    let open = |fs: &mut MemFs<'_>, base: Fd, path: &str| {
        fs.open_at(base, true, path, NONE, true, false)
            .map(|fd| fd.node)
    };
    assert_eq!(open(&mut fs, root, ".."), Err(FsError::NotPermitted));
    assert_eq!(open(&mut fs, root, "../etc"), Err(FsError::NotPermitted));
    assert_eq!(
        open(&mut fs, root, "etc/../../x"),
        Err(FsError::NotPermitted)
    );
    assert_eq!(open(&mut fs, root, "/etc"), Err(FsError::NotPermitted));
    assert_eq!(open(&mut fs, root, "etc/out"), Err(FsError::NotPermitted));
    assert_eq!(open(&mut fs, root, "etc/abs"), Err(FsError::NotPermitted));
    assert_eq!(open(&mut fs, root, "etc/.."), Ok(ROOT));
    assert_eq!(open(&mut fs, root, "."), Ok(ROOT));
    let etc = fs.open_at(root, false, "etc", NONE, true, false).unwrap();
    assert_eq!(open(&mut fs, etc, ".."), Err(FsError::NotPermitted));
    assert_eq!(open(&mut fs, etc, "up"), Err(FsError::NotPermitted));
    assert_eq!(open(&mut fs, etc, "sub/.."), Ok(etc.node));
    let motd = open(&mut fs, etc, "motd").unwrap();
    assert_eq!(open(&mut fs, root, "etc/up"), Ok(motd));
    assert_eq!(open(&mut fs, root, "etc/link"), Ok(motd));
    assert_eq!(open(&mut fs, root, "etc/loop"), Err(FsError::Loop));
    assert_eq!(
        open(&mut fs, root, "etc/motd/x"),
        Err(FsError::NotDirectory)
    );
    assert_eq!(open(&mut fs, root, "etc/motd/"), Err(FsError::NotDirectory));
    assert_eq!(
        open(&mut fs, root, "etc/motd/.."),
        Err(FsError::NotDirectory)
    );
    assert_eq!(open(&mut fs, root, "nope/x"), Err(FsError::NoEntry));
    assert_eq!(open(&mut fs, root, ""), Err(FsError::NoEntry));
    assert_eq!(open(&mut fs, root, "a\0b"), Err(FsError::Invalid));
    assert_eq!(
        open(&mut fs, root, &"n".repeat(256)),
        Err(FsError::NameTooLong)
    );
    assert_eq!(
        open(&mut fs, root, &"a/".repeat(2048)),
        Err(FsError::NameTooLong)
    );
    let motd = motd_fd(&mut fs);
    assert_eq!(
        fs.open_at(motd, false, "x", NONE, true, false),
        Err(FsError::NotDirectory)
    );
    assert_eq!(
        fs.create_directory_at(root, "../x"),
        Err(FsError::NotPermitted)
    );
    assert_eq!(
        fs.create_directory_at(root, "/x"),
        Err(FsError::NotPermitted)
    );
    assert_eq!(
        fs.unlink_file_at(root, "etc/out/x"),
        Err(FsError::NotPermitted)
    );
}

fn motd_fd(fs: &mut MemFs<'_>) -> Fd {
    let root = fs.root();
    fs.open_at(root, false, "etc/motd", NONE, true, false)
        .unwrap()
}

#[test]
fn open_flags_and_access() {
    let (bytes, root_index) = image();
    let mut fs = mounted(&bytes, root_index, None);
    let root = fs.root();
    let o = |fs: &mut MemFs<'_>, path: &str, flags: OpenFlags, read: bool, write: bool| {
        fs.open_at(root, false, path, flags, read, write)
    };
    assert_eq!(
        o(&mut fs, "etc", NONE, true, true),
        Err(FsError::IsDirectory)
    );
    assert_eq!(
        o(&mut fs, "etc", TRUNCATE, true, false),
        Err(FsError::IsDirectory)
    );
    assert_eq!(
        o(&mut fs, "etc", CREATE, true, false),
        Err(FsError::IsDirectory)
    );
    assert_eq!(
        o(&mut fs, "etc", CREATE_NEW, true, false),
        Err(FsError::Exist)
    );
    assert_eq!(
        o(&mut fs, "big", CREATE_NEW, true, false),
        Err(FsError::Exist)
    );
    assert_eq!(
        o(&mut fs, "etc/link", CREATE_NEW, true, false),
        Err(FsError::Exist)
    );
    assert_eq!(
        o(&mut fs, "big", DIRECTORY, true, false),
        Err(FsError::NotDirectory)
    );
    assert_eq!(
        o(&mut fs, "etc/link", NONE, true, false),
        Err(FsError::Loop)
    );
    assert_eq!(
        o(&mut fs, "etc/link/", NONE, true, false),
        Err(FsError::NotDirectory)
    );
    let dir_create = OpenFlags {
        directory: true,
        create: true,
        ..NONE
    };
    assert_eq!(
        o(&mut fs, "new", dir_create, true, false),
        Err(FsError::Invalid)
    );
    assert_eq!(
        o(&mut fs, "nope/new", CREATE, true, true),
        Err(FsError::NoEntry)
    );
    assert_eq!(
        o(&mut fs, "big/new", CREATE, true, true),
        Err(FsError::NotDirectory)
    );
    assert_eq!(
        o(&mut fs, "new/", CREATE, true, true),
        Err(FsError::IsDirectory)
    );
    assert_eq!(
        o(&mut fs, "big/", CREATE, true, true),
        Err(FsError::IsDirectory)
    );
    assert_eq!(
        o(&mut fs, ".", CREATE, true, false),
        Err(FsError::IsDirectory)
    );
    assert_eq!(o(&mut fs, "nope", NONE, true, false), Err(FsError::NoEntry));
    // A directory opens for reading only.
    let etc = o(&mut fs, "etc", DIRECTORY, false, false).unwrap();
    assert_eq!((etc.read, etc.write), (true, false));
    // Access modes as wasmtime opens host files.
    let ro = o(&mut fs, "big", NONE, true, false).unwrap();
    assert_eq!(fs.write(ro, b"x", Some(0)), Err(FsError::BadDescriptor));
    let wo = o(&mut fs, "big", NONE, false, true).unwrap();
    assert_eq!(fs.read(wo, 1, 0), Err(FsError::BadDescriptor));
    assert_eq!(fs.write(wo, b"x", Some(0)), Ok(1));
    let neither = o(&mut fs, "big", NONE, false, false).unwrap();
    assert_eq!(fs.read(neither, 2, 0).unwrap(), b"x1");
    let created = o(&mut fs, "made", CREATE, false, false).unwrap();
    assert_eq!((created.read, created.write), (true, true));
    let created = o(&mut fs, "made", CREATE, false, true).unwrap();
    assert_eq!((created.read, created.write), (false, true));
    assert_eq!(fs.read(root, 1, 0), Err(FsError::BadDescriptor));
    assert_eq!(fs.write(root, b"x", None), Err(FsError::BadDescriptor));
    // Following a dangling link creates its target.
    fs.symlink_at(root, "etc/sub/target", "dangling").unwrap();
    let fd = fs
        .open_at(root, true, "dangling", CREATE, true, true)
        .unwrap();
    fs.write(fd, b"t", None).unwrap();
    assert_eq!(contents(&mut fs, "etc/sub/target").unwrap(), b"t");
    // Without following, an existing link is a loop.
    assert_eq!(
        o(&mut fs, "dangling", CREATE, true, true),
        Err(FsError::Loop)
    );
}

#[test]
fn symlinks_and_hard_links() {
    let mut fs = empty(None);
    let root = fs.root();
    let f = create(&mut fs, "f");
    fs.write(f, b"data", None).unwrap();
    fs.symlink_at(root, "f", "l").unwrap();
    assert_eq!(fs.readlink_at(root, "l").unwrap(), "f");
    assert_eq!(fs.readlink_at(root, "f"), Err(FsError::Invalid));
    assert_eq!(fs.readlink_at(root, "."), Err(FsError::Invalid));
    assert_eq!(fs.readlink_at(root, "nope"), Err(FsError::NoEntry));
    assert_eq!(fs.symlink_at(root, "/abs", "m"), Err(FsError::NotPermitted));
    assert_eq!(fs.symlink_at(root, "", "m"), Err(FsError::NoEntry));
    assert_eq!(fs.symlink_at(root, "x", "l"), Err(FsError::Exist));
    assert_eq!(fs.symlink_at(root, "x", "."), Err(FsError::Exist));
    let l = fs.stat_at(root, false, "l").unwrap();
    assert_eq!((l.kind, l.size), (FileKind::Symlink, 1));
    assert_eq!(fs.stat_at(root, true, "l").unwrap().kind, FileKind::File);
    assert_eq!(contents(&mut fs, "l").unwrap(), b"data");
    fs.symlink_at(root, "a", "b").unwrap();
    fs.symlink_at(root, "b", "a").unwrap();
    assert_eq!(contents(&mut fs, "a"), Err(FsError::Loop));
    // Hard links share the node.
    fs.link_at(root, false, "f", root, "g").unwrap();
    assert_eq!(fs.stat(f).unwrap().link_count, 2);
    assert_eq!(fs.metadata_hash_at(root, false, "g"), fs.metadata_hash(f));
    fs.unlink_file_at(root, "f").unwrap();
    assert_eq!(contents(&mut fs, "g").unwrap(), b"data");
    assert_eq!(fs.stat(f).unwrap().link_count, 1);
    assert_eq!(
        fs.link_at(root, true, "g", root, "h"),
        Err(FsError::Invalid)
    );
    assert_eq!(fs.link_at(root, false, "g", root, "l"), Err(FsError::Exist));
    assert_eq!(
        fs.link_at(root, false, "nope", root, "h"),
        Err(FsError::NoEntry)
    );
    fs.create_directory_at(root, "d").unwrap();
    assert_eq!(
        fs.link_at(root, false, "d", root, "h"),
        Err(FsError::NotPermitted)
    );
    assert_eq!(
        fs.link_at(root, false, "g", root, "d/"),
        Err(FsError::Exist)
    );
    // A link to a link is a link.
    fs.link_at(root, false, "l", root, "l2").unwrap();
    assert_eq!(fs.readlink_at(root, "l2").unwrap(), "f");
}

#[test]
fn stat_without_following_a_single_name() {
    let (bytes, root_index) = image();
    let mut fs = mounted(&bytes, root_index, None);
    let root = fs.root();
    let etc = fs.open_at(root, false, "etc", NONE, true, false).unwrap();
    // cap-std asks about `link` itself, trailing `/` and `.` dropped.
    for path in ["link", "link/", "link/.", "link//./"] {
        assert_eq!(
            fs.stat_at(etc, false, path).unwrap().kind,
            FileKind::Symlink
        );
    }
    assert_eq!(
        fs.stat_at(etc, false, "./link").unwrap().kind,
        FileKind::Symlink
    );
    assert_eq!(
        fs.stat_at(etc, false, "./link/"),
        Err(FsError::NotDirectory)
    );
    assert_eq!(fs.stat_at(etc, true, "link").unwrap().size, 5);
    assert_eq!(fs.stat_at(etc, true, "link/"), Err(FsError::NotDirectory));
    assert_eq!(
        fs.stat_at(root, false, "etc/sub/..").unwrap().kind,
        FileKind::Directory
    );
    assert_eq!(fs.stat_at(etc, false, "../etc"), Err(FsError::NotPermitted));
}

#[test]
fn identities_are_stable_and_distinct() {
    let (bytes, root_index) = image();
    let mut fs = mounted(&bytes, root_index, None);
    let root = fs.root();
    let h = |fs: &mut MemFs<'_>, p: &str| fs.metadata_hash_at(root, false, p).unwrap();
    let motd = h(&mut fs, "etc/motd");
    assert_eq!(h(&mut fs, "etc/motd"), motd);
    assert_ne!(h(&mut fs, "etc/app.toml"), motd);
    assert_ne!(h(&mut fs, "etc"), motd);
    assert_eq!(fs.metadata_hash_at(root, true, "etc/link").unwrap(), motd);
    // Through a change of its directory, and a rename.
    create(&mut fs, "etc/new");
    assert_eq!(h(&mut fs, "etc/motd"), motd);
    fs.rename_at(root, "etc/motd", root, "moved").unwrap();
    assert_eq!(h(&mut fs, "moved"), motd);
    assert_eq!(fs.metadata_hash(root).unwrap(), h(&mut fs, "."));
    // A freed node's slot is reused, its identity is not.
    let a = create(&mut fs, "a");
    let old = fs.metadata_hash(a).unwrap();
    fs.close(a.node);
    fs.unlink_file_at(root, "a").unwrap();
    let b = create(&mut fs, "b");
    assert_eq!(b.node, a.node);
    assert_ne!(fs.metadata_hash(b).unwrap(), old);
}

#[test]
fn directories() {
    let mut fs = empty(None);
    let root = fs.root();
    fs.create_directory_at(root, "d/").unwrap();
    assert_eq!(fs.create_directory_at(root, "d"), Err(FsError::Exist));
    assert_eq!(fs.create_directory_at(root, "."), Err(FsError::Exist));
    assert_eq!(fs.create_directory_at(root, "d/."), Err(FsError::Exist));
    assert_eq!(fs.create_directory_at(root, "x/y"), Err(FsError::NoEntry));
    assert_eq!(fs.create_directory_at(root, ""), Err(FsError::NoEntry));
    create(&mut fs, "f");
    assert_eq!(fs.create_directory_at(root, "f"), Err(FsError::Exist));
    assert_eq!(
        fs.create_directory_at(root, "f/y"),
        Err(FsError::NotDirectory)
    );
    let d = fs.open_at(root, false, "d", NONE, false, false).unwrap();
    fs.create_directory_at(d, "e").unwrap();
    assert_eq!(names(&mut fs, "d"), ["e"]);
    assert_eq!(fs.stat(d).unwrap().link_count, 3);
    let g = create(&mut fs, "g");
    assert_eq!(fs.create_directory_at(g, "x"), Err(FsError::NotDirectory));
    // A removed directory stays usable as a descriptor, empty and closed to new entries.
    fs.remove_directory_at(root, "d/e").unwrap();
    fs.remove_directory_at(root, "d").unwrap();
    assert_eq!(fs.read_directory(d).unwrap(), Listing::Entries(vec![]));
    assert_eq!(fs.create_directory_at(d, "x"), Err(FsError::NoEntry));
    assert_eq!(fs.symlink_at(d, "t", "x"), Err(FsError::NoEntry));
    assert_eq!(fs.stat(d).unwrap().link_count, 0);
    fs.close(d.node);
    assert_eq!(fs.stat(d), Err(FsError::BadDescriptor));
}

#[test]
fn timestamps() {
    let mut fs = empty(None);
    let root = fs.root();
    let before = fs.stat(root).unwrap();
    let f = create(&mut fs, "f");
    let made = fs.stat(f).unwrap();
    assert_eq!((made.atime, made.mtime), (made.ctime, made.ctime));
    assert!(made.mtime > before.mtime);
    assert_eq!(fs.stat(root).unwrap().mtime, made.mtime);
    fs.write(f, b"x", None).unwrap();
    let written = fs.stat(f).unwrap();
    assert!(written.mtime > made.mtime);
    assert_eq!(written.atime, made.atime);
    fs.read(f, 1, 0).unwrap();
    assert!(fs.stat(f).unwrap().atime > written.mtime);
    let t = Time {
        seconds: 7,
        nanoseconds: 1_500_000_000,
    };
    fs.set_times(f, SetTime::At(t), SetTime::NoChange).unwrap();
    let set = fs.stat(f).unwrap();
    assert_eq!(
        set.atime,
        Time {
            seconds: 8,
            nanoseconds: 500_000_000
        }
    );
    assert_eq!(set.mtime, written.mtime);
    fs.set_times_at(root, false, "f", SetTime::NoChange, SetTime::Now)
        .unwrap();
    assert!(fs.stat(f).unwrap().mtime > set.mtime);
    let huge = SetTime::At(Time {
        seconds: u64::MAX,
        nanoseconds: 0,
    });
    assert_eq!(
        fs.set_times(f, huge, SetTime::NoChange),
        Err(FsError::Overflow)
    );
    assert_eq!(
        fs.set_times_at(root, false, "nope", huge, SetTime::NoChange),
        Err(FsError::Overflow)
    );
    assert_eq!(
        fs.set_times_at(root, false, "nope", SetTime::Now, SetTime::Now),
        Err(FsError::NoEntry)
    );
    fs.symlink_at(root, "f", "l").unwrap();
    fs.set_times_at(root, false, "l", SetTime::At(t), SetTime::At(t))
        .unwrap();
    assert_eq!(fs.stat_at(root, false, "l").unwrap().mtime.seconds, 8);
    assert_ne!(fs.stat(f).unwrap().mtime.seconds, 8);
    fs.set_times_at(root, true, "l", SetTime::At(t), SetTime::At(t))
        .unwrap();
    assert_eq!(fs.stat(f).unwrap().mtime.seconds, 8);
}

#[test]
fn bad_roots_and_freed_nodes() {
    let (bytes, root_index) = image();
    let image = Image::new(&bytes).unwrap();
    assert!(MemFs::new(image, Some(image.len()), None, clock).is_none());
    let big = image.lookup(root_index, b"big").unwrap();
    assert!(MemFs::new(image, Some(big.index), None, clock).is_none());
    let mut fs = empty(None);
    let stale = Fd {
        node: 99,
        read: true,
        write: true,
    };
    assert_eq!(fs.stat(stale), Err(FsError::BadDescriptor));
    assert_eq!(fs.read(stale, 1, 0), Err(FsError::BadDescriptor));
    assert_eq!(fs.write(stale, b"x", None), Err(FsError::BadDescriptor));
    assert_eq!(
        fs.open_at(stale, false, "x", NONE, true, false),
        Err(FsError::BadDescriptor)
    );
    fs.close(99);
    fs.retain(99);
}

#[test]
fn huge_sizes_fail_without_aborting() {
    let mut fs = empty(None);
    let fd = create(&mut fs, "f");
    // Far more than memory: refused, the file unchanged.
    assert_eq!(
        fs.write_zeros(fd, i64::MAX as u64, Some(0)),
        Err(FsError::InsufficientSpace)
    );
    assert_eq!(
        fs.set_size(fd, i64::MAX as u64),
        Err(FsError::InsufficientSpace)
    );
    // Past the memory's addresses (4 GiB in the adapter), or past what can be allocated.
    assert_eq!(
        fs.write(fd, b"x", Some(i64::MAX as u64 - 1)),
        Err(FsError::InsufficientSpace)
    );
    assert_eq!(fs.stat(fd).unwrap().size, 0);
    assert_eq!(fs.used(), 0);
    // A limit answers before any allocation is tried.
    let mut fs = empty(Some(1 << 20));
    let fd = create(&mut fs, "f");
    assert_eq!(fs.set_size(fd, 1 << 40), Err(FsError::InsufficientSpace));
}

#[test]
fn trees_over_the_same_image_are_independent() {
    let (bytes, root_index) = image();
    let mut a = mounted(&bytes, root_index, None);
    let mut b = mounted(&bytes, root_index, None);
    let root = a.root();
    let motd = a
        .open_at(root, false, "etc/motd", TRUNCATE, false, false)
        .unwrap();
    a.write(motd, b"changed", None).unwrap();
    a.rename_at(root, "etc", root, "moved").unwrap();
    assert_eq!(contents(&mut a, "moved/motd").unwrap(), b"changed");
    assert_eq!(contents(&mut b, "etc/motd").unwrap(), b"hello");
    assert_eq!(names(&mut b, "."), ["big", "etc"]);
}

#[test]
fn splitting_paths_like_cap_std() {
    let name = |p: &'static str| split_parent(p.as_bytes());
    assert_eq!(name("a"), Ok((&b""[..], Last::Name(b"a"))));
    assert_eq!(name("a/b"), Ok((&b"a"[..], Last::Name(b"b"))));
    assert_eq!(name("a/./b"), Ok((&b"a/."[..], Last::Name(b"b"))));
    assert_eq!(name("a/"), Ok((&b"a/"[..], Last::Dot)));
    assert_eq!(name("a/."), Ok((&b"a/."[..], Last::Dot)));
    assert_eq!(name("."), Ok((&b""[..], Last::Dot)));
    assert_eq!(name(".."), Ok((&b".."[..], Last::Dot)));
    assert_eq!(name("a/.."), Ok((&b"a/.."[..], Last::Dot)));
    assert_eq!(name(""), Err(FsError::NoEntry));
    assert_eq!(name("/a"), Err(FsError::NotPermitted));
    assert_eq!(single_name(b"x//./"), Some(&b"x"[..]));
    assert_eq!(single_name(b"./x"), None);
    assert_eq!(single_name(b"x/y"), None);
    assert_eq!(single_name(b"x/.."), None);
    assert_eq!(strip_slashes(b"a//"), b"a");
    assert_eq!(strip_slashes(b"/"), b"/");
}
