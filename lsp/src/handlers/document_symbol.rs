//! Document symbols: one per statement (`allow random`, `env PONG`, `mount /`, `use std::cli`),
//! mount rules nested under their mount, for the outline and breadcrumbs.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use virtc::analyse::syntax::parse_file;
use virtc::db::{Db, SourceFile};
use virtc_grammar::{ArgsMode, MountRuleKind, Stmt, StmtKind, Str};

use crate::convert;
use crate::paths::Names;
use crate::server::Server;

pub async fn document_symbol(
    server: &Server,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let Some((seq, doc)) = server.state.document(&params.text_document.uri) else {
        return Ok(None);
    };
    let hierarchical = server
        .state
        .support
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .hierarchical_symbols;
    let names = Names::new(std::slice::from_ref(&doc), server.state.profiles.clone());
    let uri = doc.uri.clone();
    let found = server
        .state
        .analysis
        .query(seq, move |db| {
            let file = db.load(&doc.path).ok()?;
            let symbols = symbols(db, file);
            Some(if hierarchical {
                DocumentSymbolResponse::Nested(symbols)
            } else {
                let uri = names.uri(db, file).unwrap_or(uri);
                DocumentSymbolResponse::Flat(flatten(&uri, symbols, None))
            })
        })
        .await?;
    Ok(found)
}

/// The symbols of `file`.
pub fn symbols(db: &dyn Db, file: SourceFile) -> Vec<DocumentSymbol> {
    parse_file(db, file)
        .file
        .stmts
        .iter()
        .filter_map(|stmt| symbol(db, file, stmt))
        .collect()
}

