//! The compile pipeline as one call, shared by `virtc compile`, `check`, `run` and the tests:
//! check the policy, read the component, build the adapter, compose.

use std::path::Path;

use crate::analyse::imports::{ImportRule, rule_for};
use crate::analyse::{self, component::component_diagnostics, policy::check_policy};
use crate::codegen::adapter::{self, Adapter};
use crate::codegen::component_info::ComponentInfo;
use crate::codegen::compose::{compose, compose_serving};
use crate::codegen::embed::{Progress, ReportEntry, embed};
use crate::codegen::error::{ComposeError, StubError};
use crate::codegen::splice::OutputBytes;
use crate::codegen::stub;
use crate::codegen::wasi_wit::default_version;
use crate::db::{Database, SourceFile};
use crate::diagnostic::Diagnostic;
pub use crate::error::InputError;
use crate::ir::PolicyIr;
use crate::plan::{self, Target};
pub use virtc_policy::Trace;

/// A component given to the compiler: its name for messages and its bytes.
pub struct Input<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Why compiling failed.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The policy has errors (all of them are here, with any warnings).
    Policy(Vec<Diagnostic>),
    /// An input is unusable: one sentence naming it and the reason.
    Input(InputError),
}

/// What the checker found, before any code generation.
pub struct Checked {
    /// The policy, with the embedded file system in `ir.runtime.files`.
    pub ir: PolicyIr,
    pub diagnostics: Vec<Diagnostic>,
    pub target: Option<Target>,
    /// What was embedded.
    pub report: Vec<ReportEntry>,
}

/// A successful compilation.
pub struct Compiled {
    /// What was embedded.
    pub report: Vec<ReportEntry>,
    /// The adapter (its `bytes` without the embedded image: see [`Compiled::output`]).
    pub adapter: Adapter,
    /// The component with the adapter composed in, when a component was given.
    pub composed: Option<OutputBytes>,
    /// Warnings and notes.
    pub diagnostics: Vec<Diagnostic>,
    pub ir: PolicyIr,
}

impl Compiled {
    /// What `virtc compile` writes: the composed component, or the adapter alone.
    pub fn output(&self) -> Result<OutputBytes, Failure> {
        match &self.composed {
            Some(composed) => Ok(composed.clone()),
            None => self.adapter_alone(),
        }
    }

    /// [`Compiled::output`], taken out of the compilation (`composed` is left `None`).
    pub fn take_output(&mut self) -> Result<OutputBytes, Failure> {
        match self.composed.take() {
            Some(composed) => Ok(composed),
            None => self.adapter_alone(),
        }
    }

    fn adapter_alone(&self) -> Result<OutputBytes, Failure> {
        self.adapter
            .output(self.adapter.bytes.clone())
            .map_err(|error| Failure::Input(InputError::Adapter { error }))
    }
}

/// Loads the policy file at `path` into `db`, and confines the build-time host paths of its
/// files to its project unless `db` is confined already (see [`crate::confine`]).
pub fn load_policy(db: &Database, path: &Path) -> Result<SourceFile, Failure> {
    use crate::db::Db;
    db.confine_to_project_of(path);
    db.load(path).map_err(|why| {
        Failure::Input(InputError::PolicyUnreadable {
            path: path.to_path_buf(),
            why: why.to_string(),
        })
    })
}

/// Checks the policy and, if given, the component against it; reads the files it embeds.
pub fn check(
    db: &Database,
    root: SourceFile,
    component: Option<&Input<'_>>,
) -> Result<Checked, Failure> {
    check_with_progress(db, root, component, &mut |_| {})
}

/// [`check`], reporting progress while files are embedded.
pub fn check_with_progress(
    db: &Database,
    root: SourceFile,
    component: Option<&Input<'_>>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Checked, Failure> {
    let mut diagnostics = analyse::diagnostics(db, root);
    let checked = check_policy(db, root);
    let mut ir = checked.ir.clone();
    let mut report = Vec::new();
    if ir.has_files() && !diagnostics.iter().any(Diagnostic::is_error) {
        let embedded = embed(&ir, progress);
        diagnostics.extend(embedded.diagnostics);
        ir.runtime.files = embedded.files;
        report = embedded.report;
    }
    let target = match component {
        None => None,
        Some(input) => {
            let info = ComponentInfo::read(input.bytes).map_err(|why| {
                Failure::Input(InputError::NotAComponent {
                    name: input.name.to_owned(),
                    why,
                })
            })?;
            let target = info.target().map_err(|why| {
                Failure::Input(InputError::NotAComponent {
                    name: input.name.to_owned(),
                    why,
                })
            })?;
            diagnostics.extend(component_diagnostics(
                db, root, checked, &target, input.name,
            ));
            Some(target)
        }
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure::Policy(diagnostics));
    }
    Ok(Checked {
        ir,
        diagnostics,
        target,
        report,
    })
}

