//! `virtc init`: a starting policy for a component, written from the interfaces it imports.
//!
//! Under the policy the component runs without trapping and reads no host data: the standard
//! streams it imports are the host's, and so are random, clocks and exit (denied, they trap);
//! the environment, files, network, outgoing HTTP and config are denied — the default, written
//! out only for the subsystems the component imports, each with commented-out statements that
//! grant a part of it. `wasi:` interfaces outside virtc's registry are stubbed out
//! (`deny import`), links to other components passed through (`allow import`). Every statement
//! has a comment naming the imports (with versions) it is there for. The text is in the canonical
//! layout of [`crate::format`].

use std::path::Path;

use virtc_policy::registry::{self, Governor, Streams};

use crate::analyse::imports::unversioned;
use crate::codegen::component_info::ComponentInfo;
use crate::driver::Input;
use crate::error::InputError;
use crate::versions::parse_wasi_name;

/// Comments are wrapped to this many columns.
const WIDTH: usize = 100;

/// The starting policy for `component`, in canonical layout. `component.name` names it in errors;
/// the policy itself names the component by its file name only, so that the text does not depend
/// on where the component was read from.
pub fn starting_policy(component: &Input<'_>) -> Result<String, InputError> {
    let not_a_component = |why| InputError::NotAComponent {
        name: component.name.to_owned(),
        why,
    };
    let info = ComponentInfo::read(component.bytes).map_err(not_a_component)?;
    // What `virtc check` would refuse about the imports themselves (a WASI version other than
    // 0.2, one package at two versions), refused here the same way.
    info.target().map_err(not_a_component)?;
    let file_name = file_name(component.name);
    let text = write_policy(&file_name, &info);
    Ok(crate::format::format(&text).unwrap_or(text))
}

/// The file name of the component called `name` on the command line, as a comment names it (a
/// control character, which could end the comment, as `?`).
pub(crate) fn file_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned())
        .replace(char::is_control, "?")
}

