//! `virtc init --observe`: the policy a component needs, from what it did. The component runs
//! under a *recording policy* ([`recording_policy`]: what the host has — the `--env` variables,
//! the working directory read-only at `/`, loopback network, outgoing HTTP) compiled with the
//! tracing adapter; the trace lines are read back ([`Observation::read`]) and turned into the
//! policy that grants what was used and nothing more ([`observed_policy`]). Running the
//! component is the caller's part (`virtc-run`), so that this crate never links wasmtime.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use virtc_grammar::lexer::quote;

use crate::codegen::component_info::ComponentInfo;
use crate::driver::{Input, InputError};
use crate::init::{comment, file_name, import_statements};
use crate::inspect::print::env_name;
use crate::ir::relative_path;

/// What the user lets the observed run have.
#[derive(Debug, Clone)]
pub struct Request {
    /// `--env NAME` (the host's value) and `--env NAME=VALUE`.
    pub env: Vec<(String, Option<String>)>,
    /// The directory seen read-only at `/` (the working directory), absolute.
    pub root: PathBuf,
}

/// The policy the observed run is compiled under.
pub fn recording_policy(request: &Request) -> String {
    let mut out = String::from("// virtc init --observe: the recording policy.\n");
    let passed: Vec<String> = request
        .env
        .iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| quote(name))
        .collect();
    if !passed.is_empty() {
        let _ = writeln!(out, "env allow {};", passed.join(", "));
    }
    for (name, value) in &request.env {
        if let Some(value) = value {
            let _ = writeln!(out, "env {} = {};", env_name(name), quote(value));
        }
    }
    let root = request.root.display().to_string();
    let _ = write!(
        out,
        "args allow;\n\
         stdio allow;\n\
         allow random;\n\
         allow clocks;\n\
         allow exit;\n\
         preopen \"/\" from host {} readonly;\n\
         tcp connect \"127.0.0.1:*\", \"[::1]:*\", \"localhost:*\";\n\
         tcp listen \"127.0.0.1:*\", \"[::1]:*\";\n\
         udp send \"127.0.0.1:*\", \"[::1]:*\", \"localhost:*\";\n\
         udp bind \"127.0.0.1:*\", \"[::1]:*\";\n\
         http allow \"http://*:*\", \"https://*:*\";\n",
        quote(&root)
    );
    out
}

/// What the trace of one run shows the component used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    pub environment: bool,
    pub arguments: bool,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub random: bool,
    pub clocks: bool,
    pub exit: bool,
    pub config: bool,
    /// It asked for the preopened directories.
    pub preopens: bool,
    /// Guest paths it opened or looked at successfully (normalized, absolute).
    pub paths: BTreeSet<String>,
    /// Guest directories it listed.
    pub listed: BTreeSet<String>,
    pub tcp_connect: BTreeSet<String>,
    pub tcp_listen: BTreeSet<String>,
    pub udp_bind: BTreeSet<String>,
    pub udp_send: BTreeSet<String>,
    pub names: BTreeSet<String>,
    /// `METHOD SCHEME://AUTHORITY/PATH` of each request sent.
    pub http: BTreeSet<String>,
}

/// One trace line taken apart: `INTERFACE#FUNCTION(ARGUMENTS) -> RESULT`.
struct Call<'a> {
    interface: &'a str,
    function: &'a str,
    args: Vec<String>,
    result: &'a str,
}

impl<'a> Call<'a> {
    fn parse(line: &'a str) -> Option<Call<'a>> {
        let line = line.strip_prefix("virtc-trace: ").unwrap_or(line);
        let (interface, rest) = line.split_once('#')?;
        let open = rest.find('(')?;
        let function = &rest[..open];
        let (args, after) = arguments(&rest[open + 1..])?;
        let result = after.strip_prefix(" -> ").unwrap_or("");
        Some(Call {
            interface,
            function,
            args,
            result,
        })
    }

    /// Whether the result is `ok` (or `ok(…)`, a value).
    fn ok(&self) -> bool {
        self.result == "ok" || self.result.starts_with("ok(") || !self.result.starts_with("error")
    }

    /// Whether the policy refused it (the host was never asked).
    fn refused(&self) -> bool {
        self.result.contains("denied")
    }
}

/// The arguments up to the closing parenthesis, and what follows it. Strings are Rust debug
/// literals; other arguments run to the next `,` or `)` outside brackets.
fn arguments(s: &str) -> Option<(Vec<String>, &str)> {
    let mut args = Vec::new();
    let mut chars = s.char_indices().peekable();
    let mut current = String::new();
    let mut depth = 0usize;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                // A debug string literal.
                let mut text = String::new();
                loop {
                    let (_, c) = chars.next()?;
                    match c {
                        '"' => break,
                        '\\' => match chars.next()?.1 {
                            'n' => text.push('\n'),
                            't' => text.push('\t'),
                            'r' => text.push('\r'),
                            '0' => text.push('\0'),
                            'u' => {
                                chars.next()?; // {
                                let mut hex = String::new();
                                loop {
                                    let (_, c) = chars.next()?;
                                    if c == '}' {
                                        break;
                                    }
                                    hex.push(c);
                                }
                                text.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                            }
                            other => text.push(other),
                        },
                        c => text.push(c),
                    }
                }
                current.push_str(&text);
            }
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ',' if depth == 0 => {
                args.push(std::mem::take(&mut current).trim().to_owned());
            }
            ')' if depth == 0 => {
                let last = current.trim();
                if !last.is_empty() || !args.is_empty() {
                    args.push(last.to_owned());
                }
                return Some((args, &s[i + 1..]));
            }
            c => current.push(c),
        }
    }
    None
}

