//! Completion from what the cursor is after: statement keywords where a statement starts,
//! subsystems after `allow`/`deny`, modes after a stream, profiles after `use std::`, file paths
//! inside `use "..."` and `from "..."` (relative to the document's directory), host variable
//! names inside `env allow "..."`, the verbs after `tcp`/`udp`/`dns`/`http` and the schemes
//! inside `http allow "..."`.

use std::path::{Path, PathBuf};

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use virtc::analyse::settings::{HttpList, MODES, NetRule};
use virtc_grammar::STATEMENT_KEYWORDS;

use crate::cursor::{self, Cursor, Word};
use crate::docs;
use crate::documents::{self, Document};
use crate::server::Server;

pub async fn completion(
    server: &Server,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let position = params.text_document_position;
    let Some((_, doc)) = server.state.document(&position.text_document.uri) else {
        return Ok(None);
    };
    let host_env = server.state.options.host_env.clone();
    let items = tokio::task::spawn_blocking(move || items(&doc, position.position, &host_env))
        .await
        .map_err(|_| tower_lsp_server::jsonrpc::Error::internal_error())?;
    Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
}

/// The completions at `pos` of `doc`.
pub fn items(doc: &Document, pos: Position, host_env: &[String]) -> Vec<CompletionItem> {
    let text = doc.text.as_str();
    let starts = documents::line_starts(text);
    let at = documents::offset(text, &starts, pos);
    // Where the cursor really is (a position past the end of its line is at the end).
    let pos = documents::position(text, &starts, at);
    let cursor = cursor::at(text, at);
    if cursor.in_comment {
        return Vec::new();
    }
    let edit_from = |start: usize| Range::new(documents::position(text, &starts, start), pos);
    if let Some((start, typed)) = &cursor.string {
        let range = edit_from(*start);
        return in_string(&cursor, doc, typed, *start, range, host_env, &|s| {
            documents::position(text, &starts, s)
        });
    }
    let range = match &cursor.typed {
        Some((start, _)) => edit_from(*start),
        None => Range::new(pos, pos),
    };
    let words = |names: &mut dyn Iterator<Item = (&str, CompletionItemKind, Option<&str>)>| {
        names
            .map(|(name, kind, doc)| item(name, kind, None, doc.map(str::to_string), range))
            .collect::<Vec<_>>()
    };
    if cursor.before.is_empty() {
        let keywords: &[&str] = if cursor.in_block {
            &["include", "exclude"]
        } else {
            STATEMENT_KEYWORDS
        };
        return words(
            &mut keywords
                .iter()
                .map(|k| (*k, CompletionItemKind::KEYWORD, docs::keyword(k))),
        );
    }
    if cursor.after(&["allow"]) || cursor.after(&["deny"]) {
        let allow = cursor.after(&["allow"]);
        let mut items: Vec<CompletionItem> = docs::SUBSYSTEMS
            .iter()
            .map(|s| s.name)
            .chain(["all"])
            .map(|name| {
                let detail = docs::subsystem(name).map_or("every subsystem and stream", |s| s.what);
                let mut item = item(
                    name,
                    CompletionItemKind::ENUM_MEMBER,
                    Some(detail.to_string()),
                    docs::grant(name, allow),
                    range,
                );
                item.sort_text = Some(if name == "all" {
                    "~all".into()
                } else {
                    name.into()
                });
                item
            })
            .collect();
        let mut import = item(
            "import",
            CompletionItemKind::KEYWORD,
            Some("interfaces outside virtc's WASI registry".to_string()),
            Some(docs::import(allow)),
            range,
        );
        import.sort_text = Some("~import".into());
        items.push(import);
        return items;
    }
    if let [Word::Name(proto)] = cursor.before.as_slice()
        && matches!(proto.as_str(), "tcp" | "udp" | "dns")
    {
        return NetRule::ALL
            .into_iter()
            .filter(|r| r.proto() == proto)
            .map(|rule| {
                item(
                    rule.verb(),
                    CompletionItemKind::KEYWORD,
                    None,
                    Some(docs::net_rule(rule)),
                    range,
                )
            })
            .collect();
    }
    if let [Word::Name(subject)] = cursor.before.as_slice()
        && let Some((_, modes)) = MODES.iter().find(|(s, _)| s == subject)
    {
        return modes
            .iter()
            .map(|mode| {
                item(
                    mode,
                    CompletionItemKind::KEYWORD,
                    None,
                    docs::subject_mode(subject, mode),
                    range,
                )
            })
            .collect();
    }
    // Options after a mount's or a tmpfs's paths (and after another option).
    let options: &[&str] = match cursor.first() {
        Some("mount")
            if cursor.before.len() >= 4
                && cursor.before[..4]
                    .iter()
                    .all(|w| !matches!(w, Word::Punct(_))) =>
        {
            &["writable", "limit"]
        }
        Some("tmpfs")
            if cursor.before.len() >= 2
                && !cursor.before.iter().any(|w| matches!(w, Word::Punct(_))) =>
        {
            &["limit"]
        }
        _ => &[],
    };
    if !options.is_empty() && !matches!(cursor.before.last(), Some(Word::Name(n)) if n == "limit") {
        return options
            .iter()
            .filter(|o| {
                !cursor
                    .before
                    .iter()
                    .any(|w| matches!(w, Word::Name(n) if n == *o))
            })
            .map(|o| {
                item(
                    o,
                    CompletionItemKind::KEYWORD,
                    None,
                    Some(docs::mount_option(o).to_string()),
                    range,
                )
            })
            .collect();
    }
    if cursor.after(&["http"]) {
        return HttpList::ALL
            .into_iter()
            .map(|list| {
                item(
                    list.verb(),
                    CompletionItemKind::KEYWORD,
                    None,
                    Some(docs::http_rule(list)),
                    range,
                )
            })
            .collect();
    }
    if let [Word::Name(stream)] = cursor.before.as_slice()
        && matches!(stream.as_str(), "stdin" | "stdout" | "stderr" | "stdio")
    {
        return ["allow", "deny", "ignore"]
            .iter()
            .map(|mode| {
                item(
                    mode,
                    CompletionItemKind::ENUM_MEMBER,
                    docs::mode(mode).map(str::to_string),
                    docs::stream(stream, mode),
                    range,
                )
            })
            .collect();
    }
    if cursor.after(&["env"]) || cursor.after(&["config"]) || cursor.after(&["args"]) {
        return words(
            &mut [
                ("allow", CompletionItemKind::KEYWORD, None),
                ("deny", CompletionItemKind::KEYWORD, None),
            ]
            .into_iter(),
        );
    }
    if cursor.after(&["use"]) {
        return virtc::stdlib::names()
            .map(|name| {
                let label = format!("std::{name}");
                item(
                    &label,
                    CompletionItemKind::MODULE,
                    Some("standard profile".into()),
                    Some(profile_doc(name)),
                    range,
                )
            })
            .collect();
    }
    if cursor.after(&["use", "std", "::"]) {
        return virtc::stdlib::names()
            .map(|name| {
                item(
                    name,
                    CompletionItemKind::MODULE,
                    Some("standard profile".into()),
                    Some(profile_doc(name)),
                    range,
                )
            })
            .collect();
    }
    let next: &[&str] = if cursor.after(&["mount", "\""])
        || cursor.after(&["file", "\""])
        || cursor.after(&["preopen", "\""])
    {
        &["from"]
    } else if cursor.after(&["preopen", "\"", "from"]) || cursor.after(&["file", "\"", "from"]) {
        &["host"]
    } else if cursor.after(&["preopen", "\"", "from", "host", "\""])
        || cursor.after(&["file", "\"", "from", "host", "\""])
    {
        &["readonly"]
    } else {
        &[]
    };
    words(&mut next.iter().map(|k| (*k, CompletionItemKind::KEYWORD, None)))
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
    range: Range,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
            range,
            label.to_string(),
        ))),
        ..CompletionItem::default()
    }
}

