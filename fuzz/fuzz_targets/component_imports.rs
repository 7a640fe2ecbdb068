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
    // One input in 32 is compiled as well as checked (compiling costs a hundred checks).
    let which = imports.policy as usize;
    virtc_fuzz::component::check_and_compile(&bytes, which, which.is_multiple_of(32));
});
