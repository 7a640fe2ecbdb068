//! Any bytes as a component for `virtc check --component`, `compile` and `inspect`: mutated
//! real components, truncated ones, and garbage. Compiling is done against one of a few fixed
//! policies; what compiles must inspect as the policy compiled.

#![no_main]

use libfuzzer_sys::fuzz_target;
use virtc::codegen::component_info::ComponentInfo;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = ComponentInfo::read(data) {
        let _ = info.target();
    }
    if let Ok(inspection) = virtc::inspect::inspect(data) {
        virtc_fuzz::component::inspected(&inspection);
    }
    let compile = virtc_fuzz::component::compiles(data);
    virtc_fuzz::component::check_and_compile(data, data.len(), compile);
});
