//! `wasi:cli/environment`: virtual variables and arguments from the policy, plus the host's
//! variables and arguments where the policy lets them through.

use crate::prelude::*;

use crate::Adapter;
use crate::bindings::exports::wasi::cli::environment as api;
use crate::bindings::wasi::cli::environment as host;
use crate::policy::{self, Args};

impl api::Guest for Adapter {
    fn get_environment() -> Vec<(String, String)> {
        let env = &policy::get().env;
        let mut vars = env.vars.clone();
        // Only ask the host when some host variable could pass.
        if !env.allow.is_empty() {
            host_vars(env, &mut vars);
        }
        trace!(
            "wasi:cli/environment#get-environment() -> [{}]",
            crate::trace::names(vars.iter().map(|(n, _)| n.as_str()))
        );
        vars
    }

    fn get_arguments() -> Vec<String> {
        let args = match &policy::get().env.args {
            Args::Host => host::get_arguments(),
            Args::Fixed(args) => args.clone(),
        };
        trace!(
            "wasi:cli/environment#get-arguments() -> [{}]",
            crate::trace::names(args.iter().map(String::as_str))
        );
        args
    }

    fn initial_cwd() -> Option<String> {
        // Never the host's: the component's file system view is the policy's.
        let cwd = policy::get().env.cwd.clone();
        trace!("wasi:cli/environment#initial-cwd() -> {cwd:?}");
        cwd
    }
}

/// Appends to `vars` the host's variables that `env` lets through and that no virtual variable
/// shadows. Only called when some host variable could pass (gated: without one, the compiler
/// drops it and the glob matching only it reaches).
#[inline(never)]
fn host_vars(env: &virtc_policy::Environment, vars: &mut Vec<(String, String)>) {
    crate::gate::host_env();
    for (name, value) in host::get_environment() {
        if env.passes(&name) && !env.vars.iter().any(|(v, _)| *v == name) {
            vars.push((name, value));
        }
    }
}
