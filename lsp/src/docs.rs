//! What the words of the language mean, in one place for hover and completion: each statement,
//! each subsystem with the WASI interfaces it governs (from the interface registry), each stream
//! mode.

use virtc::analyse::settings::{HttpList, NetRule};
use virtc_policy::registry;

/// A subsystem of `allow S;` / `deny S;`.
pub struct Subsystem {
    pub name: &'static str,
    /// What it is, as a noun phrase.
    pub what: &'static str,
    /// What the component gets under `allow`.
    pub allowed: &'static str,
    /// What the component gets under `deny`.
    pub denied: &'static str,
}

const TRAPS: &str = "the adapter implements them as denied: they have no error channel, so a call \
                     traps (`virtc check --component` warns first, V0040)";

pub const SUBSYSTEMS: &[Subsystem] = &[
    Subsystem {
        name: "clocks",
        what: "the wall clock and the monotonic clock",
        allowed: "passed through from the host",
        denied: TRAPS,
    },
    Subsystem {
        name: "env",
        what: "environment variables and arguments",
        allowed: "passed through from the host unchanged: every host variable and the host's \
                  arguments (virtual variables and `env allow` globs cannot apply then, V0027)",
        denied: "implemented by the adapter: the component sees only the virtual variables \
                 (`env NAME = \"value\";`), the host variables `env allow` passes, and the \
                 arguments `args` gives",
    },
    Subsystem {
        name: "config",
        what: "runtime configuration",
        allowed: "passed through from the host unchanged (virtual values and `config allow` \
                  globs cannot apply then, V0027)",
        denied: "implemented by the adapter: the component sees only the virtual values \
                 (`config \"key\" = \"value\";`) and the host keys `config allow` passes — an \
                 empty store by default",
    },
    Subsystem {
        name: "exit",
        what: "the exit status",
        allowed: "passed through from the host: the exit status reaches it",
        denied: TRAPS,
    },
    Subsystem {
        name: "fs",
        what: "the file system",
        allowed: "passed through from the host: its preopened directories, as it configures them",
        denied: "implemented by the adapter: no preopened directories, unless `mount`, `file` or \
                 `preopen` statements build a file system",
    },
    Subsystem {
        name: "http",
        what: "outgoing HTTP requests",
        allowed: "passed through from the host untouched (no `http allow`/`http deny` rules may \
                  be written with it, V0020)",
        denied: "implemented by the adapter: every request is answered `HTTP-request-denied` \
                 without reaching the host, and the output imports no `wasi:http` interface \
                 unless the component serves requests; `http allow` rules grant requests by URL",
    },
    Subsystem {
        name: "random",
        what: "random numbers",
        allowed: "passed through from the host",
        denied: TRAPS,
    },
    Subsystem {
        name: "sockets",
        what: "the network",
        allowed: "passed through from the host untouched (no `tcp`/`udp`/`dns` rules may be \
                  written with it, V0020)",
        denied: "implemented by the adapter as no network: creating a socket or looking up a \
                 name is `access-denied`, and the output imports no `wasi:sockets` interface; \
                 `tcp`, `udp` and `dns` rules grant parts of the host's network instead",
    },
    Subsystem {
        name: "stdio",
        what: "the standard streams",
        allowed: "the host's streams (as `stdio allow;`)",
        denied: "closed streams: writes fail, reads end (as `stdio deny;`)",
    },
];

impl Subsystem {
    /// The WASI interfaces it governs, from the interface registry.
    pub fn interfaces(&self) -> Vec<String> {
        registry::governed_by(self.name)
            .map(|i| format!("wasi:{}/{}", i.package, i.name))
            .collect()
    }
}

pub fn subsystem(name: &str) -> Option<&'static Subsystem> {
    SUBSYSTEMS.iter().find(|s| s.name == name)
}

