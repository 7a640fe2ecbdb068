//! Resolves the `use` statements of one file: profiles from the standard library, other files
//! relative to the directory of the file that names them.

use virtc_grammar::{Span, StmtKind};

use super::suggest::closest;
use super::syntax::parse_file;
use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, report};

/// One `use` statement and the file it brings in (None when it could not be resolved).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseTarget {
    /// The path or profile name as written.
    pub span: Span,
    pub target: Option<SourceFile>,
}

#[salsa::tracked(returns(ref))]
pub fn file_uses(db: &dyn Db, file: SourceFile) -> Vec<UseTarget> {
    let parsed = parse_file(db, file);
    let mut out = Vec::new();
    for stmt in &parsed.file.stmts {
        match &stmt.kind {
            StmtKind::UseProfile { path, span } => {
                let target = resolve_profile(db, file, path, *span);
                out.push(UseTarget {
                    span: *span,
                    target,
                });
            }
            StmtKind::UseFile(path) => {
                let target = match file.base_dir(db) {
                    None => {
                        report(
                            db,
                            Diagnostic::error("V0016", "a profile cannot use a file").primary(
                                file,
                                path.span,
                                "only `std::` profiles here",
                            ),
                        );
                        None
                    }
                    Some(dir) => {
                        let full = crate::db::normalize(&dir.join(&path.value));
                        if let Some(d) =
                            super::confined::outside(db, file, path.span, &path.value, &full)
                        {
                            report(db, d);
                            out.push(UseTarget {
                                span: path.span,
                                target: None,
                            });
                            continue;
                        }
                        match db.load(&full) {
                            Ok(target) => Some(target),
                            Err(why) => {
                                report(
                                    db,
                                    Diagnostic::error(
                                        "V0014",
                                        format!("cannot use `{}`: {why}", path.value),
                                    )
                                    .primary(file, path.span, format!("looked for {}", full.display()))
                                    .help("relative paths resolve against the directory of the file that names them"),
                                );
                                None
                            }
                        }
                    }
                };
                out.push(UseTarget {
                    span: path.span,
                    target,
                });
            }
            _ => {}
        }
    }
    out
}

fn resolve_profile(
    db: &dyn Db,
    file: SourceFile,
    path: &[virtc_grammar::Ident],
    span: Span,
) -> Option<SourceFile> {
    let names: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
    let profiles = crate::stdlib::names();
    if let ["std", name] = names.as_slice() {
        if let Some(profile) = db.profile(name) {
            return Some(profile);
        }
        let mut d = Diagnostic::error("V0013", format!("unknown profile `std::{name}`")).primary(
            file,
            path[1].span,
            "not in the standard library",
        );
        if let Some(best) = closest(name, profiles) {
            d = d.help(format!("did you mean `std::{best}`?")).fix(
                format!("replace with `{best}`"),
                file,
                path[1].span,
                best,
            );
        }
        let all: Vec<_> = crate::stdlib::names()
            .map(|n| format!("std::{n}"))
            .collect();
        report(db, d.help(format!("the profiles are {}", all.join(", "))));
    } else {
        report(
            db,
            Diagnostic::error("V0013", format!("unknown profile `{}`", names.join("::")))
                .primary(file, span, "profiles are named `std::NAME`")
                .help("to use another file, write its path as a string: `use \"./other.virt\";`"),
        );
    }
    None
}
