//! Components built by `arbitrary` with odd import and export names and versions (WASI
//! interfaces at versions virtc has no WIT for, other packages, plain names, wrong function
//! types), checked and compiled against the fixed policies and inspected.

#![no_main]

use libfuzzer_sys::fuzz_target;
use virtc::codegen::component_info::ComponentInfo;
use virtc_fuzz::component::Imports;

fuzz_target!(|imports: Imports| {
    let bytes = imports.encode();
    if let Ok(info) = ComponentInfo::read(&bytes) {
        let _ = info.target();
    }
    let compile = virtc_fuzz::component::compiles(&bytes);
    virtc_fuzz::component::check_and_compile(&bytes, imports.policy as usize, compile);
});
