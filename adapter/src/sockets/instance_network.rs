//! `wasi:sockets/instance-network`: the host's network, wrapped.

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::{instance_network as api, network as api_network};
use crate::bindings::wasi::sockets::instance_network as host;

impl api::Guest for Adapter {
    fn instance_network() -> api_network::Network {
        Network::from_host(host::instance_network())
    }
}
