//! The policy an output enforces as a `.virt` file: one group of statements per subsystem, each
//! stated even when denied, so an auditor reads the whole of it; the embedded files and the
//! output's imports and exports as comments. The text is laid out by `format`, so `virtc fmt
//! --check` passes on it, and compiling it gives the same policy back.

use std::fmt::Write as _;

use virtc_grammar::lexer::quote;
use virtc_policy::image::{Image, Kind};
use virtc_policy::net::NetAccess;
use virtc_policy::{
    Access, Args, ClockMode, Embedding, FORMAT_VERSION, HttpAccess, Policy, PreopenSource,
    StreamMode, Trace,
};

use super::{Entry, Inspection};
use crate::instant::{format_duration, format_instant};
use crate::size::format_size;

/// The text of `inspection`.
pub(super) fn policy_text(inspection: &Inspection) -> String {
    let p = &inspection.policy;
    let mut out = Text::default();
    out.comment("The policy virtc compiled into this component, read back from the data its adapter runs on.");
    out.comment(&format!(
        "Policy format {FORMAT_VERSION}, {} bytes. What is not granted here is denied.",
        inspection.policy_bytes
    ));
    let built_from = p.origin.host_paths();
    if !built_from.is_empty() {
        out.comment(&format!("Built from: {}", built_from.join(", ")));
    }
    match p.trace {
        Trace::Off => {}
        Trace::Stderr => out.comment(
            "Traced (virtc compile --trace): every WASI call is written to the host's \
             stderr, which the output imports for the trace whatever the component's stderr is.",
        ),
        Trace::Sink => out.comment(
            "Traced for virtc run: every WASI call is written to virtc:adapter/trace, which \
             the output imports.",
        ),
    }
    out.group("Environment and arguments");
    environment(p, &mut out);
    out.group("Standard streams");
    for (stream, mode) in [
        ("stdin", p.stdio.stdin),
        ("stdout", p.stdio.stdout),
        ("stderr", p.stdio.stderr),
    ] {
        let mode = match mode {
            StreamMode::Deny => "deny",
            StreamMode::Host => "allow",
            StreamMode::Ignore => "ignore",
        };
        out.line(&format!("{stream} {mode};"));
    }
    out.group("Random, clocks and exit (denied, a call traps)");
    match (p.random_seed, p.origin.random_seed) {
        (Some(_), Some(seed)) => out.line(&format!("random seed {seed};")),
        // Keys without their seed: the data was not written by this virtc.
        (Some(_), None) => out.comment("random numbers from a seed this output does not record"),
        (None, _) => out.line(&format!("{} random;", verb(p.random))),
    }
    match p.clock_mode {
        ClockMode::Plain => out.line(&format!("{} clocks;", verb(p.clocks))),
        ClockMode::Fixed {
            seconds,
            nanoseconds,
        } => out.line(&format!(
            "clocks fixed {};",
            quote(&format_instant((seconds, nanoseconds)))
        )),
        ClockMode::Resolution { ns } => out.line(&format!(
            "clocks resolution {};",
            quote(&format_duration(ns))
        )),
    }
    out.line(&format!("{} exit;", verb(p.exit)));
    out.group("Files");
    files(inspection, &mut out);
    out.group("Network");
    network(p, &mut out);
    out.group("Outgoing HTTP");
    http(p, &mut out);
    out.group("wasi:config/store");
    config(p, &mut out);
    let imports = &p.origin;
    if !imports.import_allow.is_empty() || !imports.import_deny.is_empty() {
        out.group("Interfaces outside virtc's WASI registry");
        list(&mut out, "allow import", &imports.import_allow);
        list(&mut out, "deny import", &imports.import_deny);
    }
    out.group("The output's imports and exports");
    interfaces(&mut out, "imports", &inspection.imports);
    interfaces(&mut out, "exports", &inspection.exports);
    match crate::format::format(&out.0) {
        Ok(text) => text,
        // Every statement above is written to parse; should one not, the text is still right.
        Err(_) => out.0,
    }
}

fn verb(access: Access) -> &'static str {
    match access {
        Access::Host => "allow",
        Access::Deny => "deny",
    }
}

/// `KEYWORD "a", "b";` when the list is not empty.
fn list(out: &mut Text, keyword: &str, items: &[String]) {
    if !items.is_empty() {
        let items: Vec<String> = items.iter().map(|s| quote(s)).collect();
        out.line(&format!("{keyword} {};", items.join(", ")));
    }
}

