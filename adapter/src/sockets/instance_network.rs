//! `wasi:sockets/instance-network`: the host's network, wrapped; a virtual one when the policy
//! denies the network (the host's is then not even imported).

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::{instance_network as api, network as api_network};
use crate::bindings::wasi::sockets::instance_network as host;
use virtc_policy::net::NetAccess;

impl api::Guest for Adapter {
    fn instance_network() -> api_network::Network {
        trace!("wasi:sockets/instance-network#instance-network()");
        match super::rules().access {
            NetAccess::Deny => Network::virtual_network(),
            NetAccess::Host | NetAccess::Rules => Network::from_host(host::instance_network()),
        }
    }
}
