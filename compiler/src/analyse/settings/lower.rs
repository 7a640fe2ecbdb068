//! Lowering one statement to settings: words validated, names, paths and globs checked, `all`
//! and `stdio` expanded. Diagnostics are collected, not reported, so a chunk's lowering can be
//! remembered with them.

use std::path::PathBuf;
use std::sync::Arc;

use virtc_grammar::{ArgsMode, EnvName, MountRuleKind, Shift, Span, Stmt, StmtKind, Str};
use virtc_policy::{StreamMode, expand_alternatives};

use super::*;
use crate::analyse::imports;
use crate::analyse::suggest::closest;
use crate::db::{Db, SourceFile};
use crate::diagnostic::Diagnostic;

/// Lowering one file's statements: where diagnostics go until they are reported.
pub(super) struct Lowering<'db> {
    pub(super) db: &'db dyn Db,
    pub(super) file: SourceFile,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Lowering<'_> {
    pub(super) fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }
}

impl Located {
    /// A copy with every span moved by `by` bytes.
    pub(super) fn moved(&self, by: isize) -> Located {
        let setting = match &*self.setting {
            Setting::Preopen {
                guest,
                host,
                readonly,
                guest_span,
            } => Arc::new(Setting::Preopen {
                guest: guest.clone(),
                host: host.clone(),
                readonly: *readonly,
                guest_span: moved(*guest_span, by),
            }),
            Setting::Mount(mount) => {
                let mut mount = mount.clone();
                mount.host_span.shift(by);
                for p in mount.include.iter_mut().chain(&mut mount.exclude) {
                    p.span.shift(by);
                }
                Arc::new(Setting::Mount(mount))
            }
            Setting::File {
                guest,
                source,
                source_span,
            } => Arc::new(Setting::File {
                guest: guest.clone(),
                source: source.clone(),
                source_span: moved(*source_span, by),
            }),
            Setting::Tmpfs {
                guest,
                limit,
                guest_span,
            } => Arc::new(Setting::Tmpfs {
                guest: guest.clone(),
                limit: *limit,
                guest_span: moved(*guest_span, by),
            }),
            Setting::Net { rule, patterns } => Arc::new(Setting::Net {
                rule: *rule,
                patterns: patterns
                    .iter()
                    .map(|(p, span)| (p.clone(), moved(*span, by)))
                    .collect(),
            }),
            Setting::Http { list, rules } => Arc::new(Setting::Http {
                list: *list,
                rules: rules
                    .iter()
                    .map(|(r, span)| (r.clone(), moved(*span, by)))
                    .collect(),
            }),
            _ => self.setting.clone(),
        };
        Located {
            setting,
            span: moved(self.span, by),
            implied: self.implied,
        }
    }
}

fn moved(mut span: Span, by: isize) -> Span {
    span.shift(by);
    span
}

