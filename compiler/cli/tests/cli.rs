//! The `virtc` command line as a user meets it: the real binary, run with `std::process::Command`.
//!
//! The contract under test: exit code 0 on success, 1 on a policy or input error, 2 on a usage
//! error; errors are reported on stderr (never as a panic) and never leave a partial, new or
//! clobbered output file behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use virtc_tests::repo;

use crate::common::Run;

/// The pong example's component, built once per test process.
fn pong_wasm() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(virtc_tests::pong_path)
}

/// The probe guest, built once per test process.
fn probe_wasm() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| virtc_tests::guest_path("probe"))
}

fn pong_policy() -> PathBuf {
    repo().join("examples/pong/pong.virt")
}

/// The component binary magic: `\0asm`, then the component-model version and layer.
const COMPONENT_MAGIC: &[u8] = b"\0asm\x0d\0\x01\0";

fn virtc_in(cwd: &Path, args: &[&str]) -> Run {
    Run::from(
        Command::new(env!("CARGO_BIN_EXE_virtc"))
            .args(args)
            .current_dir(cwd)
            .output()
            .expect("virtc starts"),
    )
}

/// A temporary working directory with files in it.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn join(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Copies a file into the directory under `name`.
    fn copy(&self, from: &Path, name: &str) -> PathBuf {
        let path = self.join(name);
        std::fs::copy(from, &path).unwrap();
        path
    }

    /// Runs virtc with this directory as the working directory.
    fn virtc(&self, args: &[&str]) -> Run {
        virtc_in(self.path(), args)
    }

    /// The names of the files in the directory, sorted.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Asserts that no temporary file of an atomic write was left behind.
    fn assert_no_temporaries(&self) {
        let files = self.files();
        assert!(
            !files
                .iter()
                .any(|f| f.starts_with(".virtc-") || f.ends_with(".tmp")),
            "temporary files left behind: {files:?}"
        );
    }
}

/// A policy with three independent errors: V0010, V0011 and V0021.
const BAD_POLICY: &str = "allow randon;\nstdout ignor;\nenv X = \"a\";\nenv X = \"b\";\n";

// ---------------------------------------------------------------------------------------------
// Help

