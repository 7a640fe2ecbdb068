//! Files changed on disk (`workspace/didChangeWatchedFiles`): a `.virt` file that is not open
//! is read again, so the documents that `use` it are checked against its new text.

use tower_lsp_server::ls_types::{DidChangeWatchedFilesParams, FileChangeType};

use crate::analysis::Change;
use crate::paths::path_of;
use crate::server::Server;

pub fn changed(server: &Server, params: DidChangeWatchedFilesParams) {
    for event in params.changes {
        if event.typ == FileChangeType::DELETED {
            // Its `use`rs keep its last text; they report it missing once reopened.
            continue;
        }
        let path = path_of(&event.uri);
        let mut documents = server.state.documents();
        if documents.is_open(&path) {
            continue;
        }
        let seq = documents.bump();
        drop(documents);
        server.state.analysis.submit(seq, Change::Reload { path });
    }
}
