//! `virtc inspect`: reads back the policy an output of virtc enforces, from the policy bytes in
//! its adapter's memory image (the bytes the adapter decodes at run time, not a side copy), and
//! prints it as a `.virt` file an auditor can read and recompile.

pub(crate) mod print;

use std::fmt;

use sha2::{Digest, Sha256};
pub use virtc_policy::FORMAT_VERSION;
use virtc_policy::image::{Image, Kind};
use virtc_policy::{DecodeError, MAGIC, Policy, PreopenSource};
use wasmparser::{DataKind, Parser, Payload};

use crate::codegen::component_info::{ComponentInfo, NotAComponent};

/// What `virtc inspect` reads from an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The policy, decoded whole.
    pub policy: Policy,
    /// The size of the policy data in the adapter.
    pub policy_bytes: usize,
    /// Everything in the embedded file system, in path order.
    pub files: Vec<EmbeddedFile>,
    /// The output's imports and exports.
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// One entry of the embedded file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// The path the component sees.
    pub path: String,
    pub entry: Entry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A file embedded at build time: its size and SHA-256 (lowercase hex).
    File { size: u64, sha256: String },
    /// A symbolic link and its target.
    Symlink { target: String },
    /// A host file opened at run time (`file … from host`): the host path, whether read-only.
    Host { path: String, readonly: bool },
}

/// Why an output cannot be inspected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectError {
    /// Not a component at all.
    NotAComponent(NotAComponent),
    /// No virtc adapter inside.
    NoAdapter,
    /// Adapters with different policies inside.
    SeveralPolicies(usize),
    /// The policy data does not decode.
    Damaged(DecodeError),
    /// The embedded file system in the policy data is not one.
    DamagedImage,
}

impl fmt::Display for InspectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InspectError::NotAComponent(why) => write!(f, "{why}"),
            InspectError::NoAdapter => f.write_str(
                "carries no virtc adapter: virtc did not compile it, or compiled it under a policy \
                 that virtualizes none of its imports (each is passed through, as under \
                 `allow all;`, or stubbed out by `deny import`), which leaves no adapter to read",
            ),
            InspectError::SeveralPolicies(n) => {
                write!(f, "carries {n} virtc adapters with different policies")
            }
            InspectError::Damaged(why) => {
                write!(
                    f,
                    "carries a virtc adapter whose policy data is damaged: {why}"
                )
            }
            InspectError::DamagedImage => {
                f.write_str("carries a virtc adapter whose embedded file system is damaged")
            }
        }
    }
}

/// Reads the policy an output of virtc (a composed component or a standalone adapter) enforces.
pub fn inspect(bytes: &[u8]) -> Result<Inspection, InspectError> {
    let info = ComponentInfo::read(bytes).map_err(InspectError::NotAComponent)?;
    let data = policy_data(bytes)?;
    let policy = Policy::decode(data).map_err(InspectError::Damaged)?;
    let files = embedded_files(&policy)?;
    Ok(Inspection {
        policy_bytes: data.len(),
        policy,
        files,
        imports: info.imports,
        exports: info.exports,
    })
}

impl Inspection {
    /// The policy as a `.virt` file in canonical layout, the embedded files and the output's
    /// imports and exports as comments.
    pub fn to_virt(&self) -> String {
        print::policy_text(self)
    }
}

/// The policy bytes: the active data segment of a core module that starts with the policy magic
/// (the compiler appends the policy to the adapter's memory as one segment). A serving output
/// instantiates the adapter module more than once; all copies must agree.
fn policy_data(bytes: &[u8]) -> Result<&[u8], InspectError> {
    let mut found: Vec<&[u8]> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        // `ComponentInfo::read` validated the whole component.
        let Ok(Payload::DataSection(section)) = payload else {
            continue;
        };
        for data in section.into_iter().flatten() {
            if matches!(data.kind, DataKind::Active { .. })
                && data.data.starts_with(MAGIC)
                && !found.contains(&data.data)
            {
                found.push(data.data);
            }
        }
    }
    match found[..] {
        [] => Err(InspectError::NoAdapter),
        [one] => Ok(one),
        _ => Err(InspectError::SeveralPolicies(found.len())),
    }
}

/// Every node under the embedded preopens, with the path the component sees.
fn embedded_files(policy: &Policy) -> Result<Vec<EmbeddedFile>, InspectError> {
    let bytes = policy.files.image.contiguous();
    let image = if bytes.is_empty() {
        Image::empty()
    } else {
        Image::new(&bytes).map_err(|_| InspectError::DamagedImage)?
    };
    let mut out = Vec::new();
    let mut seen = vec![false; image.len() as usize];
    for preopen in &policy.files.preopens {
        if let PreopenSource::Embedded { node } = preopen.source {
            if node >= image.len() || image.node(node).kind != Kind::Directory {
                return Err(InspectError::DamagedImage);
            }
            walk(policy, &image, node, &preopen.guest, &mut seen, &mut out)?;
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(
    policy: &Policy,
    image: &Image<'_>,
    dir: u32,
    path: &str,
    seen: &mut [bool],
    out: &mut Vec<EmbeddedFile>,
) -> Result<(), InspectError> {
    // A damaged image could list a directory inside itself.
    if std::mem::replace(&mut seen[dir as usize], true) {
        return Err(InspectError::DamagedImage);
    }
    for child in image.children(dir) {
        let name = std::str::from_utf8(child.name).map_err(|_| InspectError::DamagedImage)?;
        let child_path = format!("{}/{name}", path.trim_end_matches('/'));
        let entry = match child.kind {
            Kind::Directory => {
                walk(policy, image, child.index, &child_path, seen, out)?;
                continue;
            }
            Kind::File => {
                let data = image.data(&child);
                Entry::File {
                    size: data.len() as u64,
                    sha256: hex(&Sha256::digest(data)),
                }
            }
            Kind::Symlink => Entry::Symlink {
                target: String::from_utf8_lossy(image.data(&child)).into_owned(),
            },
            Kind::HostFile => {
                let index = image.host_file(&child).ok_or(InspectError::DamagedImage)?;
                let file = policy
                    .files
                    .host_files
                    .get(index as usize)
                    .ok_or(InspectError::DamagedImage)?;
                Entry::Host {
                    path: format!("{}/{}", file.dir.trim_end_matches('/'), file.name),
                    readonly: file.readonly,
                }
            }
        };
        out.push(EmbeddedFile {
            path: child_path,
            entry,
        });
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