/// The imports of a component, sorted by what governs them.
#[derive(Default)]
struct Imports<'a> {
    /// Registry interfaces, with their governor, in the component's order.
    registry: Vec<(&'a str, Governor)>,
    /// `wasi:` interfaces outside the registry: (pattern, imports), in order of first import.
    outside: Vec<(String, Vec<&'a str>)>,
    /// Interfaces from outside WASI (`example:pong/pingpong`), grouped the same way.
    links: Vec<(String, Vec<&'a str>)>,
    /// Imports that are not interfaces (plain names): no pattern can name them.
    plain: Vec<&'a str>,
}

impl<'a> Imports<'a> {
    /// Classifies the imports as [`ComponentInfo::target`] does.
    fn of(info: &'a ComponentInfo) -> Imports<'a> {
        let mut imports = Imports::default();
        for name in &info.imports {
            let entry = parse_wasi_name(name)
                .and_then(|(package, interface, _)| registry::find(package, interface));
            if let Some(entry) = entry {
                imports.registry.push((name, entry.governor));
                continue;
            }
            let pattern = unversioned(name);
            let group = if pattern.starts_with("wasi:") {
                &mut imports.outside
            } else if is_interface_name(pattern) {
                &mut imports.links
            } else {
                imports.plain.push(name);
                continue;
            };
            match group.iter_mut().find(|(p, _)| p == pattern) {
                Some((_, names)) => names.push(name),
                None => group.push((pattern.to_owned(), vec![name])),
            }
        }
        imports
    }

    /// The registry imports `pick` selects.
    fn governed(&self, pick: impl Fn(Governor) -> bool) -> Vec<&'a str> {
        self.registry
            .iter()
            .filter(|(_, g)| pick(*g))
            .map(|(name, _)| *name)
            .collect()
    }
}

/// `namespace:package/interface`, what an import pattern can name.
fn is_interface_name(name: &str) -> bool {
    name.split_once(':')
        .and_then(|(ns, rest)| rest.split_once('/').map(|(p, i)| [ns, p, i]))
        .is_some_and(|parts| {
            parts
                .iter()
                .all(|s| !s.is_empty() && !s.contains(['=', '<']))
        })
}

/// A commented-out statement that grants more, and what it grants.
type Example = (&'static str, &'static str);

/// One statement with the comment above it and commented-out examples below it.
struct Block {
    comment: String,
    statement: String,
    examples: &'static [Example],
}

fn write_policy(file_name: &str, info: &ComponentInfo) -> String {
    let imports = Imports::of(info);
    let mut out = String::new();

    // The header.
    let exports = if info.exports.is_empty() {
        String::new()
    } else {
        format!(" (which exports {})", list(&info.exports))
    };
    comment(
        &mut out,
        &format!(
            "A starting policy for {file_name}{exports}, written by `virtc init` from the \
             interfaces it imports: under it the component runs without trapping and reads no \
             host data. Grant what it needs where the commented-out lines show how, then check \
             the policy with `virtc check POLICY.virt --component {file_name}`."
        ),
    );
    let plumbing = imports.governed(|g| matches!(g, Governor::Io | Governor::EntryPoint));
    if !plumbing.is_empty() {
        out.push_str("//\n");
        comment(
            &mut out,
            &format!(
                "{} {} no statement of {}: {} the interfaces that use {}.",
                list(&plumbing),
                if plumbing.len() == 1 { "needs" } else { "need" },
                if plumbing.len() == 1 {
                    "its own"
                } else {
                    "their own"
                },
                if plumbing.len() == 1 {
                    "it follows"
                } else {
                    "they follow"
                },
                if plumbing.len() == 1 { "it" } else { "them" },
            ),
        );
    }
    if info.imports.is_empty() {
        out.push_str("//\n");
        comment(
            &mut out,
            &format!("{file_name} imports nothing: there is nothing to grant."),
        );
    }

    for block in blocks(&imports, info) {
        out.push('\n');
        comment(&mut out, &block.comment);
        out.push_str(&block.statement);
        out.push('\n');
        let width = block
            .examples
            .iter()
            .map(|(s, _)| s.len())
            .max()
            .unwrap_or(0);
        for (statement, what) in block.examples {
            out.push_str(&format!("// {statement:width$}  // {what}\n"));
        }
    }
    if !imports.plain.is_empty() {
        out.push('\n');
        comment(
            &mut out,
            &format!(
                "{} {} not {}: no statement can name {}. {} passed through for the host or a \
                 composition to provide.",
                list(&imports.plain),
                if imports.plain.len() == 1 {
                    "is"
                } else {
                    "are"
                },
                if imports.plain.len() == 1 {
                    "an interface"
                } else {
                    "interfaces"
                },
                if imports.plain.len() == 1 {
                    "it"
                } else {
                    "them"
                },
                if imports.plain.len() == 1 {
                    "It is"
                } else {
                    "They are"
                },
            ),
        );
    }
    out
}

/// The statements, in a fixed order: the standard streams, what cannot be denied without traps,
/// what is denied, then the interfaces outside the registry.
fn blocks(imports: &Imports<'_>, info: &ComponentInfo) -> Vec<Block> {
    let mut blocks = Vec::new();
    let serves_http: Vec<&String> = info
        .exports
        .iter()
        .filter(|name| {
            parse_wasi_name(name).is_some_and(|(p, i, _)| p == "http" && i == "incoming-handler")
        })
        .collect();
    let served = if serves_http.is_empty() {
        String::new()
    } else {
        format!(
            " The requests it serves (it exports {}) reach it under any policy.",
            list(&serves_http)
        )
    };
    let mut add = |pick: &dyn Fn(Governor) -> bool,
                   statement: &str,
                   what: &str,
                   examples: &'static [Example]| {
        let names = imports.governed(pick);
        if !names.is_empty() {
            blocks.push(Block {
                comment: format!("For {}: {what}", list(&names)),
                statement: statement.to_owned(),
                examples,
            });
        }
    };
    let stream =
        |pick: fn(Streams) -> bool| move |g: Governor| matches!(g, Governor::Streams(s) if pick(s));

    // The standard streams: the host's.
    add(
        &stream(|s| s.stdin),
        "stdin allow;",
        "the host's stdin. `stdin ignore;` would end reads at once, `stdin deny;` close the \
         stream.",
        &[],
    );
    add(
        &stream(|s| s.stdout),
        "stdout allow;",
        "the host's stdout. `stdout ignore;` would drop what the component writes, \
         `stdout deny;` close the stream.",
        &[],
    );
    add(
        &stream(|s| s.stderr),
        "stderr allow;",
        "the host's stderr. `stderr ignore;` would drop what the component writes, \
         `stderr deny;` close the stream.",
        &[],
    );

    // Without an error channel: denied, they trap, so they are the host's.
    add(
        &|g| g == Governor::Random,
        "allow random;",
        "the host's random numbers. A random number source cannot report an error, so \
         `deny random;` would make every call trap; a seed gives the same numbers every run.",
        &[(
            "random seed 42;",
            "deterministic random numbers, never the host's",
        )],
    );
    add(
        &|g| g == Governor::Clocks,
        "allow clocks;",
        "the host's clocks. A clock cannot report an error, so `deny clocks;` would make every \
         call trap; virtual time or coarse clocks keep the host's time from the component.",
        &[
            (
                "clocks fixed \"2026-01-01T00:00:00Z\";",
                "virtual time, moving only when it waits",
            ),
            (
                "clocks resolution \"1ms\";",
                "the host's clocks, rounded down to 1 ms",
            ),
        ],
    );
    add(
        &|g| g == Governor::Exit,
        "allow exit;",
        "the host's exit, which reports the component's exit status. The other choice, \
         `deny exit;`, makes exiting trap.",
        &[],
    );

    // Host data: denied, as without a statement.
    add(
        &|g| g == Governor::Environment,
        "deny env;",
        "no host variables and no arguments, as without a statement. Uncomment and adapt a line \
         below to grant some.",
        &[
            (
                "env allow \"HOME\", \"LANG\";",
                "host variables, by name glob",
            ),
            (
                "env GREETING = \"hello\";",
                "a variable of the policy's own",
            ),
            ("args allow;", "the host's arguments"),
        ],
    );
    add(
        &|g| g == Governor::Files,
        "deny fs;",
        "no directories, as without a statement. Uncomment and adapt a line below to give it \
         files.",
        &[
            (
                "mount \"/\" from \"./dir\";",
                "a local directory, embedded read-only",
            ),
            (
                "file \"/etc/app.toml\" from \"./app.toml\";",
                "a local file, embedded",
            ),
            (
                "preopen \"/data\" from host \"/srv/data\" readonly;",
                "a host directory, opened at run time",
            ),
            (
                "tmpfs \"/tmp\" limit \"64MiB\";",
                "a writable directory in memory",
            ),
        ],
    );
    add(
        &|g| g == Governor::Sockets,
        "deny sockets;",
        "no network, as without a statement: sockets and name lookups get `access-denied`. To \
         grant a part of it, replace `deny sockets;` with rules like those below \
         (`allow sockets;` passes the host's network through untouched).",
        &[
            ("tcp connect \"db.internal:5432\";", "outgoing connections"),
            ("tcp listen \"0.0.0.0:8080\";", "a listening socket"),
            (
                "udp send \"10.0.0.53:8125\";",
                "datagrams to there, replies from there",
            ),
            ("dns resolve \"db.internal\";", "name lookups"),
        ],
    );
    add(
        &|g| g == Governor::Http,
        "deny http;",
        &format!(
            "no outgoing requests, as without a statement: a request gets \
             `HTTP-request-denied`.{served} To let some go out, replace `deny http;` with rules \
             like those below (`allow http;` passes the host's HTTP through untouched)."
        ),
        &[
            (
                "http allow \"https://api.example.com/v1/**\";",
                "requests to these URLs",
            ),
            (
                "http allow \"GET https://status.example.com/**\";",
                "GET requests only",
            ),
        ],
    );
    add(
        &|g| g == Governor::Config,
        "deny config;",
        "an empty store, as without a statement. Uncomment and adapt a line below to give it \
         values.",
        &[
            (
                "config \"log-level\" = \"info\";",
                "a value of the policy's own",
            ),
            (
                "config allow \"DATABASE_URL\";",
                "host keys, by name glob (`virtc run --config KEY=VALUE`)",
            ),
        ],
    );

    blocks.extend(import_blocks(imports));
    blocks
}

/// The `deny import` and `allow import` statements for the interfaces outside the registry, each
/// with its comment, as text (for `virtc init --observe`, which writes them the same way).
pub(crate) fn import_statements(info: &ComponentInfo) -> String {
    let mut out = String::new();
    for block in import_blocks(&Imports::of(info)) {
        out.push('\n');
        comment(&mut out, &block.comment);
        out.push_str(&block.statement);
        out.push('\n');
    }
    out
}

/// The statements for the interfaces outside the registry.
fn import_blocks(imports: &Imports<'_>) -> Vec<Block> {
    let mut blocks = Vec::new();
    for (pattern, names) in &imports.outside {
        blocks.push(Block {
            comment: format!(
                "For {}, outside virtc's WASI registry: stubbed out, so the output no longer \
                 imports it and every call traps. `allow import \"{pattern}\";` instead passes \
                 the host's through.",
                list(names)
            ),
            statement: format!("deny import \"{pattern}\";"),
            examples: &[],
        });
    }
    for (pattern, names) in &imports.links {
        blocks.push(Block {
            comment: format!(
                "For {}, from outside WASI (a link to another component): passed through for the \
                 host or a composition to provide. `deny import \"{pattern}\";` instead stubs it \
                 out (every call traps).",
                list(names)
            ),
            statement: format!("allow import \"{pattern}\";"),
            examples: &[],
        });
    }
    blocks
}

/// `a`, `a and b`, `a, b and c`.
fn list(names: &[impl AsRef<str>]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// Appends `text` as `//` lines wrapped to [`WIDTH`] columns; a `` `code span` `` is never
/// broken.
pub(crate) fn comment(out: &mut String, text: &str) {
    let mut line = String::from("//");
    for word in words(text) {
        if line.len() > 2 && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("//");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// The words of `text`, split at spaces outside `` ` `` spans.
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = None;
    let mut in_code = false;
    for (i, c) in text.char_indices() {
        if c == '`' {
            in_code = !in_code;
        }
        match (c == ' ' && !in_code, start) {
            (true, Some(s)) => {
                words.push(&text[s..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(imports: &[&str], exports: &[&str]) -> ComponentInfo {
        ComponentInfo {
            imports: imports.iter().map(|s| s.to_string()).collect(),
            exports: exports.iter().map(|s| s.to_string()).collect(),
            import_functions: Default::default(),
        }
    }

    #[test]
    fn comments_wrap_without_breaking_code_spans() {
        let mut out = String::new();
        let long = "word ".repeat(18) + "`deny clocks;` end";
        comment(&mut out, &long);
        assert!(out.lines().all(|l| l.len() <= WIDTH), "{out}");
        assert!(out.contains("`deny clocks;`"), "{out}");
        assert_eq!(words("a `b c` d"), ["a", "`b c`", "d"]);
    }

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(list(&["a"]), "a");
        assert_eq!(list(&["a", "b"]), "a and b");
        assert_eq!(list(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn interface_names_and_plain_names() {
        assert!(is_interface_name("example:pong/pingpong"));
        assert!(!is_interface_name("foo"));
        assert!(!is_interface_name("unlocked-dep=<a:b>"));
    }

    /// Uncommenting every example gives statements that parse (the ones for sockets and HTTP
    /// once the `deny` they replace is gone), and the text is in canonical layout.
    #[test]
    fn examples_parse_and_the_layout_is_canonical() {
        let info = info(
            &[
                "wasi:cli/environment@0.2.6",
                "wasi:filesystem/types@0.2.6",
                "wasi:sockets/tcp@0.2.6",
                "wasi:http/outgoing-handler@0.2.6",
                "wasi:config/store@0.2.0-rc.1",
                "wasi:keyvalue/store@0.2.0-draft",
                "wasi:keyvalue/store@0.2.0-draft2",
                "example:pong/pingpong",
                "plain-function",
            ],
            &[],
        );
        let text = write_policy("app.wasm", &info);
        assert_eq!(crate::format::format(&text).unwrap(), text);
        assert!(
            text.contains("deny import \"wasi:keyvalue/store\";"),
            "{text}"
        );
        assert!(
            text.contains("allow import \"example:pong/pingpong\";"),
            "{text}"
        );
        assert!(
            text.contains("plain-function is not an interface"),
            "{text}"
        );
        let uncommented: String = text
            .lines()
            .filter(|l| *l != "deny sockets;" && *l != "deny http;")
            .map(|l| match l.strip_prefix("// ") {
                Some(rest)
                    if rest
                        .split_once("//")
                        .is_some_and(|(code, _)| code.trim_end().ends_with(';')) =>
                {
                    rest
                }
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(
            uncommented.contains("\nmount \"/\" from \"./dir\";"),
            "{uncommented}"
        );
        let parsed = virtc_grammar::parse(&uncommented);
        assert!(
            parsed.errors.is_empty(),
            "{:?}\n{uncommented}",
            parsed.errors
        );
    }
}