/// The leading comment of a profile: what it is for.
fn profile_doc(name: &str) -> String {
    let text = virtc::stdlib::profile(name).unwrap_or_default();
    let comment: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with("//"))
        .map(|l| l.trim_start_matches('/').trim())
        .collect();
    comment.join(" ")
}

/// Completions inside a string: paths or host variable names, by statement.
fn in_string(
    cursor: &Cursor,
    doc: &Document,
    typed: &str,
    content_start: usize,
    range: Range,
    host_env: &[String],
    position: &dyn Fn(usize) -> Position,
) -> Vec<CompletionItem> {
    // The scheme, the start of a URL rule (after methods, `GET ` included, it is typed).
    if list_item(cursor, "http") && !typed.contains("://") && !typed.contains(' ') {
        return ["https://", "http://", "*://"]
            .into_iter()
            .map(|scheme| {
                let detail = match scheme {
                    "https://" => "HTTPS requests (port 443 unless the rule gives ports)",
                    "http://" => "plain HTTP requests (port 80 unless the rule gives ports)",
                    _ => "HTTP or HTTPS requests (each on its default port)",
                };
                item(
                    scheme,
                    CompletionItemKind::VALUE,
                    Some(detail.into()),
                    None,
                    range,
                )
            })
            .collect();
    }
    if list_item(cursor, "env") {
        return host_env
            .iter()
            .map(|name| {
                item(
                    name,
                    CompletionItemKind::VARIABLE,
                    Some("host environment variable".into()),
                    None,
                    range,
                )
            })
            .collect();
    }
    let wanted = if cursor.after(&["use"]) {
        Wanted::Policies
    } else if cursor.after(&["mount", "\"", "from"])
        || cursor.after(&["preopen", "\"", "from", "host"])
    {
        Wanted::Directories
    } else if cursor.after(&["file", "\"", "from"]) || cursor.after(&["file", "\"", "from", "host"])
    {
        Wanted::Files
    } else {
        return Vec::new();
    };
    let Some(base) = doc
        .path
        .parent()
        .filter(|_| !doc.path.starts_with("/virtc-buffer"))
    else {
        return Vec::new();
    };
    // Complete the last segment of what is typed.
    let (dir_part, segment) = match typed.rfind('/') {
        Some(i) => typed.split_at(i + 1),
        None => ("", typed),
    };
    let dir: PathBuf = if dir_part.is_empty() {
        base.to_path_buf()
    } else {
        base.join(dir_part)
    };
    let prefix = if typed.is_empty() { "./" } else { "" };
    let segment_range = Range::new(position(content_start + dir_part.len()), range.end);
    paths(&dir, segment, wanted)
        .into_iter()
        .map(|(name, is_dir)| {
            let insert = format!("{prefix}{name}{}", if is_dir { "/" } else { "" });
            let kind = if is_dir {
                CompletionItemKind::FOLDER
            } else {
                CompletionItemKind::FILE
            };
            let mut item = item(&insert, kind, None, None, segment_range);
            item.filter_text = Some(insert.clone());
            item
        })
        .collect()
}

