//! The `readonly` scenario: a long generated sequence of `wasi:filesystem` calls on a read-only
//! tree — opens with every flag combination, reads at offsets, stats, listings, links, `..`,
//! every mutation — one line each, for the differential test of the embedded tree against the
//! same tree preopened read-only by wasmtime. The sequence depends only on `SEED` and `COUNT`,
//! never on a result, so two runs that differ show where they first part ways line by line.

use wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorType, ErrorCode, NewTimestamp, OpenFlags, PathFlags,
    filesystem_error_code,
};
use wasi::io::streams::StreamError;

/// xorshift64*: the same sequence for the same seed on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Paths into the tree the test builds (see `tests/tests/embedded_diff.rs`), and paths that
/// leave it, miss, or bend the rules.
const PATHS: &[&str] = &[
    "", ".", "..", "file.txt", "./file.txt", "file.txt/", "file.txt/x", "big.bin", "empty",
    "a", "a/", "a/x.txt", "a//x.txt", "a/b", "a/b/deep.txt", "a/b/..", "a/b/../x.txt",
    "a/b/../../file.txt", "a/../..", "a/../../file.txt", "a/empty-dir", "a/empty-dir/..",
    "missing", "a/missing", "missing/x", "link-file", "link-dir", "link-dir/x.txt",
    "link-dir/b/deep.txt", "a/link-up", "a/link-up/x", "dangling", "dangling/x", "loop",
    "/file.txt", "/", "a/b/deep.txt/..", "name with spaces.txt", "ünïcödé.txt", "a/./b/./deep.txt",
];

/// Offsets to read at (`SIZE` near the end of a file is what matters, so some are relative).
const OFFSETS: &[u64] = &[0, 1, 5, 11, 12, 13, 4095, 4096, 65_535, 69_999, 70_000, 70_001, 1 << 40, u64::MAX];
const LENGTHS: &[u64] = &[0, 1, 3, 4096, 100_000];

const OPEN_FLAGS: [OpenFlags; 4] = [
    OpenFlags::CREATE,
    OpenFlags::DIRECTORY,
    OpenFlags::EXCLUSIVE,
    OpenFlags::TRUNCATE,
];
const DESCRIPTOR_FLAGS: [DescriptorFlags; 3] = [
    DescriptorFlags::READ,
    DescriptorFlags::WRITE,
    DescriptorFlags::MUTATE_DIRECTORY,
];

/// Open descriptors the operations act on; slot 0 is the preopen.
struct Pool {
    slots: Vec<Option<Descriptor>>,
}

const SLOTS: usize = 8;

fn code<T>(result: Result<T, ErrorCode>, ok: impl FnOnce(T) -> String) -> String {
    match result {
        Ok(value) => format!("ok {}", ok(value)),
        Err(e) => format!("error {}", e.name()),
    }
}

fn kind(t: DescriptorType) -> &'static str {
    match t {
        DescriptorType::Directory => "dir",
        DescriptorType::RegularFile => "file",
        DescriptorType::SymbolicLink => "link",
        _ => "other",
    }
}

/// What a stat shows that both trees must agree on: the type, and the size of what is not a
/// directory (a directory's size is the file system's business).
fn stat_text(s: wasi::filesystem::types::DescriptorStat) -> String {
    match s.type_ {
        DescriptorType::Directory => "dir".to_string(),
        t => format!("{} {}", kind(t), s.size),
    }
}

fn flags_text(o: OpenFlags, d: DescriptorFlags, p: PathFlags) -> String {
    format!("o{:04b} d{} p{}", o.bits(), d.bits(), p.bits())
}

fn listing(dir: &Descriptor) -> Result<String, ErrorCode> {
    let stream = dir.read_directory()?;
    let mut names = Vec::new();
    while let Some(entry) = stream.read_directory_entry()? {
        names.push(format!("{}:{}", entry.name, kind(entry.type_)));
    }
    names.sort();
    Ok(names.join(","))
}

