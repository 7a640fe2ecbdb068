//! One file's statements as settings: words validated, names and globs checked, `all` and
//! `stdio` expanded, and contradictions inside the file reported. Runs per file, so editing one
//! file never re-checks another.

use std::path::PathBuf;

use virtc_grammar::{ArgsMode, EnvName, MountRuleKind, Span, Stmt, StmtKind, Str};
use virtc_policy::{StreamMode, expand_alternatives};

use super::suggest::closest;
use super::syntax::parse_file;
use super::uses::{UseTarget, file_uses};
use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, report};

/// The subsystems of `allow S;` / `deny S;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subsystem {
    Clocks,
    Env,
    Config,
    Exit,
    Fs,
    Http,
    Random,
    Sockets,
    Stdio,
}

impl Subsystem {
    pub const ALL: [Subsystem; 9] = [
        Subsystem::Clocks,
        Subsystem::Env,
        Subsystem::Config,
        Subsystem::Exit,
        Subsystem::Fs,
        Subsystem::Http,
        Subsystem::Random,
        Subsystem::Sockets,
        Subsystem::Stdio,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Subsystem::Clocks => "clocks",
            Subsystem::Env => "env",
            Subsystem::Config => "config",
            Subsystem::Exit => "exit",
            Subsystem::Fs => "fs",
            Subsystem::Http => "http",
            Subsystem::Random => "random",
            Subsystem::Sockets => "sockets",
            Subsystem::Stdio => "stdio",
        }
    }

    pub fn from_name(name: &str) -> Option<Subsystem> {
        Subsystem::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The three standard streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
}

impl Stream {
    pub const ALL: [Stream; 3] = [Stream::Stdin, Stream::Stdout, Stream::Stderr];

    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdin => "stdin",
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// What `args` says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArgsSetting {
    Host,
    Fixed(Vec<String>),
}

/// One thing a statement sets. Keyed settings replace earlier ones with the same key; list
/// settings (globs) add to earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Setting {
    Grant {
        subsystem: Subsystem,
        allow: bool,
    },
    Stream {
        stream: Stream,
        mode: StreamMode,
    },
    EnvVar {
        name: String,
        value: String,
    },
    EnvAllow(Vec<String>),
    EnvDeny(Vec<String>),
    ConfigVar {
        key: String,
        value: String,
    },
    ConfigAllow(Vec<String>),
    ConfigDeny(Vec<String>),
    Args(ArgsSetting),
    Preopen {
        guest: String,
        host: PathBuf,
        readonly: bool,
        /// The guest path as written.
        guest_span: Span,
    },
    /// `mount "/guest" from "./dir" { … }`.
    Mount(Mount),
    /// `file "/guest" = "text";` / `file "/guest" from "./local";`.
    File {
        guest: String,
        source: FileSource,
        /// The string naming the source.
        source_span: Span,
    },
    /// `use …;` at this position: the used file's settings apply here.
    Use(SourceFile),
}

/// A `mount` statement, paths resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mount {
    /// Normalized guest path (`/` or `/a/b`).
    pub guest: String,
    /// Absolute host directory.
    pub host: PathBuf,
    /// The host path string as written.
    pub host_span: Span,
    pub include: Vec<Pattern>,
    pub exclude: Vec<Pattern>,
}

/// A glob of a mount block, with the string it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub glob: String,
    pub span: Span,
}

/// Where an embedded file's contents come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileSource {
    /// Inline text, embedded.
    Text(String),
    /// A local file, embedded at build time.
    Host(PathBuf),
    /// A host file opened at run time (`file "/g" from host "/h" [readonly];`).
    Runtime { path: PathBuf, readonly: bool },
}

/// What replaces what: settings with equal keys override each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Grant(Subsystem),
    Stream(Stream),
    EnvVar(String),
    ConfigVar(String),
    Args,
    Preopen(String),
}

impl Setting {
    pub fn key(&self) -> Option<Key> {
        Some(match self {
            Setting::Grant { subsystem, .. } => Key::Grant(*subsystem),
            Setting::Stream { stream, .. } => Key::Stream(*stream),
            Setting::EnvVar { name, .. } => Key::EnvVar(name.clone()),
            Setting::ConfigVar { key, .. } => Key::ConfigVar(key.clone()),
            Setting::Args(_) => Key::Args,
            Setting::Preopen { guest, .. } => Key::Preopen(guest.clone()),
            _ => return None,
        })
    }
}

