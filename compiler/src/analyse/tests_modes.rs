//! Snapshot tests of `clocks fixed`, `clocks resolution` and `random seed`: every diagnostic of
//! their values, their conflicts with `allow`/`deny`, and what they lower to.

use std::path::Path;

use sha2::{Digest, Sha256};
use virtc_policy::{Access, ClockMode};

use super::component::component_diagnostics;
use super::tests::{check, importing};
use crate::analyse::policy::check_policy;
use crate::db::Database;
use crate::ir::Treatment;

#[test]
fn mode_values_are_checked() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        concat!(
            "clocks frozen \"2026-01-01T00:00:00Z\";\n",
            "clocks fixed \"2026-01-01\";\n",
            "clocks fixed \"2026-02-30T00:00:00Z\";\n",
            "clocks fixed \"1969-12-31T23:59:59Z\";\n",
            "clocks fixed 2026;\n",
            "clocks resolution \"10\";\n",
            "clocks resolution \"0ms\";\n",
            "random sed 1;\n",
            "random seed \"42\";\n",
            "random seed 18446744073709551616;\n",
        )
    )]));
}

#[test]
fn a_mode_contradicts_allow_and_deny_in_one_file() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        concat!(
            "deny clocks;\nclocks fixed \"2026-01-01T00:00:00Z\";\n",
            "clocks resolution \"1ms\";\n",
            "allow random;\nrandom seed 7;\n",
        )
    )]));
}

#[test]
fn all_sets_defaults_that_a_mode_refines() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "allow all;\nclocks fixed \"2026-01-01T00:00:00Z\";\nrandom seed 1;\n"
    )]));
}

#[test]
fn a_profile_mode_is_overridden_with_a_note() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "use std::deterministic;\nallow clocks;\n"
    )]));
}

fn lowered(text: &str) -> crate::ir::PolicyIr {
    let mut db = Database::default();
    let root = db.set_file(Path::new("/virt/policy.virt"), text.into());
    check_policy(&db, root).ir.clone()
}

#[test]
fn modes_lower_to_the_run_time_data() {
    let fixed = lowered("clocks fixed \"2026-01-01T00:00:00.5Z\";\n");
    assert_eq!(
        fixed.runtime.clock_mode,
        ClockMode::Fixed {
            seconds: 1_767_225_600,
            nanoseconds: 500_000_000
        }
    );
    // Virtual: no host clock, and the adapter implements both clocks.
    assert_eq!(fixed.runtime.clocks, Access::Deny);
    assert_eq!(
        fixed.treatment("clocks", "wall-clock"),
        Treatment::Virtualize
    );

    let coarse = lowered("clocks resolution \"1ms\";\n");
    assert_eq!(
        coarse.runtime.clock_mode,
        ClockMode::Resolution { ns: 1_000_000 }
    );
    assert_eq!(coarse.runtime.clocks, Access::Host);
    assert_eq!(
        coarse.treatment("clocks", "monotonic-clock"),
        Treatment::Virtualize
    );

    let seeded = lowered("random seed 42;\n");
    assert_eq!(seeded.runtime.random, Access::Deny);
    assert_eq!(seeded.random_seed, Some(42));
    let seed = seeded.runtime.random_seed.expect("keys");
    let key = |label: &str| -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(label.as_bytes());
        h.update(42u64.to_le_bytes());
        h.finalize().into()
    };
    assert_eq!(seed.random, key("virtc random"));
    assert_eq!(seed.insecure, key("virtc insecure"));
    assert_eq!(seed.insecure_seed, key("virtc insecure-seed"));
    assert_ne!(
        seed.random,
        lowered("random seed 43;\n")
            .runtime
            .random_seed
            .unwrap()
            .random
    );
    // The seed itself travels for `virtc inspect`.
    assert_eq!(seeded.runtime.origin.random_seed, Some(42));
}

#[test]
fn virtual_modes_do_not_trap() {
    let mut db = Database::default();
    let text = "clocks fixed \"2026-01-01T00:00:00Z\";\nrandom seed 0;\ndeny exit;\n";
    let root = db.set_file(Path::new("/virt/policy.virt"), text.into());
    let checked = check_policy(&db, root);
    let target = importing(&[
        ("random", "random"),
        ("random", "insecure-seed"),
        ("clocks", "wall-clock"),
        ("clocks", "monotonic-clock"),
        ("cli", "exit"),
    ]);
    let warnings = component_diagnostics(&db, root, checked, &target, "guest.wasm");
    // Only exit traps.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("wasi:cli/exit"),
        "{warnings:?}"
    );
}

#[test]
fn mount_and_tmpfs_options_are_checked() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        concat!(
            "tmpfs \"/a\" limit \"64\";\n",
            "tmpfs \"/b\" limit;\n",
            "tmpfs \"/c\" writable;\n",
            "tmpfs \"/d\" limt \"1MiB\";\n",
            "tmpfs \"/e\" limit \"1MiB\" limit \"2MiB\";\n",
            "mount \"/f\" from \"./\" limit \"1MiB\";\n",
            "mount \"/g\" from \"./\" writable \"yes\";\n",
            "tmpfs \"/h\" limit \"99999999999GiB\";\n",
        )
    )]));
}

#[test]
fn tmpfs_and_writable_mounts_lower() {
    let ir = lowered(
        "tmpfs \"/tmp\" limit \"64MiB\";\ntmpfs \"/scratch\";\nmount \"/w\" from \"./\" writable limit \"1KB\";\nmount \"/r\" from \"./\";\n",
    );
    let tmpfs: Vec<(&str, Option<u64>)> = ir
        .tmpfs
        .iter()
        .map(|t| (t.guest.as_str(), t.limit))
        .collect();
    assert_eq!(tmpfs, [("/tmp", Some(64 << 20)), ("/scratch", None)]);
    let mounts: Vec<(&str, Option<Option<u64>>)> = ir
        .mounts
        .iter()
        .map(|m| (m.guest.as_str(), m.writable.map(|w| w.limit)))
        .collect();
    assert_eq!(mounts, [("/w", Some(Some(1_000))), ("/r", None)]);
}
