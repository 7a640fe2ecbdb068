//! `wasi:sockets`: the host's sockets, each wrapped in an adapter resource so that the streams,
//! pollables and errors they hand out are the adapter's `wasi:io` ones.
//!
//! Everything forwards to the host as is; the wrappers leave room for filtering later.

mod instance_network;
mod ip_name_lookup;
mod network;
mod tcp;
mod tcp_create_socket;
mod udp;
mod udp_create_socket;