/// `base` joined with `path` and normalized (`.` and `..` resolved, never above `/`).
fn guest_path(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{base}/{path}")
    };
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

impl Observation {
    /// Reads the trace lines of one run.
    pub fn read<'a>(lines: impl IntoIterator<Item = &'a str>) -> Observation {
        let mut o = Observation::default();
        for line in lines {
            let Some(call) = Call::parse(line) else {
                continue;
            };
            let arg = |i: usize| call.args.get(i).map(String::as_str).unwrap_or("");
            match (call.interface, call.function) {
                ("wasi:cli/environment", "get-environment") => o.environment = true,
                ("wasi:cli/environment", "get-arguments") => o.arguments = true,
                ("wasi:cli/stdin", _) => o.stdin = true,
                ("wasi:cli/stdout", _) => o.stdout = true,
                ("wasi:cli/stderr", _) => o.stderr = true,
                ("wasi:cli/exit", _) => o.exit = true,
                ("wasi:config/store", _) => o.config = true,
                ("wasi:filesystem/preopens", _) => o.preopens = true,
                ("wasi:filesystem/types", "open-at" | "stat-at" | "readlink-at")
                    if call.ok() && call.args.len() >= 2 =>
                {
                    o.paths.insert(guest_path(arg(0), arg(1)));
                }
                ("wasi:filesystem/types", "read-directory") if call.ok() => {
                    o.listed.insert(guest_path(arg(0), ""));
                }
                ("wasi:sockets/tcp", "start-connect") if !call.refused() => {
                    o.tcp_connect.insert(arg(0).to_owned());
                }
                ("wasi:sockets/tcp", "start-bind") if !call.refused() => {
                    o.tcp_listen.insert(arg(0).to_owned());
                }
                ("wasi:sockets/udp", "start-bind") if !call.refused() => {
                    o.udp_bind.insert(arg(0).to_owned());
                }
                ("wasi:sockets/udp", "stream") if !call.refused() && arg(0) != "none" => {
                    o.udp_send.insert(arg(0).to_owned());
                }
                ("wasi:sockets/udp", "send") if !call.refused() => {
                    let list = arg(0).trim_start_matches('[').trim_end_matches(']');
                    for addr in list.split(',').map(str::trim) {
                        if !addr.is_empty() && addr != "none" {
                            o.udp_send.insert(addr.to_owned());
                        }
                    }
                }
                ("wasi:sockets/ip-name-lookup", "resolve-addresses") if !call.refused() => {
                    o.names.insert(arg(0).to_owned());
                }
                ("wasi:http/outgoing-handler", "handle") if !call.refused() => {
                    o.http.insert(arg(0).to_owned());
                }
                (i, _) if i.starts_with("wasi:random/") => o.random = true,
                (i, _) if i.starts_with("wasi:clocks/") => o.clocks = true,
                _ => {}
            }
        }
        o
    }
}

/// Whether a traced socket address is the ephemeral bind: the unspecified address, port 0.
fn is_ephemeral(addr: &str) -> bool {
    addr.parse::<std::net::SocketAddr>()
        .is_ok_and(|a| a.ip().is_unspecified() && a.port() == 0)
}

/// A UDP or TCP rule's address: a socket address as traced, or `HOST:*` for an ephemeral port.
fn rule_address(addr: &str) -> String {
    match addr.rsplit_once(':') {
        Some((host, "0")) => format!("{host}:*"),
        _ => addr.to_owned(),
    }
}

/// An HTTP rule for a traced request `METHOD URL`: the method, scheme, authority (with the port
/// the trace shows, if any) and path, the query left out (rules match paths).
fn http_rule(request: &str) -> String {
    request
        .split(['?', '#'])
        .next()
        .unwrap_or(request)
        .to_owned()
}