/// A setting and the statement it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Located {
    pub setting: Setting,
    /// The statement.
    pub span: Span,
    /// Set by a broad statement (`allow all;`, `stdio allow;`): a later specific statement
    /// refines it without complaint.
    pub implied: bool,
}

/// A file's settings in statement order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FileSettings {
    pub settings: Vec<Located>,
}

/// Checks one file on its own and lists its settings.
#[salsa::tracked(returns(ref))]
pub fn file_settings(db: &dyn Db, file: SourceFile) -> FileSettings {
    let parsed = parse_file(db, file);
    let uses = file_uses(db, file);
    let mut out = Vec::new();
    let mut use_index = 0;
    for stmt in &parsed.file.stmts {
        if let StmtKind::UseFile(_) | StmtKind::UseProfile { .. } = stmt.kind {
            if let Some(UseTarget {
                target: Some(target),
                ..
            }) = uses.get(use_index)
            {
                out.push(Located {
                    setting: Setting::Use(*target),
                    span: stmt.span,
                    implied: false,
                });
            }
            use_index += 1;
            continue;
        }
        lower_stmt(db, file, stmt, &mut out);
    }
    report_contradictions(db, file, &out);
    FileSettings { settings: out }
}

fn lower_stmt(db: &dyn Db, file: SourceFile, stmt: &Stmt, out: &mut Vec<Located>) {
    let span = stmt.span;
    let mut push = |setting: Setting, implied: bool| {
        out.push(Located {
            setting,
            span,
            implied,
        })
    };
    match &stmt.kind {
        StmtKind::Allow(word) | StmtKind::Deny(word) => {
            let allow = matches!(stmt.kind, StmtKind::Allow(_));
            if word.name == "all" {
                for subsystem in Subsystem::ALL {
                    push(Setting::Grant { subsystem, allow }, true);
                }
                let mode = if allow {
                    StreamMode::Host
                } else {
                    StreamMode::Deny
                };
                for stream in Stream::ALL {
                    push(Setting::Stream { stream, mode }, true);
                }
            } else if let Some(subsystem) = Subsystem::from_name(&word.name) {
                if subsystem == Subsystem::Stdio {
                    let mode = if allow {
                        StreamMode::Host
                    } else {
                        StreamMode::Deny
                    };
                    for stream in Stream::ALL {
                        push(Setting::Stream { stream, mode }, true);
                    }
                }
                push(Setting::Grant { subsystem, allow }, false);
            } else {
                let names = Subsystem::ALL.iter().map(|s| s.name()).chain(["all"]);
                let mut d =
                    Diagnostic::error("V0010", format!("unknown subsystem `{}`", word.name))
                        .primary(file, word.span, "not a subsystem");
                if let Some(best) = closest(&word.name, names.clone()) {
                    d = d.help(format!("did you mean `{best}`?")).fix(
                        format!("replace with `{best}`"),
                        file,
                        word.span,
                        best,
                    );
                }
                let list: Vec<_> = names.collect();
                report(
                    db,
                    d.help(format!("the subsystems are {}", list.join(", "))),
                );
            }
        }
        StmtKind::Stdio { stream, mode } => {
            let Some(mode_value) = stream_mode(db, file, mode) else {
                return;
            };
            let streams: &[Stream] = match stream.name.as_str() {
                "stdin" => &[Stream::Stdin],
                "stdout" => &[Stream::Stdout],
                "stderr" => &[Stream::Stderr],
                _ => &Stream::ALL,
            };
            let implied = streams.len() > 1;
            for s in streams {
                push(
                    Setting::Stream {
                        stream: *s,
                        mode: mode_value,
                    },
                    implied,
                );
            }
        }
        StmtKind::EnvSet { name, value } => {
            if check_env_name(db, file, name) {
                push(
                    Setting::EnvVar {
                        name: name.text().to_owned(),
                        value: value.value.clone(),
                    },
                    false,
                );
            }
        }
        StmtKind::EnvAllow(patterns) => push(Setting::EnvAllow(globs(db, file, patterns)), false),
        StmtKind::EnvDeny(patterns) => push(Setting::EnvDeny(globs(db, file, patterns)), false),
        StmtKind::ConfigSet { key, value } => {
            if key.value.is_empty() {
                report(
                    db,
                    Diagnostic::error("V0026", "empty configuration key").primary(
                        file,
                        key.span,
                        "a key needs at least one character",
                    ),
                );
            } else {
                push(
                    Setting::ConfigVar {
                        key: key.value.clone(),
                        value: value.value.clone(),
                    },
                    false,
                );
            }
        }
        StmtKind::ConfigAllow(p) => push(Setting::ConfigAllow(globs(db, file, p)), false),
        StmtKind::ConfigDeny(p) => push(Setting::ConfigDeny(globs(db, file, p)), false),
        StmtKind::Args(ArgsMode::Word(word)) => match word.name.as_str() {
            "allow" => push(Setting::Args(ArgsSetting::Host), false),
            "deny" => push(Setting::Args(ArgsSetting::Fixed(Vec::new())), false),
            other => report(
                db,
                Diagnostic::error("V0012", format!("unknown `args` mode `{other}`")).primary(
                    file,
                    word.span,
                    "expected `allow`, `deny` or a list of strings",
                ),
            ),
        },
        StmtKind::Args(ArgsMode::List(list)) => push(
            Setting::Args(ArgsSetting::Fixed(
                list.iter().map(|s| s.value.clone()).collect(),
            )),
            false,
        ),
        StmtKind::Preopen {
            guest,
            host,
            readonly,
        } => {
            let Some(guest_path) = guest_path(db, file, guest) else {
                return;
            };
            let Some(host_path) = host_path(db, file, host) else {
                return;
            };
            push(
                Setting::Preopen {
                    guest: guest_path,
                    host: host_path,
                    readonly: readonly.is_some(),
                    guest_span: guest.span,
                },
                false,
            );
        }
        StmtKind::Mount { guest, host, rules } => {
            let guest_path = guest_path(db, file, guest);
            let host_path = host_path(db, file, host);
            let mut include = Vec::new();
            let mut exclude = Vec::new();
            for rule in rules {
                for p in &rule.patterns {
                    if mount_glob(db, file, p).is_none() {
                        continue;
                    }
                    let pattern = Pattern {
                        glob: p.value.clone(),
                        span: p.span,
                    };
                    match rule.kind {
                        MountRuleKind::Include => include.push(pattern),
                        MountRuleKind::Exclude => exclude.push(pattern),
                    }
                }
            }
            if let (Some(guest), Some(host)) = (guest_path, host_path) {
                push(
                    Setting::Mount(Mount {
                        guest,
                        host,
                        host_span: stmt_host_span(stmt),
                        include,
                        exclude,
                    }),
                    false,
                );
            }
        }
        StmtKind::FileText { guest, text } => {
            if let Some(guest_path) = file_guest_path(db, file, guest) {
                push(
                    Setting::File {
                        guest: guest_path,
                        source: FileSource::Text(text.value.clone()),
                        source_span: text.span,
                    },
                    false,
                );
            }
        }
        StmtKind::FileHost {
            guest,
            host,
            readonly,
        } => {
            let guest_path = file_guest_path(db, file, guest);
            let host_path = host_path(db, file, host);
            if let (Some(guest_path), Some(host_path)) = (guest_path, host_path) {
                if host_path.parent().is_none() || host_path.file_name().is_none() {
                    report(
                        db,
                        Diagnostic::error(
                            "V0056",
                            format!("`{}` does not name a file", host.value),
                        )
                        .primary(
                            file,
                            host.span,
                            "a host file path ends in a file name",
                        ),
                    );
                    return;
                }
                push(
                    Setting::File {
                        guest: guest_path,
                        source: FileSource::Runtime {
                            path: host_path,
                            readonly: readonly.is_some(),
                        },
                        source_span: host.span,
                    },
                    false,
                );
            }
        }
        StmtKind::FileFrom { guest, host } => {
            let guest_path = file_guest_path(db, file, guest);
            let host_path = host_path(db, file, host);
            if let (Some(guest_path), Some(host_path)) = (guest_path, host_path) {
                push(
                    Setting::File {
                        guest: guest_path,
                        source: FileSource::Host(host_path),
                        source_span: host.span,
                    },
                    false,
                );
            }
        }
        StmtKind::UseFile(_) | StmtKind::UseProfile { .. } | StmtKind::Error => {}
    }
}

