//! What can go wrong outside the policy text, typed per stage: an unreadable file, a component
//! that is not one, an import the adapter cannot serve, a composition that does not fit. Each
//! has its own code and becomes one [`Diagnostic`] at the edge (`virtc` prints it, the library
//! hands it back), so no message is built far from where it is shown.

use std::path::PathBuf;

use crate::codegen::component_info::NotAComponent;
use crate::codegen::error::{AdapterError, ComposeError, StubError};
use crate::diagnostic::Diagnostic;
use crate::inspect::InspectError;
use crate::plan::PlanError;

/// An input or build error: one sentence naming the thing and the reason.
#[derive(Debug, Clone)]
pub enum InputError {
    /// The policy file cannot be read.
    PolicyUnreadable { path: PathBuf, why: String },
    /// The component file cannot be read.
    ComponentUnreadable { path: PathBuf, why: String },
    /// The bytes are not a component virtc can work with.
    NotAComponent { name: String, why: NotAComponent },
    /// The component imports something the adapter cannot serve under this policy.
    Unsupported { name: String, error: PlanError },
    /// Building the adapter failed: a bug in virtc, reported with what failed.
    Adapter { error: AdapterError },
    /// Plugging the adapter into the component failed.
    Compose { name: String, error: ComposeError },
    /// Stubbing out `deny import` interfaces failed.
    Stub {
        name: String,
        interfaces: Vec<String>,
        error: StubError,
    },
    /// An output file cannot be written.
    Output { path: PathBuf, why: String },
    /// `virtc run`: wasmtime cannot compile the output (`detail`: virtc-run's error).
    Load { detail: String },
    /// `virtc run`: the component cannot be run (`detail`: virtc-run's error).
    Run { name: String, detail: String },
    /// `virtc inspect`: the file carries no policy virtc can read back.
    Inspect { name: String, error: InspectError },
    /// An `--allow-path` directory that cannot be resolved.
    AllowPath { path: PathBuf, why: String },
}

impl InputError {
    /// The stable code of this kind of error (see [`crate::codes`]).
    pub fn code(&self) -> &'static str {
        match self {
            InputError::PolicyUnreadable { .. } => "V0070",
            InputError::ComponentUnreadable { .. } => "V0071",
            InputError::NotAComponent { .. } => "V0072",
            InputError::Unsupported { .. } => "V0041",
            InputError::Adapter { .. } => "V0073",
            InputError::Compose {
                error: ComposeError::Misfit { .. },
                ..
            } => "V0079",
            InputError::Compose { .. } => "V0074",
            InputError::Stub { .. } => "V0075",
            InputError::Output { .. } => "V0076",
            InputError::Load { .. } => "V0077",
            InputError::Run { .. } => "V0078",
            InputError::Inspect {
                error: InspectError::NotAComponent(_),
                ..
            } => "V0072",
            InputError::Inspect {
                error: InspectError::NoAdapter,
                ..
            } => "V0098",
            InputError::Inspect { .. } => "V0099",
            InputError::AllowPath { .. } => "V0065",
        }
    }

    /// The error as a diagnostic (no source labels: it is about a file, not a statement).
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(self.code(), self.to_string())
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::PolicyUnreadable { path, why } => {
                write!(f, "cannot read policy `{}`: {why}", path.display())
            }
            InputError::ComponentUnreadable { path, why } => {
                write!(f, "cannot read component `{}`: {why}", path.display())
            }
            InputError::NotAComponent { name, why } => write!(f, "`{name}` {why}"),
            InputError::Unsupported { name, error } => {
                write!(f, "`{name}` cannot be virtualized: {error}")
            }
            InputError::Adapter { error } => write!(f, "building the adapter failed: {error}"),
            InputError::Compose { name, error } => {
                write!(f, "composing the adapter into `{name}` failed: {error}")
            }
            InputError::Stub {
                name,
                interfaces,
                error,
            } => write!(
                f,
                "stubbing out {} in `{name}` failed: {error}",
                interfaces.join(", ")
            ),
            InputError::Output { path, why } => {
                write!(f, "cannot write `{}`: {why}", path.display())
            }
            InputError::Load { detail } => f.write_str(detail),
            InputError::Run { name, detail } => write!(f, "running `{name}` failed: {detail}"),
            InputError::Inspect { name, error } => write!(f, "`{name}` {error}"),
            InputError::AllowPath { path, why } => {
                write!(f, "cannot allow `{}`: {why}", path.display())
            }
        }
    }
}
