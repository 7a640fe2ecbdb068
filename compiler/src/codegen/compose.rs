//! Plugs the adapter (or a `deny import` stub) into the user's component: written directly
//! (`direct`) where both are of the shape toolchains give, with wac-graph otherwise and for a
//! component that serves HTTP (four instances wired by hand).
//!
//! wac-graph rather than wasm-compose: it works on bytes in memory (no temporary files), checks
//! types while plugging, and reports "nothing plugged" as an error of its own. The adapter is
//! built at the component's exact WASI versions, so the exact-name match always applies.

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use super::adapter::{ACCEPT, GUEST_ACCEPT, GUEST_HANDLER, GUEST_TYPES, MAILBOX, Serving};
use super::compact;
use super::error::{ComposeError, why};
use super::validate::validate_skipping;
use super::wasi_wit;

mod direct;

/// Reads `bytes` as a package of the composition named `name`.
fn register(
    graph: &mut CompositionGraph,
    name: &str,
    bytes: &[u8],
) -> Result<PackageId, ComposeError> {
    let read = |why: String| ComposeError::Read {
        part: name.to_owned(),
        why,
    };
    let package = Package::from_bytes(name, None, bytes.to_vec(), graph.types_mut())
        .map_err(|e| read(why(e)))?;
    graph.register_package(package).map_err(|e| read(why(e)))
}

/// Encodes the composition, its components defined inside it, validated but for the code of
/// `component`, which was validated when it was read.
fn encode(graph: &CompositionGraph, component: &[u8]) -> Result<Vec<u8>, ComposeError> {
    let bytes = graph
        .encode(EncodeOptions {
            define_components: true,
            validate: false,
            processor: None,
        })
        .map_err(|e| ComposeError::Encode { why: why(e) })?;
    validate_skipping(&bytes, &[component]).map_err(|e| ComposeError::Encode { why: why(e) })?;
    Ok(bytes)
}

/// Composes `adapter` into `component`; the result imports what neither satisfies.
/// `component` must be valid (`ComponentInfo::read` validates it; so does this function its
/// output): its code is not validated again.
///
/// Directly where that applies and validates (the validator checks each interface against the
/// import it meets); otherwise with wac, each interface the adapter exports and the component
/// imports wired by hand, the adapter's exports first given labels
/// (`compact::label_interfaces`), after wac's own check of each, which names a misfit.
pub fn compose(component: &[u8], adapter: &[u8]) -> Result<Vec<u8>, ComposeError> {
    if let Ok(Some(composed)) = direct::compose(component, adapter) {
        let trusted: Vec<&[u8]> = composed
            .trusted
            .iter()
            .map(|r| &composed.bytes[r.clone()])
            .collect();
        if validate_skipping(&composed.bytes, &trusted).is_ok() {
            return Ok(composed.bytes);
        }
    }
    let only_exports = compact::Labelling {
        exports: true,
        imports: false,
        producers: true,
    };
    let labelled =
        compact::label_interfaces(adapter, only_exports).map_err(|e| ComposeError::Read {
            part: "virtc:adapter".to_owned(),
            why: e.to_string(),
        })?;
    let mut graph = CompositionGraph::new();
    let guest = register(&mut graph, "virtc:component", component)?;
    let plug = register(&mut graph, "virtc:adapter", &labelled.bytes)?;
    // Exports that meet an import of the same name but do not fit it would fail validation
    // later; name them and the clash now.
    let mut wires = Vec::new();
    let mut cache = Default::default();
    let mut checker = wac_graph::types::SubtypeChecker::new(&mut cache);
    let types = graph.types();
    let labels: Vec<(String, String)> = if labelled.exports.is_empty() {
        // Nothing labelled: each export under its own name.
        types[graph[plug].ty()]
            .exports
            .keys()
            .map(|name| (name.clone(), name.clone()))
            .collect()
    } else {
        labelled.exports
    };
    for (interface, label) in labels {
        let (Some(export), Some(import)) = (
            types[graph[plug].ty()].exports.get(&label),
            types[graph[guest].ty()].imports.get(&interface),
        ) else {
            continue;
        };
        if let Err(e) = checker.is_subtype(*export, types, *import, types) {
            return Err(ComposeError::Misfit {
                interface,
                why: why(e),
            });
        }
        wires.push((interface, label));
    }
    if wires.is_empty() {
        return Err(ComposeError::NothingPlugged);
    }
    let guest_i = graph.instantiate(guest);
    let plug_i = graph.instantiate(plug);
    for (interface, label) in &wires {
        connect(&mut graph, guest_i, interface, plug_i, label)?;
    }
    export_all(&mut graph, guest, guest_i)?;
    encode(&graph, component)
}

/// Passes `from`'s export `export` to `to` as its argument `arg`.
fn connect(
    graph: &mut CompositionGraph,
    to: NodeId,
    arg: &str,
    from: NodeId,
    export: &str,
) -> Result<(), ComposeError> {
    let wire = |why: String| ComposeError::Wire {
        export: export.to_owned(),
        import: arg.to_owned(),
        why,
    };
    let alias = graph
        .alias_instance_export(from, export)
        .map_err(|e| wire(why(e)))?;
    graph
        .set_instantiation_argument(to, arg, alias)
        .map_err(|e| wire(why(e)))
}

