//! Go to definition: on `use`, the file or the standard profile it applies (profiles are opened
//! from the cache directory); on a statement that overrides statements of `use`d files, those
//! statements.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use virtc::analyse::uses::file_uses;
use virtc::db::Db;
use virtc_grammar::StmtKind;

use crate::convert;
use crate::handlers::hover::statement_at;
use crate::merge;
use crate::paths::Names;
use crate::server::Server;

pub async fn definition(
    server: &Server,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let position = params.text_document_position_params;
    let Some((seq, doc)) = server.state.document(&position.text_document.uri) else {
        return Ok(None);
    };
    let names = Names::new(
        &server.state.documents().all(),
        server.state.profiles.clone(),
    );
    let found = server
        .state
        .analysis
        .query(seq, move |db| {
            let file = db.load(&doc.path).ok()?;
            let at = convert::offset(db, file, position.position);
            let stmt = statement_at(db, file, at)?;
            let mut locations = Vec::new();
            if let StmtKind::UseFile(_) | StmtKind::UseProfile { .. } = stmt.kind {
                let used = file_uses(db, file)
                    .iter()
                    .find(|u| stmt.span.start <= u.span.start && u.span.end <= stmt.span.end)?;
                let target = used.target?;
                locations.push(Location::new(names.uri(db, target)?, Range::default()));
            } else {
                let steps = merge::steps(db, file);
                let (overridden, _) = merge::overrides(&steps, file, stmt.span);
                for step in overridden {
                    if let Some(uri) = names.uri(db, step.file) {
                        locations
                            .push(Location::new(uri, convert::range(db, step.file, step.span)));
                    }
                }
            }
            match locations.len() {
                0 => None,
                1 => Some(GotoDefinitionResponse::Scalar(locations.remove(0))),
                _ => Some(GotoDefinitionResponse::Array(locations)),
            }
        })
        .await?;
    Ok(found)
}