fn stream_mode(db: &dyn Db, file: SourceFile, mode: &virtc_grammar::Ident) -> Option<StreamMode> {
    match mode.name.as_str() {
        "allow" => Some(StreamMode::Host),
        "deny" => Some(StreamMode::Deny),
        "ignore" => Some(StreamMode::Ignore),
        other => {
            let mut d = Diagnostic::error("V0011", format!("unknown stream mode `{other}`"))
                .primary(file, mode.span, "expected `allow`, `deny` or `ignore`");
            if let Some(best) = closest(other, ["allow", "deny", "ignore"]) {
                d = d.help(format!("did you mean `{best}`?")).fix(
                    format!("replace with `{best}`"),
                    file,
                    mode.span,
                    best,
                );
            }
            report(db, d);
            None
        }
    }
}

/// Environment variable names: non-empty, no `=`, no NUL (what POSIX `environ` can hold).
fn check_env_name(db: &dyn Db, file: SourceFile, name: &EnvName) -> bool {
    let text = name.text();
    let problem = if text.is_empty() {
        Some("a variable name cannot be empty")
    } else if text.contains('=') {
        Some("a variable name cannot contain `=`")
    } else if text.contains('\0') {
        Some("a variable name cannot contain a NUL character")
    } else {
        None
    };
    match problem {
        Some(problem) => {
            report(
                db,
                Diagnostic::error(
                    "V0023",
                    format!(
                        "invalid environment variable name `{}`",
                        text.escape_debug()
                    ),
                )
                .primary(file, name.span(), problem),
            );
            false
        }
        None => true,
    }
}

