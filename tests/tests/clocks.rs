//! Virtual clocks and seeded random numbers, run in wasmtime: `clocks fixed` starts the wall
//! clock at an instant and moves time only when the component waits (at once), `clocks
//! resolution` coarsens the host's clocks, `random seed` gives the same bytes on every run — the
//! ChaCha20 streams the policy format documents.

use std::time::{Duration, Instant};

use virtc_run::Status;
use virtc_tests::*;

/// Compiles `policy` with the timekeeper's `STEPS`, runs it and returns its stdout.
fn timekeeper(policy: &str, steps: &str, stdin: &str) -> String {
    let compiled = compile_ok(
        &format!("env STEPS = \"{steps}\"; stdout allow; {policy}"),
        &guest("timekeeper"),
    );
    let out = run(&compiled, &[], &[], stdin);
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

const FIXED: &str = "clocks fixed \"2026-01-01T00:00:00Z\"; random seed 42;";

#[test]
fn fixed_time_and_a_seed_give_the_same_run_twice() {
    let steps = "wall; mono; resolution; random; u64; insecure; seed; hashmap; wall";
    let first = timekeeper(FIXED, steps, "");
    let second = timekeeper(FIXED, steps, "");
    assert_eq!(first, second);
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines[0], "wall: 1767225600.000000000");
    assert_eq!(lines[1], "mono: 0");
    assert_eq!(lines[2], "resolution: mono 1, wall 0.000000001");
    // Reading the clocks does not move them.
    assert_eq!(lines[8], "wall: 1767225600.000000000");
    // insecure-seed is the same pair every call.
    let seed = lines[6].strip_prefix("seed: ").unwrap();
    let (a, b) = seed.split_at(seed.len() / 2);
    assert_eq!(a.trim(), b.trim(), "{seed}");
    // Another seed, other numbers, and another HashMap order source.
    let other = timekeeper(
        "clocks fixed \"2026-01-01T00:00:00Z\"; random seed 43;",
        steps,
        "",
    );
    let other: Vec<&str> = other.lines().collect();
    assert_ne!(other[3], lines[3]);
    assert_ne!(other[6], lines[6]);
}

#[test]
fn seeded_bytes_are_the_documented_chacha20_stream() {
    let out = timekeeper("random seed 42;", "random; u64; insecure", "");
    let keys = virtc::analyse::policy::random_seed(42);
    let mut stream = virtc_policy::chacha::ChaCha20::new(keys.random);
    let mut first = [0u8; 16];
    stream.fill(&mut first);
    let next = stream.next_u64();
    let mut insecure = [0u8; 16];
    virtc_policy::chacha::ChaCha20::new(keys.insecure).fill(&mut insecure);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(
        out,
        format!(
            "random: {}\nu64: {next}\ninsecure: {}\n",
            hex(&first),
            hex(&insecure)
        )
    );
}

#[test]
fn waiting_moves_virtual_time_at_once() {
    let started = Instant::now();
    let out = timekeeper(FIXED, "sleep 10000; wall; mono; race 3000 1000; mono", "");
    // Ten seconds of virtual sleep take no ten seconds of real time (a generous bound: the run
    // compiles and instantiates the component too).
    assert!(started.elapsed() < Duration::from_secs(8), "{out}");
    assert_eq!(
        out,
        "sleep 10000: mono +10000000000, wall +10000000000\n\
         wall: 1767225610.000000000\n\
         mono: 10000000000\n\
         race 3000 1000: ready [1] after +1000000000\n\
         mono: 11000000000\n"
    );
}

#[test]
fn a_poll_with_host_io_waits_in_real_time() {
    // stdin is the host's (empty: ready at once), the timer virtual: the poll returns stdin
    // without moving virtual time to the timer.
    let out = timekeeper(
        &format!("{FIXED} stdin allow;"),
        "stdin-race 60000; mono",
        "",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "stdin-race 60000: ready [0]", "{out}");
    let mono: u64 = lines[1].strip_prefix("mono: ").unwrap().parse().unwrap();
    assert!(mono < 60_000_000_000, "{out}");
    // The output imports the host's monotonic clock for such a poll, never the wall clock.
    let compiled = compile_ok(
        &format!("stdout allow; stdin allow; {FIXED}"),
        &guest("timekeeper"),
    );
    let imports = imports(compiled.composed.as_ref().unwrap());
    assert!(
        has_import(&imports, "wasi:clocks/monotonic-clock"),
        "{imports:?}"
    );
    assert!(
        !has_import(&imports, "wasi:clocks/wall-clock"),
        "{imports:?}"
    );
    assert!(!has_import(&imports, "wasi:random"), "{imports:?}");
}

#[test]
fn without_host_io_no_host_clock_is_imported() {
    let compiled = compile_ok(&format!("stdout ignore; {FIXED}"), &guest("timekeeper"));
    let imports = imports(compiled.composed.as_ref().unwrap());
    assert!(!has_import(&imports, "wasi:clocks"), "{imports:?}");
    assert!(!has_import(&imports, "wasi:random"), "{imports:?}");
}

#[test]
fn resolution_rounds_the_hosts_clocks_down() {
    let out = timekeeper(
        "clocks resolution \"1s\";",
        "resolution; wall; mono; sleep 20; mono",
        "",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "resolution: mono 1000000000, wall 1.000000000");
    let wall = lines[1].strip_prefix("wall: ").unwrap();
    assert!(wall.ends_with(".000000000"), "{out}");
    let (seconds, _) = wall.split_once('.').unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let seconds: u64 = seconds.parse().unwrap();
    assert!(seconds <= now && now - seconds < 600, "{out}");
    for line in [lines[2], lines[4]] {
        let mono: u64 = line.strip_prefix("mono: ").unwrap().parse().unwrap();
        assert_eq!(mono % 1_000_000_000, 0, "{out}");
    }
}

#[test]
fn the_deterministic_profile_runs_a_component_that_uses_files_and_clocks() {
    // Rust's std imports the wall clock with files: under the profile it answers, no trap.
    let compiled = compile_ok(
        "use std::deterministic; env PROBE = \"clocks\";",
        &guest("probe"),
    );
    assert!(
        compiled.diagnostics.iter().all(|d| d.code != "V0040"),
        "{:?}",
        compiled.diagnostics
    );
    let out = run(&compiled, &[], &[], "");
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    // Virtual time starts in 2000, before the probe's idea of "now".
    assert_eq!(text(&out.stdout), "monotonic: true\nwall: false\n");
}

#[test]
fn pong_under_the_deterministic_profile_warns_nothing_and_runs() {
    let policy =
        Policy::new("use std::deterministic;\nenv PONG = \"demo\";\nmount \"/\" from \"./dir\";\n")
            .with_file("dir/greeting.txt", "hello from a virtual clock\n");
    let compiled = policy.compile_ok(&pong());
    assert!(
        compiled.diagnostics.iter().all(|d| d.code != "V0040"),
        "{:?}",
        compiled.diagnostics
    );
    let out = run(&compiled, &[], &[("PONG", "host")], "");
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "ping -> pong demo\nhello from a virtual clock\n"
    );
}