/// Checks, builds the adapter and composes it into the component when one is given.
/// `version` is the WASI version of a standalone adapter.
pub fn compile(
    db: &Database,
    root: SourceFile,
    component: Option<&Input<'_>>,
    version: Option<semver::Version>,
) -> Result<Compiled, Failure> {
    compile_with_progress(db, root, component, version, Trace::Off, &mut |_| {})
}

/// [`compile`], reporting progress while files are embedded, with the tracing adapter unless
/// `trace` is [`Trace::Off`].
pub fn compile_with_progress(
    db: &Database,
    root: SourceFile,
    component: Option<&Input<'_>>,
    version: Option<semver::Version>,
    trace: Trace,
    progress: &mut dyn FnMut(Progress),
) -> Result<Compiled, Failure> {
    let mut checked = check_with_progress(db, root, component, progress)?;
    if trace != Trace::Off {
        traced(&mut checked.ir, trace);
    }
    let target = checked
        .target
        .clone()
        .unwrap_or_else(|| Target::standalone(version.unwrap_or_else(default_version)));
    let selection = plan::select(&checked.ir, &target).map_err(|error| {
        Failure::Input(InputError::Unsupported {
            name: component.map_or("the adapter", |c| c.name).to_owned(),
            error,
        })
    })?;
    // Whether the adapter reaches the host's HTTP types depends on the component; the policy
    // handed back (to hosts, to `inspect`'s comparisons) says what the adapter was built with.
    checked.ir.runtime.http.host_types =
        adapter::host_allowed(&checked.ir, selection.serve_http, "http", "types");
    let build = |selection: &plan::Selection| {
        adapter::build(&checked.ir, selection, &target.versions)
            .map_err(|error| Failure::Input(InputError::Adapter { error }))
    };
    let compose_into = |input: &Input<'_>, adapter: &Adapter| {
        if selection.serve_http {
            adapter::build_serving(&target.versions)
                .map_err(ComposeError::Serving)
                .and_then(|serving| {
                    compose_serving(
                        input.bytes,
                        &adapter.bytes,
                        &serving,
                        &target.versions.of("http"),
                    )
                })
        } else {
            compose(input.bytes, &adapter.bytes)
        }
    };
    let mut adapter = build(&selection)?;
    let composed = match component {
        None => {
            adapter::validate(&adapter.bytes)
                .map_err(|error| Failure::Input(InputError::Adapter { error }))?;
            None
        }
        Some(input) if selection.exports.is_empty() => {
            // Nothing to virtualize: the component already satisfies the policy.
            Some(input.bytes.to_vec())
        }
        Some(input) => {
            let mut composed = compose_into(input, &adapter);
            // The adapter exports only what the component's import types name; should a
            // component name more than its functions reach (no toolchain known here does),
            // the adapter that exports every function and type of its interfaces fits it.
            if matches!(composed, Err(ComposeError::Misfit { .. })) && selection.calls.is_some() {
                let whole = build(&plan::Selection {
                    calls: None,
                    ..selection.clone()
                })?;
                if let Ok(bytes) = compose_into(input, &whole) {
                    adapter = whole;
                    composed = Ok(bytes);
                }
            }
            Some(composed.map_err(|error| {
                Failure::Input(InputError::Compose {
                    name: input.name.to_owned(),
                    error,
                })
            })?)
        }
    };
    // `deny import`: stub the denied interfaces out of the output.
    let denied: Vec<String> = target
        .others
        .iter()
        .filter(|name| {
            rule_for(name, &checked.ir.import_allow, &checked.ir.import_deny) == ImportRule::Deny
        })
        .cloned()
        .collect();
    let composed = match (composed, component) {
        (Some(composed), Some(input)) if !denied.is_empty() => Some(
            stub::build(input.bytes, &denied)
                .and_then(|stub| compose(&composed, &stub).map_err(StubError::Compose))
                .map_err(|error| {
                    Failure::Input(InputError::Stub {
                        name: input.name.to_owned(),
                        interfaces: denied.clone(),
                        error,
                    })
                })?,
        ),
        (composed, _) => composed,
    };
    // The embedded image goes in last, into the adapter's data segment wherever it now lies.
    let composed = match composed {
        Some(bytes) if selection.exports.is_empty() => Some(OutputBytes::plain(bytes)),
        Some(bytes) => Some(
            adapter
                .output(bytes)
                .map_err(|error| Failure::Input(InputError::Adapter { error }))?,
        ),
        None => None,
    };
    Ok(Compiled {
        report: checked.report,
        adapter,
        composed,
        diagnostics: checked.diagnostics,
        ir: checked.ir,
    })
}

/// The policy as the tracing adapter runs it: the same grants, and where to write the trace.
/// Every interface the adapter implements goes through it (see `plan::select`), so `allow env;`,
/// which otherwise leaves the host's interface alone, becomes every host variable.
fn traced(ir: &mut PolicyIr, trace: Trace) {
    ir.runtime.trace = trace;
    if ir.env_host {
        ir.runtime.env.allow = vec!["*".to_owned()];
        ir.runtime.env.deny.clear();
    }
}
