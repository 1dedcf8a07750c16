//! The main loop: one thread takes the editor's messages in the order they were sent,
//! updates the open documents, answers requests on the current text, and publishes
//! diagnostics once no message is waiting (so a burst of edits costs one check, and the
//! last version always gets its diagnostics).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ErrorCode, Message, Notification, ProtocolError, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeConfiguration, DidChangeTextDocument, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Initialize, Request as _, Shutdown};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, LogMessageParams, MarkupContent,
    MarkupKind, MessageType, PositionEncodingKind, PublishDiagnosticsParams, SaveOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
    Uri, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};
use serde::de::DeserializeOwned;

use super::actions::quick_fixes;
use super::convert::{uri_to_path, Encoding, LineIndex};
use super::diagnostics::{self, Ranges};
use super::hover::hover;
use super::workspace::{guarded, Analysis, Document, Workspace};
use crate::report::ReportContext;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error("reading or writing the connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the editor closed the connection")]
    Disconnected,
    #[error("the editor sent `exit` without `shutdown`")]
    ExitWithoutShutdown,
}

/// Serve LSP on stdin/stdout until the editor says `exit`. Input that is not LSP (bad
/// headers, invalid JSON or UTF-8, oversized messages) is answered or dropped by
/// [`framing`](super::framing), never the end of the server.
pub fn run() -> Result<(), ServerError> {
    let (connection, io_threads) = super::framing::stdio();
    let result = serve(&connection);
    drop(connection);
    io_threads.join()?;
    result
}