fn environment(p: &Policy, out: &mut Text) {
    if p.origin.env_host {
        out.line("allow env;");
        return;
    }
    let env = &p.env;
    if env.vars.is_empty() && env.allow.is_empty() {
        out.line("deny env;");
    }
    for (name, value) in &env.vars {
        out.line(&format!("env {} = {};", env_name(name), quote(value)));
    }
    list(out, "env allow", &env.allow);
    list(out, "env deny", &env.deny);
    match &env.args {
        Args::Host => out.line("args allow;"),
        Args::Fixed(args) if args.is_empty() => out.line("args deny;"),
        Args::Fixed(args) => list(out, "args", args),
    }
    if let Some(cwd) = &env.cwd {
        out.comment(&format!(
            "The working directory the component is told: {}",
            quote(cwd)
        ));
    }
}

/// A variable's name as a word where it is one (`PATH`), else quoted.
pub(crate) fn env_name(name: &str) -> String {
    let word = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if word { name.to_owned() } else { quote(name) }
}

fn files(inspection: &Inspection, out: &mut Text) {
    let p = &inspection.policy;
    let mut any = false;
    for statement in &p.origin.embedded {
        any = true;
        match statement {
            Embedding::Mount {
                guest,
                local,
                include,
                exclude,
            } => {
                // A writable mount is a memory preopen starting as its tree.
                let writable = p.files.preopens.iter().find_map(|o| match o.source {
                    PreopenSource::Memory {
                        node: Some(_),
                        limit,
                    } if o.guest == *guest => Some(limit),
                    _ => None,
                });
                let options = match writable {
                    None => String::new(),
                    Some(None) => " writable".into(),
                    Some(Some(limit)) => format!(" writable limit {}", quote(&format_size(limit))),
                };
                let head = format!("mount {} from {}{options}", quote(guest), quote(local));
                if include.is_empty() && exclude.is_empty() {
                    out.line(&format!("{head};"));
                    continue;
                }
                out.line(&format!("{head} {{"));
                for glob in include {
                    out.line(&format!("include {};", quote(glob)));
                }
                for glob in exclude {
                    out.line(&format!("exclude {};", quote(glob)));
                }
                out.line("}");
            }
            Embedding::File { guest, local } => {
                out.line(&format!("file {} from {};", quote(guest), quote(local)))
            }
            Embedding::Text { guest } => match text_of(p, guest) {
                Some(text) => out.line(&format!("file {} = {};", quote(guest), quote(&text))),
                None => out.comment(&format!(
                    "file {} = …; (its text is not in the embedded files)",
                    quote(guest)
                )),
            },
        }
    }
    for file in &inspection.files {
        if let Entry::Host { path, readonly } = &file.entry {
            any = true;
            let readonly = if *readonly { " readonly" } else { "" };
            out.line(&format!(
                "file {} from host {}{readonly};",
                quote(&file.path),
                quote(path)
            ));
        }
    }
    for preopen in &p.files.preopens {
        match &preopen.source {
            PreopenSource::Host { host, readonly } => {
                any = true;
                let readonly = if *readonly { " readonly" } else { "" };
                out.line(&format!(
                    "preopen {} from host {}{readonly};",
                    quote(&preopen.guest),
                    quote(host)
                ));
            }
            // A memory preopen that no mount statement made is a tmpfs (inside the embedded
            // tree it starts as an empty directory of it).
            PreopenSource::Memory { limit, .. }
                if !p.origin.embedded.iter().any(
                    |e| matches!(e, Embedding::Mount { guest, .. } if *guest == preopen.guest),
                ) =>
            {
                any = true;
                let limit = match limit {
                    Some(limit) => format!(" limit {}", quote(&format_size(*limit))),
                    None => String::new(),
                };
                out.line(&format!("tmpfs {}{limit};", quote(&preopen.guest)));
            }
            _ => {}
        }
    }
    if !any {
        out.line(&format!("{} fs;", verb(p.fs)));
    }
    let embedded: Vec<_> = inspection
        .files
        .iter()
        .filter(|f| !matches!(f.entry, Entry::Host { .. }))
        .collect();
    if !embedded.is_empty() {
        out.comment("Embedded, read-only (path, size, SHA-256):");
        for file in embedded {
            match &file.entry {
                Entry::File { size, sha256 } => out.comment(&format!(
                    "  {}  {size} {}  {sha256}",
                    file.path,
                    if *size == 1 { "byte" } else { "bytes" }
                )),
                Entry::Symlink { target } => {
                    out.comment(&format!("  {} -> {target}  (symbolic link)", file.path))
                }
                Entry::Host { .. } => {}
            }
        }
    }
}