/// Whether the cursor starts an item of `KEYWORD allow "…", "…"` (or `deny`): inside the first
/// string, or inside one after a comma.
fn list_item(cursor: &Cursor, keyword: &str) -> bool {
    cursor.first() == Some(keyword)
        && matches!(cursor.before.get(1), Some(Word::Name(w)) if w == "allow" || w == "deny")
        && cursor.before.len().is_multiple_of(2)
        && cursor.before[2..].iter().enumerate().all(|(i, w)| {
            *w == if i % 2 == 0 {
                Word::Str
            } else {
                Word::Punct(",")
            }
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Policies,
    Directories,
    Files,
}

/// The entries of `dir` that fit: directories always, `.virt` files for `use`, any file for
/// `file`. Hidden entries only when a `.` is typed.
fn paths(dir: &Path, segment: &str, wanted: Wanted) -> Vec<(String, bool)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, bool)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if name.starts_with('.') && !segment.starts_with('.') {
                return None;
            }
            let is_dir = entry.path().is_dir();
            let fits = is_dir
                || match wanted {
                    Wanted::Policies => name.ends_with(".virt"),
                    Wanted::Directories => false,
                    Wanted::Files => true,
                };
            fits.then_some((name, is_dir))
        })
        .take(1000)
        .collect();
    out.sort();
    out
}