/// Serve one connection: the handshake, then the loop.
pub fn serve(connection: &Connection) -> Result<(), ServerError> {
    let (id, params) = connection.initialize_start()?;
    let parsed: Result<InitializeParams, _> = serde_json::from_value(params);
    let mut complaint = None;
    let params = parsed.unwrap_or_else(|e| {
        complaint = Some(format!("sesslint: could not read the initialize parameters ({e}); using defaults"));
        InitializeParams::default()
    });
    let mut server = Server::new(connection, &params);
    let result = InitializeResult {
        capabilities: capabilities(server.enc),
        server_info: Some(ServerInfo { name: "sesslint".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
    };
    connection.initialize_finish(id, serde_json::to_value(result).unwrap_or_default())?;
    if let Some(c) = complaint {
        server.log(MessageType::WARNING, c)?;
    }
    let (budget, refused) = super::workspace::budget_from(params.initialization_options.as_ref(), server.ws.budget);
    server.ws.budget = budget;
    for r in refused {
        server.log(MessageType::WARNING, r)?;
    }
    server.main_loop()
}

fn capabilities(enc: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match enc {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            will_save: None,
            will_save_wait_until: None,
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            work_done_progress_options: Default::default(),
            resolve_provider: None,
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp_types::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

struct Server<'c> {
    connection: &'c Connection,
    enc: Encoding,
    show_secrets: bool,
    ws: Workspace,
    /// The analysis of the current documents; `None` once an edit made it stale.
    analysis: Option<Analysis>,
    /// Documents changed since diagnostics were last published.
    dirty: bool,
    /// What each file's diagnostics were when last published.
    published: HashMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    shutdown: bool,
    /// The `sesslint.toml` problem last told to the editor (told once, not per keystroke).
    config_problem: Option<String>,
}

impl<'c> Server<'c> {
    fn new(connection: &'c Connection, params: &InitializeParams) -> Self {
        let offered = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_ref());
        let enc = if offered.is_some_and(|o| o.contains(&PositionEncodingKind::UTF8)) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let options = params.initialization_options.as_ref();
        let show_secrets =
            options.and_then(|o| o.get("showSecrets")).and_then(serde_json::Value::as_bool).unwrap_or(false);
        let config_root = options.and_then(|o| o.get("root")).and_then(|r| r.as_str()).map(PathBuf::from);
        let mut roots: Vec<PathBuf> =
            params.workspace_folders.iter().flatten().filter_map(|f| uri_to_path(&f.uri)).collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(params.root_uri.as_ref().and_then(uri_to_path));
            if roots.is_empty() {
                roots.extend(params.root_path.as_ref().map(PathBuf::from));
            }
        }
        roots.retain(|r| r.is_absolute());
        Server {
            connection,
            enc,
            show_secrets,
            ws: Workspace { roots, config_root, ..Default::default() },
            analysis: None,
            dirty: false,
            published: HashMap::new(),
            shutdown: false,
            config_problem: None,
        }
    }

    fn main_loop(&mut self) -> Result<(), ServerError> {
        let mut queue: VecDeque<Message> = VecDeque::new();
        loop {
            let message = match queue.pop_front() {
                Some(m) => m,
                None => self.connection.receiver.recv().map_err(|_| ServerError::Disconnected)?,
            };
            match message {
                Message::Request(req) => self.on_request(req)?,
                Message::Notification(n) if n.method == "exit" => {
                    return if self.shutdown { Ok(()) } else { Err(ServerError::ExitWithoutShutdown) };
                }
                Message::Notification(n) => self.on_notification(n)?,
                Message::Response(_) => {}
            }
            // Take in whatever arrived meanwhile before checking: a burst of edits is one check.
            queue.extend(self.connection.receiver.try_iter());
            if queue.is_empty() && self.dirty {
                self.publish()?;
            }
        }
    }

    fn send(&self, message: impl Into<Message>) -> Result<(), ServerError> {
        self.connection.sender.send(message.into()).map_err(|_| ServerError::Disconnected)
    }

    fn log(&self, typ: MessageType, message: String) -> Result<(), ServerError> {
        log_to(self.connection, typ, message)
    }

    fn invalidate(&mut self) {
        self.analysis = None;
        self.dirty = true;
    }

    /// The analysis of the documents as they are now; `None` when checking crashed (the
    /// editor is told, and keeps the diagnostics it had).
    fn analysis(&mut self) -> Result<Option<&Analysis>, ServerError> {
        if self.analysis.is_none() {
            match self.ws.analyse() {
                Ok(a) => {
                    if a.config_problem != self.config_problem {
                        if let Some(problem) = &a.config_problem {
                            self.log(MessageType::WARNING, format!("sesslint: {problem}"))?;
                        }
                        self.config_problem = a.config_problem.clone();
                    }
                    self.analysis = Some(a);
                }
                Err(panic) => {
                    self.log(
                        MessageType::ERROR,
                        format!("sesslint: checking the workspace failed ({panic}); diagnostics were not updated. Please report this with the file that caused it."),
                    )?;
                    return Ok(None);
                }
            }
        }
        Ok(self.analysis.as_ref())
    }

    fn publish(&mut self) -> Result<(), ServerError> {
        self.dirty = false;
        let enc = self.enc;
        let show_secrets = self.show_secrets;
        let open: Vec<(PathBuf, Uri, i32)> =
            self.ws.docs.iter().map(|(p, d)| (p.clone(), d.uri.clone(), d.version)).collect();
        let Some(analysis) = self.analysis()? else { return Ok(()) };
        let ctx = ReportContext::new(&analysis.model, show_secrets, false);
        let mut ranges = Ranges::new(&analysis.model, enc);
        let current = diagnostics::by_file(&analysis.diagnostics, &ctx, &mut ranges);
        let plan = diagnostics::plan(current, &open, &mut self.published);
        for (uri, version, diagnostics) in plan {
            let params = PublishDiagnosticsParams { uri, diagnostics, version };
            self.send(Notification::new(PublishDiagnostics::METHOD.to_owned(), params))?;
        }
        Ok(())
    }

    fn on_notification(&mut self, n: Notification) -> Result<(), ServerError> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidOpenTextDocumentParams>(&n.method, n.params)? else {
                    return Ok(());
                };
                let doc = p.text_document;
                match uri_to_path(&doc.uri) {
                    Some(path) => {
                        self.ws.docs.insert(path, Document { uri: doc.uri, version: doc.version, text: doc.text });
                        self.invalidate();
                    }
                    None => self.log(
                        MessageType::INFO,
                        format!("sesslint: {} is not a local file; not checked", doc.uri.as_str()),
                    )?,
                }
            }
            DidChangeTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidChangeTextDocumentParams>(&n.method, n.params)? else {
                    return Ok(());
                };
                let enc = self.enc;
                let doc = uri_to_path(&p.text_document.uri).and_then(|path| self.ws.docs.get_mut(&path));
                match doc {
                    Some(doc) => {
                        Workspace::apply_changes(doc, p.content_changes, enc);
                        doc.version = p.text_document.version;
                        self.invalidate();
                    }
                    None => self.log(
                        MessageType::WARNING,
                        format!("sesslint: a change to {}, which is not open; ignored", p.text_document.uri.as_str()),
                    )?,
                }
            }
            DidSaveTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidSaveTextDocumentParams>(&n.method, n.params)? else {
                    return Ok(());
                };
                if let (Some(text), Some(path)) = (p.text, uri_to_path(&p.text_document.uri)) {
                    if let Some(doc) = self.ws.docs.get_mut(&path) {
                        doc.text = text;
                    }
                }
                // Other files may have changed on disk too: read everything again.
                self.invalidate();
            }
            DidCloseTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidCloseTextDocumentParams>(&n.method, n.params)? else {
                    return Ok(());
                };
                if let Some(path) = uri_to_path(&p.text_document.uri) {
                    self.ws.docs.remove(&path);
                    self.invalidate();
                }
            }
            DidChangeConfiguration::METHOD => {
                let Some(p) = self.params::<lsp_types::DidChangeConfigurationParams>(&n.method, n.params)? else {
                    return Ok(());
                };
                let (budget, refused) = super::workspace::budget_from(Some(&p.settings), self.ws.budget);
                for r in refused {
                    self.log(MessageType::WARNING, r)?;
                }
                if budget != self.ws.budget {
                    self.ws.budget = budget;
                    self.invalidate();
                }
            }
            DidChangeWorkspaceFolders::METHOD => {
                let Some(p) = self.params::<lsp_types::DidChangeWorkspaceFoldersParams>(&n.method, n.params)? else {
                    return Ok(());
                };
                let removed: Vec<PathBuf> = p.event.removed.iter().filter_map(|f| uri_to_path(&f.uri)).collect();
                self.ws.roots.retain(|r| !removed.contains(r));
                self.ws.roots.extend(p.event.added.iter().filter_map(|f| uri_to_path(&f.uri)));
                self.invalidate();
            }
            _ => {} // initialized, $/cancelRequest, settings: nothing to do
        }
        Ok(())
    }

    /// Parameters of a notification, or `None` after telling the editor they were bad.
    fn params<P: DeserializeOwned>(&self, method: &str, value: serde_json::Value) -> Result<Option<P>, ServerError> {
        match serde_json::from_value(value) {
            Ok(p) => Ok(Some(p)),
            Err(e) => {
                self.log(MessageType::ERROR, format!("sesslint: bad parameters for {method}: {e}; ignored"))?;
                Ok(None)
            }
        }
    }

    fn on_request(&mut self, req: Request) -> Result<(), ServerError> {
        if self.shutdown {
            return self.send(Response::new_err(req.id, ErrorCode::InvalidRequest as i32, "shutting down".into()));
        }
        let Request { id, method, params } = req;
        let result = match method.as_str() {
            Shutdown::METHOD => {
                self.shutdown = true;
                Ok(serde_json::Value::Null)
            }
            HoverRequest::METHOD => match serde_json::from_value::<HoverParams>(params) {
                Ok(p) => self.on_hover(p).map(|h| serde_json::to_value(h).unwrap_or_default()),
                Err(e) => Err(Failure::Params(e.to_string())),
            },
            CodeActionRequest::METHOD => match serde_json::from_value::<CodeActionParams>(params) {
                Ok(p) => self.on_code_action(p).map(|a| serde_json::to_value(a).unwrap_or_default()),
                Err(e) => Err(Failure::Params(e.to_string())),
            },
            // LSP: initialize is sent once; a second one is a request out of place.
            Initialize::METHOD => {
                return self.send(Response::new_err(
                    id,
                    ErrorCode::InvalidRequest as i32,
                    "the server is already initialized".into(),
                ))
            }
            _ => {
                return self.send(Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("sesslint does not handle {method}"),
                ))
            }
        };
        match result {
            Ok(value) => self.send(Response::new_ok(id, value)),
            Err(Failure::Server(e)) => Err(e),
            Err(Failure::Params(msg)) => self.reject(id, &method, msg),
        }
    }

    fn reject(&self, id: RequestId, method: &str, msg: String) -> Result<(), ServerError> {
        self.log(MessageType::ERROR, format!("sesslint: bad parameters for {method}: {msg}"))?;
        self.send(Response::new_err(id, ErrorCode::InvalidParams as i32, msg))
    }

    fn on_hover(&mut self, p: HoverParams) -> Result<Option<Hover>, Failure> {
        let enc = self.enc;
        let show_secrets = self.show_secrets;
        let roots = self.ws.roots.clone();
        let connection = self.connection;
        let at = p.text_document_position_params;
        let Some(path) = uri_to_path(&at.text_document.uri) else { return Ok(None) };
        let Some(analysis) = self.analysis()? else { return Ok(None) };
        let model = &analysis.model;
        let Some(id) = model.file_id(&path) else { return Ok(None) };
        let index = LineIndex::new(&model.file(id).source.bytes);
        let offset = index.offset(at.position, enc);
        let ctx = ReportContext::new(model, show_secrets, false);
        let shown = |p: &Path| shown_path(&roots, p);
        let found = match guarded(|| hover(model, &path, offset, &ctx, &shown)) {
            Ok(found) => found,
            Err(panic) => {
                log_to(connection, MessageType::ERROR, format!("sesslint: hover failed ({panic})"))?;
                None
            }
        };
        Ok(found.map(|(markdown, span)| Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }),
            range: Some(index.range(span, enc)),
        }))
    }

    fn on_code_action(&mut self, p: CodeActionParams) -> Result<Vec<lsp_types::CodeActionOrCommand>, Failure> {
        let enc = self.enc;
        let show_secrets = self.show_secrets;
        let connection = self.connection;
        if let Some(only) = &p.context.only {
            if !only.iter().any(|k| CodeActionKind::QUICKFIX.as_str().starts_with(k.as_str())) {
                return Ok(Vec::new());
            }
        }
        let Some(path) = uri_to_path(&p.text_document.uri) else { return Ok(Vec::new()) };
        let Some(analysis) = self.analysis()? else { return Ok(Vec::new()) };
        let model = &analysis.model;
        let Some(id) = model.file_id(&path) else { return Ok(Vec::new()) };
        let span = LineIndex::new(&model.file(id).source.bytes).span(p.range, enc);
        let ctx = ReportContext::new(model, show_secrets, false);
        let mut ranges = Ranges::new(model, enc);
        match guarded(|| quick_fixes(&analysis.diagnostics, &path, span, &ctx, &mut ranges)) {
            Ok(actions) => Ok(actions),
            Err(panic) => {
                log_to(connection, MessageType::ERROR, format!("sesslint: code actions failed ({panic})"))?;
                Ok(Vec::new())
            }
        }
    }
}

/// Tell the editor something for its log (`window/logMessage`).
fn log_to(connection: &Connection, typ: MessageType, message: String) -> Result<(), ServerError> {
    let params = LogMessageParams { typ, message };
    connection
        .sender
        .send(Notification::new(LogMessage::METHOD.to_owned(), params).into())
        .map_err(|_| ServerError::Disconnected)
}

/// Why a request got no answer: the connection broke, or its parameters were bad.
enum Failure {
    Server(ServerError),
    Params(String),
}

impl From<ServerError> for Failure {
    fn from(e: ServerError) -> Self {
        Failure::Server(e)
    }
}

/// A path as the hover shows it: relative to the workspace folder it is in.
fn shown_path(roots: &[PathBuf], p: &Path) -> String {
    roots
        .iter()
        .find_map(|r| p.strip_prefix(r).ok())
        .map(crate::source::display_path)
        .unwrap_or_else(|| crate::source::display_path(p))
}