/// The policy that grants what `observation` saw, for `component`, written at `policy_path`
/// (paths relative to its directory), in canonical layout.
pub fn observed_policy(
    component: &Input<'_>,
    observation: &Observation,
    request: &Request,
    policy_path: &Path,
) -> Result<String, InputError> {
    let info = ComponentInfo::read(component.bytes).map_err(|why| InputError::NotAComponent {
        name: component.name.to_owned(),
        why,
    })?;
    let o = observation;
    let file_name = file_name(component.name);
    let policy_dir = policy_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut out = String::new();
    comment(
        &mut out,
        &format!(
            "The policy {file_name} needed in one run, written by `virtc init --observe`: it \
             grants what the component used and nothing more. A path the run did not take may \
             need more; `virtc check POLICY.virt --component {file_name}` checks it."
        ),
    );
    let mut block = |out: &mut String, why: &str, statement: &str| {
        out.push('\n');
        comment(out, why);
        out.push_str(statement);
        out.push('\n');
    };

    // The environment and arguments.
    if o.environment && !request.env.is_empty() {
        let passed: Vec<String> = request
            .env
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| quote(n))
            .collect();
        if !passed.is_empty() {
            block(
                &mut out,
                "It read its environment: the host's values of the variables named with --env \
                 (WASI hands over the whole environment at once, so these are what it was given).",
                &format!("env allow {};", passed.join(", ")),
            );
        }
        for (name, value) in &request.env {
            if let Some(value) = value {
                block(
                    &mut out,
                    &format!("It read its environment: {name} as given with --env."),
                    &format!("env {} = {};", env_name(name), quote(value)),
                );
            }
        }
    } else if o.environment {
        block(
            &mut out,
            "It read its environment, which held nothing (no --env).",
            "deny env;",
        );
    } else {
        block(&mut out, "It never read its environment.", "deny env;");
    }
    if o.arguments {
        block(
            &mut out,
            "It read its arguments: the host's.",
            "args allow;",
        );
    }

    // The standard streams.
    for (name, used) in [
        ("stdin", o.stdin),
        ("stdout", o.stdout),
        ("stderr", o.stderr),
    ] {
        if used {
            block(
                &mut out,
                &format!("It used {name}: the host's."),
                &format!("{name} allow;"),
            );
        } else {
            block(
                &mut out,
                &format!("It never asked for {name}: closed."),
                &format!("{name} deny;"),
            );
        }
    }

    // Without an error channel.
    for (name, used) in [("random", o.random), ("clocks", o.clocks), ("exit", o.exit)] {
        if used {
            block(
                &mut out,
                &format!("It called {name}: the host's."),
                &format!("allow {name};"),
            );
        } else {
            block(
                &mut out,
                &format!(
                    "It never called {name}. Denied, a call traps{}.",
                    match name {
                        "random" => " (`random seed 42;` would answer without the host)",
                        "clocks" => {
                            " (`clocks fixed \"2026-01-01T00:00:00Z\";` would answer without \
                             the host)"
                        }
                        _ => "",
                    }
                ),
                &format!("deny {name};"),
            );
        }
    }

    if let Some(outside) = outside_project(o, request, policy_path) {
        out.push('\n');
        comment(
            &mut out,
            &format!(
                "The files below come from {}, outside this policy's project, {} (its nearest \
                 directory with a .git, else its own): `virtc` reads them only when given \
                 `--allow-path {}`, or once the policy is in a project holding them.",
                outside.resolved.display(),
                outside.project.display(),
                outside.resolved.display()
            ),
        );
    }
    files(&mut out, o, request, &policy_dir, &mut block);
    network(&mut out, o, &mut block);

    if o.http.is_empty() {
        block(&mut out, "It sent no HTTP request.", "deny http;");
    } else {
        let rules: Vec<String> = o.http.iter().map(|r| quote(&http_rule(r))).collect();
        block(
            &mut out,
            &format!(
                "It sent {} HTTP request{}.",
                o.http.len(),
                if o.http.len() == 1 { "" } else { "s" }
            ),
            &format!("http allow {};", rules.join(", ")),
        );
    }
    block(
        &mut out,
        if o.config {
            "It read wasi:config/store, which held nothing in the observed run."
        } else {
            "It never read wasi:config/store."
        },
        "deny config;",
    );
    out.push_str(&import_statements(&info));
    Ok(crate::format::format(&out).unwrap_or(out))
}

