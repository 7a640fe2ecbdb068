//! Which WASI 0.2.x version each package of a component speaks, and WASI import names: shared by
//! the analysis (which reads a component's imports) and code generation (which speaks them).

use std::collections::BTreeMap;

/// Which 0.2.x version each WASI package is used at, e.g. `io -> 0.2.6`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Versions {
    by_package: BTreeMap<String, semver::Version>,
    fallback: Option<semver::Version>,
}

impl Versions {
    /// Every package at one version.
    pub fn uniform(version: semver::Version) -> Versions {
        Versions {
            by_package: BTreeMap::new(),
            fallback: Some(version),
        }
    }

    /// Records that `package` is used at `version`; fails when the component uses two versions
    /// of one package.
    pub fn record(&mut self, package: &str, version: &semver::Version) -> Result<(), String> {
        match self.by_package.get(package) {
            Some(v) if v != version => Err(format!(
                "it imports wasi:{package} at two versions ({v} and {version})"
            )),
            _ => {
                self.by_package.insert(package.to_owned(), version.clone());
                let newest = self.fallback.as_ref().is_none_or(|f| version > f);
                if newest {
                    self.fallback = Some(version.clone());
                }
                Ok(())
            }
        }
    }

    /// The version to use for `package`: the component's own, else (for a package versioned
    /// apart from WASI, see [`versioned_apart`]) its embedded version, else the newest WASI
    /// version the component uses, else 0.2.6.
    pub fn of(&self, package: &str) -> semver::Version {
        if let Some(v) = self.by_package.get(package) {
            return v.clone();
        }
        if let Some(v) = versioned_apart(package) {
            return semver::Version::parse(v).expect("embedded versions parse");
        }
        self.fallback.clone().unwrap_or_else(default_version)
    }
}

/// The embedded version of a package that is versioned apart from the rest of WASI 0.2:
/// `wasi:config` (`@0.2.0-rc.1`, what wasmtime 48 hosts; `@0.2.0-draft` elsewhere, same shape).
pub fn versioned_apart(package: &str) -> Option<&'static str> {
    match package {
        "config" => Some("0.2.0-rc.1"),
        _ => None,
    }
}

/// The version a standalone adapter targets when nothing else says: what Rust's `wasm32-wasip2`
/// std imports.
pub fn default_version() -> semver::Version {
    semver::Version::new(0, 2, 6)
}

/// Splits `wasi:io/streams@0.2.6` into (`io`, `streams`, version).
pub fn parse_wasi_name(name: &str) -> Option<(&str, &str, semver::Version)> {
    let rest = name.strip_prefix("wasi:")?;
    let (path, version) = rest.split_once('@')?;
    let (package, interface) = path.split_once('/')?;
    let version = semver::Version::parse(version).ok()?;
    Some((package, interface, version))
}
