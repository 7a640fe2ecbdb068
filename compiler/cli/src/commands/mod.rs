//! The `virtc` command line: argument parsing, reporting and exit codes. The work itself is in
//! [`crate::driver`] and [`crate::run`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::db::Database;
use crate::diagnostic::{Diagnostic, Severity};
use crate::driver::{self, Failure, Input, InputError};

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 a policy or input error, 2 a usage error.

Examples:
  virtc check pong.virt --component pong.wasm
  virtc compile pong.virt --component pong.wasm -o pong.virt.wasm
  virtc compile pong.virt -o pong-adapter.wasm        # the adapter alone, for `wac plug`
  virtc run pong.virt pong.wasm -- --some-flag
  virtc fmt --check policies/";

#[derive(Parser, Debug)]
#[command(name = "virtc", version, about = "Compiles WASI capability policies (.virt files) into components that can touch only what the policy grants", after_help = AFTER_HELP)]
pub struct Cli {
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile a policy into an adapter and compose it into a component.
    #[command(after_help = "\
Without --component, writes the adapter alone (at --wasi-version), which `wac plug` or
`wasm-tools compose` can compose later. With --component, writes the component with the adapter
composed in: it imports only what the policy passes through and keeps the component's own WASI
versions. The output is written atomically and is byte-identical for identical inputs.

Example:
  virtc compile pong.virt --component pong.wasm -o pong.virt.wasm")]
    Compile {
        /// The policy file.
        policy: PathBuf,
        /// The component to virtualize.
        #[arg(long, short = 'c', value_name = "IN.wasm")]
        component: Option<PathBuf>,
        /// Where to write the result.
        #[arg(long, short = 'o', value_name = "OUT.wasm")]
        output: PathBuf,
        /// WASI version of a standalone adapter (with --component, the component's versions are used).
        #[arg(long, value_name = "0.2.x", value_parser = parse_version)]
        wasi_version: Option<semver::Version>,
        /// List every embedded file (guest path, bytes, host path) on stdout, for audits.
        #[arg(long)]
        report: bool,
    },
    /// Check a policy, and optionally a component against it, without writing anything.
    #[command(after_help = "\
Reports every error and warning of the policy and the files it uses. With --component, also
warns where the policy makes the component trap (a denied interface without an error channel,
such as random or clocks, that the component imports).

Example:
  virtc check pong.virt --component pong.wasm")]
    Check {
        /// The policy file.
        policy: PathBuf,
        /// A component to check against the policy.
        #[arg(long, short = 'c', value_name = "IN.wasm")]
        component: Option<PathBuf>,
    },
    /// Compose in memory and run the result in an embedded wasmtime.
    #[command(after_help = "\
The host context grants exactly what the policy passes through: host variables only through
`env allow`, arguments only with `args allow`, the terminal's streams only where a stream is
allowed, the network only with `allow sockets`, no directories. Exits with the component's exit
code, or 134 when it traps.

Example:
  virtc run examples/pong/pong.virt pong.wasm -- first second")]
    Run {
        /// The policy file.
        policy: PathBuf,
        /// The component to run (a command exporting wasi:cli/run).
        component: PathBuf,
        /// Arguments for the component (seen only with `args allow;`).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Format policy files in place: one statement per line, canonical spacing, comments kept.
    #[command(after_help = "\
One statement per line; `allow random;`, `env NAME = \"v\";`, `\"a\", \"b\"`; mount blocks on
several lines, rules indented 4 spaces; comments stay where they are; blank lines between
groups are kept (runs collapse to one); the file ends in one newline. A file with syntax errors
is not formatted: its errors are reported and the exit code is 1. Directories are searched for
`.virt` files; `-` formats standard input to standard output.

Examples:
  virtc fmt pong.virt
  virtc fmt --check policies/      # exit code 1, and the files listed, if any would change")]
    Fmt {
        /// Only report the files that would change (exit code 1 if any); write nothing.
        #[arg(long)]
        check: bool,
        /// Files, or directories to search for `.virt` files; `-` for standard input.
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
    },
    /// Start the language server on standard input and output (for editors).
    #[command(after_help = "\
Speaks the Language Server Protocol over stdio: diagnostics as `virtc check` reports them,
completion, hover, go to definition, document symbols, semantic tokens, formatting (as
`virtc fmt`) and quick fixes. Editors start it themselves; see the README for VS Code, Neovim
and Helix.

Example:
  virtc lsp")]
    Lsp {
        /// Accepted for clients that pass it (stdio is the only transport).
        #[arg(long)]
        stdio: bool,
    },
}

fn parse_version(s: &str) -> Result<semver::Version, String> {
    let v = semver::Version::parse(s).map_err(|e| format!("`{s}` is not a version: {e}"))?;
    if v.major != 0 || v.minor != 2 || v.patch > 12 {
        return Err(format!("virtc targets WASI 0.2.0 to 0.2.12, not {v}"));
    }
    Ok(v)
}

/// Runs the command line and returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal(),
    };
    let reporter = Reporter { color };
    let db = Database::default();
    match cli.command {
        Command::Compile {
            policy,
            component,
            output,
            wasi_version,
            report,
        } => {
            let result = compile(
                &db,
                &reporter,
                &policy,
                component.as_deref(),
                &output,
                wasi_version,
                report,
            );
            reporter.finish(&db, result)
        }
        Command::Check { policy, component } => {
            let result = check(&db, &reporter, &policy, component.as_deref());
            reporter.finish(&db, result)
        }
        Command::Run {
            policy,
            component,
            args,
        } => match run(&db, &reporter, &policy, &component, args) {
            Ok(code) => code,
            Err(failure) => reporter.finish(&db, Err(failure)),
        },
        Command::Fmt { check, files } => fmt(&reporter, check, &files),
        // The binary (package virtc-cli) serves it with virtc-lsp before calling this.
        Command::Lsp { .. } => {
            eprintln!("error: this build of virtc has no language server");
            ExitCode::from(2)
        }
    }
}

