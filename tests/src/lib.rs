//! Helpers for virtc's end-to-end tests: guest components built from the Rust sources under
//! `tests/guests` (and their WASI versions rewritten to get older guests), policies compiled
//! with the real pipeline, results run in wasmtime with captured output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use virtc::db::Database;
use virtc::driver::{self, Compiled, Failure, Input};
use virtc_run::{Outcome, RunOptions, Status, Stdio};

pub mod net;
pub mod origin;
pub mod serve;
pub mod wat_guest;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds the guests once per process and returns the path of guest `name`.
pub fn guest_path(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let guests = repo().join("tests/guests");
        build_wasip2(&guests.join("Cargo.toml"));
        guests.join("target/wasm32-wasip2/release")
    });
    dir.join(format!("{name}.wasm"))
}

/// The bytes of guest `name`.
pub fn guest(name: &str) -> Vec<u8> {
    let path = guest_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read guest {}: {e}", path.display()))
}

/// Runs a toolchain's build script (`tests/python/build.sh`, `tests/js/build.sh`) and reads what
/// it built: `Some(bytes)`, or `None` with the reason printed when the script exits 3 (the
/// toolchain cannot be installed here); any other failure fails the test. Callers keep the
/// result in a `OnceLock` so each process builds once.
pub fn toolchain_build(script: &str, output: &str) -> Option<Vec<u8>> {
    let started = std::time::Instant::now();
    let out = std::process::Command::new(repo().join(script))
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("{script} cannot run: {e}"));
    if out.status.code() == Some(3) {
        eprintln!("skipped: {}", text(&out.stdout).trim());
        return None;
    }
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    let path = repo().join(output);
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    eprintln!(
        "built {} ({} bytes) in {:.1} s",
        path.display(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Some(bytes)
}

/// Prints a component's size, imports and exports (for the baseline tests of other toolchains,
/// so a failing run shows what the toolchain built).
pub fn print_interfaces(component: &[u8]) {
    println!("app.wasm: {} bytes", component.len());
    for i in imports(component) {
        println!("  import {i}");
    }
    for e in exports(component) {
        println!("  export {e}");
    }
}

/// Whether one of `imports` starts with `prefix` (`wasi:http/` or `wasi:cli/environment@`).
pub fn has_import(imports: &[String], prefix: &str) -> bool {
    imports.iter().any(|i| i.starts_with(prefix))
}

/// Builds the pong example once per process and returns the path of its component.
pub fn pong_path() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let pong = repo().join("examples/pong");
            build_wasip2(&pong.join("Cargo.toml"));
            pong.join("target/wasm32-wasip2/release/pong.wasm")
        })
        .clone()
}

/// The pong example's component.
pub fn pong() -> Vec<u8> {
    std::fs::read(pong_path()).unwrap()
}

fn build_wasip2(manifest: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(manifest)
        // The outer test build's flags are not meant for the guests.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building {} for wasm32-wasip2 failed (is the target installed? `rustup target add wasm32-wasip2`)",
        manifest.display()
    );
}

/// A policy written to a temporary directory (so that relative paths and `use` work).
pub struct Policy {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Policy {
    pub fn new(text: &str) -> Policy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.virt");
        std::fs::write(&path, text).unwrap();
        Policy { dir, path }
    }

    /// Adds another file next to the policy (creating its directories).
    pub fn with_file(self, name: &str, contents: impl AsRef<[u8]>) -> Policy {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Adds a symbolic link next to the policy.
    pub fn with_symlink(self, name: &str, target: &str) -> Policy {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, path).unwrap();
        self
    }

    /// Compiles this policy against `component`; checks that `virtc inspect` reads the policy
    /// back from the output.
    pub fn compile(&self, component: &[u8]) -> Result<Compiled, Failure> {
        compile_at(&self.path, Some(component))
    }

    /// Compiles, or panics with the diagnostics.
    pub fn compile_ok(&self, component: &[u8]) -> Compiled {
        match self.compile(component) {
            Ok(c) => c,
            Err(Failure::Input(m)) => panic!("compile failed: {m}"),
            Err(Failure::Policy(d)) => panic!("policy errors: {d:#?}"),
        }
    }
}

/// Compiles `policy` against `component` (or alone).
pub fn compile(policy: &str, component: Option<&[u8]>) -> Result<Compiled, Failure> {
    compile_at(&Policy::new(policy).path, component)
}

