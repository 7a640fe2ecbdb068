//! `virtc init --from` as a user meets it, with the real binary: for each test guest and the pong
//! example, the starting policy it writes (snapshotted), which `virtc check --component` passes
//! without errors or trap warnings, which is in canonical layout (`virtc fmt --check`), and under
//! which the commands run without trapping while seeing nothing of the host. Then the refusals:
//! an existing file without `--force`, a missing directory, input that is not a component — one
//! error line each, exit code 1, nothing written.

use std::path::{Path, PathBuf};

use crate::common::{Run, virtc};

/// Exit code of `virtc run` when the component traps.
const TRAPPED: i32 = 134;

fn path_str(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// The names of the files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A policy `virtc init` wrote into a fresh directory, next to a copy of its component.
struct Initialized {
    dir: tempfile::TempDir,
    policy: PathBuf,
    component: PathBuf,
    text: String,
}

impl Initialized {
    fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `virtc run` of the policy and the component, with `args` after `--`.
    fn run(&self, env: &[(&str, &str)]) -> Run {
        virtc(
            self.dir(),
            &["run", path_str(&self.policy), path_str(&self.component)],
            env,
        )
    }
}

/// `virtc init --from COMPONENT -o NAME.virt`, and everything every written policy must satisfy:
/// the same text as on stdout, the snapshot, `virtc check --component` with no errors and no
/// warnings but one V0040 per interface in `stubbed` (a `deny import` stub traps when called,
/// and the checker says so), and `virtc fmt --check`.
fn init(name: &str, component: &Path, stubbed: &[&str]) -> Initialized {
    let dir = tempfile::tempdir().unwrap();
    let file_name = component.file_name().unwrap().to_str().unwrap();
    let copy = dir.path().join(file_name);
    std::fs::copy(component, &copy).unwrap();
    let policy = dir.path().join(format!("{name}.virt"));
    let written = virtc(
        dir.path(),
        &["init", "--from", file_name, "-o", path_str(&policy)],
        &[],
    )
    .expect(0);
    assert_eq!(written.stdout, "");
    assert_eq!(written.stderr, "");
    let text = std::fs::read_to_string(&policy).unwrap();
    // Without -o, the same text on stdout, and nothing else written.
    let printed = virtc(dir.path(), &["init", "--from", file_name], &[]).expect(0);
    assert_eq!(printed.stdout, text);
    assert_eq!(printed.stderr, "");
    assert_eq!(files(dir.path()).len(), 2, "{:?}", files(dir.path()));
    insta::assert_snapshot!(name, text);

    let checked = virtc(
        dir.path(),
        &["check", path_str(&policy), "--component", file_name],
        &[],
    )
    .expect(0);
    let warnings: Vec<&str> = checked
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning[") || l.starts_with("error[") || l.starts_with("note["))
        .collect();
    assert_eq!(
        warnings.len(),
        stubbed.len(),
        "check reports more than the stubs:\n{}",
        checked.stderr
    );
    for interface in stubbed {
        assert!(
            warnings.iter().any(|w| w.starts_with("warning[V0040]")
                && w.contains(&format!("`{interface}"))
                && w.contains("stubs out")),
            "no stub warning for {interface}:\n{}",
            checked.stderr
        );
    }
    let formatted = virtc(dir.path(), &["fmt", "--check", path_str(&policy)], &[]);
    let formatted = formatted.expect(0);
    assert_eq!(formatted.stdout, "", "{}", formatted.stderr);
    Initialized {
        dir,
        policy,
        component: copy,
        text,
    }
}

fn guest(name: &str) -> PathBuf {
    virtc_tests::guest_path(name)
}

#[test]
fn probe_runs_without_trapping_and_sees_nothing_of_the_host() {
    let probe = init("probe", &guest("probe"), &[]);
    for kept in [
        "allow random;",
        "allow clocks;",
        "allow exit;",
        "stdout allow;",
    ] {
        assert!(
            probe.text.contains(&format!("\n{kept}\n")),
            "{}",
            probe.text
        );
    }
    let run = probe.run(&[]).expect(0);
    assert!(run.stdout.starts_with("fib: "), "{}", run.stdout);
    // Each scenario of the probe, chosen the way a user adapting the policy would: the kept
    // interfaces never trap, and nothing of the host shows (host variables, files).
    let scenarios: [(&str, i32); 6] = [
        ("random", 0),
        ("clocks", 0),
        ("stdio", 0),
        ("env", 0),
        ("fs", 0),
        // `std::process::exit(7)`: a status other than 1 is reported as 1 (WASI 0.2).
        ("exit", 1),
    ];
    for (scenario, code) in scenarios {
        let adapted = probe.text.replace(
            "// env GREETING = \"hello\";",
            &format!("env PROBE = \"{scenario}\";"),
        );
        assert_ne!(adapted, probe.text);
        std::fs::write(&probe.policy, &adapted).unwrap();
        let run = probe.run(&[("SECRET", "host")]);
        assert_ne!(
            run.code,
            Some(TRAPPED),
            "{scenario} trapped:\n{}",
            run.stderr
        );
        let run = run.expect(code);
        assert!(!run.stdout.contains("SECRET"), "{}", run.stdout);
        if scenario == "env" {
            assert!(run.stdout.contains("var: PROBE="), "{}", run.stdout);
        }
    }
}

#[test]
fn pong_runs_without_trapping_and_its_policy_adapts() {
    let pong = init("pong", &virtc_tests::pong_path(), &[]);
    // No environment and no files: pong says so, and the host's PONG stays unseen.
    let run = pong.run(&[("PONG", "host")]);
    assert_ne!(run.code, Some(TRAPPED), "{}", run.stderr);
    let run = run.expect(0);
    assert!(
        run.stdout.starts_with("ping -> pong (PONG is not set)\n"),
        "{}",
        run.stdout
    );
    // The commented-out lines, adapted, grant what pong needs next to `deny env;`/`deny fs;`
    // (pong's files copied next to the policy: a build reads only inside its project).
    let dir = pong.policy.parent().unwrap().join("dir");
    std::fs::create_dir(&dir).unwrap();
    let example = virtc_tests::repo().join("examples/pong/dir");
    for entry in std::fs::read_dir(&example).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let adapted = pong
        .text
        .replace("// env GREETING = \"hello\";", "env PONG = \"demo\";")
        .replace(
            "// mount \"/\" from \"./dir\";",
            "mount \"/\" from \"./dir\";",
        );
    std::fs::write(&pong.policy, adapted).unwrap();
    let run = pong.run(&[("PONG", "host")]).expect(0);
    assert_eq!(
        run.stdout,
        "ping -> pong demo\npong says hello from an embedded file\n"
    );
}

#[test]
fn imports_outside_the_registry_are_stubbed_and_links_passed_through() {
    let imports = init("imports", &guest("imports"), &["wasi:keyvalue/store"]);
    assert!(
        imports
            .text
            .contains("\ndeny import \"wasi:keyvalue/store\";\n")
    );
    assert!(
        imports
            .text
            .contains("\nallow import \"example:pong/pingpong\";\n")
    );
}

#[test]
fn network_is_denied() {
    let net = init("net-probe", &guest("net-probe"), &[]);
    assert!(net.text.contains("\ndeny sockets;\n"), "{}", net.text);
}

#[test]
fn outgoing_http_is_denied() {
    let http = init("http-client", &guest("http-client"), &[]);
    assert!(http.text.contains("\ndeny http;\n"), "{}", http.text);
}

#[test]
fn config_is_denied() {
    let config = init("config-reader", &guest("config-reader"), &[]);
    assert!(config.text.contains("\ndeny config;\n"), "{}", config.text);
}

#[test]
fn an_http_handler_is_still_served() {
    let server = init("http_server", &guest("http_server"), &[]);
    assert!(
        server
            .text
            .contains("The requests it serves (it exports wasi:http/incoming-handler@0.2.12)"),
        "{}",
        server.text
    );
}

#[test]
fn an_existing_file_is_kept_without_force_and_replaced_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let pong = virtc_tests::pong_path();
    std::fs::write(dir.path().join("app.virt"), "allow all;\n").unwrap();
    let args = ["init", "--from", path_str(&pong), "-o", "app.virt"];
    let refused = virtc(dir.path(), &args, &[]).expect(1);
    assert_eq!(
        refused.one_error_line(),
        "error[V0076]: cannot write `app.virt`: the file exists; give --force to replace it, or \
         another path with -o"
    );
    assert_eq!(refused.stdout, "");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.virt")).unwrap(),
        "allow all;\n"
    );
    assert_eq!(files(dir.path()), ["app.virt"]);

    let forced = virtc(dir.path(), &[&args[..], &["--force"]].concat(), &[]).expect(0);
    assert_eq!(forced.stderr, "");
    let text = std::fs::read_to_string(dir.path().join("app.virt")).unwrap();
    assert!(
        text.starts_with("// A starting policy for pong.wasm"),
        "{text}"
    );
    assert_eq!(files(dir.path()), ["app.virt"], "no temporary file is left");
}

#[test]
fn the_component_itself_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("app.wasm");
    std::fs::copy(virtc_tests::pong_path(), &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let run = virtc(
        dir.path(),
        &["init", "--from", "app.wasm", "-o", "./app.wasm", "--force"],
        &[],
    )
    .expect(1);
    assert_eq!(
        run.one_error_line(),
        "error[V0076]: cannot write `./app.wasm`: it is the component the policy is written for"
    );
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}

#[test]
fn force_without_an_output_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let pong = virtc_tests::pong_path();
    let run = virtc(
        dir.path(),
        &["init", "--from", path_str(&pong), "--force"],
        &[],
    )
    .expect(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--output"), "{}", run.stderr);
}

#[test]
fn an_output_in_a_missing_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pong = virtc_tests::pong_path();
    let run = virtc(
        dir.path(),
        &["init", "--from", path_str(&pong), "-o", "missing/app.virt"],
        &[],
    )
    .expect(1);
    assert_eq!(
        run.one_error_line(),
        "error[V0076]: cannot write `missing/app.virt`: the directory `missing` does not exist"
    );
    assert_eq!(run.stdout, "");
    assert!(files(dir.path()).is_empty());
}

#[test]
fn input_that_is_not_a_component_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pong = std::fs::read(virtc_tests::pong_path()).unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "notes.wasm",
            b"hello, world".to_vec(),
            "is not a WebAssembly file",
        ),
        (
            "core.wasm",
            b"\0asm\x01\0\0\0".to_vec(),
            "is a core WebAssembly module, not a component",
        ),
        (
            "truncated.wasm",
            pong[..pong.len() / 2].to_vec(),
            "is not a valid component",
        ),
        ("missing.wasm", Vec::new(), ""),
    ];
    for (name, bytes, why) in cases {
        if !why.is_empty() {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        for output in [None, Some("app.virt")] {
            let mut args = vec!["init", "--from", name];
            args.extend(output.iter().flat_map(|o| ["-o", o]));
            let run = virtc(dir.path(), &args, &[]).expect(1);
            let line = run.one_error_line();
            if why.is_empty() {
                assert_eq!(
                    line,
                    "error[V0071]: cannot read component `missing.wasm`: no such file or directory"
                );
            } else {
                assert!(
                    line.starts_with(&format!("error[V0072]: `{name}` {why}")),
                    "{line}"
                );
            }
            assert_eq!(run.stdout, "");
            assert!(!dir.path().join("app.virt").exists());
        }
    }
}

#[test]
fn help_explains_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let run = virtc(dir.path(), &["init", "--help"], &[]).expect(0);
    for expected in [
        "--from <IN.wasm>",
        "-o, --output <OUT.virt>",
        "--force",
        "Examples:",
        "virtc init --from app.wasm -o app.virt",
    ] {
        assert!(run.stdout.contains(expected), "{expected}:\n{}", run.stdout);
    }
}
