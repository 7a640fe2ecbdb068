//! Any bytes as policy data, as the adapter and `virtc inspect` decode it: `Policy::decode`,
//! `decode_core` and each lazily decoded section. What decodes must encode to the same bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use virtc_policy::Policy;

fuzz_target!(|data: &[u8]| {
    let whole = Policy::decode(data);
    if let Ok((core, sections)) = Policy::decode_core(data) {
        let net = sections.net(data);
        let http = sections.http(data);
        let config = sections.config(data);
        let origin = sections.origin(data);
        let _ = data
            .get(sections.image.clone())
            .expect("the image lies in the data");
        if let Ok(policy) = &whole {
            assert_eq!(policy.env, core.env);
            assert_eq!(Ok(&policy.net), net.as_ref());
            assert_eq!(Ok(&policy.http), http.as_ref());
            assert_eq!(Ok(&policy.config), config.as_ref());
            assert_eq!(Ok(&policy.origin), origin.as_ref());
        }
    } else {
        assert!(whole.is_err(), "decode accepted what decode_core refused");
    }
    if let Ok(policy) = whole {
        let bytes = policy.encode();
        assert_eq!(bytes, data, "decoding then encoding changed the bytes");
        for host in policy.env.allow.iter().chain(&policy.env.deny) {
            let _ = policy.env.passes(host);
        }
        let _ = policy.config.value("k");
        let _ = policy.config.passes("k");
    }
});