/// Markdown for `allow S;` (`allow` true) or `deny S;`.
pub fn grant(name: &str, allow: bool) -> Option<String> {
    let verb = if allow { "allow" } else { "deny" };
    if name == "all" {
        let mut out = format!(
            "**`{verb} all;`** — {} every subsystem and every stream.\n\n",
            if allow { "passes through" } else { "denies" }
        );
        for s in SUBSYSTEMS {
            out.push_str(&format!("- `{}`: {}\n", s.name, list(&s.interfaces())));
        }
        out.push_str("\nLater statements refine it without a conflict.");
        return Some(out);
    }
    let s = subsystem(name)?;
    Some(format!(
        "**`{verb} {name};`** — {}.\n\n{}: {}.",
        s.what,
        list(&s.interfaces()),
        if allow { s.allowed } else { s.denied }
    ))
}

/// Markdown for `clocks fixed …;`, `clocks resolution …;` and `random seed …;`.
pub fn subject_mode(subject: &str, mode: &str) -> Option<String> {
    Some(match (subject, mode) {
        ("clocks", "fixed") => "**`clocks fixed \"INSTANT\";`** — virtual time.\n\n\
             `wasi:clocks/wall-clock`, `wasi:clocks/monotonic-clock`: the wall clock starts at the \
             instant (RFC 3339) and the monotonic clock at 0; both advance only when the \
             component waits on a clock, by exactly what it waits, so every run sees the same \
             times. A wait on clocks alone returns at once; a wait that also holds host I/O waits \
             in real time, up to the earliest deadline. The host's wall clock is never read."
            .to_string(),
        ("clocks", "resolution") => "**`clocks resolution \"D\";`** — the host's clocks, \
             coarsened.\n\n`wasi:clocks/wall-clock`, `wasi:clocks/monotonic-clock`: every reading \
             is rounded down to a multiple of D (`ns`, `us`, `ms`, `s`), and `resolution` \
             answers D. Waits take real time."
            .to_string(),
        ("random", "seed") => "**`random seed N;`** — deterministic random numbers.\n\n\
             `wasi:random/random`, `wasi:random/insecure`, `wasi:random/insecure-seed`: bytes \
             from ChaCha20 keyed by SHA-256 of a label and N; the same seed gives the same bytes \
             on every run and host. The host's random numbers are never asked for."
            .to_string(),
        _ => return None,
    })
}

/// Markdown for the options after a mount's or a tmpfs's paths.
pub fn mount_option(option: &str) -> &'static str {
    match option {
        "writable" => {
            "**`writable`** — the mounted tree is writable in memory: the component may create, \
             change and remove files there; the changes stay inside the instance and never reach \
             the host."
        }
        _ => {
            "**`limit \"SIZE\"`** — the most bytes of file contents the component may write \
             there (`B`, `KiB`, `MiB`, `GiB`, `KB`, `MB`, `GB`); past it a write answers \
             `insufficient-space`."
        }
    }
}

/// Markdown for `stdout ignore;` and the like.
pub fn stream(stream: &str, mode: &str) -> Option<String> {
    let interfaces: Vec<String> = match stream {
        "stdio" => ["stdin", "stdout", "stderr"]
            .iter()
            .map(|s| format!("wasi:cli/{s}"))
            .collect(),
        other => vec![format!("wasi:cli/{other}")],
    };
    let interfaces: Vec<&str> = interfaces.iter().map(String::as_str).collect();
    let what = match mode {
        "allow" => {
            "the host's stream, passed through (wrapped by the adapter when it owns \
             `wasi:io/streams`)"
        }
        "deny" => "a closed stream, implemented by the adapter: writes fail, reads end",
        "ignore" => "implemented by the adapter: writes are dropped, reads are at end of stream",
        _ => return None,
    };
    Some(format!(
        "**`{stream} {mode};`** — {}.\n\n{}: {what}.",
        match stream {
            "stdin" => "standard input",
            "stdout" => "standard output",
            "stderr" => "standard error",
            _ => "all three standard streams",
        },
        list(&interfaces)
    ))
}

