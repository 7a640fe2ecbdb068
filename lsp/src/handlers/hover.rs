//! Hover: what the statement under the cursor means, which WASI interfaces it affects and how,
//! and which statements of `use`d files it overrides (or which later statement overrides it).

use globset::Glob;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use virtc::analyse::settings::{HttpList, NetRule};
use virtc::analyse::syntax::parse_file;
use virtc::analyse::uses::file_uses;
use virtc::db::{Database, Db, SourceFile};
use virtc_grammar::{ArgsMode, Span, Stmt, StmtKind, Str};

use crate::convert;
use crate::docs;
use crate::merge;
use crate::server::Server;

pub async fn hover(server: &Server, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let Some((seq, doc)) = server.state.document(&position.text_document.uri) else {
        return Ok(None);
    };
    let host_env = server.state.options.host_env.clone();
    let found = server
        .state
        .analysis
        .query(seq, move |db| {
            let file = db.load(&doc.path).ok()?;
            let at = convert::offset(db, file, position.position);
            let (stmt, markdown) = describe(db, file, at, &host_env)?;
            Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: markdown,
                }),
                range: Some(convert::range(db, file, stmt)),
            })
        })
        .await?;
    Ok(found)
}

/// The statement of `file` at byte offset `at`.
pub fn statement_at(db: &dyn Db, file: SourceFile, at: usize) -> Option<&Stmt> {
    let parsed = parse_file(db, file);
    let stmts = &parsed.file.stmts;
    let i = stmts.partition_point(|s| s.span.end < at);
    stmts.get(i).filter(|s| s.span.start <= at)
}

/// The statement at `at` and markdown about it.
pub fn describe(
    db: &Database,
    file: SourceFile,
    at: usize,
    host_env: &[String],
) -> Option<(Span, String)> {
    let stmt = statement_at(db, file, at)?;
    let mut out = meaning(db, file, stmt, host_env)?;
    let steps = merge::steps(db, file);
    let (overridden, overriding) = merge::overrides(&steps, file, stmt.span);
    let line = |file: SourceFile, span: Span| {
        let text = &file.text(db)[span.range()];
        let line = convert::range(db, file, span).start.line + 1;
        (text.to_string(), line)
    };
    let own = |key: &virtc::analyse::settings::Key| {
        steps
            .iter()
            .find(|s| s.file == file && s.span == stmt.span && s.key == *key)
            .map(|s| &s.setting)
    };
    let place = |step: &merge::Step| {
        let (text, n) = line(step.file, step.span);
        if step.file == file {
            (text, format!("line {n}"))
        } else {
            (text, format!("`{}` line {n}", step.file.display_name(db)))
        }
    };
    for step in overridden {
        let (text, place) = place(step);
        let verb = if own(&step.key) == Some(&step.setting) {
            "Repeats"
        } else {
            "Overrides"
        };
        out.push_str(&format!("\n\n{verb} `{text}` ({place})."));
    }
    for step in overriding {
        let (text, place) = place(step);
        if own(&step.key) == Some(&step.setting) {
            out.push_str(&format!("\n\nRepeated by `{text}` ({place})."));
        } else {
            out.push_str(&format!(
                "\n\nOverridden by `{text}` ({place}): this statement has no effect on {}.",
                virtc::analyse::settings::describe(&step.key)
            ));
        }
    }
    Some((stmt.span, out))
}