/// Exports from the composition every export of `package`'s instance `instance`, by its name.
fn export_all(
    graph: &mut CompositionGraph,
    package: PackageId,
    instance: NodeId,
) -> Result<(), ComposeError> {
    let names: Vec<String> = graph.types()[graph[package].ty()]
        .exports
        .keys()
        .cloned()
        .collect();
    for name in names {
        let failed = |why: String| ComposeError::Export {
            name: name.clone(),
            why,
        };
        let alias = graph
            .alias_instance_export(instance, &name)
            .map_err(|e| failed(why(e)))?;
        graph.export(alias, &name).map_err(|e| failed(why(e)))?;
    }
    Ok(())
}

/// Composes a component that serves `wasi:http/incoming-handler` while seeing the adapter's
/// `wasi:http/types`.
///
/// The host's request must be wrapped by the adapter before the component's handler sees it,
/// but the adapter cannot import the component's handler (the component imports the adapter:
/// a cycle). So three instances of the adapter module take part, instantiated in this order:
///
/// 1. the *mailbox* (imports the host's `wasi:http/types`, exports `http-mailbox`);
/// 2. the *adapter* (imports `http-mailbox` besides the host's WASI, exports WASI and
///    `http-accept`);
/// 3. the component (imports the adapter's WASI, exports its handler and anything else);
/// 4. the *server* (imports the mailbox, the adapter's `http-accept` and types, and the
///    component's handler; exports the host-facing `wasi:http/incoming-handler`).
///
/// A request: host → server `handle` → mailbox `put` → adapter `accept` (→ mailbox `take`, wrap)
/// → component `handle`. No instance is entered while it is already on the call stack.
/// Imports nobody provides (the host's WASI) are left to the graph, which merges same-named
/// imports of several instances into one import of the composition. `component` must be valid,
/// as for [`compose`].
pub fn compose_serving(
    component: &[u8],
    adapter: &[u8],
    serving: &Serving,
    http_version: &semver::Version,
) -> Result<Vec<u8>, ComposeError> {
    let mut graph = CompositionGraph::new();
    let guest = register(&mut graph, "virtc:component", component)?;
    let adapter = register(&mut graph, "virtc:adapter", adapter)?;
    let mailbox = register(&mut graph, "virtc:mailbox", &serving.mailbox.bytes)?;
    let server = register(&mut graph, "virtc:server", &serving.server.bytes)?;
    let imports_of = |graph: &CompositionGraph, package: PackageId| -> Vec<String> {
        graph.types()[graph[package].ty()]
            .imports
            .keys()
            .cloned()
            .collect()
    };
    let exports_of = |graph: &CompositionGraph, package: PackageId| -> Vec<String> {
        graph.types()[graph[package].ty()]
            .exports
            .keys()
            .cloned()
            .collect()
    };
    let mailbox_i = graph.instantiate(mailbox);
    let adapter_i = graph.instantiate(adapter);
    connect(&mut graph, adapter_i, MAILBOX, mailbox_i, MAILBOX)?;

    let guest_i = graph.instantiate(guest);
    let adapter_exports = exports_of(&graph, adapter);
    for name in imports_of(&graph, guest) {
        if adapter_exports.contains(&name) {
            connect(&mut graph, guest_i, &name, adapter_i, &name)?;
        }
    }
    let guest_exports = exports_of(&graph, guest);
    let handler = guest_exports
        .iter()
        .find(|name| {
            wasi_wit::parse_wasi_name(name)
                .is_some_and(|(p, i, _)| p == "http" && i == "incoming-handler")
        })
        .cloned()
        .ok_or(ComposeError::NoHandler)?;

    let server_i = graph.instantiate(server);
    let types = format!("wasi:http/types@{http_version}");
    for name in imports_of(&graph, server) {
        match name.as_str() {
            MAILBOX => connect(&mut graph, server_i, &name, mailbox_i, MAILBOX)?,
            GUEST_TYPES => connect(&mut graph, server_i, &name, adapter_i, &types)?,
            GUEST_ACCEPT => connect(&mut graph, server_i, &name, adapter_i, ACCEPT)?,
            GUEST_HANDLER => connect(&mut graph, server_i, &name, guest_i, &handler)?,
            _ => {}
        }
    }

    for name in guest_exports {
        let (from, export) = if name == handler {
            (
                server_i,
                format!("wasi:http/incoming-handler@{http_version}"),
            )
        } else {
            (guest_i, name.clone())
        };
        let failed = |why: String| ComposeError::Export {
            name: name.clone(),
            why,
        };
        let alias = graph
            .alias_instance_export(from, &export)
            .map_err(|e| failed(why(e)))?;
        graph.export(alias, &name).map_err(|e| failed(why(e)))?;
    }
    encode(&graph, component)
}