/// The text of the embedded file at `guest`, from the image.
fn text_of(p: &Policy, guest: &str) -> Option<String> {
    let bytes = p.files.image.contiguous();
    let image = Image::new(&bytes).ok()?;
    // The embedded preopen whose path is the longest prefix of `guest`.
    let (root, rest) = p
        .files
        .preopens
        .iter()
        .filter_map(|preopen| match preopen.source {
            PreopenSource::Embedded { node } => {
                let base = preopen.guest.trim_end_matches('/');
                let rest = guest.strip_prefix(base)?.strip_prefix('/')?;
                Some((node, base.len(), rest))
            }
            PreopenSource::Host { .. } | PreopenSource::Memory { .. } => None,
        })
        .max_by_key(|(_, len, _)| *len)
        .map(|(node, _, rest)| (node, rest))?;
    let mut node = image.node(root);
    for name in rest.split('/') {
        node = image.lookup(node.index, name.as_bytes())?;
    }
    (node.kind == Kind::File)
        .then(|| String::from_utf8(image.data(&node).to_vec()).ok())
        .flatten()
}

fn network(p: &Policy, out: &mut Text) {
    let net = &p.net;
    match net.access {
        NetAccess::Deny => out.line("deny sockets;"),
        NetAccess::Host => out.line("allow sockets;"),
        NetAccess::Rules => {
            let addrs = |rules: &[virtc_policy::net::AddrPattern]| -> Vec<String> {
                rules.iter().map(ToString::to_string).collect()
            };
            list(out, "tcp connect", &addrs(&net.tcp_connect));
            list(out, "tcp listen", &addrs(&net.tcp_listen));
            list(out, "udp send", &addrs(&net.udp_send));
            list(out, "udp bind", &addrs(&net.udp_bind));
            let names: Vec<String> = net.dns.iter().map(ToString::to_string).collect();
            list(out, "dns resolve", &names);
        }
    }
}

fn http(p: &Policy, out: &mut Text) {
    match p.http.access {
        HttpAccess::Deny => out.line("deny http;"),
        HttpAccess::Host => out.line("allow http;"),
        HttpAccess::Rules => {
            let rules = &p.http.rules;
            let text = |r: &[virtc_policy::http::UrlRule]| -> Vec<String> {
                r.iter().map(ToString::to_string).collect()
            };
            list(out, "http allow", &text(&rules.allow));
            list(out, "http deny", &text(&rules.deny));
        }
    }
}

fn config(p: &Policy, out: &mut Text) {
    let config = &p.config;
    if config.access == Access::Host {
        out.line("allow config;");
        return;
    }
    if config.values.is_empty() && config.allow.is_empty() {
        out.line("deny config;");
    }
    for (key, value) in &config.values {
        out.line(&format!("config {} = {};", quote(key), quote(value)));
    }
    list(out, "config allow", &config.allow);
    list(out, "config deny", &config.deny);
}

fn interfaces(out: &mut Text, what: &str, names: &[String]) {
    if names.is_empty() {
        out.comment(&format!("It {what} nothing."));
        return;
    }
    out.comment(&format!("It {what}:"));
    for name in names {
        out.comment(&format!("  {name}"));
    }
}

/// The text being written, before layout.
#[derive(Default)]
struct Text(String);

impl Text {
    fn line(&mut self, line: &str) {
        self.0.push_str(line);
        self.0.push('\n');
    }

    /// `//` lines, wrapped at 100 columns where the text has spaces. Control characters (a
    /// line break in a file name) are escaped, so nothing in `text` can end the comment.
    fn comment(&mut self, text: &str) {
        let text: String = text
            .chars()
            .map(|c| match c {
                c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
                c => c.to_string(),
            })
            .collect();
        let text = text.as_str();
        let indent = text.len() - text.trim_start().len();
        let mut line = String::new();
        for word in text.trim_start().split(' ') {
            if !line.is_empty() && 3 + indent + line.len() + 1 + word.len() > 100 {
                let _ = writeln!(self.0, "// {}{line}", " ".repeat(indent));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        let _ = writeln!(self.0, "// {}{line}", " ".repeat(indent));
    }

    /// A blank line and a heading comment.
    fn group(&mut self, heading: &str) {
        self.0.push('\n');
        self.comment(heading);
    }
}
