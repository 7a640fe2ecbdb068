//! Analysis: from source files to a checked policy, as salsa queries. Parse each file, resolve
//! its `use`s, check it on its own, then merge the files of a policy and lower the result.

pub mod component;
pub mod confined;
pub mod imports;
pub mod memory;
pub mod policy;
pub mod settings;
pub mod suggest;
pub mod syntax;
pub mod uses;

use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, Reported};

/// Every diagnostic of the policy rooted at `root` (its `use`d files included), errors first
/// within each file, in source order.
pub fn diagnostics(db: &dyn Db, root: SourceFile) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = policy::merge_policy::accumulated::<Reported>(db, root)
        .into_iter()
        .map(|r| r.0.clone())
        .collect();
    out.sort_by_key(|d| {
        let first = d.labels.first();
        (
            first.map(|l| l.file.path(db).clone()),
            first.map(|l| l.span.start),
            std::cmp::Reverse(d.severity),
        )
    });
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_http;
#[cfg(test)]
mod tests_modes;
