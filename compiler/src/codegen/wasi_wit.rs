//! The WASI 0.2 WIT that virtc speaks, at whatever 0.2.x version a component uses.
//!
//! One copy of the WIT (0.2.12, from wasmtime-wasi) is embedded; a component built against
//! `@0.2.3` gets the same definitions renamed to `@0.2.3`, so that the adapter exports and imports
//! exactly the names the component and its host know.

use super::error::{WitError, why};
use wit_parser::Resolve;

/// The version of the embedded WIT.
pub const EMBEDDED_VERSION: &str = "0.2.12";

/// The oldest 0.2 release virtc can target.
pub const OLDEST_MINOR_PATCH: u64 = 0;

/// The embedded WASI packages, in dependency order.
pub const PACKAGES: &[(&str, &str)] = &[
    ("io", include_str!("../../wit/deps/io.wit")),
    ("clocks", include_str!("../../wit/deps/clocks.wit")),
    ("random", include_str!("../../wit/deps/random.wit")),
    ("filesystem", include_str!("../../wit/deps/filesystem.wit")),
    ("sockets", include_str!("../../wit/deps/sockets.wit")),
    ("cli", include_str!("../../wit/deps/cli.wit")),
    ("http", include_str!("../../wit/deps/http.wit")),
    // `wasi:config` versions apart from the rest of WASI (`@0.2.0-rc.1`, what wasmtime 48
    // hosts; see `versions::versioned_apart`).
    ("config", include_str!("../../wit/deps/config.wit")),
];

/// virtc's own package: the adapter's worlds and the interfaces linking the serving instances.
pub const ADAPTER_WIT: &str = include_str!("../../wit/adapter.wit");

pub use crate::versions::{Versions, default_version, parse_wasi_name, versioned_apart};

/// Rewrites one embedded WIT file so that every `wasi:PKG…@0.2.12` reference (or `@V` for a
/// package versioned apart, at its embedded version V) names the version `versions` gives PKG,
/// and drops `@since` gates (which would otherwise refuse items newer than
/// an older package version; extra items in an export are harmless to older components).
pub fn retarget(text: &str, versions: &Versions) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("wasi:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // The reference runs up to the first character that cannot be part of it.
        let end = tail
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '-' | '@' | '.'))
            })
            .unwrap_or(tail.len());
        let reference = tail[..end].trim_end_matches('.');
        let package = reference["wasi:".len()..]
            .split(['/', '@'])
            .next()
            .unwrap_or_default();
        let marker = format!("@{}", versioned_apart(package).unwrap_or(EMBEDDED_VERSION));
        // The version must end the reference (`@0.2.0-rc.1`, not a prefix of a longer one).
        match reference.find(&marker).filter(|pos| {
            let after = &reference[pos + marker.len()..];
            after.is_empty() || !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
        }) {
            Some(pos) => {
                out.push_str(&reference[..pos]);
                out.push('@');
                out.push_str(&versions.of(package).to_string());
                rest = &tail[pos + marker.len()..];
            }
            None => {
                out.push_str(reference);
                rest = &tail[reference.len()..];
            }
        }
    }
    out.push_str(rest);
    strip_since(&out)
}

fn strip_since(text: &str) -> String {
    // `@deprecated` gates need a `@since` beside them, so they go too.
    strip_gate(&strip_gate(text, "@since("), "@deprecated(")
}

