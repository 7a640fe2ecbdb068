//! virtc as a library: a [`Policy`] from a file, from text or built in code; a component's bytes
//! in; the output's bytes and the diagnostics out. The `virtc` command line is built on it; the
//! pipeline modules ([`crate::driver`], [`crate::analyse`], [`crate::codegen`]) stay available
//! for tools that need more.

use std::path::{Path, PathBuf};

use virtc_grammar::lexer::quote;

pub use crate::analyse::settings::Subsystem;
use crate::codegen::embed::{Progress, ReportEntry};
pub use crate::codegen::splice::OutputBytes;
use crate::confine::Confinement;
use crate::db::{Database, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::driver::{self, Failure, Input, Trace};
use crate::ir::PolicyIr;

/// What messages call the component.
const COMPONENT: &str = "component.wasm";

/// A policy, read and ready to check or compile.
///
/// ```
/// # fn main() -> Result<(), virtc::Failure> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.virt");
/// std::fs::write(&path, "env GREETING = \"hello\";\nstdout allow;\n").unwrap();
/// let policy = virtc::Policy::from_file(&path)?;
/// // Without a component: the adapter alone, for `wac plug` or `wasm-tools compose`.
/// let adapter = policy.adapter(None)?;
/// assert!(adapter.bytes.starts_with(b"\0asm"));
/// assert!(adapter.diagnostics.is_empty());
/// # Ok(())
/// # }
/// ```
pub struct Policy {
    db: Database,
    root: SourceFile,
    trace: Trace,
}

/// What compiling gave.
#[derive(Debug, Clone)]
pub struct Output {
    /// The component with the adapter composed in (or the adapter alone, from
    /// [`Policy::adapter`]). Identical inputs give identical bytes. They dereference to a byte
    /// slice; [`OutputBytes::write_to`] writes them without ever holding an embedded tree twice.
    pub bytes: OutputBytes,
    /// Warnings and notes (errors make compiling fail instead).
    pub diagnostics: Vec<Diagnostic>,
    /// Every file embedded, for audits.
    pub embedded: Vec<ReportEntry>,
    /// The checked policy (what a host running the output should grant: `virtc-run` builds its
    /// WASI context from it).
    pub policy: PolicyIr,
}

impl Policy {
    /// Reads the policy file at `path`; relative paths in it resolve against its directory.
    ///
    /// Build-time host paths (`mount`, `file … from`, `use "…"`) may lead only into the
    /// project holding it (its nearest ancestor directory with a `.git`, or its own directory)
    /// unless [`Policy::allow_paths`] allows more: others are V0064 errors.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, Failure> {
        let db = Database::default();
        let root = driver::load_policy(&db, path.as_ref())?;
        Ok(Policy {
            db,
            root,
            trace: Trace::Off,
        })
    }

    /// A policy from `text`, as if it were the file `policy.virt` in `dir` (relative paths and
    /// `use "./other.virt"` resolve against `dir`). Errors in the text are reported by
    /// [`Policy::check`] and [`Policy::compile`].
    ///
    /// ```
    /// let policy = virtc::Policy::from_text("allow random;\nstdout allow;\n", ".");
    /// assert!(policy.check(None).unwrap().is_empty());
    ///
    /// let broken = virtc::Policy::from_text("allow randomness;\n", ".");
    /// let Err(virtc::Failure::Policy(diagnostics)) = broken.check(None) else { panic!() };
    /// assert_eq!(diagnostics[0].code, "V0010");
    /// // Rendered as `virtc check` prints it, with the line and the span marked.
    /// let text = broken.render(&diagnostics);
    /// assert!(text.contains("error[V0010]: unknown subsystem `randomness`"));
    /// assert!(text.contains("allow randomness;"));
    /// ```
    pub fn from_text(text: impl Into<String>, dir: impl AsRef<Path>) -> Policy {
        let mut db = Database::default();
        let path = absolute(dir.as_ref()).join("policy.virt");
        db.confine(Confinement::project_only(&path));
        let root = db.set_file(&path, text.into());
        Policy {
            db,
            root,
            trace: Trace::Off,
        }
    }

    /// The same policy with the directories `dirs` readable at build time besides its project
    /// (`--allow-path`): `mount`, `file … from` and `use "…"` may lead into them. A directory
    /// that cannot be resolved is [`InputError::AllowPath`](crate::InputError::AllowPath).
    pub fn allow_paths(self, dirs: &[PathBuf]) -> Result<Policy, Failure> {
        let confinement = Confinement::new(self.root.path(&self.db), dirs).map_err(|bad| {
            Failure::Input(crate::InputError::AllowPath {
                path: bad.path,
                why: bad.why,
            })
        })?;
        self.db.confine(confinement);
        Ok(self)
    }

    /// A policy built in code: [`PolicyBuilder`].
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Checks the policy and, given a component's bytes, the component against it (what it
    /// imports that the policy makes trap, or that virtc cannot virtualize). Returns the
    /// warnings and notes; errors are [`Failure::Policy`].
    pub fn check(&self, component: Option<&[u8]>) -> Result<Vec<Diagnostic>, Failure> {
        self.check_named(component.map(|bytes| Input {
            name: COMPONENT,
            bytes,
        }))
    }

    /// [`Policy::check`] of a component named in messages as `component.name`. With a
    /// component, everything compiling does is done (and the output dropped), so that checking
    /// and compiling never disagree.
    pub fn check_named(&self, component: Option<Input<'_>>) -> Result<Vec<Diagnostic>, Failure> {
        match component {
            Some(input) => driver::compile(&self.db, self.root, Some(&input), None)
                .map(|compiled| compiled.diagnostics),
            None => driver::check(&self.db, self.root, None).map(|checked| checked.diagnostics),
        }
    }

    /// Compiles the policy into an adapter and composes it into the component `component`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = virtc::Policy::from_file("app.virt")?;
    /// let component = std::fs::read("app.wasm")?;
    /// let output = policy.compile(&component)?;
    /// // Streamed: embedded files are written from where they lie, never copied first.
    /// let mut file = std::io::BufWriter::new(std::fs::File::create("app.virt.wasm")?);
    /// output.bytes.write_to(&mut file)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn compile(&self, component: &[u8]) -> Result<Output, Failure> {
        let input = Input {
            name: COMPONENT,
            bytes: component,
        };
        self.compile_with(Some(input), None, &mut |_| {})
    }

    /// The same policy compiled with the tracing adapter (`virtc compile --trace`): every WASI
    /// call the component makes goes through the adapter, which writes a line for it to the
    /// host's stderr ([`Trace::Stderr`]) or to `virtc:adapter/trace` ([`Trace::Sink`], which
    /// `virtc-run` implements). [`Trace::Off`], the default, is the plain adapter.
    pub fn with_trace(mut self, trace: Trace) -> Policy {
        self.trace = trace;
        self
    }

    /// The adapter alone, exporting every interface the policy virtualizes at `wasi_version`
    /// (0.2.6 when `None`), for composing later.
    pub fn adapter(&self, wasi_version: Option<semver::Version>) -> Result<Output, Failure> {
        self.compile_with(None, wasi_version, &mut |_| {})
    }

    /// [`Policy::compile`] of a component named in messages as `component.name`, or
    /// [`Policy::adapter`] without one, with `progress` called now and then while files are
    /// embedded.
    pub fn compile_with(
        &self,
        component: Option<Input<'_>>,
        wasi_version: Option<semver::Version>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Output, Failure> {
        let mut compiled = driver::compile_with_progress(
            &self.db,
            self.root,
            component.as_ref(),
            wasi_version,
            self.trace,
            progress,
        )?;
        Ok(Output {
            bytes: compiled.take_output()?,
            diagnostics: compiled.diagnostics,
            embedded: compiled.report,
            policy: compiled.ir,
        })
    }

    /// `diagnostics` rendered as `virtc check` prints them without colors: the message, the
    /// policy's lines with the spans marked, help and suggestions.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        diagnostics
            .iter()
            .map(|d| d.render(&self.db, false))
            .collect()
    }

    /// The database holding the policy's files (for rendering with colors, or for the
    /// pipeline's own functions).
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The policy's root file in [`Policy::database`].
    pub fn root(&self) -> SourceFile {
        self.root
    }
}