fn meaning(db: &dyn Db, file: SourceFile, stmt: &Stmt, host_env: &[String]) -> Option<String> {
    Some(match &stmt.kind {
        StmtKind::Allow(word) => docs::grant(&word.name, true)?,
        StmtKind::Deny(word) => docs::grant(&word.name, false)?,
        StmtKind::ImportAllow(_) => docs::import(true),
        StmtKind::ImportDeny(_) => docs::import(false),
        StmtKind::Stdio { stream, mode } => docs::stream(&stream.name, &mode.name)?,
        StmtKind::EnvSet { name, value } => format!(
            "**`env {0} = …;`** — a virtual environment variable.\n\n`wasi:cli/environment`: \
             the component's `get-environment` has `{0}={1}`, whatever the host has (a virtual \
             variable wins over a host one of the same name).",
            name.text(),
            value.value.escape_debug()
        ),
        StmtKind::EnvAllow(globs) => format!(
            "**`env allow …;`** — host variables passed through by name.\n\n\
             `wasi:cli/environment`: host variables whose names match pass through, unless \
             `env deny` takes them back.{}",
            matching(globs, host_env)
        ),
        StmtKind::EnvDeny(globs) => format!(
            "**`env deny …;`** — host variables kept out even when `env allow` matches them.\
             \n\n`wasi:cli/environment`.{}",
            matching(globs, host_env)
        ),
        StmtKind::ConfigSet { key, value } => docs::config_value(
            &key.value.escape_debug().to_string(),
            &value.value.escape_debug().to_string(),
        ),
        StmtKind::ConfigAllow(_) => docs::config_globs(true),
        StmtKind::ConfigDeny(_) => docs::config_globs(false),
        StmtKind::HttpAllow(_) => docs::http_rule(HttpList::Allow),
        StmtKind::HttpDeny(_) => docs::http_rule(HttpList::Deny),
        StmtKind::Args(ArgsMode::Word(word)) => match word.name.as_str() {
            "allow" => "**`args allow;`** — the host's arguments.\n\n`wasi:cli/environment`: \
                        `get-arguments` returns what the host passes."
                .to_string(),
            "deny" => "**`args deny;`** — no arguments (the default).\n\n\
                       `wasi:cli/environment`: `get-arguments` returns an empty list."
                .to_string(),
            _ => return None,
        },
        StmtKind::Args(ArgsMode::List(list)) => format!(
            "**`args …;`** — fixed arguments.\n\n`wasi:cli/environment`: `get-arguments` \
             returns exactly {}, whatever the host passes.",
            strings(list)
        ),
        StmtKind::Mount {
            guest,
            host,
            options,
            ..
        } => {
            let writable = options.iter().any(|o| o.name.name.as_str() == "writable");
            format!(
                "**`mount`** — embeds the host directory `{}`{} into the component at build time, \
                 {}, as `{}`.\n\n`wasi:filesystem/preopens`, `wasi:filesystem/types`: \
                 implemented by the adapter.",
                host.value,
                resolved(db, file, host),
                if writable {
                    "writable in memory (changes stay inside the instance, never reach the host)"
                } else {
                    "read-only"
                },
                guest.value
            )
        }
        StmtKind::Tmpfs { guest, .. } => format!(
            "**`tmpfs`** — an empty directory in memory at `{}` that the component may create, \
             write, rename and remove in; its contents live as long as the instance and never \
             reach the host. `limit \"SIZE\"` caps the bytes of file contents (past it: \
             `insufficient-space`).\n\n`wasi:filesystem/preopens`, `wasi:filesystem/types`: \
             implemented by the adapter.",
            guest.value
        ),
        StmtKind::FileText { guest, .. } => format!(
            "**`file`** — embeds a file with the given text at `{}`, read-only.\n\n\
             `wasi:filesystem/preopens`, `wasi:filesystem/types`: implemented by the adapter.",
            guest.value
        ),
        StmtKind::FileFrom { guest, host } => format!(
            "**`file`** — embeds the host file `{}`{} at `{}` at build time, read-only.\n\n\
             `wasi:filesystem/preopens`, `wasi:filesystem/types`: implemented by the adapter.",
            host.value,
            resolved(db, file, host),
            guest.value
        ),
        StmtKind::FileHost {
            guest,
            host,
            readonly,
        } => format!(
            "**`file … from host`** — passes the host file `{}` at run time, as `{}`{}.\n\n\
             `wasi:filesystem/preopens`, `wasi:filesystem/types`: implemented by the adapter, \
             forwarding to the host file.",
            host.value,
            guest.value,
            if readonly.is_some() {
                ", read-only"
            } else {
                ""
            }
        ),
        StmtKind::Preopen {
            guest,
            host,
            readonly,
        } => format!(
            "**`preopen`** — passes the host directory `{}` at run time, as `{}`{}.\n\n\
             `wasi:filesystem/preopens`, `wasi:filesystem/types`: implemented by the adapter, \
             forwarding to the host directory.",
            host.value,
            guest.value,
            if readonly.is_some() {
                ", read-only"
            } else {
                ""
            }
        ),
        StmtKind::UseProfile { .. } | StmtKind::UseFile(_) => use_doc(db, file, stmt)?,
        StmtKind::Net { proto, verb, .. } => {
            docs::net_rule(NetRule::from_words(&proto.name, &verb.name)?)
        }
        StmtKind::Mode { subject, mode, .. } => docs::subject_mode(&subject.name, &mode.name)?,
        StmtKind::Error => return None,
    })
}

/// `use`: the file it applies and what that file says.
fn use_doc(db: &dyn Db, file: SourceFile, stmt: &Stmt) -> Option<String> {
    let used = file_uses(db, file)
        .iter()
        .find(|u| stmt.span.start <= u.span.start && u.span.end <= stmt.span.end)?;
    let target = used.target?;
    let text = target.text(db);
    let mut out = format!(
        "**`use`** — applies `{}` here; later statements override it.\n\n```virt\n",
        target.display_name(db)
    );
    const MAX_LINES: usize = 20;
    for line in text.lines().take(MAX_LINES) {
        out.push_str(line);
        out.push('\n');
    }
    if text.lines().count() > MAX_LINES {
        out.push_str("// …\n");
    }
    out.push_str("```");
    Some(out)
}

fn resolved(db: &dyn Db, file: SourceFile, host: &Str) -> String {
    let path = std::path::Path::new(&host.value);
    match file.base_dir(db) {
        Some(dir) if path.is_relative() => {
            format!(" (`{}`)", virtc::db::normalize(&dir.join(path)).display())
        }
        _ => String::new(),
    }
}

fn strings(list: &[Str]) -> String {
    let quoted: Vec<String> = list.iter().map(|s| format!("`{:?}`", s.value)).collect();
    quoted.join(", ")
}

/// The host variables (of the server's environment) the globs match.
fn matching(globs: &[Str], host_env: &[String]) -> String {
    let matchers: Vec<_> = globs
        .iter()
        .filter_map(|g| Glob::new(&g.value).ok().map(|g| g.compile_matcher()))
        .collect();
    let names: Vec<&str> = host_env
        .iter()
        .filter(|name| matchers.iter().any(|m| m.is_match(name.as_str())))
        .map(String::as_str)
        .collect();
    const SHOWN: usize = 12;
    let mut out = format!(
        "\n\nHere {} host variable{} match{}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        if names.len() == 1 { "es" } else { "" }
    );
    if names.is_empty() {
        out.push('.');
        return out;
    }
    out.push_str(": ");
    let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    out.push_str(&shown.join(", "));
    if names.len() > SHOWN {
        out.push_str(", …");
    }
    out.push('.');
    out
}