/// A guest path, normalized (`/a/./b/` → `/a/b`); `None` (reported) when it is not absolute or
/// climbs with `..`.
fn guest_path(db: &dyn Db, file: SourceFile, guest: &Str) -> Option<String> {
    if !guest.value.starts_with('/') {
        let fixed = format!("\"/{}\"", guest.value.trim_start_matches("./"));
        report(
            db,
            Diagnostic::error(
                "V0025",
                format!("guest path `{}` is not absolute", guest.value),
            )
            .primary(file, guest.span, "guest paths start with `/`")
            .fix(format!("use {fixed}"), file, guest.span, fixed.clone()),
        );
        return None;
    }
    let mut parts = Vec::new();
    for part in guest.value.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                report(
                    db,
                    Diagnostic::error(
                        "V0055",
                        format!("guest path `{}` contains `..`", guest.value),
                    )
                    .primary(file, guest.span, "write the path without `..`"),
                );
                return None;
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// A host path resolved against the directory of the policy file naming it.
fn host_path(db: &dyn Db, file: SourceFile, host: &Str) -> Option<PathBuf> {
    let path = std::path::Path::new(&host.value);
    if path.is_absolute() {
        return Some(crate::db::normalize(path));
    }
    match file.base_dir(db) {
        Some(dir) => Some(crate::db::normalize(&dir.join(path))),
        None => {
            report(
                db,
                Diagnostic::error("V0056", "a profile cannot name a relative host path").primary(
                    file,
                    host.span,
                    "only absolute paths here",
                ),
            );
            None
        }
    }
}

/// The guest path of a `file` statement: a guest path that is not `/`.
fn file_guest_path(db: &dyn Db, file: SourceFile, guest: &Str) -> Option<String> {
    let path = guest_path(db, file, guest)?;
    if path == "/" {
        report_root_file(db, file, guest);
        return None;
    }
    Some(path)
}

fn report_root_file(db: &dyn Db, file: SourceFile, guest: &Str) {
    report(
        db,
        Diagnostic::error("V0057", "`/` cannot be a file")
            .primary(file, guest.span, "the root of the file system is a directory")
            .help("name the file, e.g. `file \"/etc/motd\" = \"...\";`, or use `mount` for a directory"),
    );
}

/// The span of the host path of a mount statement.
fn stmt_host_span(stmt: &Stmt) -> Span {
    match &stmt.kind {
        StmtKind::Mount { host, .. } => host.span,
        _ => stmt.span,
    }
}

/// globset's verdict on a pattern (`None` when valid), remembered across edits: building a glob
/// is the costliest part of checking a statement, and an edit leaves almost every pattern as it
/// was.
fn glob_error(pattern: &str, literal_separator: bool) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// (pattern, literal separator) → globset's error, if any.
    type Verdicts = HashMap<(String, bool), Option<String>>;
    static CACHE: OnceLock<Mutex<Verdicts>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (pattern.to_owned(), literal_separator);
    if let Some(known) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return known;
    }
    let verdict = globset::GlobBuilder::new(pattern)
        .literal_separator(literal_separator)
        .build()
        .err()
        .map(|e| e.kind().to_string());
    if let Ok(mut c) = cache.lock() {
        if c.len() > 50_000 {
            c.clear();
        }
        c.insert(key, verdict.clone());
    }
    verdict
}

