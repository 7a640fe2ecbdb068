//! A command that reads `wasi:config/store`: `get` for each key of `KEYS` (comma-separated),
//! one line each, then `get-all` on one line, so the tests see exactly which keys a policy
//! shows, hides and passes through.

wit_bindgen::generate!({
    path: "wit",
    world: "virtc-tests:config-reader/guest",
    generate_all,
});

use wasi::config::store;

fn main() {
    let keys = std::env::var("KEYS").unwrap_or_default();
    for key in keys.split(',').filter(|k| !k.is_empty()) {
        match store::get(key) {
            Ok(Some(value)) => println!("get {key} = {value:?}"),
            Ok(None) => println!("get {key}: none"),
            Err(e) => println!("get {key}: error {e:?}"),
        }
    }
    match store::get_all() {
        Ok(all) => {
            let all: Vec<String> = all.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            println!("all: {}", all.join(", "));
        }
        Err(e) => println!("all: error {e:?}"),
    }
}
