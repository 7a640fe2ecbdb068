//! Bad components get one clear sentence naming the problem, never a panic.

use virtc::driver::Failure;
use virtc_tests::*;

fn input_error(bytes: &[u8]) -> String {
    match compile("stdout allow;", Some(bytes)) {
        Err(Failure::Input(error)) => {
            assert_eq!(error.code(), "V0072", "{error}");
            error.to_string()
        }
        Err(Failure::Policy(d)) => panic!("unexpected policy errors {d:?}"),
        Ok(_) => panic!("compiled"),
    }
}

#[test]
fn not_wasm() {
    assert_eq!(
        input_error(b"hello, world"),
        "`guest.wasm` is not a WebAssembly file"
    );
}

#[test]
fn core_module() {
    let module = wasm_encoder::Module::new().finish();
    assert!(
        input_error(&module)
            .starts_with("`guest.wasm` is a core WebAssembly module, not a component")
    );
}

#[test]
fn truncated_component() {
    let bytes = guest("probe");
    let message = input_error(&bytes[..bytes.len() / 2]);
    assert!(
        message.starts_with("`guest.wasm` is not a valid component"),
        "{message}"
    );
}
