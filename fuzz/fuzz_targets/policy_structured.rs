//! Policies built from the grammar by `arbitrary` (`virtc_fuzz::structured`), so that the
//! checker sees well-formed statements with odd values, with the properties of `policy_text`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use virtc_fuzz::policy::check_texts;

fuzz_target!(|data: &[u8]| {
    let Ok(policy) = virtc_fuzz::structured::policy(data) else {
        return;
    };
    let texts = policy.texts();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    check_texts(&texts);
});