/// Where the files a policy written at `policy_path` embeds come from, when that lies outside
/// the policy's project: `compile` and `check` then refuse them (V0064) without `--allow-path`.
pub fn outside_project(
    observation: &Observation,
    request: &Request,
    policy_path: &Path,
) -> Option<crate::confine::Outside> {
    // Without preopens the policy embeds nothing; with them, every path is under the root.
    if !observation.preopens {
        return None;
    }
    crate::confine::Confinement::project_only(policy_path)
        .check(&request.root)
        .err()
}

type Block<'b> = dyn FnMut(&mut String, &str, &str) + 'b;

/// `file` and `mount` statements for the paths the run opened.
fn files(
    out: &mut String,
    o: &Observation,
    request: &Request,
    policy_dir: &Path,
    block: &mut Block<'_>,
) {
    let host_of = |guest: &str| request.root.join(guest.trim_start_matches('/'));
    let local = |guest: &str| relative_path(policy_dir, &host_of(guest));
    // Listed directories are mounted whole; inside them nothing more is needed.
    let mounted: Vec<&String> = o.listed.iter().collect();
    let inside =
        |path: &str, dir: &str| dir == "/" || path == dir || path.starts_with(&format!("{dir}/"));
    if !o.preopens {
        block(out, "It never used the file system.", "deny fs;");
        return;
    }
    if !o.listed.contains("/") {
        // The run saw the working directory at `/`; so does the policy, holding only what the
        // component opened (a missing path then fails the same way, inside `/`).
        block(
            out,
            "It asked for its directories: `/` is there, holding only what the statements below \
             embed.",
            &format!(
                "mount \"/\" from {} {{ exclude \"**\"; }}",
                quote(&local("/"))
            ),
        );
    }
    for dir in &mounted {
        if mounted.iter().any(|d| *d != *dir && inside(dir, d)) {
            continue;
        }
        block(
            out,
            &format!("It listed {dir}: embedded whole, read-only."),
            &format!("mount {} from {};", quote(dir), quote(&local(dir))),
        );
    }
    for path in &o.paths {
        if mounted.iter().any(|d| inside(path, d)) {
            continue;
        }
        let host = host_of(path);
        let Ok(meta) = std::fs::metadata(&host) else {
            continue;
        };
        if meta.is_file() {
            block(
                out,
                &format!("It opened {path}: embedded, read-only."),
                &format!("file {} from {};", quote(path), quote(&local(path))),
            );
        } else if meta.is_dir()
            && path != "/"
            && !o.listed.iter().any(|d| inside(d, path))
            && !o
                .paths
                .iter()
                .any(|p| p != path && inside(p, path) && host_of(p).is_file())
        {
            // A directory it opened or looked at, nothing in it: there, and empty.
            block(
                out,
                &format!("It opened the directory {path} but read nothing in it: there, empty."),
                &format!(
                    "mount {} from {} {{ exclude \"**\"; }}",
                    quote(path),
                    quote(&local(path))
                ),
            );
        }
    }
}

/// `tcp`, `udp` and `dns` rules for the addresses and names the run used.
fn network(out: &mut String, o: &Observation, block: &mut Block<'_>) {
    let rule = |set: &BTreeSet<String>| -> String {
        let items: Vec<String> = set.iter().map(|a| quote(&rule_address(a))).collect();
        items.join(", ")
    };
    // The ephemeral bind (any address, port 0) before a connect or a send is what a `tcp
    // connect` or `udp send` rule already allows.
    let explicit = |binds: &BTreeSet<String>, implied: bool| -> BTreeSet<String> {
        binds
            .iter()
            .filter(|a| !(implied && is_ephemeral(a)))
            .cloned()
            .collect()
    };
    let tcp_listen = explicit(&o.tcp_listen, !o.tcp_connect.is_empty());
    let udp_bind = explicit(&o.udp_bind, !o.udp_send.is_empty());
    let mut any = false;
    for (set, keyword, what) in [
        (&o.tcp_connect, "tcp connect", "It connected to"),
        (&tcp_listen, "tcp listen", "It bound TCP sockets to"),
        (&udp_bind, "udp bind", "It bound UDP sockets to"),
        (&o.udp_send, "udp send", "It sent datagrams to"),
    ] {
        if !set.is_empty() {
            let list: Vec<&str> = set.iter().map(String::as_str).collect();
            block(
                out,
                &format!("{what} {}.", list.join(", ")),
                &format!("{keyword} {};", rule(set)),
            );
            any = true;
        }
    }
    if !o.names.is_empty() {
        let names: Vec<String> = o.names.iter().map(|n| quote(n)).collect();
        block(
            out,
            &format!(
                "It looked up {}.",
                o.names.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            &format!("dns resolve {};", names.join(", ")),
        );
        any = true;
    }
    if !any {
        block(out, "It used no network.", "deny sockets;");
    }
}

#[cfg(test)]
mod tests;
