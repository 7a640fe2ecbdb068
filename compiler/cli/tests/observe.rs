//! `virtc init --observe`: the policy written from one run grants what the run used and nothing
//! more, and a second run under it (`virtc run`) prints the same output. Each test runs a guest
//! of `tests/guests` in a fresh directory, its servers on 127.0.0.1 stopped by their handles.

use std::path::{Path, PathBuf};

use virtc_tests::net::LineServer;
use virtc_tests::origin::Origin;

use crate::common::{Run, virtc};

/// A directory holding a copy of the guest `name`.
struct Observed {
    dir: tempfile::TempDir,
    component: PathBuf,
}

impl Observed {
    fn new(name: &str) -> Observed {
        let dir = tempfile::tempdir().unwrap();
        let component = dir.path().join(format!("{name}.wasm"));
        std::fs::copy(virtc_tests::guest_path(name), &component).unwrap();
        Observed { dir, component }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `virtc init --observe` in `cwd` (relative to the directory), writing `policy` (relative to
    /// `cwd`).
    fn observe(
        &self,
        cwd: &str,
        policy: &str,
        flags: &[&str],
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Run {
        let component = self.component.display().to_string();
        let mut argv = vec!["init", "--from", &component, "--observe", "-o", policy];
        argv.extend(flags);
        if !args.is_empty() {
            argv.push("--");
            argv.extend(args);
        }
        virtc(&self.path().join(cwd), &argv, env)
    }

    /// `virtc run POLICY COMPONENT -- ARGS` in `cwd`.
    fn run(&self, cwd: &str, policy: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let component = self.component.display().to_string();
        let mut argv = vec!["run", policy, &component];
        if !args.is_empty() {
            argv.push("--");
            argv.extend(args);
        }
        virtc(&self.path().join(cwd), &argv, env)
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path)).unwrap()
    }

    /// The written policy checks against the component and is in canonical layout.
    fn check(&self, policy: &str) {
        let component = self.component.display().to_string();
        let policy = self.path().join(policy).display().to_string();
        virtc(
            self.path(),
            &["check", &policy, "--component", &component],
            &[],
        )
        .expect(0);
        let fmt = virtc(self.path(), &["fmt", "--check", &policy], &[]).expect(0);
        assert_eq!(fmt.stdout, "");
    }
}

/// The lines of a policy that are not comments (observe writes no comment after a statement).
fn statements(policy: &str) -> Vec<String> {
    policy
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn environment_arguments_and_streams() {
    let o = Observed::new("probe");
    let env = [("KEEP", "kept"), ("SECRET", "hidden"), ("PROBE", "env")];
    let first = o
        .observe(
            ".",
            "probe.virt",
            &["--env", "KEEP", "--env", "PROBE", "--env", "MODE=test"],
            &["one", "two words"],
            &env,
        )
        .expect(0);
    assert!(
        first.stdout.contains("var: KEEP=kept\n"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("var: MODE=test\n"),
        "{}",
        first.stdout
    );
    assert!(!first.stdout.contains("SECRET"), "{}", first.stdout);
    assert!(
        first.stderr.contains("virtc: wrote probe.virt"),
        "{}",
        first.stderr
    );
    let policy = o.read("probe.virt");
    let s = statements(&policy);
    for want in [
        "env allow \"KEEP\", \"PROBE\";",
        "env MODE = \"test\";",
        "args allow;",
        "stdout allow;",
        "stdin deny;",
        "deny sockets;",
        "deny http;",
        "deny config;",
        "deny fs;",
    ] {
        assert!(s.contains(&want.to_owned()), "no `{want}` in\n{policy}");
    }
    o.check("probe.virt");
    let second = o
        .run(".", "probe.virt", &["one", "two words"], &env)
        .expect(0);
    assert_eq!(second.stdout, first.stdout);
}

#[test]
fn files_it_opened_and_directories_it_listed() {
    let o = Observed::new("probe");
    let root = o.path().join("root");
    std::fs::create_dir_all(root.join("data/sub")).unwrap();
    std::fs::create_dir_all(root.join("private")).unwrap();
    std::fs::write(root.join("data/hello.txt"), "hello world, from a file").unwrap();
    std::fs::write(root.join("data/sub/x.txt"), "x").unwrap();
    std::fs::write(root.join("private/secret.txt"), "secret").unwrap();
    std::fs::write(root.join("notes.txt"), "notes").unwrap();
    std::fs::create_dir(o.path().join("policies")).unwrap();
    // One project (a git work tree) holds both: the policy's paths lead out of its own
    // directory, which V0064 allows only inside the project.
    std::fs::create_dir(o.path().join(".git")).unwrap();
    let env = [("PROBE", "files"), ("FILES_ROOT", "/data")];
    let flags = ["--env", "PROBE", "--env", "FILES_ROOT"];
    let first = o
        .observe("root", "../policies/files.virt", &flags, &[], &env)
        .expect(0);
    assert!(
        first
            .stdout
            .contains("read /data/hello.txt: \"hello world, from a file\""),
        "{}",
        first.stdout
    );
    let policy = o.read("policies/files.virt");
    let s = statements(&policy);
    assert!(
        s.contains(&"mount \"/data\" from \"../root/data\";".to_owned()),
        "{policy}"
    );
    for never in ["private", "notes", "secret", "preopen", "allow fs"] {
        assert!(!policy.contains(never), "`{never}` in\n{policy}");
    }
    o.check("policies/files.virt");
    // From elsewhere: the policy's paths are relative to the policy, not the working directory.
    let second = o.run(".", "policies/files.virt", &[], &env).expect(0);
    assert_eq!(second.stdout, first.stdout);
}

/// Outside a git work tree a policy's project is its own directory: a policy written beside
/// the files it embeds is fine, one written elsewhere says that `--allow-path` is needed (in a
/// comment and a warning), and the policy works with it.
#[test]
fn files_outside_the_policys_project_are_named() {
    let o = Observed::new("probe");
    let root = o.path().join("root");
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::write(root.join("data/hello.txt"), "hello world, from a file").unwrap();
    std::fs::create_dir(o.path().join("policies")).unwrap();
    let env = [("PROBE", "files"), ("FILES_ROOT", "/data")];
    let flags = ["--env", "PROBE", "--env", "FILES_ROOT"];

    let beside = o.observe("root", "files.virt", &flags, &[], &env).expect(0);
    assert!(!beside.stderr.contains("warning"), "{}", beside.stderr);
    assert!(!o.read("root/files.virt").contains("--allow-path"));

    let elsewhere = o
        .observe("root", "../policies/files.virt", &flags, &[], &env)
        .expect(0);
    let root = root.canonicalize().unwrap().display().to_string();
    let hint = format!("`--allow-path {root}`");
    assert!(
        elsewhere
            .stderr
            .contains("warning: the policy embeds files from")
            && elsewhere.stderr.contains(&hint),
        "{}",
        elsewhere.stderr
    );
    let policy = o.read("policies/files.virt");
    let comments: String = policy
        .lines()
        .filter_map(|l| l.trim().strip_prefix("//"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(comments.contains(&hint), "{policy}");
    let component = o.component.display().to_string();
    let refused = virtc(
        o.path(),
        &["check", "policies/files.virt", "--component", &component],
        &[],
    )
    .expect(1);
    assert!(refused.stderr.contains("V0064"), "{}", refused.stderr);
    virtc(
        o.path(),
        &[
            "check",
            "policies/files.virt",
            "--component",
            &component,
            "--allow-path",
            &root,
        ],
        &[],
    )
    .expect(0);
    let second = o.run(".", "policies/files.virt", &[], &env).expect(1);
    assert!(second.stderr.contains("V0064"), "{}", second.stderr);
}

#[test]
fn one_file_is_embedded_alone() {
    let o = Observed::new("probe");
    std::fs::create_dir_all(o.path().join("conf")).unwrap();
    std::fs::write(o.path().join("conf/app.txt"), "0123456789abcdef").unwrap();
    std::fs::write(o.path().join("conf/other.txt"), "other").unwrap();
    let env = [
        ("PROBE", "files"),
        ("FILES_ROOT", "/nowhere"),
        ("FILES_READ", "/conf/app.txt"),
    ];
    let flags = [
        "--env",
        "PROBE",
        "--env",
        "FILES_ROOT",
        "--env",
        "FILES_READ",
    ];
    let first = o.observe(".", "app.virt", &flags, &[], &env).expect(0);
    assert!(
        first.stdout.contains("read at 6: \"6789a\""),
        "{}",
        first.stdout
    );
    let policy = o.read("app.virt");
    let s = statements(&policy);
    assert!(
        s.contains(&"file \"/conf/app.txt\" from \"./conf/app.txt\";".to_owned()),
        "{policy}"
    );
    assert!(!policy.contains("other.txt"), "{policy}");
    o.check("app.virt");
    let second = o.run(".", "app.virt", &[], &env).expect(0);
    assert_eq!(second.stdout, first.stdout);
}

#[test]
fn loopback_connections_become_rules() {
    let server = LineServer::start();
    let a = server.addr;
    let o = Observed::new("net-probe");
    let steps = format!("connect {a}; resolve localhost");
    let env = [("STEPS", steps.as_str())];
    let first = o
        .observe(".", "net.virt", &["--env", "STEPS"], &[], &env)
        .expect(0);
    assert!(
        first.stdout.contains(&format!("connect {a}: ok pong")),
        "{}",
        first.stdout
    );
    let policy = o.read("net.virt");
    let s = statements(&policy);
    assert!(s.contains(&format!("tcp connect \"{a}\";")), "{policy}");
    assert!(
        s.contains(&"dns resolve \"localhost\";".to_owned()),
        "{policy}"
    );
    for never in ["tcp listen", "udp", "http allow"] {
        assert!(!policy.contains(never), "`{never}` in\n{policy}");
    }
    o.check("net.virt");
    let second = o.run(".", "net.virt", &[], &env).expect(0);
    assert_eq!(second.stdout, first.stdout);
    drop(server);
}

/// Answers every datagram with `pong`, from 127.0.0.1, until `count` answers or ten seconds.
fn udp_responder(count: usize) -> (std::net::SocketAddr, std::thread::JoinHandle<()>) {
    use std::time::{Duration, Instant};
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let addr = socket.local_addr().unwrap();
    let thread = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 512];
        let mut answered = 0;
        while answered < count && Instant::now() < deadline {
            if let Ok((_, from)) = socket.recv_from(&mut buf) {
                let _ = socket.send_to(b"pong", from);
                answered += 1;
            }
        }
    });
    (addr, thread)
}

#[test]
fn datagrams_and_listeners_become_rules() {
    let (addr, responder) = udp_responder(2);
    let o = Observed::new("net-probe");
    let steps = format!("udp-send {addr} ping; listen-only 127.0.0.1:0");
    let env = [("STEPS", steps.as_str())];
    let first = o
        .observe(".", "udp.virt", &["--env", "STEPS"], &[], &env)
        .expect(0);
    assert!(
        first
            .stdout
            .contains(&format!("udp-send {addr}: reply pong from {addr}")),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("listen-only 127.0.0.1:0: ok"),
        "{}",
        first.stdout
    );
    let policy = o.read("udp.virt");
    let s = statements(&policy);
    assert!(s.contains(&format!("udp send \"{addr}\";")), "{policy}");
    assert!(
        s.contains(&"tcp listen \"127.0.0.1:*\";".to_owned()),
        "{policy}"
    );
    for never in ["tcp connect", "udp bind", "dns", "http allow"] {
        assert!(!policy.contains(never), "`{never}` in\n{policy}");
    }
    o.check("udp.virt");
    let second = o.run(".", "udp.virt", &[], &env).expect(0);
    assert_eq!(second.stdout, first.stdout);
    responder.join().unwrap();
}

#[test]
fn standard_streams_it_used() {
    let o = Observed::new("probe");
    let env = [("PROBE", "stdio")];
    let first = o
        .observe(".", "stdio.virt", &["--env", "PROBE"], &[], &env)
        .expect(0);
    assert!(first.stdout.starts_with("to stdout\n"), "{}", first.stdout);
    assert!(first.stderr.contains("to stderr\n"), "{}", first.stderr);
    let policy = o.read("stdio.virt");
    let s = statements(&policy);
    for want in ["stdin allow;", "stdout allow;", "stderr allow;"] {
        assert!(s.contains(&want.to_owned()), "no `{want}` in\n{policy}");
    }
    o.check("stdio.virt");
    let second = o.run(".", "stdio.virt", &[], &env).expect(0);
    assert_eq!(second.stdout, first.stdout);
    let component_lines = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter(|l| l.starts_with("to stderr") || l.starts_with("std"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        component_lines(&second.stderr),
        component_lines(&first.stderr)
    );
}

#[test]
fn a_server_is_not_observed() {
    let o = Observed::new("http_server");
    let run = o.observe(".", "server.virt", &[], &[], &[]).expect(1);
    assert!(
        run.one_error_line().contains("--observe runs a command"),
        "{}",
        run.stderr
    );
    assert!(!o.path().join("server.virt").exists());
}

#[test]
fn http_requests_become_url_rules() {
    let origin = Origin::start();
    let url = format!("http://{}/items/7?full=1", origin.addr);
    let o = Observed::new("http-client");
    let env = [("URL", url.as_str())];
    let first = o
        .observe(".", "http.virt", &["--env", "URL"], &[], &env)
        .expect(0);
    assert!(first.stdout.contains("status: 200"), "{}", first.stdout);
    let policy = o.read("http.virt");
    let s = statements(&policy);
    assert!(
        s.contains(&format!(
            "http allow \"GET http://{}/items/7\";",
            origin.addr
        )),
        "{policy}"
    );
    assert!(s.contains(&"deny sockets;".to_owned()), "{policy}");
    o.check("http.virt");
    let second = o.run(".", "http.virt", &[], &env).expect(0);
    assert_eq!(second.stdout, first.stdout);
    let seen = origin.finish();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn an_existing_policy_is_left_alone() {
    let o = Observed::new("probe");
    std::fs::write(o.path().join("app.virt"), "// mine\n").unwrap();
    let run = o.observe(".", "app.virt", &[], &[], &[]).expect(1);
    assert!(run.one_error_line().contains("exists"), "{}", run.stderr);
    assert_eq!(run.stdout, "", "the component must not run");
    assert_eq!(o.read("app.virt"), "// mine\n");
}

#[test]
fn observe_needs_an_output_file() {
    let o = Observed::new("probe");
    let component = o.component.display().to_string();
    let run = virtc(o.path(), &["init", "--from", &component, "--observe"], &[]).expect(2);
    assert!(run.stderr.contains("--output"), "{}", run.stderr);
}

/// The pong example in a fresh directory: its policy, its `dir/` and the component.
fn pong() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let example = virtc_tests::repo().join("examples/pong");
    std::fs::copy(example.join("pong.virt"), dir.path().join("pong.virt")).unwrap();
    std::fs::create_dir(dir.path().join("dir")).unwrap();
    std::fs::copy(
        example.join("dir/greeting.txt"),
        dir.path().join("dir/greeting.txt"),
    )
    .unwrap();
    let component = virtc_tests::pong_path().display().to_string();
    (dir, "pong.virt".into(), component)
}

#[test]
fn run_traces_to_stderr_or_a_file_never_the_components_stderr() {
    let (dir, policy, component) = pong();
    let plain = virtc(dir.path(), &["run", &policy, &component], &[]).expect(0);
    assert!(!plain.stderr.contains("virtc-trace"));
    let traced = virtc(dir.path(), &["run", &policy, &component, "--trace"], &[]).expect(0);
    assert_eq!(traced.stdout, plain.stdout);
    let lines: Vec<&str> = traced
        .stderr
        .lines()
        .filter(|l| l.starts_with("virtc-trace: "))
        .collect();
    assert!(
        lines.contains(&"virtc-trace: wasi:cli/environment#get-environment() -> [\"PONG\"]"),
        "{}",
        traced.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("virtc-trace: wasi:filesystem/types#open-at(\"/\", \"greeting.txt\"")),
        "{}",
        traced.stderr
    );
    let to_file = virtc(
        dir.path(),
        &["run", &policy, &component, "--trace-file", "pong.trace"],
        &[],
    )
    .expect(0);
    assert_eq!(to_file.stdout, plain.stdout);
    assert!(
        !to_file.stderr.contains("virtc-trace"),
        "{}",
        to_file.stderr
    );
    let file = std::fs::read_to_string(dir.path().join("pong.trace")).unwrap();
    assert_eq!(file.lines().collect::<Vec<_>>(), lines);
}

#[test]
fn compile_trace_is_a_separate_adapter_and_inspect_says_so() {
    let (dir, policy, component) = pong();
    let compile = |out: &str, trace: bool| {
        let mut args = vec!["compile", &policy, "--component", &component, "-o", out];
        if trace {
            args.push("--trace");
        }
        virtc(dir.path(), &args, &[]).expect(0);
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let plain = compile("plain.wasm", false);
    let again = compile("again.wasm", false);
    let traced = compile("traced.wasm", true);
    assert_eq!(plain, again, "a plain compile is reproducible");
    assert_ne!(plain, traced);
    let has = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!has(&plain, b"virtc-trace"));
    assert!(has(&traced, b"virtc-trace"));
    let inspected = virtc(dir.path(), &["inspect", "traced.wasm"], &[]).expect(0);
    assert!(
        inspected
            .stdout
            .contains("// Traced (virtc compile --trace)"),
        "{}",
        inspected.stdout
    );
    assert!(inspected.stdout.contains("//   wasi:cli/stderr@"));
    let json = virtc(
        dir.path(),
        &["inspect", "traced.wasm", "--format", "json"],
        &[],
    )
    .expect(0);
    assert!(
        json.stdout.contains("\"trace\": \"stderr\""),
        "{}",
        json.stdout
    );
    let plain_json = virtc(
        dir.path(),
        &["inspect", "plain.wasm", "--format", "json"],
        &[],
    )
    .expect(0);
    assert!(
        plain_json.stdout.contains("\"trace\": null"),
        "{}",
        plain_json.stdout
    );
}

#[test]
fn an_unwritable_trace_file_is_an_error_before_the_run() {
    let (dir, policy, component) = pong();
    let run = virtc(
        dir.path(),
        &[
            "run",
            &policy,
            &component,
            "--trace-file",
            "missing/dir/t.log",
        ],
        &[],
    )
    .expect(1);
    assert!(
        run.one_error_line().contains("trace file"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}
