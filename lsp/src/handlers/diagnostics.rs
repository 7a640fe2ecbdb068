//! Publishes the checker's diagnostics after every change: each open document is checked as the
//! root of a policy, and each diagnostic goes to the open document it points at, so errors in
//! a `use`d file that is open show there too; those in files that are not open are shown on
//! the `use` statement that brings them in.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{self as lsp, Uri};
use virtc::analyse::uses::file_uses;
use virtc::db::{Database, Db, SourceFile};
use virtc::diagnostic::Diagnostic;
use virtc_grammar::Span;

use crate::convert;
use crate::documents::Document;
use crate::paths::Names;
use crate::server::State;

/// What was published last.
#[derive(Debug, Default)]
pub struct Published {
    /// The change the last publication included.
    seq: u64,
    by_uri: HashMap<Uri, (Option<i32>, Vec<lsp::Diagnostic>)>,
}

/// Checks every open document with the changes up to `seq` and publishes what changed. A newer
/// change cancels this (it publishes its own), and an older result never replaces a newer one.
pub async fn refresh(client: Client, state: Arc<State>, seq: u64) {
    let docs = state.documents().all();
    let names = Names::new(&docs, state.profiles.clone());
    let computed = state
        .analysis
        .query(seq, move |db| compute(db, &docs, &names))
        .await;
    let Ok(computed) = computed else { return };
    let mut published = state.published.lock().await;
    if seq < published.seq {
        return;
    }
    published.seq = seq;
    let open: HashSet<Uri> = computed.iter().map(|(uri, ..)| uri.clone()).collect();
    let closed: Vec<Uri> = published
        .by_uri
        .keys()
        .filter(|uri| !open.contains(*uri))
        .cloned()
        .collect();
    for uri in closed {
        published.by_uri.remove(&uri);
        client.publish_diagnostics(uri, Vec::new(), None).await;
    }
    for (uri, version, diagnostics) in computed {
        let entry = (version, diagnostics);
        if published.by_uri.get(&uri) == Some(&entry) {
            continue;
        }
        published.by_uri.insert(uri.clone(), entry.clone());
        client.publish_diagnostics(uri, entry.1, entry.0).await;
    }
}

/// The diagnostics of every open document (with its version when the database has exactly
/// the editor's text).
pub fn compute(
    db: &Database,
    docs: &[Document],
    names: &Names,
) -> Vec<(Uri, Option<i32>, Vec<lsp::Diagnostic>)> {
    let open: Vec<(SourceFile, &Document)> = docs
        .iter()
        .filter_map(|doc| Some((db.load(&doc.path).ok()?, doc)))
        .collect();
    let open_files: HashSet<SourceFile> = open.iter().map(|(f, _)| *f).collect();
    // Per file: its diagnostics, and where to show those of files that are not open.
    type Placed = (Diagnostic, Option<(SourceFile, Span)>);
    let mut per_file: HashMap<SourceFile, Vec<Placed>> = HashMap::new();
    let mut seen = HashSet::new();
    for (root, _) in &open {
        for d in virtc::analyse::diagnostics(db, *root) {
            let Some((file, _)) = convert::primary(&d) else {
                continue;
            };
            let place = if open_files.contains(&file) {
                (file, None)
            } else {
                match use_leading_to(db, *root, file) {
                    Some(span) => (*root, Some((*root, span))),
                    None => (*root, None),
                }
            };
            if seen.insert((place.0, d.clone())) {
                per_file.entry(place.0).or_default().push((d, place.1));
            }
        }
    }
    open.iter()
        .map(|(file, doc)| {
            let mut diagnostics: Vec<lsp::Diagnostic> = per_file
                .remove(file)
                .unwrap_or_default()
                .iter()
                .map(|(d, at)| {
                    let mut converted = convert::diagnostic(db, names, d, *at);
                    if at.is_some()
                        && let Some((origin, _)) = convert::primary(d)
                    {
                        converted.message =
                            format!("in {}: {}", origin.display_name(db), converted.message);
                    }
                    converted
                })
                .collect();
            diagnostics.sort_by_key(|d| (d.range.start.line, d.range.start.character));
            let version = (file.text(db) == doc.text.as_str()).then_some(doc.version);
            (doc.uri.clone(), version, diagnostics)
        })
        .collect()
}

/// The `use` statement of `root` through which `target` is part of its policy.
fn use_leading_to(db: &dyn Db, root: SourceFile, target: SourceFile) -> Option<Span> {
    for used in file_uses(db, root) {
        let Some(first) = used.target else { continue };
        let mut stack = vec![first];
        let mut visited = HashSet::new();
        while let Some(file) = stack.pop() {
            if file == target {
                return Some(used.span);
            }
            if visited.insert(file) {
                stack.extend(file_uses(db, file).iter().filter_map(|u| u.target));
            }
        }
    }
    None
}
