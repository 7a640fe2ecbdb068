//! What the policy lets the rewrite of the adapter module cut although an export can reach it:
//! which subsystem gates are open, and which exports can never be called.

use virtc_policy::net::NetAccess;
use virtc_policy::{Access, HttpAccess, PreopenSource, StreamMode};

use super::interface_of;
use crate::ir::PolicyIr;

/// Whether the adapter's subsystem gate `name` (an import of `virtc:gate`, called first thing by
/// each entry function of the subsystem: see `adapter/src/gate.rs`) is open under `policy`: the
/// policy can make something of that subsystem exist (`serving`: as for [`super::host_allowed`]). A
/// closed gate's functions become `unreachable` and the code only they reach is dropped. An
/// unknown gate stays open.
pub fn gate_open(policy: &PolicyIr, serving: bool, name: &str) -> bool {
    let runtime = &policy.runtime;
    let files = &runtime.files;
    match name {
        // Writable trees in memory: `tmpfs`, `mount … writable`.
        "memfs" => files
            .preopens
            .iter()
            .any(|p| matches!(p.source, PreopenSource::Memory { .. })),
        // The embedded read-only image.
        "embedded" => !files.image.is_empty(),
        // Host files served inside the image (`file … from host`).
        "host-files" => !files.host_files.is_empty(),
        // Something for `get-directories` to list.
        "preopens" => !files.preopens.is_empty() || runtime.fs == Access::Host,
        // Host directories among what it lists.
        "host-dirs" => {
            runtime.fs == Access::Host
                || files
                    .preopens
                    .iter()
                    .any(|p| matches!(p.source, PreopenSource::Host { .. }))
        }
        // Host variables that may pass into `get-environment`.
        "host-env" => !runtime.env.allow.is_empty(),
        // Something that hands out host input streams: standard input, host files, sockets,
        // HTTP bodies (of responses, or of served requests).
        "host-input" => {
            runtime.stdio.stdin == StreamMode::Host
                || runtime.fs == Access::Host
                || files.needs_host()
                || runtime.net.access != NetAccess::Deny
                || runtime.http.access != HttpAccess::Deny
                || serving
        }
        _ => true,
    }
}

/// Whether the export `name` (a prebuilt name, `wasi:filesystem/types@0.2.12#[method]…`) is a
/// method or destructor of a resource the policy never hands out, so that it can never be
/// called: descriptors without preopens, sockets without a network.
pub fn never_called(policy: &PolicyIr, name: &str) -> bool {
    let name = name.strip_prefix("cabi_post_").unwrap_or(name);
    let Some((key, function)) = interface_of(name).zip(name.split_once('#').map(|(_, f)| f)) else {
        return false;
    };
    let runtime = &policy.runtime;
    let resources: &[&str] = match (key.0.as_str(), key.1.as_str()) {
        // Descriptors come from preopens alone (and what is opened from them).
        ("filesystem", "types")
            if runtime.fs != Access::Host && runtime.files.preopens.is_empty() =>
        {
            &["descriptor", "directory-entry-stream"]
        }
        // Without a network, creating a socket or resolving a name is `access-denied`.
        ("sockets", "tcp") if runtime.net.access == NetAccess::Deny => &["tcp-socket"],
        ("sockets", "udp") if runtime.net.access == NetAccess::Deny => &[
            "udp-socket",
            "incoming-datagram-stream",
            "outgoing-datagram-stream",
        ],
        ("sockets", "ip-name-lookup") if runtime.net.access == NetAccess::Deny => {
            &["resolve-address-stream"]
        }
        _ => &[],
    };
    resources.iter().any(|r| {
        function
            .strip_prefix("[method]")
            .and_then(|m| m.strip_prefix(r))
            .is_some_and(|m| m.starts_with('.'))
            || function.strip_prefix("[dtor]") == Some(r)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Preopens, host variables and host input streams: closed without them, open with them.
    #[test]
    fn gates_for_preopens_and_host_variables() {
        let gates = ["preopens", "host-dirs", "host-env", "host-input"];
        let none = PolicyIr::default();
        assert!(gates.iter().all(|g| !gate_open(&none, false, g)));
        assert!(gate_open(&none, true, "host-input"));
        let mut host = PolicyIr::default();
        host.runtime.fs = Access::Host;
        host.runtime.env.allow.push("HOME".into());
        assert!(gates.iter().all(|g| gate_open(&host, false, g)));
        let mut stdin = PolicyIr::default();
        stdin.runtime.stdio.stdin = StreamMode::Host;
        assert!(gate_open(&stdin, false, "host-input"));
    }

    #[test]
    fn resources_the_policy_never_hands_out_have_uncallable_methods() {
        let policy = PolicyIr::default();
        let descriptor = "wasi:filesystem/types@0.2.12#[method]descriptor.read";
        assert!(never_called(&policy, descriptor));
        assert!(never_called(&policy, &format!("cabi_post_{descriptor}")));
        assert!(never_called(
            &policy,
            "wasi:filesystem/types@0.2.12#[dtor]descriptor"
        ));
        assert!(never_called(
            &policy,
            "wasi:sockets/tcp@0.2.12#[method]tcp-socket.start-connect"
        ));
        // Free functions stay: they are how the resources would be made.
        assert!(!never_called(
            &policy,
            "wasi:filesystem/types@0.2.12#filesystem-error-code"
        ));
        assert!(!never_called(
            &policy,
            "wasi:sockets/tcp-create-socket@0.2.12#create-tcp-socket"
        ));
        let mut host = PolicyIr::default();
        host.runtime.fs = Access::Host;
        host.runtime.net.access = NetAccess::Host;
        assert!(!never_called(&host, descriptor));
        assert!(!never_called(
            &host,
            "wasi:sockets/tcp@0.2.12#[method]tcp-socket.start-connect"
        ));
    }
}
