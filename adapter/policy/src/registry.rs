//! The one table of the WASI 0.2 interfaces virtc knows: for each, what in a policy governs it,
//! whether it can say no without trapping, whether the adapter implements it, and which other
//! interfaces its types tie it to. The checker, the planner, the adapter's host-import rule, the
//! trap warnings and the language server all read this table; tests check it against the
//! committed WIT, `wit/adapter.wit` and the prebuilt adapter's exports.

/// What in a policy decides how an interface is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Governor {
    /// `wasi:io`: owned by the adapter as soon as anything it hands out is virtual; otherwise the
    /// host's. Follows the interfaces that use it.
    Io,
    /// `env …` and `args …` statements (`wasi:cli/environment`).
    Environment,
    /// `allow exit;` / `deny exit;`.
    Exit,
    /// The standard streams the interface hands out (`stdin`/`stdout`/`stderr` statements).
    Streams(Streams),
    /// `allow random;` / `deny random;`.
    Random,
    /// `allow clocks;` / `deny clocks;`.
    Clocks,
    /// `allow fs;`, `mount`, `file`, `preopen`.
    Files,
    /// `allow sockets;` / `deny sockets;`.
    Sockets,
    /// `allow http;` / `deny http;` for requests the component makes.
    Http,
    /// `allow config;` / `deny config;`.
    Config,
    /// Not a capability: the component's own entry point (`wasi:cli/run`) or the requests it
    /// serves (`wasi:http/incoming-handler`), which the host calls.
    EntryPoint,
}

impl Governor {
    /// The subsystem word of `allow S;` / `deny S;` that governs such interfaces, if any.
    pub fn subsystem(self) -> Option<&'static str> {
        Some(match self {
            Governor::Environment => "env",
            Governor::Exit => "exit",
            Governor::Streams(_) => "stdio",
            Governor::Random => "random",
            Governor::Clocks => "clocks",
            Governor::Files => "fs",
            Governor::Sockets => "sockets",
            Governor::Http => "http",
            Governor::Config => "config",
            Governor::Io | Governor::EntryPoint => return None,
        })
    }
}

/// The interfaces a component imports that `allow S;` / `deny S;` governs (`subsystem` is S).
pub fn governed_by(subsystem: &str) -> impl Iterator<Item = &'static Interface> {
    INTERFACES.iter().filter(move |i| {
        i.direction == Direction::Import && i.governor.subsystem() == Some(subsystem)
    })
}

/// A set of standard streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Streams {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

const STDIN: Streams = Streams {
    stdin: true,
    stdout: false,
    stderr: false,
};
const STDOUT: Streams = Streams {
    stdin: false,
    stdout: true,
    stderr: false,
};
const STDERR: Streams = Streams {
    stdin: false,
    stdout: false,
    stderr: true,
};
const OUTPUTS: Streams = Streams {
    stdin: false,
    stdout: true,
    stderr: true,
};

/// Who calls the interface's functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The component calls the host (the component imports it).
    Import,
    /// The host calls the component (the component exports it).
    Export,
}

/// One WASI interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interface {
    /// The package without namespace or version: `io`, `cli`, `sockets`.
    pub package: &'static str,
    /// The interface: `streams`, `tcp`.
    pub name: &'static str,
    pub governor: Governor,
    pub direction: Direction,
    /// Whether every function can report a denial as a WASI answer (an error code, an empty
    /// list, a closed stream). Without one, a denied call traps.
    pub error_channel: bool,
    /// Whether the adapter implements it (`wit/adapter.wit` exports it).
    pub implemented: bool,
    /// The interfaces (`package/name`) whose types this one uses (WIT `use`). When the adapter
    /// provides this interface it must provide these too, and an interface using one the adapter
    /// provides must come from the adapter as well: that is how a resource type (a stream, a
    /// pollable, an error) ties interfaces together.
    pub uses: &'static [&'static str],
}

impl Interface {
    /// `wasi:io/streams`.
    pub fn qualified(&self) -> (&'static str, &'static str) {
        (self.package, self.name)
    }

    /// Whether this is the interface `package/name`.
    pub fn is(&self, package: &str, name: &str) -> bool {
        self.package == package && self.name == name
    }
}

const fn import(
    package: &'static str,
    name: &'static str,
    governor: Governor,
    error_channel: bool,
    uses: &'static [&'static str],
) -> Interface {
    Interface {
        package,
        name,
        governor,
        direction: Direction::Import,
        error_channel,
        implemented: true,
        uses,
    }
}

const fn not_implemented(mut i: Interface) -> Interface {
    i.implemented = false;
    i
}

const fn exported_by_component(mut i: Interface) -> Interface {
    i.direction = Direction::Export;
    i
}

use Governor::*;

