//! Formatting: the canonical layout of `virtc fmt` (`virtc::format`), sent as one edit covering
//! only the part of the document that changes. A document with syntax errors is left alone.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::documents;
use crate::server::Server;

pub async fn formatting(
    server: &Server,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>> {
    let Some((_, doc)) = server.state.document(&params.text_document.uri) else {
        return Ok(None);
    };
    let edit = tokio::task::spawn_blocking(move || {
        let text = doc.text.as_str();
        let formatted = virtc::format::format(text).ok()?;
        edit(text, &formatted)
    })
    .await
    .map_err(|_| tower_lsp_server::jsonrpc::Error::internal_error())?;
    Ok(edit.map(|edit| vec![edit]))
}

/// One edit turning `old` into `new`: the differing middle, between the common prefix and
/// suffix. `None` when they are equal.
pub fn edit(old: &str, new: &str) -> Option<TextEdit> {
    if old == new {
        return None;
    }
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let starts = documents::line_starts(old);
    let range = Range::new(
        documents::position(old, &starts, prefix),
        documents::position(old, &starts, old.len() - suffix),
    );
    Some(TextEdit::new(
        range,
        new[prefix..new.len() - suffix].to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(old: &str, edit: &TextEdit) -> String {
        let starts = documents::line_starts(old);
        let start = documents::offset(old, &starts, edit.range.start);
        let end = documents::offset(old, &starts, edit.range.end);
        format!("{}{}{}", &old[..start], edit.new_text, &old[end..])
    }

    #[test]
    fn minimal_edits() {
        for (old, new) in [
            ("allow  random;\n", "allow random;\n"),
            ("a\nb\nc", "a\nx\nc"),
            ("é🦀é", "é🦁é"),
            ("aaa", "aa"),
            ("aa", "aaa"),
            ("", "x\n"),
            ("x", ""),
        ] {
            let edit = edit(old, new).unwrap();
            assert_eq!(apply(old, &edit), new, "{old:?} → {new:?}: {edit:?}");
        }
        assert_eq!(edit("same", "same"), None);
    }
}