/// Builds a policy in code, statement by statement, in the `.virt` language (so a built policy
/// is checked exactly as a written one, and [`PolicyBuilder::text`] shows what was built).
///
/// ```
/// use virtc::{Stream, StreamMode, Subsystem};
///
/// let policy = virtc::Policy::builder()
///     .env("PONG", "demo")
///     .allow(Subsystem::Random)
///     .stream(Stream::Stdout, StreamMode::Allow)
///     .file_text("/greeting.txt", "hello")
///     .statement("tcp connect \"db.internal:5432\";")
///     .build(".");
/// assert!(policy.check(None).unwrap().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct PolicyBuilder {
    text: String,
}

/// A standard stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
}

/// What happens to a standard stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamMode {
    /// The host's stream.
    Allow,
    /// Closed: writes fail, reads end.
    Deny,
    /// Writes dropped, reads at end of stream.
    Ignore,
}

impl PolicyBuilder {
    /// `allow WHAT;`: the host's interface passes through.
    pub fn allow(self, what: Subsystem) -> Self {
        self.statement(&format!("allow {};", what.name()))
    }

    /// `deny WHAT;`.
    pub fn deny(self, what: Subsystem) -> Self {
        self.statement(&format!("deny {};", what.name()))
    }

    /// `allow all;`: every subsystem the host's (later statements narrow it).
    pub fn allow_all(self) -> Self {
        self.statement("allow all;")
    }