/// Markdown for `allow import …;` (`allow` true) or `deny import …;`.
pub fn import(allow: bool) -> String {
    if allow {
        "**`allow import \"GLOB\", …;`** — interfaces outside virtc's WASI registry \
         (`wasi:keyvalue/*`, a link to another component such as `example:pong/pingpong`), \
         passed through: the output imports them from the host as the component did. Patterns \
         name `namespace:package/interface` without a version and match every version."
            .to_string()
    } else {
        "**`deny import \"GLOB\", …;`** — interfaces outside virtc's WASI registry stubbed \
         out: the output no longer imports them, and a call to one of their functions traps \
         (`virtc check --component` warns first, V0040). A `wasi:` interface outside the \
         registry that no pattern names is an error (V0042)."
            .to_string()
    }
}

/// One line about each statement keyword (for completion).
pub fn keyword(word: &str) -> Option<&'static str> {
    Some(match word {
        "allow" => "`allow S;` passes the host's interfaces of subsystem S through untouched",
        "deny" => "`deny S;` virtualizes subsystem S as denied",
        "env" => {
            "`env NAME = \"value\";` sets a virtual variable; `env allow \"GLOB\", ...;` passes \
             host variables by name; `env deny` takes some back"
        }
        "config" => {
            "`config \"key\" = \"value\";` / `config allow \"GLOB\", ...;` (wasi:config/store)"
        }
        "args" => {
            "`args allow;` (the host's arguments), `args deny;` (none) or `args \"a\", \"b\";`"
        }
        "stdin" | "stdout" | "stderr" => "`allow`, `deny` or `ignore` this stream",
        "stdio" => "`allow`, `deny` or `ignore` all three streams",
        "use" => {
            "`use std::NAME;` or `use \"./file.virt\";` applies a profile or another file here; \
             later statements override it"
        }
        "mount" => {
            "`mount \"/guest\" from \"./dir\" { include ...; exclude ...; }` embeds a directory, \
             read-only"
        }
        "file" => {
            "`file \"/guest\" = \"text\";` or `file \"/guest\" from \"./local\";` embeds a file"
        }
        "preopen" => {
            "`preopen \"/guest\" from host \"/dir\" [readonly];` passes a host directory at run \
             time, remapped"
        }
        "tcp" => {
            "`tcp connect \"HOST:PORTS\", ...;` allows outgoing connections; `tcp listen \
             \"ADDR:PORTS\", ...;` binding, listening and accepting there"
        }
        "udp" => {
            "`udp send \"HOST:PORTS\", ...;` allows datagrams to (and replies from) there; `udp \
             bind \"ADDR:PORTS\", ...;` binding a local address and receiving from anyone"
        }
        "dns" => "`dns resolve \"NAME\", ...;` allows looking up these names (`*.suffix`, `*`)",
        "clocks" => {
            "`clocks fixed \"INSTANT\";` (virtual time) or `clocks resolution \"1ms\";` (the \
             host's clocks, coarsened)"
        }
        "random" => "`random seed N;` deterministic random numbers from the seed N",
        "tmpfs" => {
            "`tmpfs \"/guest\" [limit \"64MiB\"];` a writable directory in memory (changes never \
             reach the host)"
        }
        "http" => {
            "`http allow \"[METHODS ]SCHEME://HOST[:PORTS][PATH]\", ...;` allows outgoing \
             requests by URL; `http deny \"…\", ...;` takes some back (deny wins)"
        }
        "include" => "`include \"GLOB\", ...;` embeds only the matching files of the mount",
        "exclude" => "`exclude \"GLOB\", ...;` leaves the matching files of the mount out",
        _ => return None,
    })
}

