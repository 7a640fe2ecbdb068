//! From a checked policy to bytes: the adapter component, and the user's component with the
//! adapter composed in.

pub mod adapter;
mod compact;
pub mod component_info;
pub mod compose;
pub mod embed;
pub mod error;
pub mod module_rewrite;
pub mod splice;
pub mod stub;
#[cfg(test)]
mod testing;
pub mod validate;
pub mod wasi_wit;
