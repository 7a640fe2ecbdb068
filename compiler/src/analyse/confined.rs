//! V0064: a build-time host path (`mount`, `file … from`, `use "…"`) that leads outside the
//! project of the root policy and every `--allow-path` directory (see [`crate::confine`]).
//! Checked before anything at the path is read, so a refused file's text never reaches a
//! diagnostic.

use std::path::Path;

use virtc_grammar::Span;

use crate::db::{Db, SourceFile};
use crate::diagnostic::Diagnostic;

/// The diagnostic for the host path `written` (resolved to `path`) at `span` of `file`, if it
/// leads outside what the run may read.
pub fn outside(
    db: &dyn Db,
    file: SourceFile,
    span: Span,
    written: &str,
    path: &Path,
) -> Option<Diagnostic> {
    let outside = db.confinement(file).check(path).err()?;
    let shown = if outside.resolved == path {
        format!("`{}`", outside.resolved.display())
    } else {
        format!("`{}` (links followed)", outside.resolved.display())
    };
    Some(
        Diagnostic::error(
            "V0064",
            format!(
                "`{written}` is outside the project `{}`",
                outside.project.display()
            ),
        )
        .primary(file, span, format!("leads to {shown}"))
        .help(format!(
            "the project is the nearest directory above the root policy with a `.git`; \
             to build from another directory, allow it with `--allow-path {}`",
            outside
                .resolved
                .parent()
                .unwrap_or(&outside.resolved)
                .display()
        )),
    )
}
