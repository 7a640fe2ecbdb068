//! One module per `virtc` command, each a clap struct with an `exec` that returns the exit code
//! (wac's shape): the help text, the options and the work of a command live together.

pub mod check;
pub mod compile;
pub mod explain;
pub mod fmt;
pub mod init;
pub mod inspect;
pub mod lsp;
pub mod run;

use std::path::Path;

use virtc::driver::{Failure, Input, InputError};

/// `--allow-path DIR`: directories besides the root policy's project that build-time host
/// paths may lead into (V0064).
#[derive(clap::Args, Debug, Default)]
pub(crate) struct AllowPaths {
    /// Let `mount`, `file … from` and `use` read DIR besides the policy's project (the nearest
    /// directory above the policy with a `.git`); repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub dirs: Vec<std::path::PathBuf>,
}

/// The policy and the component named on the command line, read.
pub(crate) struct Inputs {
    pub policy: virtc::Policy,
    name: String,
    bytes: Option<Vec<u8>>,
}

impl Inputs {
    /// Reads the policy and the component, if one is named; the policy compiles with the
    /// tracing adapter unless `trace` is off.
    pub fn read(
        policy: &Path,
        component: Option<&Path>,
        allow: &AllowPaths,
        trace: virtc::Trace,
    ) -> Result<Inputs, Failure> {
        let policy = virtc::Policy::from_file(policy)?
            .allow_paths(&allow.dirs)?
            .with_trace(trace);
        let bytes = component.map(read_component).transpose()?;
        let name = component
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        Ok(Inputs {
            policy,
            name,
            bytes,
        })
    }

    /// The component, named as on the command line.
    pub fn component(&self) -> Option<Input<'_>> {
        self.bytes.as_deref().map(|bytes| Input {
            name: &self.name,
            bytes,
        })
    }
}

/// Reads the component named on the command line.
pub(crate) fn read_component(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        Failure::Input(InputError::ComponentUnreadable {
            path: path.to_path_buf(),
            why: virtc::io_error_text(&e),
        })
    })
}

/// Parses `--wasi-version`: a WASI 0.2 release virtc has the WIT of.
pub(crate) fn parse_version(s: &str) -> Result<semver::Version, String> {
    let v = semver::Version::parse(s).map_err(|e| format!("`{s}` is not a version: {e}"))?;
    if v.major != 0 || v.minor != 2 || v.patch > 12 {
        return Err(format!("virtc targets WASI 0.2.0 to 0.2.12, not {v}"));
    }
    Ok(v)
}