#[test]
fn top_level_help_lists_commands_options_exit_codes_and_examples() {
    let dir = Dir::new();
    let run = dir.virtc(&["--help"]).expect(0);
    for needle in [
        "compile",
        "check",
        "run",
        "--color",
        "--help",
        "--version",
        "Exit codes",
        "Example",
    ] {
        assert!(
            run.stdout.contains(needle),
            "`virtc --help` lacks `{needle}`:\n{}",
            run.stdout
        );
    }
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn subcommand_help_lists_every_option_and_an_example() {
    let dir = Dir::new();
    let cases: [(&str, &[&str]); 3] = [
        (
            "compile",
            &[
                "<POLICY>",
                "--component",
                "-c",
                "--output",
                "-o",
                "--wasi-version",
                "--color",
                "Example",
                "virtc compile",
            ],
        ),
        (
            "check",
            &[
                "<POLICY>",
                "--component",
                "-c",
                "--color",
                "Example",
                "virtc check",
            ],
        ),
        (
            "run",
            &[
                "<POLICY>",
                "<COMPONENT>",
                "[ARGS]",
                "--color",
                "Example",
                "virtc run",
            ],
        ),
    ];
    for (command, needles) in cases {
        let run = dir.virtc(&[command, "--help"]).expect(0);
        for needle in needles {
            assert!(
                run.stdout.contains(needle),
                "`virtc {command} --help` lacks `{needle}`:\n{}",
                run.stdout
            );
        }
        // `virtc help <command>` says the same.
        let help = dir.virtc(&["help", command]).expect(0);
        assert_eq!(help.stdout, run.stdout);
    }
}

#[test]
fn version_exits_zero() {
    let run = Dir::new().virtc(&["--version"]).expect(0);
    assert!(run.stdout.starts_with("virtc "), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// Usage errors: exit 2

#[test]
fn usage_errors_exit_two() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    let cases: &[&[&str]] = &[
        &[],
        &["--bogus"],
        &["frobnicate"],
        &["compile", "good.virt"],
        &["compile", "good.virt", "-o", "out.wasm", "--bogus"],
        &[
            "compile",
            "good.virt",
            "-o",
            "out.wasm",
            "--wasi-version",
            "1.0.0",
        ],
        &[
            "compile",
            "good.virt",
            "-o",
            "out.wasm",
            "--wasi-version",
            "0.2.99",
        ],
        &[
            "compile",
            "good.virt",
            "-o",
            "out.wasm",
            "--wasi-version",
            "latest",
        ],
        &["compile", "-o", "out.wasm"],
        &["check"],
        &["run", "good.virt"],
        &["--color", "sometimes", "check", "good.virt"],
    ];
    for args in cases {
        let run = dir.virtc(args);
        assert_eq!(
            run.code,
            Some(2),
            "`virtc {}` should be a usage error:\n{}",
            args.join(" "),
            run.stderr
        );
        assert!(
            run.stderr.contains("error:") || run.stderr.contains("Usage:"),
            "`virtc {}` explains nothing:\n{}",
            args.join(" "),
            run.stderr
        );
    }
    // No output was written by any of them.
    assert_eq!(dir.files(), ["good.virt"]);
}

#[test]
fn bad_wasi_version_names_the_range() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    let run = dir
        .virtc(&[
            "compile",
            "good.virt",
            "-o",
            "out.wasm",
            "--wasi-version",
            "1.0.0",
        ])
        .expect(2);
    assert!(run.stderr.contains("1.0.0"), "{}", run.stderr);
    assert!(run.stderr.contains("0.2.0 to 0.2.12"), "{}", run.stderr);
    assert!(!dir.join("out.wasm").exists());
}

// ---------------------------------------------------------------------------------------------
// Policy errors: exit 1, every error reported, nothing written

#[test]
fn check_reports_every_error_and_a_summary() {
    let dir = Dir::new();
    dir.write("bad.virt", BAD_POLICY);
    let run = dir.virtc(&["check", "bad.virt"]).expect(1);
    for code in ["V0010", "V0011", "V0021"] {
        assert!(run.stderr.contains(code), "missing {code}:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("bad.virt:1:"), "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("error: the policy has 3 errors")),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // Piped stderr is not a terminal: no color codes.
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

#[test]
fn color_always_colors_and_never_does_not() {
    let dir = Dir::new();
    dir.write("bad.virt", BAD_POLICY);
    let always = dir
        .virtc(&["--color", "always", "check", "bad.virt"])
        .expect(1);
    assert!(always.stderr.contains('\u{1b}'), "{}", always.stderr);
    let never = dir
        .virtc(&["check", "bad.virt", "--color", "never"])
        .expect(1);
    assert!(!never.stderr.contains('\u{1b}'), "{}", never.stderr);
}

#[test]
fn compile_with_policy_errors_keeps_an_existing_output() {
    let dir = Dir::new();
    dir.write("bad.virt", BAD_POLICY);
    let before = b"the previous output, which must survive".to_vec();
    dir.write("out.wasm", &before);
    let run = dir
        .virtc(&["compile", "bad.virt", "-o", "out.wasm"])
        .expect(1);
    for code in ["V0010", "V0011", "V0021"] {
        assert!(run.stderr.contains(code), "missing {code}:\n{}", run.stderr);
    }
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("error: the policy has 3 errors")),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(dir.join("out.wasm")).unwrap(), before);
    dir.assert_no_temporaries();

    // Also with a component: the policy errors come first.
    let pong = dir.copy(pong_wasm(), "pong.wasm");
    let pong = pong.to_str().unwrap();
    dir.virtc(&["compile", "bad.virt", "--component", pong, "-o", "out.wasm"])
        .expect(1);
    assert_eq!(std::fs::read(dir.join("out.wasm")).unwrap(), before);
    dir.assert_no_temporaries();
}

#[test]
fn compile_with_policy_errors_creates_nothing() {
    let dir = Dir::new();
    dir.write("bad.virt", BAD_POLICY);
    dir.virtc(&["compile", "bad.virt", "-o", "out.wasm"])
        .expect(1);
    assert!(!dir.join("out.wasm").exists());
    assert_eq!(dir.files(), ["bad.virt"]);
}

#[test]
fn run_with_policy_errors_exits_one() {
    let dir = Dir::new();
    dir.write("bad.virt", BAD_POLICY);
    let pong = dir.copy(pong_wasm(), "pong.wasm");
    let run = dir
        .virtc(&["run", "bad.virt", pong.to_str().unwrap()])
        .expect(1);
    assert!(run.stderr.contains("V0021"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// Input errors: exit 1, one `error:` line naming the file

#[test]
fn missing_policy_file() {
    let dir = Dir::new();
    for args in [
        &["check", "missing.virt"][..],
        &["compile", "missing.virt", "-o", "out.wasm"],
        &["run", "missing.virt", "pong.wasm"],
    ] {
        let run = dir.virtc(args).expect(1);
        let line = run.one_error_line();
        assert!(line.contains("`missing.virt`"), "{line}");
        assert!(line.contains("no such file"), "{line}");
    }
    assert!(dir.files().is_empty(), "{:?}", dir.files());
}

#[test]
fn policy_that_is_a_directory() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("policy.virt")).unwrap();
    let run = dir.virtc(&["check", "policy.virt"]).expect(1);
    assert!(
        run.one_error_line().contains("`policy.virt`"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_component_file() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    for args in [
        &["check", "good.virt", "--component", "missing.wasm"][..],
        &[
            "compile",
            "good.virt",
            "--component",
            "missing.wasm",
            "-o",
            "out.wasm",
        ],
        &["run", "good.virt", "missing.wasm"],
    ] {
        let run = dir.virtc(args).expect(1);
        let line = run.one_error_line();
        assert!(line.contains("`missing.wasm`"), "{line}");
        assert!(line.contains("no such file"), "{line}");
    }
    assert_eq!(dir.files(), ["good.virt"]);
}

#[test]
fn component_that_is_not_wasm() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    dir.write("x.wasm", "hello");
    for args in [
        &["check", "good.virt", "--component", "x.wasm"][..],
        &[
            "compile",
            "good.virt",
            "--component",
            "x.wasm",
            "-o",
            "out.wasm",
        ],
        &["run", "good.virt", "x.wasm"],
    ] {
        let run = dir.virtc(args).expect(1);
        let line = run.one_error_line();
        assert!(line.contains("`x.wasm`"), "{line}");
        assert!(line.contains("not a WebAssembly file"), "{line}");
    }
    assert_eq!(dir.files(), ["good.virt", "x.wasm"]);
}

#[test]
fn component_that_is_a_core_module() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    dir.write("core.wasm", b"\0asm\x01\0\0\0");
    let before = b"keep me".to_vec();
    dir.write("out.wasm", &before);
    for args in [
        &["check", "good.virt", "-c", "core.wasm"][..],
        &["compile", "good.virt", "-c", "core.wasm", "-o", "out.wasm"],
        &["run", "good.virt", "core.wasm"],
    ] {
        let run = dir.virtc(args).expect(1);
        let line = run.one_error_line();
        assert!(line.contains("`core.wasm`"), "{line}");
        assert!(line.contains("core WebAssembly module"), "{line}");
    }
    assert_eq!(std::fs::read(dir.join("out.wasm")).unwrap(), before);
    dir.assert_no_temporaries();
}

#[test]
fn truncated_component() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    let bytes = std::fs::read(pong_wasm()).unwrap();
    dir.write("half.wasm", &bytes[..bytes.len() / 2]);
    let run = dir
        .virtc(&["compile", "good.virt", "-c", "half.wasm", "-o", "out.wasm"])
        .expect(1);
    let line = run.one_error_line();
    assert!(line.contains("`half.wasm`"), "{line}");
    assert!(!dir.join("out.wasm").exists());
    dir.assert_no_temporaries();
}

#[test]
fn output_in_a_missing_directory() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    let pong = dir.copy(pong_wasm(), "pong.wasm");
    for args in [
        &["compile", "good.virt", "-o", "nodir/out.wasm"][..],
        &[
            "compile",
            "good.virt",
            "-c",
            pong.to_str().unwrap(),
            "-o",
            "nodir/out.wasm",
        ],
    ] {
        let run = dir.virtc(args).expect(1);
        // The component warnings (V0040) may come first; the error is the last line, and the
        // only `error:` line.
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect();
        assert_eq!(errors.len(), 1, "{}", run.stderr);
        assert!(errors[0].starts_with("error[V0076]: "), "{}", errors[0]);
        assert!(errors[0].contains("`nodir/out.wasm`"), "{}", errors[0]);
        assert!(errors[0].contains("no such file"), "{}", errors[0]);
        assert_eq!(run.stderr.lines().last(), Some(errors[0]));
    }
    assert!(!dir.join("nodir").exists());
    assert_eq!(dir.files(), ["good.virt", "pong.wasm"]);
}