pub fn run(root: Descriptor) {
    let seed: u64 = std::env::var("SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let count: usize = std::env::var("COUNT").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut pool = Pool { slots: (0..SLOTS).map(|_| None).collect() };
    pool.slots[0] = Some(root);
    for i in 0..count {
        let slot = rng.below(SLOTS);
        let line = step(&mut rng, &mut pool, slot);
        println!("{i} {line}");
    }
}

/// One generated operation on the descriptor in `slot` (or the preopen where it is empty).
fn step(rng: &mut Rng, pool: &mut Pool, slot: usize) -> String {
    let op = rng.below(24);
    let path = rng.pick(PATHS);
    let other = rng.pick(PATHS);
    let follow = if rng.below(2) == 0 { PathFlags::empty() } else { PathFlags::SYMLINK_FOLLOW };
    let offset = OFFSETS[rng.below(OFFSETS.len())];
    let len = LENGTHS[rng.below(LENGTHS.len())];
    let target = rng.below(SLOTS);
    let bits = rng.next();
    let d = pool.slots[slot].as_ref().or(pool.slots[0].as_ref()).expect("the preopen");
    let base = if pool.slots[slot].is_some() { slot } else { 0 };
    let at = |what: &str| format!("{what}@{base} {path:?}");
    match op {
        // Opens are a third of the sequence: every combination of flags comes up.
        0..=7 => {
            let mut o = OpenFlags::empty();
            for (i, f) in OPEN_FLAGS.iter().enumerate() {
                if bits & (1 << i) != 0 && (i != 0 || bits & (1 << 8) != 0) {
                    o |= *f;
                }
            }
            let mut fl = DescriptorFlags::empty();
            for (i, f) in DESCRIPTOR_FLAGS.iter().enumerate() {
                if bits & (1 << (4 + i)) != 0 {
                    fl |= *f;
                }
            }
            let result = d.open_at(follow, path, o, fl);
            let text = format!("{} {}", at("open"), flags_text(o, fl, follow));
            match result {
                Ok(opened) => {
                    let stat = code(opened.stat(), stat_text);
                    let flags = code(opened.get_flags(), |f| f.bits().to_string());
                    if target != 0 {
                        pool.slots[target] = Some(opened);
                    }
                    format!("{text}: ok -> {target} {stat} flags {flags}")
                }
                Err(e) => format!("{text}: error {}", e.name()),
            }
        }
        8 | 9 => format!(
            "{} {offset} {len}: {}",
            at("read"),
            code(d.read(len, offset), |(bytes, end)| format!(
                "{} bytes sum {} end {end}",
                bytes.len(),
                bytes.iter().map(|b| *b as u64).sum::<u64>()
            ))
        ),
        10 => format!("{} p{}: {}", at("stat-at"), follow.bits(), code(d.stat_at(follow, path), stat_text)),
        11 => format!("stat@{base}: {}", code(d.stat(), stat_text)),
        12 => format!("list@{base}: {}", code(listing(d), |l| l)),
        13 => format!("{}: {}", at("readlink"), code(d.readlink_at(path), |t| t)),
        14 => format!("{}: {}", at("mkdir"), code(d.create_directory_at(path), |_| String::new())),
        15 => format!("{}: {}", at("rmdir"), code(d.remove_directory_at(path), |_| String::new())),
        16 => format!("{}: {}", at("unlink"), code(d.unlink_file_at(path), |_| String::new())),
        17 => {
            let to = pool.slots[target].as_ref().unwrap_or(d);
            format!("{} -> {other:?}: {}", at("rename"), code(d.rename_at(path, to, other), |_| String::new()))
        }
        18 => {
            let to = pool.slots[target].as_ref().unwrap_or(d);
            format!(
                "{} p{} -> {other:?}: {}",
                at("link"),
                follow.bits(),
                code(d.link_at(follow, path, to, other), |_| String::new())
            )
        }
        19 => format!("{} -> {other:?}: {}", at("symlink"), code(d.symlink_at(other, path), |_| String::new())),
        20 => format!(
            "{} p{}: {}",
            at("set-times"),
            follow.bits(),
            code(d.set_times_at(follow, path, NewTimestamp::Now, NewTimestamp::NoChange), |_| String::new())
        ),
        21 => match bits % 4 {
            0 => format!("write@{base} {offset}: {}", code(d.write(b"data", offset), |n| n.to_string())),
            1 => format!("set-size@{base} {len}: {}", code(d.set_size(len), |_| String::new())),
            2 => format!("sync@{base}: {}", code(d.sync_data(), |_| String::new())),
            _ => format!("type@{base}: {}", code(d.get_type(), |t| kind(t).to_string())),
        },
        22 => {
            let same = pool.slots[target].as_ref().map(|t| d.is_same_object(t));
            let hashes = d.metadata_hash_at(follow, path).and_then(|a| {
                d.metadata_hash_at(follow, other)
                    .map(|b| (a.lower, a.upper) == (b.lower, b.upper))
            });
            format!("same@{base} {target}: {same:?}; {} {other:?} same hash: {}", at("hash"), code(hashes, |b| b.to_string()))
        }
        _ => {
            let read = d.read_via_stream(offset).map_err(|e| e.name().to_string()).and_then(|s| {
                s.blocking_read(len.min(4096)).map(|b| b.len()).map_err(|e| match e {
                    StreamError::Closed => "closed".to_string(),
                    StreamError::LastOperationFailed(e) => format!(
                        "failed {}",
                        filesystem_error_code(&e).map_or("?", |c| c.name())
                    ),
                })
            });
            let drop_slot = target != 0 && bits % 3 == 0;
            if drop_slot {
                pool.slots[target] = None;
            }
            let read = match read {
                Ok(n) => format!("ok {n}"),
                Err(e) => format!("error {e}"),
            };
            format!("stream@{base} {offset} {len}: {read}{}", if drop_slot { format!(" (dropped {target})") } else { String::new() })
        }
    }
}
