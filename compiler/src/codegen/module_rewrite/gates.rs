//! Which functions the rewrite turns into `unreachable`: callers of closed gates and exports
//! that can never be called.

use std::collections::HashMap;

use super::{ImportAction, ModuleInfo, Plan};
use crate::codegen::error::RewriteError;
use wasmparser::ExternalKind;

/// Per defined function: whether its body becomes `unreachable` — it calls a closed gate, or
/// it is an export every name of which `stub_export` names and nothing in the module calls. A
/// gate may only be called: a reference to one is an error.
pub(super) fn stubbed_functions(
    info: &ModuleInfo,
    plan: &Plan<'_>,
    actions: &[ImportAction],
) -> Result<Vec<bool>, RewriteError> {
    let n_imports = info.import_count();
    let is_gate = |f: u32| actions.get(f as usize).is_some_and(|a| a.is_gate());
    if let Some(f) = info
        .fixed_roots
        .iter()
        .chain(&info.code_refs)
        .find(|f| is_gate(**f))
    {
        return Err(gate_referenced(info, *f));
    }
    let mut stubbed: Vec<bool> = info
        .callees
        .iter()
        .map(|callees| {
            callees
                .iter()
                .any(|c| actions.get(*c as usize) == Some(&ImportAction::GateClosed))
        })
        .collect();
    let mut exported: HashMap<u32, bool> = HashMap::new();
    for (name, kind, index) in &info.exports {
        if *kind == ExternalKind::Func {
            if is_gate(*index) {
                return Err(gate_referenced(info, *index));
            }
            let all = exported.entry(*index).or_insert(true);
            *all &= (plan.stub_export)(name);
        }
    }
    for (index, all) in exported {
        let referenced = info.referenced.get(index as usize) != Some(&false);
        if all
            && !referenced
            && index >= n_imports
            && let Some(slot) = stubbed.get_mut((index - n_imports) as usize)
        {
            *slot = true;
        }
    }
    Ok(stubbed)
}

fn gate_referenced(info: &ModuleInfo, f: u32) -> RewriteError {
    let import = &info.func_imports[f as usize];
    RewriteError::Reencode {
        why: format!(
            "the gate {}#{} is referenced, not only called",
            import.module, import.name
        ),
    }
}
