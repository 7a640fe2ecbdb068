//! The standard library: policy profiles embedded in virtc, used as `use std::NAME;`.

/// Every profile, by name, with its source.
pub const PROFILES: &[(&str, &str)] = &[
    ("sandbox", include_str!("../stdlib/sandbox.virt")),
    ("cli", include_str!("../stdlib/cli.virt")),
    (
        "deterministic",
        include_str!("../stdlib/deterministic.virt"),
    ),
];

/// The source of profile `name`.
pub fn profile(name: &str) -> Option<&'static str> {
    PROFILES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// The names of all profiles.
pub fn names() -> impl Iterator<Item = &'static str> {
    PROFILES.iter().map(|(n, _)| *n)
}