fn symbol(db: &dyn Db, file: SourceFile, stmt: &Stmt) -> Option<DocumentSymbol> {
    let text = file.text(db);
    let source = |s: &Str| text[s.span.range()].to_string();
    let (name, kind, detail, selection) = match &stmt.kind {
        StmtKind::Allow(w) => (format!("allow {}", w.name), SymbolKind::KEY, None, w.span),
        StmtKind::Deny(w) => (format!("deny {}", w.name), SymbolKind::KEY, None, w.span),
        StmtKind::Stdio { stream, mode } => (
            format!("{} {}", stream.name, mode.name),
            SymbolKind::KEY,
            None,
            mode.span,
        ),
        StmtKind::EnvSet { name, value } => (
            format!("env {}", name.text()),
            SymbolKind::VARIABLE,
            Some(format!("= {}", source(value))),
            name.span(),
        ),
        StmtKind::EnvAllow(list) | StmtKind::EnvDeny(list) => {
            let verb = if matches!(stmt.kind, StmtKind::EnvAllow(_)) {
                "allow"
            } else {
                "deny"
            };
            (
                format!("env {verb}"),
                SymbolKind::ARRAY,
                Some(list.iter().map(source).collect::<Vec<_>>().join(", ")),
                stmt.span,
            )
        }
        StmtKind::ImportAllow(list) | StmtKind::ImportDeny(list) => {
            let verb = if matches!(stmt.kind, StmtKind::ImportAllow(_)) {
                "allow"
            } else {
                "deny"
            };
            (
                format!("{verb} import"),
                SymbolKind::INTERFACE,
                Some(list.iter().map(source).collect::<Vec<_>>().join(", ")),
                stmt.span,
            )
        }
        StmtKind::ConfigSet { key, value } => (
            format!("config {}", source(key)),
            SymbolKind::PROPERTY,
            Some(format!("= {}", source(value))),
            key.span,
        ),
        StmtKind::ConfigAllow(list) | StmtKind::ConfigDeny(list) => {
            let verb = if matches!(stmt.kind, StmtKind::ConfigAllow(_)) {
                "allow"
            } else {
                "deny"
            };
            (
                format!("config {verb}"),
                SymbolKind::ARRAY,
                Some(list.iter().map(source).collect::<Vec<_>>().join(", ")),
                stmt.span,
            )
        }
        StmtKind::HttpAllow(list) | StmtKind::HttpDeny(list) => {
            let verb = if matches!(stmt.kind, StmtKind::HttpAllow(_)) {
                "allow"
            } else {
                "deny"
            };
            (
                format!("http {verb}"),
                SymbolKind::ARRAY,
                Some(list.iter().map(source).collect::<Vec<_>>().join(", ")),
                stmt.span,
            )
        }
        StmtKind::Mode {
            subject,
            mode,
            value,
        } => (
            format!("{} {}", subject.name, mode.name),
            SymbolKind::KEY,
            Some(text[value.span().range()].to_string()),
            mode.span,
        ),
        StmtKind::Net {
            proto,
            verb,
            patterns,
        } => (
            format!("{} {}", proto.name, verb.name),
            SymbolKind::ARRAY,
            Some(patterns.iter().map(source).collect::<Vec<_>>().join(", ")),
            stmt.span,
        ),
        StmtKind::Args(ArgsMode::Word(w)) => {
            (format!("args {}", w.name), SymbolKind::KEY, None, w.span)
        }
        StmtKind::Args(ArgsMode::List(list)) => (
            "args".to_string(),
            SymbolKind::ARRAY,
            Some(list.iter().map(source).collect::<Vec<_>>().join(", ")),
            stmt.span,
        ),
        StmtKind::Mount { guest, host, .. } => (
            format!("mount {}", guest.value),
            SymbolKind::NAMESPACE,
            Some(format!("from {}", source(host))),
            guest.span,
        ),
        StmtKind::Tmpfs { guest, .. } => (
            format!("tmpfs {}", guest.value),
            SymbolKind::NAMESPACE,
            None,
            guest.span,
        ),
        StmtKind::FileText { guest, .. } => (
            format!("file {}", guest.value),
            SymbolKind::FILE,
            None,
            guest.span,
        ),
        StmtKind::FileFrom { guest, host } => (
            format!("file {}", guest.value),
            SymbolKind::FILE,
            Some(format!("from {}", source(host))),
            guest.span,
        ),
        StmtKind::FileHost { guest, host, .. } => (
            format!("file {}", guest.value),
            SymbolKind::FILE,
            Some(format!("from host {}", source(host))),
            guest.span,
        ),
        StmtKind::Preopen { guest, host, .. } => (
            format!("preopen {}", guest.value),
            SymbolKind::PACKAGE,
            Some(format!("from host {}", source(host))),
            guest.span,
        ),
        StmtKind::UseProfile { span, .. } => (
            format!("use {}", &text[span.range()]),
            SymbolKind::MODULE,
            None,
            *span,
        ),
        StmtKind::UseFile(path) => (
            format!("use {}", source(path)),
            SymbolKind::MODULE,
            None,
            path.span,
        ),
        StmtKind::Error => return None,
    };
    let children = match &stmt.kind {
        StmtKind::Mount { rules, .. } if !rules.is_empty() => Some(
            rules
                .iter()
                .map(|rule| {
                    let word = match rule.kind {
                        MountRuleKind::Include => "include",
                        MountRuleKind::Exclude => "exclude",
                    };
                    new_symbol(
                        word.to_string(),
                        Some(
                            rule.patterns
                                .iter()
                                .map(source)
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                        SymbolKind::ARRAY,
                        convert::range(db, file, rule.span),
                        convert::range(db, file, rule.span),
                        None,
                    )
                })
                .collect(),
        ),
        _ => None,
    };
    Some(new_symbol(
        name,
        detail,
        kind,
        convert::range(db, file, stmt.span),
        convert::range(db, file, selection),
        children,
    ))
}

#[allow(deprecated)]
fn new_symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    range: Range,
    selection_range: Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children,
    }
}

#[allow(deprecated)]
fn flatten(
    uri: &Uri,
    symbols: Vec<DocumentSymbol>,
    container: Option<&str>,
) -> Vec<SymbolInformation> {
    let mut out = Vec::new();
    for symbol in symbols {
        out.push(SymbolInformation {
            name: symbol.name.clone(),
            kind: symbol.kind,
            tags: None,
            deprecated: None,
            location: Location::new(uri.clone(), symbol.range),
            container_name: container.map(str::to_string),
        });
        if let Some(children) = symbol.children {
            out.extend(flatten(uri, children, Some(&symbol.name)));
        }
    }
    out
}