#[test]
fn output_that_is_a_directory() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    std::fs::create_dir(dir.join("out")).unwrap();
    let run = dir.virtc(&["compile", "good.virt", "-o", "out"]).expect(1);
    assert!(run.one_error_line().contains("`out`"), "{}", run.stderr);
    assert!(dir.join("out").is_dir());
    dir.assert_no_temporaries();
}

// ---------------------------------------------------------------------------------------------
// Success

#[test]
fn compile_pong_is_a_component_and_deterministic() {
    let dir = Dir::new();
    let pong = dir.copy(pong_wasm(), "pong.wasm");
    let policy = pong_policy();
    let (policy, pong) = (policy.to_str().unwrap(), pong.to_str().unwrap());
    dir.virtc(&["compile", policy, "--component", pong, "-o", "a.wasm"])
        .expect(0);
    dir.virtc(&["compile", policy, "-c", pong, "--output", "b.wasm"])
        .expect(0);
    let a = std::fs::read(dir.join("a.wasm")).unwrap();
    let b = std::fs::read(dir.join("b.wasm")).unwrap();
    assert!(a.starts_with(COMPONENT_MAGIC), "{:?}", &a[..a.len().min(8)]);
    assert!(
        a == b,
        "two compilations differ ({} and {} bytes)",
        a.len(),
        b.len()
    );
    assert_ne!(a, std::fs::read(pong).unwrap(), "nothing was composed");
    dir.assert_no_temporaries();
}