fn strip_gate(text: &str, gate: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(gate) {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let close = after.find(')').map_or(after.len(), |c| c + 1);
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

/// The package at `index` in [`PACKAGES`] as parsed: without comments (three quarters of the text, and docs
/// that nothing virtc writes shows) and without WASI's worlds (virtc writes its own), so that
/// parsing them, which every compile does, takes a fraction of the time. Each is computed once,
/// when first needed.
fn compact_package(index: usize) -> &'static str {
    static COMPACT: [std::sync::OnceLock<String>; PACKAGES.len()] =
        [const { std::sync::OnceLock::new() }; PACKAGES.len()];
    COMPACT[index].get_or_init(|| compact(PACKAGES[index].1, true))
}

/// `text` without its comment lines and, with `drop_worlds`, without its `world` blocks (a
/// world starts at a line `world NAME {` and ends at the next line `}`).
fn compact(text: &str, drop_worlds: bool) -> String {
    let mut out = String::with_capacity(text.len() / 3);
    let mut in_world = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if in_world {
            in_world = line != "}";
            continue;
        }
        if drop_worlds && trimmed.starts_with("world ") && trimmed.ends_with('{') {
            in_world = true;
            continue;
        }
        if trimmed.starts_with("//") || trimmed.is_empty() {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A resolve holding every WASI package at the given versions.
pub fn resolve(versions: &Versions) -> Result<Resolve, WitError> {
    resolve_packages(versions, |_| true)
}

/// [`resolve`] plus virtc's own package (`virtc:adapter`), for worlds that name its interfaces.
pub fn resolve_with_adapter(versions: &Versions) -> Result<Resolve, WitError> {
    let mut resolve = resolve(versions)?;
    push_adapter(&mut resolve, versions)?;
    Ok(resolve)
}

/// A resolve holding only the packages that the interfaces `names` (`wasi:cli/stdout@0.2.6`,
/// `virtc:adapter/http-accept`) belong to and the packages those use, transitively: a world
/// needs nothing else, and parsing the WIT is much of a compile's time (`wasi:http` and
/// `wasi:sockets` alone are half the text).
pub fn resolve_for<'a>(
    versions: &Versions,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Resolve, WitError> {
    let mut wanted = std::collections::BTreeSet::new();
    let mut adapter = false;
    for name in names {
        if name.starts_with("virtc:adapter/") {
            adapter = true;
            wanted.extend(uses(&compact(ADAPTER_WIT, false)));
        } else if let Some(package) = name
            .strip_prefix("wasi:")
            .and_then(|rest| rest.split(['/', '@']).next())
        {
            wanted.insert(package.to_owned());
        }
    }
    // Close over what each package uses (the packages are listed after what they use).
    for (index, (package, _)) in PACKAGES.iter().enumerate().rev() {
        if wanted.contains(*package) {
            wanted.extend(uses(compact_package(index)));
        }
    }
    let mut resolve = resolve_packages(versions, |package| wanted.contains(package))?;
    if adapter {
        push_adapter(&mut resolve, versions)?;
    }
    Ok(resolve)
}

/// The other WASI packages `text` names.
fn uses(text: &str) -> std::collections::BTreeSet<String> {
    let own = text
        .split_once("package wasi:")
        .and_then(|(_, rest)| rest.split(['@', ';']).next());
    text.match_indices("wasi:")
        .filter_map(|(at, _)| {
            let rest = &text[at + "wasi:".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(rest.len());
            let package = &rest[..end];
            (Some(package) != own).then(|| package.to_owned())
        })
        .collect()
}

fn resolve_packages(
    versions: &Versions,
    wanted: impl Fn(&str) -> bool,
) -> Result<Resolve, WitError> {
    let mut resolve = Resolve::default();
    for (index, (package, _)) in PACKAGES.iter().enumerate() {
        if !wanted(package) {
            continue;
        }
        let text = retarget(compact_package(index), versions);
        resolve
            .push_source(&format!("wasi-{package}.wit"), &text)
            .map_err(|e| WitError::Package {
                package: package.to_string(),
                why: why(e),
            })?;
    }
    Ok(resolve)
}

fn push_adapter(resolve: &mut Resolve, versions: &Versions) -> Result<(), WitError> {
    resolve
        .push_source(
            "virtc-adapter.wit",
            &retarget(&compact(ADAPTER_WIT, false), versions),
        )
        .map_err(|e| WitError::Adapter { why: why(e) })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retargets_every_reference() {
        let mut v = Versions::default();
        v.record("io", &semver::Version::new(0, 2, 3)).unwrap();
        let text = "package wasi:cli@0.2.12;\n@since(version = 0.2.0)\ninterface stdin {\n  use wasi:io/streams@0.2.12.{input-stream};\n}\n";
        let out = retarget(text, &v);
        assert_eq!(
            out,
            "package wasi:cli@0.2.3;\n\ninterface stdin {\n  use wasi:io/streams@0.2.3.{input-stream};\n}\n"
        );
    }

    #[test]
    fn config_keeps_its_own_version_or_takes_the_components() {
        let text = "package wasi:config@0.2.0-rc.1;\n  import wasi:config/store@0.2.0-rc.1;\n";
        let v = Versions::uniform(semver::Version::new(0, 2, 6));
        assert_eq!(retarget(text, &v), text);
        let mut v = Versions::default();
        v.record("config", &semver::Version::parse("0.2.0-draft").unwrap())
            .unwrap();
        assert_eq!(
            retarget(text, &v),
            "package wasi:config@0.2.0-draft;\n  import wasi:config/store@0.2.0-draft;\n"
        );
        // A longer version that merely starts with the embedded one is not rewritten.
        let longer = "import wasi:config/store@0.2.0-rc.10;\n";
        assert_eq!(retarget(longer, &v), longer);
    }

    #[test]
    fn every_embedded_package_parses_at_old_and_new_versions() {
        for patch in [0, 3, 6, 12] {
            let v = Versions::uniform(semver::Version::new(0, 2, patch));
            let r = resolve_with_adapter(&v).unwrap();
            for (_, p) in r.packages.iter() {
                let version = p.name.version.clone();
                match (p.name.namespace.as_str(), p.name.name.as_str()) {
                    ("virtc", _) => assert_eq!(version, None),
                    ("wasi", "config") => assert_eq!(version.unwrap().to_string(), "0.2.0-rc.1"),
                    _ => assert_eq!(
                        version,
                        Some(semver::Version::new(0, 2, patch)),
                        "{}",
                        p.name
                    ),
                }
            }
        }
    }

    /// Each package is pushed after the packages it uses, and a world needs only those.
    #[test]
    fn packages_come_after_what_they_use() {
        let mut seen = std::collections::BTreeSet::new();
        for (index, (package, _)) in PACKAGES.iter().enumerate() {
            for used in uses(compact_package(index)) {
                assert!(seen.contains(&used), "{package} uses {used}, listed later");
            }
            seen.insert(package.to_string());
        }
        let v = Versions::uniform(semver::Version::new(0, 2, 6));
        let r = resolve_for(&v, ["wasi:cli/stdout@0.2.6"]).unwrap();
        let names: Vec<String> = r
            .packages
            .iter()
            .map(|(_, p)| p.name.name.clone())
            .collect();
        assert_eq!(names, ["io", "cli"]);
        let r = resolve_for(&v, ["virtc:adapter/http-accept"]).unwrap();
        assert!(r.packages.iter().any(|(_, p)| p.name.name == "http"));
    }

    #[test]
    fn mixed_versions_are_refused() {
        let mut v = Versions::default();
        v.record("io", &semver::Version::new(0, 2, 3)).unwrap();
        assert!(v.record("io", &semver::Version::new(0, 2, 6)).is_err());
        assert_eq!(v.of("cli"), semver::Version::new(0, 2, 3));
    }

    #[test]
    fn parses_names() {
        let (p, i, v) = parse_wasi_name("wasi:io/streams@0.2.6").unwrap();
        assert_eq!((p, i, v), ("io", "streams", semver::Version::new(0, 2, 6)));
        assert!(parse_wasi_name("wasi:io/streams").is_none());
        assert!(parse_wasi_name("my:pkg/x@1.0.0").is_none());
    }
}
