//! Benchmark of embedding files, printing figures: compile time and peak memory for a mount of
//! 10,000 files and one of 100 MB (each measured in a fresh child process, so the peak is its
//! own), the guest-side rate of reading a 64 MB file embedded versus through a host preopen, and
//! of writing and reading back 64 MiB in a tmpfs versus a host preopen.
//!
//! Run with `cargo bench -p virtc-tests --bench files`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use virtc::db::Database;
use virtc::driver::{self, Input};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode: compile one policy and print time and peak memory.
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let policy = PathBuf::from(&args[pos + 1]);
        child(&policy);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let many = work.path().join("many");
    let start = Instant::now();
    let mut total = 0u64;
    for d in 0..100 {
        let dir = many.join(format!("tree/d{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            let contents = format!("file {d}/{f}\n").repeat(20);
            total += contents.len() as u64;
            std::fs::write(dir.join(format!("f{f:03}.txt")), contents).unwrap();
        }
    }
    std::fs::write(many.join("policy.virt"), "mount \"/\" from \"./tree\";\n").unwrap();
    println!(
        "prepared 10,000 files ({:.1} MB) in {:.2} s",
        total as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    report_child("mount of 10,000 files", &many.join("policy.virt"), total);

    let big = work.path().join("big");
    std::fs::create_dir_all(big.join("tree")).unwrap();
    let chunk: Vec<u8> = (0..(1 << 20)).map(|i| (i * 7 % 251) as u8).collect();
    for i in 0..10 {
        let mut bytes = Vec::with_capacity(10 << 20);
        for _ in 0..10 {
            bytes.extend_from_slice(&chunk);
        }
        std::fs::write(big.join(format!("tree/part{i}.bin")), bytes).unwrap();
    }
    std::fs::write(big.join("policy.virt"), "mount \"/\" from \"./tree\";\n").unwrap();
    report_child(
        "mount of 100 MB (10 files)",
        &big.join("policy.virt"),
        100 << 20,
    );

    throughput(work.path());
    write_throughput(work.path());
}

/// Runs this benchmark binary as a child compiling `policy` and prints what it measured.
fn report_child(what: &str, policy: &Path, embedded: u64) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .arg("--child")
        .arg(policy)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut ms = 0.0;
    let mut peak_kb = 0u64;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("ms ") {
            ms = v.parse().unwrap();
        }
        if let Some(v) = line.strip_prefix("peak_kb ") {
            peak_kb = v.parse().unwrap();
        }
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "{what:<32} compile {:>8.1} ms   peak memory {:>7.1} MB ({:.1}× the embedded bytes)",
        ms,
        peak_kb as f64 / 1024.0,
        (peak_kb * 1024) as f64 / embedded as f64
    );
}

fn child(policy: &Path) {
    let start = Instant::now();
    let db = Database::default();
    let root = driver::load_policy(&db, policy).ok().unwrap();
    let compiled = driver::compile(&db, root, None, None).ok().unwrap();
    // Written as `virtc compile` writes it: the embedded files streamed into the file.
    let output = compiled.output().ok().unwrap();
    let file = std::fs::File::create(policy.with_extension("wasm")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    output.write_to(&mut out).unwrap();
    std::io::Write::flush(&mut out).unwrap();
    drop(out);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(
        std::fs::metadata(policy.with_extension("wasm"))
            .unwrap()
            .len()
            > 1 << 20
    );
    println!("ms {ms}");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status.lines() {
        if let Some(v) = line.strip_prefix("VmHWM:") {
            println!("peak_kb {}", v.trim().trim_end_matches(" kB"));
        }
    }
}

/// The guest reads a 64 MB file embedded, then the same file through a host preopen.
fn throughput(work: &Path) {
    let probe = virtc_tests::guest("probe");
    let dir = work.join("rate");
    std::fs::create_dir_all(dir.join("tree")).unwrap();
    let bytes: Vec<u8> = (0..64u32 << 20).map(|i| (i % 253) as u8).collect();
    std::fs::write(dir.join("tree/big.bin"), &bytes).unwrap();
    let host = dir.join("tree").display().to_string();
    for (what, policy) in [
        (
            "embedded",
            "env PROBE = \"throughput\"; env FILES_READ = \"/big.bin\"; allow clocks; stdout allow; mount \"/\" from \"./tree\";".to_string(),
        ),
        (
            "host preopen",
            format!("env PROBE = \"throughput\"; env FILES_READ = \"/data/big.bin\"; allow clocks; stdout allow; preopen \"/data\" from host \"{host}\" readonly;"),
        ),
    ] {
        let (text, compile_ms, size) = run_probe(&dir, &policy, &probe);
        let seconds: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("seconds: "))
            .unwrap_or_else(|| panic!("no timing in {text:?}"))
            .parse()
            .unwrap();
        println!(
            "guest reads 64 MB via {what:<13} {:>8.1} MB/s   ({:.1} ms per read; compile+compose {:.0} ms, component {:.1} MB)",
            64.0 * 1.048576 / seconds,
            seconds * 1e3,
            compile_ms,
            size as f64 / 1e6
        );
    }
}

/// The guest writes 64 MiB in 1 MiB writes and reads it back, in a tmpfs and in a host preopen.
fn write_throughput(work: &Path) {
    let probe = virtc_tests::guest("probe");
    let dir = work.join("writes");
    std::fs::create_dir_all(dir.join("host")).unwrap();
    let host = dir.join("host").display().to_string();
    let common = "env PROBE = \"write-throughput\"; env FILES_WRITE = \"/work/big.bin\"; allow clocks; stdout allow;";
    for (what, files) in [
        ("tmpfs", "tmpfs \"/work\";".to_string()),
        (
            "host preopen",
            format!("preopen \"/work\" from host \"{host}\";"),
        ),
    ] {
        let (text, _, _) = run_probe(&dir, &format!("{common} {files}"), &probe);
        let seconds = |key: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap_or_else(|| panic!("no {key} in {text:?}"))
                .parse()
                .unwrap()
        };
        let (write, read) = (seconds("write seconds: "), seconds("read seconds: "));
        println!(
            "guest writes 64 MiB to {what:<12} {:>8.1} MB/s, reads it back {:>8.1} MB/s",
            64.0 * 1.048576 / write,
            64.0 * 1.048576 / read
        );
    }
}

/// Writes `policy` into `dir`, compiles it for `probe` and runs the result: the guest's stdout,
/// the compile-and-compose time in ms and the output's size.
fn run_probe(dir: &Path, policy: &str, probe: &[u8]) -> (String, f64, usize) {
    std::fs::write(dir.join("policy.virt"), policy).unwrap();
    let db = Database::default();
    let root = driver::load_policy(&db, &dir.join("policy.virt"))
        .ok()
        .unwrap();
    let input = Input {
        name: "probe.wasm",
        bytes: probe,
    };
    let start = Instant::now();
    let compiled = driver::compile(&db, root, Some(&input), None).ok().unwrap();
    let composed = compiled.composed.as_ref().unwrap();
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let component = virtc_run::load(composed).unwrap();
    let out = virtc_run::run(
        &compiled.ir,
        &component,
        &virtc_run::RunOptions {
            program: "probe.wasm".into(),
            args: vec![],
            host_env: vec![],
            host_config: Vec::new(),
            stdio: virtc_run::Stdio::Capture { stdin: vec![] },
            trace: None,
        },
    )
    .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        compile_ms,
        composed.len(),
    )
}
