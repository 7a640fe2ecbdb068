//! What a policy means for one particular component: interfaces it imports that the policy
//! makes trap, and interfaces virtc cannot virtualize for it.

use virtc_policy::Access;

use super::policy::CheckedPolicy;
use super::settings::{Key, Subsystem};
use crate::codegen::plan::{self, Target};
use crate::db::{Db, SourceFile};
use crate::diagnostic::Diagnostic;

/// Warnings and errors that need the component's imports.
pub fn component_diagnostics(
    db: &dyn Db,
    root: SourceFile,
    checked: &CheckedPolicy,
    target: &Target,
    component_name: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let runtime = &checked.ir.runtime;
    let traps: [(&str, Subsystem, Access, &str); 3] = [
        (
            "random",
            Subsystem::Random,
            runtime.random,
            "a random number source",
        ),
        ("clocks", Subsystem::Clocks, runtime.clocks, "a clock"),
        ("cli", Subsystem::Exit, runtime.exit, "an exit"),
    ];
    for (package, subsystem, access, what) in traps {
        if access == Access::Host {
            continue;
        }
        let imported: Vec<String> = target
            .imports
            .iter()
            .filter(|(p, i)| *p == package && (package != "cli" || i == "exit"))
            .map(|(p, i)| format!("wasi:{p}/{i}"))
            .collect();
        if imported.is_empty() {
            continue;
        }
        let mut d = Diagnostic::warning(
            "V0040",
            format!(
                "`{component_name}` imports {}, which this policy denies: a call to it traps",
                imported.join(", ")
            ),
        )
        .help(format!(
            "{what} cannot report an error, so a denied call stops the component; add `allow {};` if it needs them",
            subsystem.name()
        ));
        match checked.merged.keyed.get(&Key::Grant(subsystem)) {
            Some((_, origin)) => {
                d = d.primary(
                    origin.file,
                    origin.span,
                    format!("{} denied here", subsystem.name()),
                );
            }
            None => {
                d = d.help(format!(
                    "nothing in `{}` grants {}",
                    root.display_name(db),
                    subsystem.name()
                ));
            }
        }
        out.push(d);
    }
    if let Err(e) = plan::select(&checked.ir, target) {
        out.push(
            Diagnostic::error(
                "V0041",
                format!("`{component_name}` cannot be virtualized: {e}"),
            )
            .help(format!("under the policy `{}`", root.display_name(db))),
        );
    }
    out
}
