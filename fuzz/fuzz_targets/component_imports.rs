//! Components built by `arbitrary` with odd import and export names and versions (WASI
//! interfaces at versions virtc has no WIT for, other packages, plain names, wrong function
//! types), checked and compiled against the fixed policies and inspected.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use virtc::codegen::component_info::ComponentInfo;
use virtc_fuzz::component::Imports;

fuzz_target!(|data: &[u8]| {
    let Ok(imports) = Imports::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let bytes = imports.encode();
    if let Ok(info) = ComponentInfo::read(&bytes) {
        let _ = info.target();
    }
    // Sampled by the fuzzer's input, not the component: many inputs build the same component,
    // and the mutations of one that compiles would all compile again.
    let compile = virtc_fuzz::component::compiles(data);
    virtc_fuzz::component::check_and_compile(&bytes, imports.policy as usize, compile);
});
