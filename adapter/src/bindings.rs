//! The wit-bindgen bindings for `virtc:adapter/adapter`: host imports as `wasi::…`, the
//! interfaces the adapter implements as `exports::wasi::…`.

wit_bindgen::generate!({
    path: "../compiler/wit",
    world: "virtc:adapter/adapter",
    generate_all,
});

/// The bindings for `virtc:adapter/server`: the mailbox and server instances of HTTP serving.
pub mod server {
    wit_bindgen::generate!({
        path: "../compiler/wit",
        world: "virtc:adapter/server",
        generate_all,
    });
}
