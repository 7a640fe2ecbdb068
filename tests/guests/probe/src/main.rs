//! A guest that reports what it can see of WASI, for the end-to-end tests. The scenario comes
//! from the `PROBE` environment variable (which a test policy sets virtually), or else from the
//! first argument; each scenario prints one `key: value` line per observation.

use std::io::{Read, Write};

fn main() {
    let scenario = std::env::var("PROBE")
        .ok()
        .or_else(|| std::env::args().nth(1))
        .unwrap_or_else(|| "compute".into());
    match scenario.as_str() {
        "env" => env(),
        "stdio" => stdio(),
        "random" => random(),
        "clocks" => clocks(),
        "exit" => std::process::exit(7),
        "fs" => fs(),
        "files" => files(),
        "throughput" => throughput(),
        "write-throughput" => write_throughput(),
        "compute" => compute(),
        other => report(&format!("unknown scenario: {other}")),
    }
}

/// Writes a line to stdout, and to stderr if stdout fails, ignoring failures of both.
fn report(line: &str) {
    if writeln!(std::io::stdout(), "{line}").is_err() {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

fn env() {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (k, v) in vars {
        report(&format!("var: {k}={v}"));
    }
    let args: Vec<String> = std::env::args().collect();
    report(&format!("args: {args:?}"));
    report(&format!("cwd: {:?}", std::env::current_dir().ok()));
}

fn stdio() {
    let mut input = String::new();
    let stdin = std::io::stdin().read_to_string(&mut input);
    let out = writeln!(std::io::stdout(), "to stdout").and_then(|_| std::io::stdout().flush());
    let err = writeln!(std::io::stderr(), "to stderr").and_then(|_| std::io::stderr().flush());
    let summary = format!(
        "stdin: {}\nstdout: {}\nstderr: {}\n",
        match stdin {
            Ok(n) => format!("ok {n} {input:?}"),
            Err(e) => format!("error {:?}", e.kind()),
        },
        describe(&out),
        describe(&err),
    );
    let _ = std::io::stdout().write_all(summary.as_bytes());
    let _ = std::io::stderr().write_all(summary.as_bytes());
}

fn describe(r: &std::io::Result<()>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(e) => format!("error {:?}", e.kind()),
    }
}

fn random() {
    // Std seeds its hasher from wasi:random/insecure-seed.
    let mut map = std::collections::HashMap::new();
    map.insert("k", 1);
    report(&format!("hashmap: {}", map.len()));
}

fn clocks() {
    let start = std::time::Instant::now();
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() > 1_600_000_000)
        .unwrap_or(false);
    report(&format!("monotonic: {}", start.elapsed().as_secs() < 60));
    report(&format!("wall: {wall}"));
}

fn fs() {
    match std::fs::read_dir("/") {
        Ok(entries) => report(&format!("read_dir /: ok {}", entries.count())),
        Err(e) => report(&format!("read_dir /: error {:?}", e.kind())),
    }
    match std::fs::read("/etc/passwd") {
        Ok(b) => report(&format!("read /etc/passwd: ok {}", b.len())),
        Err(e) => report(&format!("read /etc/passwd: error {:?}", e.kind())),
    }
    match std::fs::write("/tmp/x", b"x") {
        Ok(()) => report("write /tmp/x: ok"),
        Err(e) => report(&format!("write /tmp/x: error {:?}", e.kind())),
    }
}

fn compute() {
    let mut a: u64 = 0;
    let mut b: u64 = 1;
    for _ in 0..50 {
        let c = a.wrapping_add(b);
        a = b;
        b = c;
    }
    report(&format!("fib: {a}"));
}

