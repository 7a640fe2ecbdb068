//! A benchmark guest that makes many small WASI calls, the kind a real program makes all the
//! time: it reads its environment, opens a small file, reads it and closes it, and writes a short
//! line to stdout, `ROUNDS` times (default 10,000), then prints a checksum of what it read so the
//! work cannot be skipped; `MODE` = `env`, `file` or `stdout` makes one kind of call alone. The
//! same component runs on wasmtime's own WASI and composed with virtc's adapter
//! (`tests/benches/calls.rs`); the preopen is `/data`, holding `small.txt`.

use wasi::filesystem::types::{DescriptorFlags, OpenFlags, PathFlags};

fn main() {
    let vars = wasi::cli::environment::get_environment();
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let rounds: u32 = var("ROUNDS").and_then(|v| v.parse().ok()).unwrap_or(10_000);
    // `env`, `file` or `stdout` for one kind of call alone.
    let mode = var("MODE").unwrap_or_default();
    let (env, files, lines) = match mode.as_str() {
        "env" => (true, false, false),
        "file" => (false, true, false),
        "stdout" => (false, false, true),
        _ => (true, true, true),
    };
    let Some((dir, _)) = wasi::filesystem::preopens::get_directories()
        .into_iter()
        .find(|(_, name)| name == "/data")
    else {
        println!("no preopen /data");
        return;
    };
    let stdout = wasi::cli::stdout::get_stdout();
    let mut sum: u64 = 0;
    for round in 0..rounds {
        if env {
            sum += wasi::cli::environment::get_environment().len() as u64;
        }
        if files {
            let file = dir
                .open_at(PathFlags::empty(), "small.txt", OpenFlags::empty(), DescriptorFlags::READ)
                .expect("small.txt opens");
            let (bytes, _) = file.read(4096, 0).expect("small.txt reads");
            sum += bytes.iter().map(|b| u64::from(*b)).sum::<u64>();
        }
        if lines {
            let line = format!("round {round}\n");
            stdout
                .blocking_write_and_flush(line.as_bytes())
                .expect("stdout takes the line");
        }
    }
    let line = format!("checksum {sum}\n");
    stdout.blocking_write_and_flush(line.as_bytes()).expect("stdout");
}
