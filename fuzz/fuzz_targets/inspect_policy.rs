//! Any bytes as the policy data inside a component, where `virtc inspect` finds it: decoded,
//! its embedded files walked and hashed, printed as a policy that must parse and be formatted.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let component = virtc_fuzz::component::with_policy_data(data);
    if let Ok(inspection) = virtc::inspect::inspect(&component) {
        virtc_fuzz::component::inspected(&inspection);
    }
});
