//! Benchmark of the adapter's cost per WASI call, printing figures: the `smallcalls` guest (per
//! round: read the environment, open, read and close a small file, write a line to stdout) run
//! on wasmtime's own WASI and composed under virtc policies that grant the same things — the
//! file through a host preopen and embedded in the component — with the ratio to the plain run.
//! A second table compares reading one 16 MiB file in 64 KiB reads.
//!
//! Run with `cargo bench -p virtc-tests --bench calls`. Each figure is the median of several
//! runs of an already compiled component (wasmtime's compile time is not in it).

use std::time::{Duration, Instant};

use virtc_run::{RunOptions, Status, Stdio};
use virtc_tests::{PlainPreopen, Policy, guest, run_plain_loaded};

const ROUNDS: u32 = 20_000;
const RUNS: usize = 7;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The median time of `RUNS` calls of `f`, which must report success.
fn time(mut f: impl FnMut() -> Status) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let status = f();
                let elapsed = start.elapsed();
                assert_eq!(status, Status::Exited(0));
                elapsed
            })
            .collect(),
    )
}

/// Times the composed run of `component` under `policy`.
fn composed(policy: &Policy, component: &[u8]) -> Duration {
    let compiled = policy.compile_ok(component);
    let loaded = virtc_run::load(compiled.composed.as_ref().unwrap()).unwrap();
    time(|| {
        virtc_run::run(
            &compiled.ir,
            &loaded,
            &RunOptions {
                program: "smallcalls".into(),
                args: Vec::new(),
                host_env: Vec::new(),
                host_config: Vec::new(),
                stdio: Stdio::Capture { stdin: Vec::new() },
                trace: None,
            },
        )
        .unwrap()
        .status
    })
}

fn row(label: &str, took: Duration, plain: Duration) {
    println!(
        "  {label:<52} {:>9.2} ms  {:>7.2} µs/round  {:>5.2}×",
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / f64::from(ROUNDS),
        took.as_secs_f64() / plain.as_secs_f64()
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let component = guest("smallcalls");
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("small.txt"), "a small file\n".repeat(8)).unwrap();
    let rounds = ROUNDS.to_string();
    println!(
        "smallcalls: {ROUNDS} rounds; per round, by mode: `all` reads the environment, opens,"
    );
    println!("reads and closes a small file and writes a line to stdout; the others one of these");
    let loaded = wasmtime::component::Component::new(virtc_run::engine(), &component).unwrap();
    for mode in ["all", "env", "file", "stdout"] {
        let env = [
            ("ROUNDS", rounds.as_str()),
            ("MODE", mode),
            ("HOME", "/home/app"),
            ("LANG", "C.UTF-8"),
        ];
        let plain = time(|| {
            run_plain_loaded(
                &loaded,
                &env,
                &[PlainPreopen {
                    host: data.path(),
                    guest: "/data",
                    readonly: true,
                }],
            )
            .status
        });
        let common = format!(
            "stdout allow; allow clocks; allow random; allow exit;\n\
             env ROUNDS = \"{rounds}\"; env MODE = \"{mode}\"; env HOME = \"/home/app\";\n\
             env LANG = \"C.UTF-8\";\n"
        );
        let preopen = Policy::new(&format!(
            "{common}preopen \"/data\" from host \"{}\" readonly;\n",
            data.path().display()
        ));
        let embedded = Policy::new(&format!("{common}mount \"/data\" from \"./data\";\n"))
            .with_file("data/small.txt", "a small file\n".repeat(8));
        println!("mode {mode}:");
        row("wasmtime's WASI, no adapter", plain, plain);
        row(
            "composed: virtual env, host preopen via the adapter",
            composed(&preopen, &component),
            plain,
        );
        row(
            "composed: virtual env, file embedded",
            composed(&embedded, &component),
            plain,
        );
    }
}