/// Compiles the policy at `path` against `component` (or alone). Every output that carries an
/// adapter is inspected: the policy `virtc inspect` prints is canonical, and compiled next to
/// the original against the same component, it gives an output that inspects the same. So every
/// policy the tests compile is also a test of `inspect`.
pub fn compile_at(path: &Path, component: Option<&[u8]>) -> Result<Compiled, Failure> {
    let compiled = compile_plain(path, component)?;
    let output = |compiled: &Compiled| compiled.output().expect("the output is written");
    let first = match virtc::inspect::inspect(&output(&compiled)) {
        Err(virtc::inspect::InspectError::NoAdapter) => return Ok(compiled),
        Err(e) => panic!("inspecting the output of {}: {e}", path.display()),
        Ok(first) => first,
    };
    // What the output carries is the policy the compile handed back (hosts build on it).
    assert_eq!(
        first.policy, compiled.ir.runtime,
        "inspect read another policy than the compile returned"
    );
    let text = first.to_virt();
    assert_eq!(
        virtc::format::format(&text).as_ref(),
        Ok(&text),
        "inspect's text is canonical"
    );
    // Next to the original, so that relative paths mean the same; removed when dropped.
    let mut printed = tempfile::Builder::new()
        .prefix(".inspected")
        .suffix(".virt")
        .tempfile_in(path.parent().expect("a policy file is in a directory"))
        .unwrap();
    printed.write_all(text.as_bytes()).unwrap();
    let again = compile_plain(printed.path(), component).unwrap_or_else(|e| match e {
        Failure::Input(m) => panic!("inspect's text does not compile: {m}\n{text}"),
        Failure::Policy(d) => panic!("inspect's text has errors: {d:#?}\n{text}"),
    });
    let second = virtc::inspect::inspect(&output(&again)).expect("the recompiled output inspects");
    // The same text but for the lines naming the file compiled (and so the data's size).
    let sourceless = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.starts_with("// Built from:") && !l.starts_with("// Policy format"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(
        sourceless(&second.to_virt()),
        sourceless(&text),
        "inspect, compile, inspect"
    );
    Ok(compiled)
}

/// Compiles the policy at `path` against `component` (or alone), and nothing else.
pub fn compile_plain(path: &Path, component: Option<&[u8]>) -> Result<Compiled, Failure> {
    let db = Database::default();
    let root = driver::load_policy(&db, path)?;
    let input = component.map(|bytes| Input {
        name: "guest.wasm",
        bytes,
    });
    driver::compile(&db, root, input.as_ref(), None)
}

/// Compiles, or panics with the rendered diagnostics.
pub fn compile_ok(policy: &str, component: &[u8]) -> Compiled {
    match compile(policy, Some(component)) {
        Ok(c) => c,
        Err(Failure::Input(m)) => panic!("compile failed: {m}"),
        Err(Failure::Policy(d)) => panic!("policy errors: {d:#?}"),
    }
}

/// Runs a compiled component with captured stdio.
pub fn run(compiled: &Compiled, args: &[&str], host_env: &[(&str, &str)], stdin: &str) -> Outcome {
    run_with_config(compiled, args, host_env, &[], stdin)
}

/// [`run`] with a host `wasi:config` store holding `host_config`.
pub fn run_with_config(
    compiled: &Compiled,
    args: &[&str],
    host_env: &[(&str, &str)],
    host_config: &[(&str, &str)],
    stdin: &str,
) -> Outcome {
    let composed = compiled.composed.as_ref().expect("composed");
    let component = virtc_run::load(composed).expect("wasmtime compiles the output");
    virtc_run::run(
        &compiled.ir,
        &component,
        &RunOptions {
            program: "guest.wasm".into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            host_env: host_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            host_config: host_config
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            stdio: Stdio::Capture {
                stdin: stdin.as_bytes().to_vec(),
            },
            trace: None,
        },
    )
    .expect("the run completes")
}

/// Top-level import names of a component.
pub fn imports(component: &[u8]) -> Vec<String> {
    virtc::codegen::component_info::ComponentInfo::read(component)
        .expect("a valid component")
        .imports
}

/// Whether virtc wrote the composition itself (`compiler/src/codegen/compose/direct.rs`) rather
/// than leaving it to wac: the top level instantiates its nested components with arguments
/// named by labels, never by an interface's name (as wac's compositions do).
pub fn composed_directly(component: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut labelled = false;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload.expect("a valid component") {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentInstanceSection(s) if depth == 0 => {
                for instance in s {
                    if let wasmparser::ComponentInstance::Instantiate { args, .. } =
                        instance.expect("a valid component")
                    {
                        for arg in args.iter() {
                            if arg.name.contains(':') {
                                return false;
                            }
                            labelled = true;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    labelled
}

/// Top-level export names of a component.
pub fn exports(component: &[u8]) -> Vec<String> {
    virtc::codegen::component_info::ComponentInfo::read(component)
        .expect("a valid component")
        .exports
}

/// Renames the top-level WASI imports of a component from `@from` to `@to`: how the tests get
/// guests of older WASI versions from one Rust source (0.2.x releases only add `@since` items,
/// which a Rust std guest does not use).
pub fn retarget_imports(component: &[u8], from: &str, to: &str) -> Vec<u8> {
    rename_imports(component, |name| {
        name.replace(&format!("@{from}"), &format!("@{to}"))
    })
}

/// Renames the top-level imports of a component.
pub fn rename_imports(component: &[u8], rename: impl Fn(&str) -> String) -> Vec<u8> {
    use wasmparser::{Chunk, Parser, Payload};
    let mut out = wasm_encoder::Component::new();
    let mut parser = Parser::new(0);
    let mut rest = component;
    loop {
        let (payload, consumed) = match parser.parse(rest, true).expect("valid component") {
            Chunk::Parsed { payload, consumed } => (payload, consumed),
            Chunk::NeedMoreData(_) => unreachable!("the whole component is in memory"),
        };
        match &payload {
            Payload::Version { .. } => {}
            Payload::End(_) => break,
            Payload::ComponentImportSection(section) => {
                let mut imports = wasm_encoder::ComponentImportSection::new();
                for import in section.clone() {
                    let import = import.unwrap();
                    let name = rename(import.name.name);
                    imports.import(&name, convert_type_ref(import.ty));
                }
                out.section(&imports);
            }
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => {
                let id = if matches!(payload, Payload::ModuleSection { .. }) {
                    1
                } else {
                    4
                };
                out.section(&wasm_encoder::RawSection {
                    id,
                    data: &component[unchecked_range.start as usize..unchecked_range.end as usize],
                });
                // The outer parser resumes after the nested section.
                rest = &component[unchecked_range.end as usize..];
                continue;
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    out.section(&wasm_encoder::RawSection {
                        id,
                        data: &component[range.start as usize..range.end as usize],
                    });
                }
            }
        }
        rest = &rest[consumed..];
    }
    out.finish()
}

fn convert_type_ref(ty: wasmparser::ComponentTypeRef) -> wasm_encoder::ComponentTypeRef {
    use wasm_encoder::ComponentTypeRef as E;
    use wasmparser::ComponentTypeRef as P;
    match ty {
        P::Module(i) => E::Module(i),
        P::Func(i) => E::Func(i),
        P::Value(_) => panic!("value imports are not used by guests"),
        P::Type(wasmparser::TypeBounds::Eq(i)) => E::Type(wasm_encoder::TypeBounds::Eq(i)),
        P::Type(wasmparser::TypeBounds::SubResource) => {
            E::Type(wasm_encoder::TypeBounds::SubResource)
        }
        P::Instance(i) => E::Instance(i),
        P::Component(i) => E::Component(i),
    }
}

/// Output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that a run exited with `code` (showing both streams if not) and returns its stdout.
pub fn stdout_after_exit(out: &Outcome, code: i32) -> String {
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status,
        Status::Exited(code),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    stdout
}

/// A directory wasmtime preopens for [`run_plain`]: the host directory, the guest's name for it,
/// and whether it is read-only (`FsPerms::ReadOnly`).
pub struct PlainPreopen<'a> {
    pub host: &'a Path,
    pub guest: &'a str,
    pub readonly: bool,
}

/// Runs `component` (a command, no adapter) in wasmtime with its own WASI implementation: the
/// reference differential tests compare virtc's outputs with. `env` is the whole environment;
/// stdout and stderr are captured, stdin is empty.
pub fn run_plain(component: &[u8], env: &[(&str, &str)], preopens: &[PlainPreopen<'_>]) -> Outcome {
    let component = wasmtime::component::Component::new(virtc_run::engine(), component)
        .expect("wasmtime compiles the component");
    run_plain_loaded(&component, env, preopens)
}

/// [`run_plain`] of a component wasmtime has compiled already (for benchmarks, which time the
/// run alone).
pub fn run_plain_loaded(
    component: &wasmtime::component::Component,
    env: &[(&str, &str)],
    preopens: &[PlainPreopen<'_>],
) -> Outcome {
    use wasmtime::Store;
    use wasmtime::component::Linker;
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
    use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

    struct Plain {
        ctx: WasiCtx,
        table: ResourceTable,
    }
    impl WasiView for Plain {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView {
                ctx: &mut self.ctx,
                table: &mut self.table,
            }
        }
    }

    let engine = virtc_run::engine();
    let stdout = MemoryOutputPipe::new(usize::MAX / 2);
    let stderr = MemoryOutputPipe::new(usize::MAX / 2);
    let mut builder = WasiCtx::builder();
    builder.stdout(stdout.clone()).stderr(stderr.clone());
    for (name, value) in env {
        builder.env(name, value);
    }
    for p in preopens {
        let perms = if p.readonly {
            wasmtime_wasi::FsPerms::ReadOnly
        } else {
            wasmtime_wasi::FsPerms::ReadWrite
        };
        builder
            .preopened_dir(p.host, p.guest, perms)
            .expect("the directory opens");
    }
    let mut store = Store::new(
        engine,
        Plain {
            ctx: builder.build(),
            table: ResourceTable::new(),
        },
    );
    let mut linker: Linker<Plain> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("WASI links");
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, component, &linker)
            .expect("the component instantiates");
    let status = match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Status::Exited(0),
        Ok(Err(())) => Status::Exited(1),
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => Status::Exited(exit.0),
            None => Status::Trapped(format!("{e:#}")),
        },
    };
    Outcome {
        status,
        stdout: stdout.contents().to_vec(),
        stderr: stderr.contents().to_vec(),
    }
}
