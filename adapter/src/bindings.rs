//! The wit-bindgen bindings for `virtc:adapter/adapter`: host imports as `wasi::…`, the
//! interfaces the adapter implements as `exports::wasi::…`.

wit_bindgen::generate!({
    path: "../wit",
    world: "virtc:adapter/adapter",
    generate_all,
});