    /// `env NAME = "value";`: a virtual environment variable.
    pub fn env(self, name: &str, value: &str) -> Self {
        self.statement(&format!("env {} = {};", quote(name), quote(value)))
    }

    /// `env allow "GLOB";`: host variables passed through by name.
    pub fn env_allow(self, glob: &str) -> Self {
        self.statement(&format!("env allow {};", quote(glob)))
    }

    /// `stdin`/`stdout`/`stderr` `allow`/`deny`/`ignore`.
    pub fn stream(self, stream: Stream, mode: StreamMode) -> Self {
        let stream = match stream {
            Stream::Stdin => "stdin",
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        let mode = match mode {
            StreamMode::Allow => "allow",
            StreamMode::Deny => "deny",
            StreamMode::Ignore => "ignore",
        };
        self.statement(&format!("{stream} {mode};"))
    }

    /// `mount "/guest" from "local";`: a local directory embedded read-only.
    pub fn mount(self, guest: &str, local: impl AsRef<Path>) -> Self {
        let local = local.as_ref().to_string_lossy().into_owned();
        self.statement(&format!("mount {} from {};", quote(guest), quote(&local)))
    }

    /// `file "/guest" = "text";`: one embedded file.
    pub fn file_text(self, guest: &str, text: &str) -> Self {
        self.statement(&format!("file {} = {};", quote(guest), quote(text)))
    }

    /// `config "key" = "value";`.
    pub fn config(self, key: &str, value: &str) -> Self {
        self.statement(&format!("config {} = {};", quote(key), quote(value)))
    }

    /// `http allow "RULE";`: outgoing requests by URL rule.
    pub fn http_allow(self, rule: &str) -> Self {
        self.statement(&format!("http allow {};", quote(rule)))
    }

    /// Any statement of the language, as written (`tcp connect "db:5432";`).
    pub fn statement(mut self, statement: &str) -> Self {
        self.text.push_str(statement);
        self.text.push('\n');
        self
    }

    /// The policy's text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The policy, with relative paths resolving against `dir`.
    pub fn build(self, dir: impl AsRef<Path>) -> Policy {
        Policy::from_text(self.text, dir)
    }
}

/// `path` made absolute against the working directory (the database keys files by absolute
/// path).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        crate::db::normalize(path)
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        crate::db::normalize(&cwd.join(path))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Input(error) => write!(f, "error[{}]: {error}", error.code()),
            Failure::Policy(diagnostics) => {
                let errors: Vec<&Diagnostic> =
                    diagnostics.iter().filter(|d| d.is_error()).collect();
                write!(f, "the policy has {} error(s)", errors.len())?;
                for d in errors {
                    write!(f, "\nerror[{}]: {}", d.code, d.message)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Failure {}
