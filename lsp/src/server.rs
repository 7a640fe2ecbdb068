//! The language server: its state (open documents, the analysis, what the client supports), its
//! capabilities, and the `LanguageServer` methods, each handing over to one module of
//! `handlers`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};
use virtc::db::Database;

use crate::analysis::{Analysis, Change};
use crate::documents::{Document, Documents};
use crate::handlers;
use crate::paths::{Profiles, path_of};

/// What the server takes from its environment.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the standard library's profiles are written for "go to definition".
    pub cache_dir: PathBuf,
    /// Host environment variable names, offered inside `env allow "..."`.
    pub host_env: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        let cache_dir = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        let mut host_env: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        host_env.sort();
        host_env.dedup();
        Options {
            cache_dir,
            host_env,
        }
    }
}

/// What the client said it supports, as far as the server cares.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientSupport {
    pub watched_files: bool,
    pub hierarchical_symbols: bool,
}

#[derive(Debug)]
pub struct State {
    pub documents: Mutex<Documents>,
    pub analysis: Analysis,
    pub options: Options,
    pub profiles: Arc<Profiles>,
    pub published: tokio::sync::Mutex<handlers::diagnostics::Published>,
    pub support: Mutex<ClientSupport>,
}

impl State {
    pub fn documents(&self) -> MutexGuard<'_, Documents> {
        self.documents.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The open document at `uri`, with the change counter value that includes its text.
    pub fn document(&self, uri: &Uri) -> Option<(u64, Document)> {
        let documents = self.documents();
        Some((documents.seq(), documents.get(uri)?))
    }
}

#[derive(Debug)]
pub struct Server {
    pub client: Client,
    pub state: Arc<State>,
}

impl Server {
    /// A server answering through `client`. Must be called inside a tokio runtime: diagnostics
    /// are published from tasks spawned on it.
    pub fn new(client: Client, options: Options) -> Server {
        let runtime = tokio::runtime::Handle::current();
        let state = Arc::new_cyclic(|weak: &Weak<State>| {
            let weak = weak.clone();
            let publisher = client.clone();
            let analysis = Analysis::new(Database::default(), move |seq| {
                if let Some(state) = weak.upgrade() {
                    runtime.spawn(handlers::diagnostics::refresh(
                        publisher.clone(),
                        state,
                        seq,
                    ));
                }
            });
            State {
                documents: Mutex::new(Documents::default()),
                analysis,
                profiles: Arc::new(Profiles::new(options.cache_dir.clone())),
                options,
                published: Default::default(),
                support: Mutex::default(),
            }
        });
        Server { client, state }
    }

    /// `textDocument/didOpen`, applied at once (see [`crate::service`]).
    pub fn open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let path = path_of(&doc.uri);
        let (seq, doc) = self
            .state
            .documents()
            .open(doc.uri, path, doc.text, doc.version);
        self.state.analysis.submit(
            seq,
            Change::Set {
                path: doc.path,
                text: doc.text,
            },
        );
    }

    /// `textDocument/didChange`, applied at once.
    pub fn change(&self, params: DidChangeTextDocumentParams) {
        let changed = self.state.documents().change(
            &params.text_document.uri,
            params.text_document.version,
            params.content_changes,
        );
        if let Some((seq, doc)) = changed {
            self.state.analysis.submit(
                seq,
                Change::Set {
                    path: doc.path,
                    text: doc.text,
                },
            );
        }
    }

    /// `textDocument/didClose`, applied at once: the file's text is the disk's again.
    pub fn close(&self, params: DidCloseTextDocumentParams) {
        let mut documents = self.state.documents();
        if let Some((seq, doc)) = documents.close(&params.text_document.uri) {
            if documents.is_open(&doc.path) {
                // Another URI still stands for the same file.
                return;
            }
            drop(documents);
            self.state
                .analysis
                .submit(seq, Change::Reload { path: doc.path });
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.analysis.stop();
    }
}

/// The token types of semantic highlighting, in legend order.
pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::COMMENT,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::NUMBER,
];

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".into(), "\"".into(), "/".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TOKEN_TYPES.to_vec(),
                    token_modifiers: Vec::new(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                ..SemanticTokensOptions::default()
            },
        )),
        ..ServerCapabilities::default()
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let support = ClientSupport {
            watched_files: caps
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            hierarchical_symbols: caps
                .text_document
                .as_ref()
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|d| d.hierarchical_document_symbol_support)
                .unwrap_or(false),
        };
        *self.state.support.lock().unwrap_or_else(|e| e.into_inner()) = support;
        Ok(InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "virtc".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let support = *self.state.support.lock().unwrap_or_else(|e| e.into_inner());
        if support.watched_files {
            // Files `use`d by open documents may change on disk.
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*.virt".into()),
                    kind: None,
                }],
            };
            let registration = Registration {
                id: "virtc-watch-virt-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            let _ = self.client.register_capability(vec![registration]).await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    // Document notifications are applied by `crate::service` as they arrive; these serve a
    // `Server` driven without it.
    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        self.open(params);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.change(params);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.close(params);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        handlers::watched_files::changed(self, params);
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        handlers::completion::completion(self, params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::hover::hover(self, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        handlers::definition::definition(self, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        handlers::document_symbol::document_symbol(self, params).await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        handlers::semantic_tokens::full(self, params).await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        handlers::formatting::formatting(self, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        handlers::code_action::code_action(self, params).await
    }
}
