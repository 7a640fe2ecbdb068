//! What a policy means for one particular component: interfaces it imports that the policy
//! makes trap, and interfaces virtc cannot virtualize for it.

use virtc_policy::registry;
use virtc_policy::{ClockMode, glob_match};

use super::imports::{ImportRule, rule_for, unversioned};
use super::policy::CheckedPolicy;
use super::settings::{Key, Subsystem};
use crate::db::{Db, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::ir::Treatment;
use crate::plan::{self, Target};

/// Warnings and errors that need the component's imports.
pub fn component_diagnostics(
    db: &dyn Db,
    root: SourceFile,
    checked: &CheckedPolicy,
    target: &Target,
    component_name: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Interfaces without an error channel that the policy virtualizes: a call traps. Grouped
    // by the subsystem that governs them, in the registry's order.
    let mut traps: Vec<(Subsystem, Vec<String>)> = Vec::new();
    for entry in registry::INTERFACES.iter().filter(|i| !i.error_channel) {
        if !target
            .imports
            .contains(&(entry.package.to_owned(), entry.name.to_owned()))
            || checked.ir.treatment(entry.package, entry.name) != Treatment::Virtualize
        {
            continue;
        }
        let Some(subsystem) = entry.governor.subsystem().and_then(Subsystem::from_name) else {
            continue;
        };
        // Virtual clocks and seeded random numbers answer without the host: no trap.
        let runtime = &checked.ir.runtime;
        if subsystem == Subsystem::Clocks && runtime.clock_mode != ClockMode::Plain
            || subsystem == Subsystem::Random && runtime.random_seed.is_some()
        {
            continue;
        }
        let name = format!("wasi:{}/{}", entry.package, entry.name);
        match traps.iter_mut().find(|(s, _)| *s == subsystem) {
            Some((_, names)) => names.push(name),
            None => traps.push((subsystem, vec![name])),
        }
    }
    for (subsystem, imported) in traps {
        let what = match subsystem {
            Subsystem::Random => "a random number source",
            Subsystem::Clocks => "a clock",
            Subsystem::Exit => "an exit",
            _ => "such an interface",
        };
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
    out.extend(other_imports(db, root, checked, target, component_name));
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

/// What becomes of the imports outside the registry: a `wasi:` interface nobody named is an
/// error (everything not granted is denied, and virtc cannot implement it); a stubbed one warns
/// that a call traps; links to other components pass through with a note.
fn other_imports(
    db: &dyn Db,
    root: SourceFile,
    checked: &CheckedPolicy,
    target: &Target,
    component_name: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let ir = &checked.ir;
    let mut links = Vec::new();
    for name in &target.others {
        let bare = unversioned(name);
        match rule_for(name, &ir.import_allow, &ir.import_deny) {
            ImportRule::Allow => {}
            ImportRule::Deny => {
                let mut d = Diagnostic::warning(
                    "V0040",
                    format!(
                        "`{component_name}` imports `{name}`, which this policy stubs out: a call to it traps"
                    ),
                )
                .help(format!(
                    "add `allow import \"{bare}\";` if the component calls it"
                ));
                let origin = checked
                    .merged
                    .import_deny
                    .iter()
                    .find(|(pattern, _)| glob_match(pattern, bare));
                if let Some((_, origin)) = origin {
                    d = d.primary(origin.file, origin.span, "stubbed out here");
                }
                out.push(d);
            }
            ImportRule::Unnamed if bare.starts_with("wasi:") => out.push(
                Diagnostic::error(
                    "V0042",
                    format!(
                        "`{component_name}` imports `{name}`, which is outside virtc's WASI registry and not named by the policy"
                    ),
                )
                .help(format!(
                    "add `allow import \"{bare}\";` to pass it through from the host, or `deny import \"{bare}\";` to stub it out (calls trap)"
                ))
                .help(format!("under the policy `{}`", root.display_name(db))),
            ),
            ImportRule::Unnamed => links.push(format!("`{name}`")),
        }
    }
    if !links.is_empty() {
        out.push(
            Diagnostic::note(
                "V0043",
                format!(
                    "`{component_name}` imports {} from outside WASI: passed through for the host or a composition to provide",
                    links.join(", ")
                ),
            )
            .help("`deny import \"PATTERN\";` stubs such imports out instead"),
        );
    }
    out
}