const PATTERNS: &str = "An address pattern is `HOST:PORTS`: HOST an IPv4 address, `[IPv6]`, a \
                        CIDR block (`10.0.0.0/8`, `[fd00::]/8`), a DNS name, `*.example.com` \
                        (its subdomains, not the name itself) or `*`; PORTS a port, a range \
                        `8000-8999` or `*`. Names compare case-insensitively.";

/// Markdown for a network rule (hover and completion).
pub fn net_rule(rule: NetRule) -> String {
    let what = match rule {
        NetRule::TcpConnect => {
            "outgoing TCP connections to the addresses listed (and the ephemeral bind a \
             connect makes). A name's addresses are allowed as the lookup of that name returned \
             them: the adapter pins each address to the names it was resolved from. Anything \
             else is `access-denied`, never passed to the host."
        }
        NetRule::TcpListen => {
            "binding these local addresses, listening there and accepting connections from any \
             peer. Port 0 asks for any free port."
        }
        NetRule::UdpSend => {
            "binding an ephemeral port and sending datagrams to the addresses listed; replies \
             are received from them only, datagrams from anyone else are dropped, as a \
             firewall would."
        }
        NetRule::UdpBind => {
            "binding these local addresses and receiving datagrams from any sender; replies go \
             to senders the socket has heard from (other destinations need `udp send`)."
        }
        NetRule::DnsResolve => {
            "looking up these names (`db.internal`, `*.example.com`, `*`). Names in `tcp`/`udp` \
             rules may be looked up without it; any other lookup is `access-denied`."
        }
    };
    let patterns = if rule == NetRule::DnsResolve {
        ""
    } else {
        PATTERNS
    };
    format!(
        "**`{} {} \"…\", …;`** — {what} {patterns}\n\nWith any `tcp`, `udp` or `dns` rule the \
         network is what the rules allow: the adapter checks every call inside the component, \
         so the rules hold on any host.",
        rule.proto(),
        rule.verb()
    )
}

const URL_RULES: &str = "A rule is `[METHODS ]SCHEME://HOST[:PORTS][PATH]`:\n\n\
- METHODS: comma-separated, matched case-sensitively (`GET,HEAD`, or an extension method by \
  its exact name); any method when absent.\n\
- SCHEME: `http`, `https` or `*` (either).\n\
- HOST: an IP address (IPv6 in brackets), a DNS name, `*.example.com` (its subdomains) or `*`; \
  no CIDR blocks. Matched against the authority the component set: case-insensitively, a \
  trailing dot ignored, no DNS involved.\n\
- PORTS: a port, a range `8000-8999` or `*`; absent, the default port of the request's scheme \
  (80 for http, 443 for https).\n\
- PATH: a glob over the path, `*` within a segment and `**` across them (`/v1/**` matches \
  `/v1/` and everything below it, not `/v1`); any path when absent. The query string is never \
  matched.\n\n\
Paths are compared in normal form: escapes of unreserved characters decoded (`%61` is `a`; \
`%2F` stays encoded and is never a separator), `.` and `..` resolved, repeated `/` merged — so \
`/v1//admin` and `/v1/%61dmin` meet a rule on `/v1/admin/**`; a path climbing above `/` is \
denied.";

/// Markdown for `http allow` / `http deny` (hover and completion).
pub fn http_rule(list: HttpList) -> String {
    let what = match list {
        HttpList::Allow => {
            "outgoing HTTP requests a rule matches may be sent (unless an `http deny` rule \
             matches them too)."
        }
        HttpList::Deny => {
            "outgoing HTTP requests a rule matches are refused even where an `http allow` \
             rule matches them: deny wins."
        }
    };
    format!(
        "**`http {} \"…\", …;`** — {what}\n\n{URL_RULES}\n\n`wasi:http/outgoing-handler`: with \
         any rule, a request is sent when some `http allow` rule matches it and no `http deny` \
         rule does; any other gets `HTTP-request-denied` and never reaches the host. `allow \
         http;` or `deny http;` in the same file contradicts the rules (V0020).",
        list.verb()
    )
}