pub(super) fn lower_stmt(cx: &mut Lowering, stmt: &Stmt, out: &mut Vec<Located>) {
    let file = cx.file;
    let span = stmt.span;
    let mut push = |setting: Setting, implied: bool| {
        out.push(Located {
            setting: Arc::new(setting),
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
                cx.report(d.help(format!("the subsystems are {}", list.join(", "))));
            }
        }
        StmtKind::Stdio { stream, mode } => {
            let Some(mode_value) = stream_mode(cx, mode) else {
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
            if check_env_name(cx, name) {
                push(
                    Setting::EnvVar {
                        name: match name {
                            EnvName::Ident(ident) => ident.name.clone(),
                            EnvName::Quoted(s) => s.value.clone(),
                        },
                        value: value.value.clone(),
                    },
                    false,
                );
            }
        }
        StmtKind::EnvAllow(patterns) => push(Setting::EnvAllow(globs(cx, patterns)), false),
        StmtKind::ImportAllow(patterns) => {
            let valid = imports::check_patterns(file, patterns, &mut |d| cx.report(d));
            push(Setting::ImportAllow(valid), false)
        }
        StmtKind::ImportDeny(patterns) => {
            let valid = imports::check_patterns(file, patterns, &mut |d| cx.report(d));
            push(Setting::ImportDeny(valid), false)
        }
        StmtKind::EnvDeny(patterns) => push(Setting::EnvDeny(globs(cx, patterns)), false),
        StmtKind::ConfigSet { key, value } => {
            if key.value.is_empty() {
                cx.report(
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
        StmtKind::Mode {
            subject,
            mode,
            value,
        } => {
            if let Some(setting) = super::modes::lower_mode(cx, subject, mode, value) {
                push(setting, false);
            }
        }
        StmtKind::Net {
            proto,
            verb,
            patterns,
        } => {
            if let Some(rule) = net::rule(cx, proto, verb) {
                let patterns = net::patterns(cx, rule, patterns);
                push(Setting::Net { rule, patterns }, false);
            }
        }
        StmtKind::HttpAllow(strings) | StmtKind::HttpDeny(strings) => {
            let list = if matches!(stmt.kind, StmtKind::HttpAllow(_)) {
                HttpList::Allow
            } else {
                HttpList::Deny
            };
            let rules = http::rules(cx, list, strings);
            push(Setting::Http { list, rules }, false);
        }
        StmtKind::ConfigAllow(p) => push(Setting::ConfigAllow(globs(cx, p)), false),
        StmtKind::ConfigDeny(p) => push(Setting::ConfigDeny(globs(cx, p)), false),
        StmtKind::Args(ArgsMode::Word(word)) => match word.name.as_str() {
            "allow" => push(Setting::Args(ArgsSetting::Host), false),
            "deny" => push(Setting::Args(ArgsSetting::Fixed(Vec::new())), false),
            other => cx.report(
                Diagnostic::error("V0012", format!("unknown `args` mode `{other}`")).primary(
                    file,
                    word.span,
                    "expected `allow`, `deny` or a list of strings",
                ),
            ),
        },
        StmtKind::Args(ArgsMode::List(list)) => push(
            Setting::Args(ArgsSetting::Fixed(
                list.iter().map(|s| s.value.to_string()).collect(),
            )),
            false,
        ),
        StmtKind::Preopen {
            guest,
            host,
            readonly,
        } => {
            let Some(guest_path) = guest_path(cx, guest) else {
                return;
            };
            let Some(host_path) = host_path(cx, host) else {
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
        StmtKind::Tmpfs { guest, options } => {
            let guest_path = guest_path(cx, guest);
            let options = super::options::options(cx, super::options::Owner::Tmpfs, options);
            if let (Some(guest_path), Some(options)) = (guest_path, options) {
                push(
                    Setting::Tmpfs {
                        guest: guest_path,
                        limit: options.limit,
                        guest_span: guest.span,
                    },
                    false,
                );
            }
        }
        StmtKind::Mount {
            guest,
            host,
            options,
            rules,
        } => {
            let guest_path = guest_path(cx, guest);
            let host_path = host_path(cx, host).and_then(|p| confined(cx, host, p));
            let options = super::options::options(cx, super::options::Owner::Mount, options);
            let mut include = Vec::new();
            let mut exclude = Vec::new();
            for rule in rules {
                for p in &rule.patterns {
                    if mount_glob(cx, p).is_none() {
                        continue;
                    }
                    let pattern = Pattern {
                        glob: p.value.to_string(),
                        span: p.span,
                    };
                    match rule.kind {
                        MountRuleKind::Include => include.push(pattern),
                        MountRuleKind::Exclude => exclude.push(pattern),
                    }
                }
            }
            if let (Some(guest), Some(resolved), Some(options)) = (guest_path, host_path, options) {
                push(
                    Setting::Mount(Mount {
                        guest,
                        host: resolved,
                        written: host.value.to_string(),
                        host_span: stmt_host_span(stmt),
                        include,
                        exclude,
                        writable: options.writable.then_some(Writable {
                            limit: options.limit,
                        }),
                    }),
                    false,
                );
            }
        }
        StmtKind::FileText { guest, text } => {
            if let Some(guest_path) = file_guest_path(cx, guest) {
                push(
                    Setting::File {
                        guest: guest_path,
                        source: FileSource::Text(text.value.to_string()),
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
            let guest_path = file_guest_path(cx, guest);
            let host_path = host_path(cx, host);
            if let (Some(guest_path), Some(host_path)) = (guest_path, host_path) {
                if host_path.parent().is_none() || host_path.file_name().is_none() {
                    cx.report(
                        Diagnostic::error(
                            "V0062",
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
            let guest_path = file_guest_path(cx, guest);
            let host_path = host_path(cx, host).and_then(|p| confined(cx, host, p));
            if let (Some(guest_path), Some(host_path)) = (guest_path, host_path) {
                push(
                    Setting::File {
                        guest: guest_path,
                        source: FileSource::Host {
                            path: host_path,
                            written: host.value.to_string(),
                        },
                        source_span: host.span,
                    },
                    false,
                );
            }
        }
        StmtKind::UseFile(_) | StmtKind::UseProfile { .. } | StmtKind::Error => {}
    }
}

fn stream_mode(cx: &mut Lowering, mode: &virtc_grammar::Ident) -> Option<StreamMode> {
    let file = cx.file;
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
            cx.report(d);
            None
        }
    }
}

/// Environment variable names: non-empty, no `=`, no NUL (what POSIX `environ` can hold).
fn check_env_name(cx: &mut Lowering, name: &EnvName) -> bool {
    let file = cx.file;
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
            cx.report(
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
fn guest_path(cx: &mut Lowering, guest: &Str) -> Option<String> {
    let file = cx.file;
    if !guest.value.starts_with('/') {
        let fixed = format!("\"/{}\"", guest.value.trim_start_matches("./"));
        cx.report(
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
                cx.report(
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
fn host_path(cx: &mut Lowering, host: &Str) -> Option<PathBuf> {
    let file = cx.file;
    let path = std::path::Path::new(host.value.as_str());
    if path.is_absolute() {
        return Some(crate::db::normalize(path));
    }
    match file.base_dir(cx.db) {
        Some(dir) => Some(crate::db::normalize(&dir.join(path))),
        None => {
            cx.report(
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

/// `path` (the build-time host path `host`), or None with V0064 when it leads outside what the
/// run may read.
fn confined(cx: &mut Lowering, host: &Str, path: PathBuf) -> Option<PathBuf> {
    match crate::analyse::confined::outside(cx.db, cx.file, host.span, &host.value, &path) {
        Some(d) => {
            cx.report(d);
            None
        }
        None => Some(path),
    }
}

/// The guest path of a `file` statement: a guest path that is not `/`.
fn file_guest_path(cx: &mut Lowering, guest: &Str) -> Option<String> {
    let path = guest_path(cx, guest)?;
    if path == "/" {
        report_root_file(cx, guest);
        return None;
    }
    Some(path)
}

fn report_root_file(cx: &mut Lowering, guest: &Str) {
    let file = cx.file;
    cx.report(Diagnostic::error("V0057", "`/` cannot be a file")
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
pub(crate) fn glob_error(pattern: &str, literal_separator: bool) -> Option<String> {
    use std::sync::OnceLock;
    /// Per `literal_separator`: pattern → globset's error, if any.
    type Verdicts = [TextMemory<Option<String>>; 2];
    static MEMORY: OnceLock<Mutex<Verdicts>> = OnceLock::new();
    let memory =
        MEMORY.get_or_init(|| Mutex::new([TextMemory::new(50_000), TextMemory::new(50_000)]));
    let which = usize::from(literal_separator);
    if let Some(known) = memory.lock().ok().and_then(|mut m| m[which].get(pattern)) {
        return known;
    }
    let alternatives = virtc_policy::count_alternatives(pattern);
    if alternatives > virtc_policy::MAX_ALTERNATIVES {
        let many = if alternatives == usize::MAX {
            "more patterns than can be counted".to_owned()
        } else {
            format!("{alternatives} patterns")
        };
        return Some(format!(
            "its `{{a,b}}` groups stand for {many}; at most {} are allowed",
            virtc_policy::MAX_ALTERNATIVES
        ));
    }
    let verdict = globset::GlobBuilder::new(pattern)
        .literal_separator(literal_separator)
        .build()
        .err()
        .map(|e| e.kind().to_string());
    if let Ok(mut m) = memory.lock() {
        m[which].insert(pattern, verdict.clone());
    }
    verdict
}

/// Validates a mount glob (relative paths; `*` stays within a directory, `**` crosses them).
fn mount_glob(cx: &mut Lowering, pattern: &Str) -> Option<()> {
    let file = cx.file;
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
    cx.report(
        Diagnostic::error("V0024", format!("invalid glob `{}`", pattern.value))
            .primary(file, pattern.span, problem.0)
            .help(problem.1),
    );
    None
}

/// Validates globs with globset (errors placed on the string) and expands `{a,b}`.
fn globs(cx: &mut Lowering, patterns: &[Str]) -> Vec<String> {
    let file = cx.file;
    let mut out = Vec::new();
    for p in patterns {
        match glob_error(&p.value, false) {
            None => out.extend(expand_alternatives(&p.value)),
            Some(e) => cx.report(
                Diagnostic::error("V0024", format!("invalid glob `{}`", p.value))
                    .primary(file, p.span, e)
                    .help("globs use `*`, `?`, `[abc]`, `[!abc]` and `{a,b}`"),
            ),
        }
    }
    out
}