/// `virtc fmt`: formats each file (or reports it with `--check`); 1 when a file has syntax
/// errors, cannot be read or written, or, with `--check`, would change.
fn fmt(reporter: &Reporter, check: bool, paths: &[PathBuf]) -> ExitCode {
    use std::io::Read;
    let mut failed = false;
    let mut unformatted = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = virt_files(path);
            if found.is_empty() {
                eprintln!("error: no `.virt` files in `{}`", path.display());
                failed = true;
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    for path in &files {
        let stdin = path.as_os_str() == "-";
        let text = if stdin {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map(|_| text)
                .map_err(|e| crate::io_error_text(&e))
        } else {
            std::fs::read(path)
                .map_err(|e| crate::io_error_text(&e))
                .and_then(|b| String::from_utf8(b).map_err(|_| "it is not UTF-8 text".into()))
        };
        let text = match text {
            Ok(text) => text,
            Err(why) => {
                eprintln!("error: cannot read `{}`: {why}", path.display());
                failed = true;
                continue;
            }
        };
        let formatted = match crate::format::format(&text) {
            Ok(formatted) => formatted,
            Err(unformattable) => {
                let mut db = Database::default();
                let name = if stdin { Path::new("<stdin>") } else { path };
                let file = db.set_file(name, text.clone());
                let diagnostics: Vec<Diagnostic> =
                    crate::analyse::syntax::parse_file::accumulated::<crate::diagnostic::Reported>(
                        &db, file,
                    )
                    .into_iter()
                    .map(|r| r.0.clone())
                    .collect();
                reporter.print(&db, &diagnostics);
                let n = unformattable.errors.len();
                eprintln!(
                    "error: cannot format `{}`: it has {n} syntax error{}",
                    path.display(),
                    plural(n)
                );
                failed = true;
                continue;
            }
        };
        if stdin {
            if check {
                if formatted != text {
                    unformatted.push(path.clone());
                }
            } else {
                print!("{formatted}");
            }
        } else if formatted != text {
            if check {
                unformatted.push(path.clone());
            } else if let Err(Failure::Input(error)) = write_atomically(path, formatted.as_bytes())
            {
                eprintln!("error[{}]: {error}", error.code());
                failed = true;
            }
        }
    }
    if !unformatted.is_empty() {
        let mut out = std::io::stdout().lock();
        for path in &unformatted {
            let _ = writeln!(out, "{}", path.display());
        }
        eprintln!(
            "error: {} file{} would be reformatted (run `virtc fmt` on {})",
            unformatted.len(),
            plural(unformatted.len()),
            if unformatted.len() == 1 { "it" } else { "them" }
        );
        failed = true;
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `.virt` files under `dir`, sorted, skipping hidden directories and `target`.
fn virt_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    dirs.push(path);
                }
            } else if name.ends_with(".virt") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

struct Reporter {
    color: bool,
}

impl Reporter {
    fn print(&self, db: &Database, diagnostics: &[Diagnostic]) {
        let mut err = std::io::stderr().lock();
        for d in diagnostics {
            let _ = write!(err, "{}", d.render(db, self.color));
        }
    }

    fn finish(&self, db: &Database, result: Result<(), Failure>) -> ExitCode {
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure::Policy(diagnostics)) => {
                self.print(db, &diagnostics);
                let errors = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                let warnings = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Warning)
                    .count();
                let mut line = format!("error: the policy has {errors} error{}", plural(errors));
                if warnings > 0 {
                    line.push_str(&format!(" and {warnings} warning{}", plural(warnings)));
                }
                eprintln!("{line}");
                ExitCode::from(1)
            }
            Err(Failure::Input(error)) => {
                eprintln!("error[{}]: {error}", error.code());
                ExitCode::from(1)
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

type Outcome = Result<(), Failure>;

fn read_component(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        Failure::Input(InputError::ComponentUnreadable {
            path: path.to_path_buf(),
            why: crate::io_error_text(&e),
        })
    })
}