/// Markdown for `config "key" = "value";`.
pub fn config_value(key: &str, value: &str) -> String {
    format!(
        "**`config \"{key}\" = …;`** — a virtual configuration value.\n\n\
         `wasi:config/store`: `get(\"{key}\")` returns `{value}`, whatever the host's store \
         holds (a virtual value wins over a host one of the same key); `get-all` lists it, \
         sorted by key."
    )
}

/// Markdown for `config allow …;` (`allow` true) or `config deny …;`.
pub fn config_globs(allow: bool) -> String {
    if allow {
        "**`config allow \"GLOB\", …;`** — host configuration keys passed through by glob.\n\n\
         `wasi:config/store`: `get` returns the virtual value of a key, else the host's when \
         the key matches an allow glob (and no `config deny` glob), else none; `get-all` \
         returns exactly those, sorted by key, each once."
            .to_string()
    } else {
        "**`config deny \"GLOB\", …;`** — host configuration keys kept out even when \
         `config allow` matches them.\n\n`wasi:config/store`: virtual values are not \
         affected."
            .to_string()
    }
}

/// What a stream mode does (for completion).
pub fn mode(word: &str) -> Option<&'static str> {
    Some(match word {
        "allow" => "the host's stream",
        "deny" => "closed: writes fail, reads end",
        "ignore" => "writes dropped, reads at end of stream",
        _ => return None,
    })
}

fn list<S: AsRef<str>>(interfaces: &[S]) -> String {
    interfaces
        .iter()
        .map(|i| format!("`{}`", i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use virtc_grammar::{KEYWORDS, STATEMENT_KEYWORDS};

    fn editor_file(path: &str) -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        std::fs::read_to_string(root.join(path)).unwrap()
    }

    /// The one keyword table (`virtc_grammar::KEYWORDS`) is what the lexer reserves, what
    /// completion and hover document, and what both editor grammars highlight.
    #[test]
    fn keywords_agree_everywhere() {
        for k in KEYWORDS {
            let (tokens, errors) = virtc_grammar::lexer::lex(k);
            assert!(errors.is_empty(), "{k}");
            assert!(
                !matches!(
                    tokens.as_slice(),
                    [(_, virtc_grammar::lexer::Token::Ident(_), _)]
                ),
                "`{k}` is in KEYWORDS but lexes as an identifier"
            );
        }
        for k in STATEMENT_KEYWORDS {
            assert!(KEYWORDS.contains(k), "{k}");
            assert!(keyword(k).is_some(), "no completion text for `{k}`");
        }
        let vim = editor_file("editors/neovim/syntax/virt.vim");
        let vim_line = vim
            .lines()
            .find(|l| l.starts_with("syntax keyword virtKeyword"))
            .unwrap();
        let vim_words: Vec<&str> = vim_line.split_whitespace().skip(3).collect();
        let vscode = editor_file("editors/vscode/syntaxes/virt.tmLanguage.json");
        for k in KEYWORDS {
            assert!(vim_words.contains(k), "Neovim's syntax lacks `{k}`");
            assert!(
                vscode.contains(&format!("|{k}|"))
                    || vscode.contains(&format!("({k}|"))
                    || vscode.contains(&format!("|{k})")),
                "the VS Code grammar lacks `{k}`"
            );
        }
        for w in &vim_words {
            assert!(
                KEYWORDS.contains(w),
                "Neovim highlights `{w}`, which is no keyword"
            );
        }
    }

    /// Every subsystem's hover lists the interfaces the registry says it governs.
    #[test]
    fn subsystems_list_registry_interfaces() {
        for s in SUBSYSTEMS {
            assert!(!s.interfaces().is_empty(), "{}", s.name);
        }
        assert!(
            subsystem("sockets")
                .unwrap()
                .interfaces()
                .contains(&"wasi:sockets/tcp".to_string())
        );
    }
}
