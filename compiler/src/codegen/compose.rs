//! Plugs the adapter into the user's component with wac-graph.
//!
//! wac-graph rather than wasm-compose: it works on bytes in memory (no temporary files), checks
//! types while plugging, and reports "nothing plugged" as an error of its own. The adapter is
//! built at the component's exact WASI versions, so the exact-name match always applies.

use anyhow::{Context, Result, anyhow};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, PlugError};

/// Composes `adapter` into `component`; the result imports what neither satisfies.
pub fn compose(component: &[u8], adapter: &[u8]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let guest = Package::from_bytes(
        "virtc:component",
        None,
        component.to_vec(),
        graph.types_mut(),
    )
    .context("the component cannot be read for composition")?;
    let guest = graph
        .register_package(guest)
        .map_err(|e| anyhow!("registering the component failed: {e}"))?;
    let plug = Package::from_bytes("virtc:adapter", None, adapter.to_vec(), graph.types_mut())
        .context("the generated adapter cannot be read for composition")?;
    let plug = graph
        .register_package(plug)
        .map_err(|e| anyhow!("registering the adapter failed: {e}"))?;
    match wac_graph::plug(&mut graph, vec![plug], guest) {
        Ok(()) => {}
        Err(PlugError::NoPlugHappened) => {
            return Err(anyhow!(
                "none of the adapter's exports matches an import of the component"
            ));
        }
        Err(e) => {
            return Err(anyhow!(
                "plugging the adapter into the component failed: {e}"
            ));
        }
    }
    graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: None,
        })
        .map_err(|e| anyhow!("encoding the composed component failed: {e}"))
}