/// Walks the tree under `FILES_ROOT` (default `/`), reads files every way std can, and tries
/// every kind of change and escape; one line per observation.
fn files() {
    use std::io::{Seek, SeekFrom};
    let root = std::env::var("FILES_ROOT").unwrap_or_else(|_| "/".into());
    walk(std::path::Path::new(&root));
    let base = root.trim_end_matches('/');
    let target = std::env::var("FILES_READ").unwrap_or_else(|_| format!("{base}/hello.txt"));
    match std::fs::read_to_string(&target) {
        Ok(s) => report(&format!("read {target}: {s:?}")),
        Err(e) => report(&format!("read {target}: error {:?}", e.kind())),
    }
    match std::fs::File::open(&target) {
        Ok(mut f) => {
            let mut buf = [0u8; 5];
            let r = f.seek(SeekFrom::Start(6)).and_then(|_| f.read_exact(&mut buf));
            match r {
                Ok(()) => report(&format!("read at 6: {:?}", String::from_utf8_lossy(&buf))),
                Err(e) => report(&format!("read at 6: error {:?}", e.kind())),
            }
            let meta = f.metadata().map(|m| (m.len(), m.is_file(), m.permissions().readonly()));
            report(&format!("metadata: {meta:?}"));
        }
        Err(e) => report(&format!("open {target}: error {:?}", e.kind())),
    }
    let attempts: Vec<(&str, std::io::Result<()>)> = vec![
        ("write existing", std::fs::write(&target, b"x")),
        ("create new", std::fs::File::create(format!("{base}/new.txt")).map(|_| ())),
        ("mkdir", std::fs::create_dir(format!("{base}/newdir"))),
        ("remove", std::fs::remove_file(&target)),
        ("rename", std::fs::rename(&target, format!("{base}/renamed.txt"))),
        ("append", std::fs::OpenOptions::new().append(true).open(&target).map(|_| ())),
        ("truncate", std::fs::OpenOptions::new().write(true).truncate(true).open(&target).map(|_| ())),
        (
            "set times",
            std::fs::File::open(&target).and_then(|f| f.set_modified(std::time::UNIX_EPOCH)),
        ),
        ("hard link", std::fs::hard_link(&target, format!("{base}/hard"))),
        ("remove dir", std::fs::remove_dir(format!("{base}/sub"))),
        ("escape ../..", std::fs::read(format!("{base}/../../etc/passwd")).map(|_| ())),
        ("escape /etc/passwd", std::fs::read("/etc/passwd").map(|_| ())),
        ("escape via link", std::fs::read(format!("{base}/out/passwd")).map(|_| ())),
        ("inside via link", std::fs::read(format!("{base}/sub/up")).map(|_| ())),
        ("missing", std::fs::read(format!("{base}/missing")).map(|_| ())),
    ];
    for (what, result) in attempts {
        report(&format!("{what}: {}", describe(&result)));
    }
    for (key, value) in std::env::vars() {
        if key.starts_with("FILES_FORBIDDEN") {
            let result = std::fs::read(&value).map(|_| ());
            report(&format!("forbidden {value}: {}", describe(&result)));
        }
    }
}

fn walk(path: &std::path::Path) {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => return report(&format!("stat {}: error {:?}", path.display(), e.kind())),
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).map(|t| t.display().to_string());
        report(&format!("l {} -> {target:?}", path.display()));
    } else if meta.is_dir() {
        report(&format!("d {}", path.display()));
        let mut names: Vec<_> = match std::fs::read_dir(path) {
            Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
            Err(e) => return report(&format!("read_dir {}: error {:?}", path.display(), e.kind())),
        };
        names.sort();
        for name in names {
            walk(&name);
        }
    } else {
        report(&format!("f {} {}", path.display(), meta.len()));
    }
}

/// Reads `FILES_READ` whole a few times and prints the best rate (needs clocks).
fn throughput() {
    let path = std::env::var("FILES_READ").unwrap_or_else(|_| "/big.bin".into());
    let mut best = f64::MAX;
    let mut len = 0;
    for _ in 0..3 {
        let start = std::time::Instant::now();
        match std::fs::read(&path) {
            Ok(bytes) => len = bytes.len(),
            Err(e) => return report(&format!("read {path}: error {:?}", e.kind())),
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    report(&format!("bytes: {len}"));
    report(&format!("seconds: {best:.6}"));
}

/// Writes 64 MiB to `FILES_WRITE` in 1 MiB writes and reads it back, a few times, and prints the
/// best time of each (needs clocks).
fn write_throughput() {
    use std::io::Write as _;
    let path = std::env::var("FILES_WRITE").unwrap_or_else(|_| "/work/big.bin".into());
    let chunk: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    let (mut write, mut read) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let start = std::time::Instant::now();
        let written = std::fs::File::create(&path).and_then(|mut f| {
            for _ in 0..64 {
                f.write_all(&chunk)?;
            }
            f.flush()
        });
        if let Err(e) = written {
            return report(&format!("write {path}: error {:?}", e.kind()));
        }
        write = write.min(start.elapsed().as_secs_f64());
        let start = std::time::Instant::now();
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 64 << 20 => {}
            Ok(bytes) => return report(&format!("read {path}: {} bytes", bytes.len())),
            Err(e) => return report(&format!("read {path}: error {:?}", e.kind())),
        }
        read = read.min(start.elapsed().as_secs_f64());
    }
    report(&format!("write seconds: {write:.6}"));
    report(&format!("read seconds: {read:.6}"));
}