#[test]
fn compile_overwrites_an_existing_output_on_success() {
    let dir = Dir::new();
    let pong = dir.copy(pong_wasm(), "pong.wasm");
    dir.write("out.wasm", "old");
    dir.virtc(&[
        "compile",
        pong_policy().to_str().unwrap(),
        "-c",
        pong.to_str().unwrap(),
        "-o",
        "out.wasm",
    ])
    .expect(0);
    assert!(
        std::fs::read(dir.join("out.wasm"))
            .unwrap()
            .starts_with(COMPONENT_MAGIC)
    );
    dir.assert_no_temporaries();
}

#[test]
fn compile_without_a_component_writes_a_standalone_adapter() {
    let dir = Dir::new();
    let policy = pong_policy();
    let policy = policy.to_str().unwrap();
    let run = dir
        .virtc(&["compile", policy, "-o", "adapter.wasm"])
        .expect(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let adapter = std::fs::read(dir.join("adapter.wasm")).unwrap();
    assert!(adapter.starts_with(COMPONENT_MAGIC));
    // At another WASI version the adapter differs, and is still deterministic.
    dir.virtc(&[
        "compile",
        policy,
        "-o",
        "old1.wasm",
        "--wasi-version",
        "0.2.0",
    ])
    .expect(0);
    dir.virtc(&[
        "compile",
        policy,
        "-o",
        "old2.wasm",
        "--wasi-version",
        "0.2.0",
    ])
    .expect(0);
    let old = std::fs::read(dir.join("old1.wasm")).unwrap();
    assert!(old.starts_with(COMPONENT_MAGIC));
    assert_eq!(old, std::fs::read(dir.join("old2.wasm")).unwrap());
    assert_ne!(old, adapter);
    dir.assert_no_temporaries();
}

#[test]
fn check_of_a_good_policy_is_silent() {
    let dir = Dir::new();
    let run = dir
        .virtc(&["check", pong_policy().to_str().unwrap()])
        .expect(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(dir.files().is_empty(), "check wrote {:?}", dir.files());
}

#[test]
fn check_against_a_component_warns_but_succeeds() {
    // This policy does not grant exit, which pong imports: a warning (V0040), not an error.
    let dir = Dir::new();
    dir.write(
        "no-exit.virt",
        "allow random;\nenv PONG = \"demo\";\nstdout allow;\n",
    );
    let run = dir
        .virtc(&[
            "check",
            "no-exit.virt",
            "--component",
            pong_wasm().to_str().unwrap(),
        ])
        .expect(0);
    assert!(run.stderr.contains("warning[V0040]"), "{}", run.stderr);
    assert!(run.stderr.contains("wasi:cli/exit"), "{}", run.stderr);
    assert!(!run.stderr.contains("error["), "{}", run.stderr);
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    assert_eq!(dir.files(), ["no-exit.virt"], "check wrote something");
}

#[test]
fn run_pong_sees_the_policy_not_the_host() {
    let dir = Dir::new();
    let run = Run::from(
        Command::new(env!("CARGO_BIN_EXE_virtc"))
            .args([
                "run",
                pong_policy().to_str().unwrap(),
                pong_wasm().to_str().unwrap(),
            ])
            .current_dir(dir.path())
            .env("PONG", "host")
            .output()
            .unwrap(),
    )
    .expect(0);
    // The first line is pong's answer (later lines are the example's other output).
    assert_eq!(
        run.stdout.lines().next(),
        Some("ping -> pong demo"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("host"), "{}", run.stdout);
}

#[test]
fn run_passes_arguments_after_double_dash() {
    let dir = Dir::new();
    dir.write(
        "args.virt",
        "env PROBE = \"env\"; args allow; stdout allow;\n",
    );
    let probe = dir.copy(probe_wasm(), "probe.wasm");
    let run = dir
        .virtc(&[
            "run",
            "args.virt",
            probe.to_str().unwrap(),
            "--",
            "first",
            "se cond",
            "--flag",
        ])
        .expect(0);
    assert!(
        run.stdout
            .contains(r#"args: ["probe.wasm", "first", "se cond", "--flag"]"#),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Exit codes of `virtc run`

#[test]
fn run_forwards_the_component_exit() {
    // Rust's std reports `exit(7)` through wasi:cli/exit as a failure, which the host turns into 1.
    let dir = Dir::new();
    dir.write(
        "exit.virt",
        "env PROBE = \"exit\"; allow exit; stdout allow;\n",
    );
    let probe = dir.copy(probe_wasm(), "probe.wasm");
    let run = dir
        .virtc(&["run", "exit.virt", probe.to_str().unwrap()])
        .expect(1);
    assert!(!run.stderr.contains("trapped"), "{}", run.stderr);
}

#[test]
fn run_of_a_trapping_component_exits_134() {
    let dir = Dir::new();
    dir.write(
        "deny.virt",
        "env PROBE = \"exit\"; deny exit; stdout allow;\n",
    );
    let probe = dir.copy(probe_wasm(), "probe.wasm");
    let run = dir
        .virtc(&["run", "deny.virt", probe.to_str().unwrap()])
        .expect(134);
    assert!(run.stderr.contains("error: `"), "{}", run.stderr);
    assert!(run.stderr.contains("trapped"), "{}", run.stderr);
}

#[test]
fn run_of_a_component_without_wasi_cli_run_is_an_input_error() {
    let dir = Dir::new();
    dir.write("good.virt", "stdout allow;\n");
    // The smallest component: no imports, no exports.
    dir.write("empty.wasm", COMPONENT_MAGIC);
    let run = dir.virtc(&["run", "good.virt", "empty.wasm"]).expect(1);
    assert!(run.stderr.starts_with("error[V0078]: "), "{}", run.stderr);
    assert!(run.stderr.contains("wasi:cli/run"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Paths inside a policy resolve against the policy's directory

#[test]
fn paths_resolve_against_the_policy_directory() {
    let dir = Dir::new();
    dir.write(
        "policies/base.virt",
        "stdout allow;\nenv PONG = \"from-base\";\n",
    );
    dir.write(
        "policies/app.virt",
        "use \"./base.virt\";\nallow exit;\nallow clocks;\nmount \"/\" from \"./dir\";\n",
    );
    dir.write("policies/dir/greeting.txt", "from the policy directory\n");
    // Files of the same names in the working directory, which must not be picked instead: a
    // `base.virt` that does not check and another greeting.
    dir.write("elsewhere/base.virt", BAD_POLICY);
    dir.write("elsewhere/dir/greeting.txt", "from the working directory\n");
    let cwd = dir.join("elsewhere");
    let pong = pong_wasm().to_str().unwrap();
    let expected = "ping -> pong from-base\nfrom the policy directory\n";

    // A relative policy path and an absolute one.
    let absolute = dir.join("policies/app.virt");
    for policy in ["../policies/app.virt", absolute.to_str().unwrap()] {
        let check = virtc_in(&cwd, &["check", policy]).expect(0);
        assert!(check.stderr.is_empty(), "{}", check.stderr);
        let run = virtc_in(&cwd, &["run", policy, pong]).expect(0);
        assert_eq!(run.stdout, expected);
        virtc_in(&cwd, &["compile", policy, "-c", pong, "-o", "out.wasm"]).expect(0);
        assert!(
            std::fs::read(cwd.join("out.wasm"))
                .unwrap()
                .starts_with(COMPONENT_MAGIC)
        );
    }
    // From the root as well.
    let run = virtc_in(Path::new("/"), &["run", absolute.to_str().unwrap(), pong]).expect(0);
    assert_eq!(run.stdout, expected);
}

#[test]
fn paths_in_a_used_file_resolve_against_that_file() {
    let dir = Dir::new();
    dir.write(
        "policies/profiles/base.virt",
        "stdout allow;\nmount \"/\" from \"./dir\";\n",
    );
    dir.write("policies/profiles/dir/greeting.txt", "from the profile\n");
    dir.write("policies/dir/greeting.txt", "from the using policy\n");
    dir.write(
        "policies/app.virt",
        "use \"./profiles/base.virt\";\nallow exit;\nallow clocks;\nenv PONG = \"p\";\n",
    );
    let run = dir
        .virtc(&["run", "policies/app.virt", pong_wasm().to_str().unwrap()])
        .expect(0);
    assert_eq!(run.stdout, "ping -> pong p\nfrom the profile\n");
}

#[test]
fn a_missing_used_file_is_reported_against_the_policy_directory() {
    let dir = Dir::new();
    dir.write("policies/app.virt", "use \"./nope.virt\";\n");
    let run = dir.virtc(&["check", "policies/app.virt"]).expect(1);
    assert!(run.stderr.contains("nope.virt"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Output permissions

/// The output is written through a temporary file, which is private (0600): the output must
/// not keep that mode, and an existing output keeps its own.
#[cfg(unix)]
#[test]
fn output_keeps_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let policy = pong_policy();
    let policy = policy.to_str().unwrap();
    let existing = dir.write("existing.wasm", "old");
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    dir.virtc(&["compile", policy, "-o", "existing.wasm"])
        .expect(0);
    let mode = std::fs::metadata(&existing).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "overwriting changed the mode to {mode:o}");

    dir.virtc(&["compile", policy, "-o", "new.wasm"]).expect(0);
    let mode = std::fs::metadata(dir.join("new.wasm"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_ne!(mode, 0o600, "a new output is private to its owner");
}

// ---------------------------------------------------------------------------------------------
// Known problems, kept as ignored tests until they are fixed.

/// With `RUST_BACKTRACE=1` in the environment (common among Rust users), a trap or an
/// instantiation error prints virtc's own Rust stack backtrace after the message.
#[test]
fn run_errors_carry_no_host_backtrace() {
    let dir = Dir::new();
    dir.write(
        "deny.virt",
        "env PROBE = \"exit\"; deny exit; stdout allow;\n",
    );
    dir.write("good.virt", "stdout allow;\n");
    dir.write("empty.wasm", COMPONENT_MAGIC);
    let probe = dir.copy(probe_wasm(), "probe.wasm");
    for (args, code) in [
        (&["run", "deny.virt", probe.to_str().unwrap()][..], 134),
        (&["run", "good.virt", "empty.wasm"], 1),
    ] {
        let run = Run::from(
            Command::new(env!("CARGO_BIN_EXE_virtc"))
                .args(args)
                .current_dir(dir.path())
                .env("RUST_BACKTRACE", "1")
                .output()
                .unwrap(),
        )
        .expect(code);
        assert!(!run.stderr.contains("Stack backtrace"), "{}", run.stderr);
        assert!(!run.stderr.contains("virtc_cli"), "{}", run.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// A component whose import of a WASI interface is not WASI's

/// The probe with its `wasi:cli/terminal-stdin` import renamed to `wasi:random/insecure`: the
/// name is WASI's, the shape is not. `check --component` and `compile` give the same V0079,
/// naming the interface, and nothing is written.
#[test]
fn an_import_that_does_not_fit_wasi_is_v0079_from_check_and_compile() {
    let dir = Dir::new();
    let bytes = virtc_tests::rename_imports(&std::fs::read(probe_wasm()).unwrap(), |name| {
        name.replace("wasi:cli/terminal-stdin@", "wasi:random/insecure@")
    });
    assert!(
        virtc_tests::imports(&bytes)
            .iter()
            .any(|i| i.starts_with("wasi:random/insecure@")),
        "the probe imports terminal-stdin"
    );
    dir.write("misfit.wasm", &bytes);
    dir.write("policy.virt", "stdout allow;\n");
    let check = dir
        .virtc(&["check", "policy.virt", "--component", "misfit.wasm"])
        .expect(1);
    let compile = dir
        .virtc(&[
            "compile",
            "policy.virt",
            "--component",
            "misfit.wasm",
            "-o",
            "out.wasm",
        ])
        .expect(1);
    let line = check.one_error_line();
    assert!(line.starts_with("error[V0079]: "), "{line}");
    assert!(line.contains("`wasi:random/insecure@"), "{line}");
    insta::assert_snapshot!(line);
    assert_eq!(check.stderr, compile.stderr);
    assert!(!dir.join("out.wasm").exists());
    dir.assert_no_temporaries();
}