fn compile(
    db: &Database,
    reporter: &Reporter,
    policy: &Path,
    component: Option<&Path>,
    output: &Path,
    version: Option<semver::Version>,
    report: bool,
) -> Outcome {
    let root = driver::load_policy(db, policy)?;
    let bytes = match component {
        Some(path) => Some(read_component(path)?),
        None => None,
    };
    let name = component
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let input = bytes.as_deref().map(|bytes| Input { name: &name, bytes });
    let mut progress = ProgressLine::new(reporter.color);
    let compiled = driver::compile_with_progress(db, root, input.as_ref(), version, &mut |p| {
        progress.update(p)
    });
    progress.clear();
    let compiled = compiled?;
    reporter.print(db, &compiled.diagnostics);
    if report {
        print_report(&compiled.report);
    }
    let out = compiled
        .composed
        .as_deref()
        .unwrap_or(&compiled.adapter.bytes);
    write_atomically(output, out)?;
    Ok(())
}

fn check(db: &Database, reporter: &Reporter, policy: &Path, component: Option<&Path>) -> Outcome {
    let root = driver::load_policy(db, policy)?;
    let bytes = match component {
        Some(path) => Some(read_component(path)?),
        None => None,
    };
    let name = component
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let input = bytes.as_deref().map(|bytes| Input { name: &name, bytes });
    let checked = driver::check(db, root, input.as_ref())?;
    reporter.print(db, &checked.diagnostics);
    Ok(())
}

fn run(
    db: &Database,
    reporter: &Reporter,
    policy: &Path,
    component: &Path,
    args: Vec<String>,
) -> Result<ExitCode, Failure> {
    let root = driver::load_policy(db, policy)?;
    let bytes = read_component(component)?;
    let name = component.display().to_string();
    let input = Input {
        name: &name,
        bytes: &bytes,
    };
    let compiled = driver::compile(db, root, Some(&input), None)?;
    reporter.print(db, &compiled.diagnostics);
    let composed = compiled.composed.expect("a component was given");
    let loaded = crate::run::load(&composed).map_err(|e| {
        Failure::Input(InputError::Load {
            detail: format!("{e:#}"),
        })
    })?;
    let program = component
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let options = crate::run::RunOptions {
        program,
        args,
        host_env: std::env::vars().collect(),
        stdio: crate::run::Stdio::Inherit,
    };
    let outcome = crate::run::run(&compiled.ir, &loaded, &options).map_err(|e| {
        Failure::Input(InputError::Run {
            name: name.clone(),
            detail: format!("{e:#}"),
        })
    })?;
    match outcome.status {
        crate::run::Status::Exited(code) => {
            // Out-of-range statuses must not turn into success.
            let code = u8::try_from(code).unwrap_or(1);
            Ok(ExitCode::from(code))
        }
        crate::run::Status::Trapped(message) => {
            eprintln!("error: `{name}` trapped: {message}");
            Ok(ExitCode::from(134))
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, so that readers see
/// the old file or the new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| {
        Failure::Input(InputError::Output {
            path: path.to_path_buf(),
            why: crate::io_error_text(&e),
        })
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".virtc-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    // Temporary files are private; the output gets the permissions of the file it replaces, or
    // the usual ones for a new file.
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => new_file_permissions(),
    };
    if let Some(permissions) = permissions {
        tmp.as_file().set_permissions(permissions).map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}

/// A progress line on stderr while embedding takes long (only on a terminal).
struct ProgressLine {
    enabled: bool,
    start: std::time::Instant,
    shown: bool,
}

impl ProgressLine {
    fn new(terminal: bool) -> ProgressLine {
        ProgressLine {
            enabled: terminal && std::io::stderr().is_terminal(),
            start: std::time::Instant::now(),
            shown: false,
        }
    }

    fn update(&mut self, p: crate::codegen::embed::Progress) {
        if self.enabled && self.start.elapsed() > std::time::Duration::from_millis(300) {
            eprint!(
                "\r\x1b[2K  embedding: {} files, {:.1} MB",
                p.files,
                p.bytes as f64 / 1e6
            );
            self.shown = true;
        }
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}

fn print_report(entries: &[crate::codegen::embed::ReportEntry]) {
    let mut out = std::io::stdout().lock();
    let total: u64 = entries.iter().map(|e| e.bytes).sum();
    let _ = writeln!(out, "{:<40} {:>12}  source", "guest path", "bytes");
    for e in entries {
        let source = match (&e.host, &e.link) {
            (Some(host), Some(target)) => format!("{} (link to {target})", host.display()),
            (Some(host), None) => host.display().to_string(),
            (None, _) => "(inline text)".to_string(),
        };
        let _ = writeln!(out, "{:<40} {:>12}  {source}", e.guest, e.bytes);
    }
    let _ = writeln!(out, "{} files, {total} bytes embedded", entries.len());
}
