//! Code actions: the checker's quick fixes (`Diagnostic::fixes`: "did you mean" replacements,
//! a missing `;`, removing a duplicate statement) for the diagnostics in the requested range.

use std::collections::HashMap;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use virtc::db::Db;
use virtc::diagnostic::Fix;
use virtc_grammar::Span;

use crate::convert;
use crate::paths::Names;
use crate::server::Server;

pub async fn code_action(
    server: &Server,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let Some((seq, doc)) = server.state.document(&params.text_document.uri) else {
        return Ok(None);
    };
    let names = Names::new(
        &server.state.documents().all(),
        server.state.profiles.clone(),
    );
    let wanted = params.range;
    let found = server
        .state
        .analysis
        .query(seq, move |db| {
            let file = db.load(&doc.path).ok()?;
            let mut actions = Vec::new();
            for d in virtc::analyse::diagnostics(db, file) {
                let Some((at_file, at_span)) = convert::primary(&d) else {
                    continue;
                };
                if at_file != file || !overlaps(convert::range(db, file, at_span), wanted) {
                    continue;
                }
                let diagnostic = convert::diagnostic(db, &names, &d, None);
                for fix in &d.fixes {
                    let Some(uri) = names.uri(db, fix.file) else {
                        continue;
                    };
                    let span = removal_span(db, fix);
                    let edit =
                        TextEdit::new(convert::range(db, fix.file, span), fix.replacement.clone());
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: fix.title.clone(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![diagnostic.clone()]),
                        edit: Some(WorkspaceEdit {
                            changes: Some(HashMap::from([(uri, vec![edit])])),
                            ..WorkspaceEdit::default()
                        }),
                        is_preferred: Some(d.fixes.len() == 1),
                        ..CodeAction::default()
                    }));
                }
            }
            (!actions.is_empty()).then_some(actions)
        })
        .await?;
    Ok(found)
}

/// Whether two ranges touch (an empty range at the end of the other counts).
fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// A removal of a statement alone on its line takes the whole line.
fn removal_span(db: &dyn Db, fix: &Fix) -> Span {
    if !fix.replacement.is_empty() {
        return fix.span;
    }
    let text = fix.file.text(db);
    let span = fix.span;
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i + 1);
    let alone = text[line_start..span.start].trim().is_empty()
        && text[span.end..line_end].trim().is_empty();
    if alone {
        Span::new(line_start, line_end)
    } else {
        span
    }
}