/// Validates a mount glob (relative paths; `*` stays within a directory, `**` crosses them).
fn mount_glob(db: &dyn Db, file: SourceFile, pattern: &Str) -> Option<()> {
    let problem = match glob_error(&pattern.value, true) {
        None if pattern.value.starts_with('/') => (
            "mount globs are relative to the mounted directory".to_string(),
            "drop the leading `/`; `**/` matches in any subdirectory",
        ),
        None => return Some(()),
        Some(e) => (
            e,
            "globs use `*` (within a directory), `**` (across directories), `?`, `[abc]` and `{a,b}`",
        ),
    };
    report(
        db,
        Diagnostic::error("V0024", format!("invalid glob `{}`", pattern.value))
            .primary(file, pattern.span, problem.0)
            .help(problem.1),
    );
    None
}

/// Validates globs with globset (errors placed on the string) and expands `{a,b}`.
fn globs(db: &dyn Db, file: SourceFile, patterns: &[Str]) -> Vec<String> {
    let mut out = Vec::new();
    for p in patterns {
        match glob_error(&p.value, false) {
            None => out.extend(expand_alternatives(&p.value)),
            Some(e) => report(
                db,
                Diagnostic::error("V0024", format!("invalid glob `{}`", p.value))
                    .primary(file, p.span, e)
                    .help("globs use `*`, `?`, `[abc]`, `[!abc]` and `{a,b}`"),
            ),
        }
    }
    out
}

/// Two explicit statements of one file setting one thing differently is an error; the same
/// setting twice is a warning.
fn report_contradictions(db: &dyn Db, file: SourceFile, settings: &[Located]) {
    use std::collections::HashMap;
    let mut seen: HashMap<Key, &Located> = HashMap::new();
    let mut duplicates_reported = std::collections::HashSet::new();
    for located in settings {
        let Some(key) = located.setting.key() else {
            continue;
        };
        if located.implied {
            seen.remove(&key);
            continue;
        }
        if let Some(earlier) = seen.get(&key) {
            if earlier.setting == located.setting {
                if duplicates_reported.insert(located.span) {
                    report(
                        db,
                        Diagnostic::warning("V0022", "duplicate statement")
                            .primary(file, located.span, "this repeats an earlier statement")
                            .secondary(file, earlier.span, "first written here")
                            .fix("remove the duplicate statement", file, located.span, ""),
                    );
                }
            } else {
                let (code, message) = match &key {
                    Key::EnvVar(name) => (
                        "V0021",
                        format!("environment variable `{name}` is set twice"),
                    ),
                    Key::ConfigVar(k) => ("V0021", format!("configuration key `{k}` is set twice")),
                    _ => (
                        "V0020",
                        format!("conflicting statements for {}", describe(&key)),
                    ),
                };
                report(
                    db,
                    Diagnostic::error(code, message)
                        .primary(file, located.span, "this statement…")
                        .secondary(file, earlier.span, "…contradicts this one")
                        .help("keep one of them; to override a profile, write the statement in the file that `use`s it"),
                );
            }
        }
        seen.insert(key, located);
    }
}

/// Words for a key in messages.
pub fn describe(key: &Key) -> String {
    match key {
        Key::Grant(s) => format!("`{}`", s.name()),
        Key::Stream(s) => format!("`{}`", s.name()),
        Key::EnvVar(n) => format!("environment variable `{n}`"),
        Key::ConfigVar(k) => format!("configuration key `{k}`"),
        Key::Args => "`args`".into(),
        Key::Preopen(g) => format!("the guest path `{g}`"),
    }
}