/// Every WASI 0.2 interface virtc knows (the stable ones of WASI 0.2.12, and `wasi:config`).
pub const INTERFACES: &[Interface] = &[
    import("io", "error", Io, true, &[]),
    import("io", "poll", Io, true, &[]),
    import("io", "streams", Io, true, &["io/error", "io/poll"]),
    import("cli", "environment", Environment, true, &[]),
    import("cli", "exit", Exit, false, &[]),
    not_implemented(exported_by_component(import(
        "cli",
        "run",
        EntryPoint,
        true,
        &[],
    ))),
    import("cli", "stdin", Streams(STDIN), true, &["io/streams"]),
    import("cli", "stdout", Streams(STDOUT), true, &["io/streams"]),
    import("cli", "stderr", Streams(STDERR), true, &["io/streams"]),
    import("cli", "terminal-input", Streams(STDIN), true, &[]),
    import("cli", "terminal-output", Streams(OUTPUTS), true, &[]),
    import(
        "cli",
        "terminal-stdin",
        Streams(STDIN),
        true,
        &["cli/terminal-input"],
    ),
    import(
        "cli",
        "terminal-stdout",
        Streams(STDOUT),
        true,
        &["cli/terminal-output"],
    ),
    import(
        "cli",
        "terminal-stderr",
        Streams(STDERR),
        true,
        &["cli/terminal-output"],
    ),
    import("random", "random", Random, false, &[]),
    import("random", "insecure", Random, false, &[]),
    import("random", "insecure-seed", Random, false, &[]),
    import("clocks", "monotonic-clock", Clocks, false, &["io/poll"]),
    import("clocks", "wall-clock", Clocks, false, &[]),
    import(
        "filesystem",
        "types",
        Files,
        true,
        &["io/streams", "clocks/wall-clock"],
    ),
    import("filesystem", "preopens", Files, true, &["filesystem/types"]),
    import("sockets", "network", Sockets, true, &[]),
    import(
        "sockets",
        "instance-network",
        Sockets,
        true,
        &["sockets/network"],
    ),
    import(
        "sockets",
        "ip-name-lookup",
        Sockets,
        true,
        &["io/poll", "sockets/network"],
    ),
    import(
        "sockets",
        "tcp",
        Sockets,
        true,
        &[
            "io/streams",
            "io/poll",
            "clocks/monotonic-clock",
            "sockets/network",
        ],
    ),
    import(
        "sockets",
        "tcp-create-socket",
        Sockets,
        true,
        &["sockets/network", "sockets/tcp"],
    ),
    import(
        "sockets",
        "udp",
        Sockets,
        true,
        &["io/poll", "sockets/network"],
    ),
    import(
        "sockets",
        "udp-create-socket",
        Sockets,
        true,
        &["sockets/network", "sockets/udp"],
    ),
    import(
        "http",
        "types",
        Http,
        true,
        &[
            "clocks/monotonic-clock",
            "io/streams",
            "io/error",
            "io/poll",
        ],
    ),
    import("http", "outgoing-handler", Http, true, &["http/types"]),
    exported_by_component(import(
        "http",
        "incoming-handler",
        EntryPoint,
        true,
        &["http/types"],
    )),
    import("config", "store", Config, true, &[]),
];

/// The entry for `wasi:PACKAGE/NAME`, if virtc knows it.
pub fn find(package: &str, name: &str) -> Option<&'static Interface> {
    INTERFACES.iter().find(|i| i.is(package, name))
}

/// The entry for `package/name` as written in [`Interface::uses`].
pub fn find_path(path: &str) -> Option<&'static Interface> {
    let (package, name) = path.split_once('/')?;
    find(package, name)
}

/// The interfaces the adapter implements, in the table's order.
pub fn implemented() -> impl Iterator<Item = &'static Interface> {
    INTERFACES.iter().filter(|i| i.implemented)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn names_are_unique_and_uses_resolve() {
        for (n, i) in INTERFACES.iter().enumerate() {
            assert!(
                !INTERFACES[..n].iter().any(|j| j.is(i.package, i.name)),
                "{}/{} is listed twice",
                i.package,
                i.name
            );
            for used in i.uses {
                let target = find_path(used)
                    .unwrap_or_else(|| panic!("{}/{} uses unknown {used}", i.package, i.name));
                assert!(
                    !i.implemented || target.implemented,
                    "{}/{} is implemented but uses {used}, which is not",
                    i.package,
                    i.name
                );
            }
        }
    }

    #[test]
    fn only_interfaces_with_an_error_channel_can_be_denied_without_traps() {
        let trapping: Vec<_> = INTERFACES
            .iter()
            .filter(|i| !i.error_channel)
            .map(|i| (i.package, i.name))
            .collect();
        assert_eq!(
            trapping,
            [
                ("cli", "exit"),
                ("random", "random"),
                ("random", "insecure"),
                ("random", "insecure-seed"),
                ("clocks", "monotonic-clock"),
                ("clocks", "wall-clock"),
            ]
        );
    }
}
