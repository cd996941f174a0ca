//! An in-process fake status server (axum on 127.0.0.1:0) for the status tests: serves the
//! documents of tests/fixtures/status/ (shaped like the real Statuspage, Slack, Better Stack,
//! RSS and Atom documents) at the paths the real services use, answers conditional requests
//! with 304, and can be switched to fail the ways real servers do.
//!
//! ```ignore
//! let fake = FakeStatus::start().await;
//! fake.set_fixture("/api/v2/summary.json", "statuspage-investigating.json");
//! let source_url = fake.url(); // http://127.0.0.1:PORT, a loopback address the plans file allows
//! fake.set_mode(Mode::ServerError);
//! assert_eq!(fake.requests(), 1);
//! ```

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};

/// How the server answers every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The documents set, with ETag and Last-Modified; 304 when the client has them.
    Normal,
    /// 500 Internal Server Error.
    ServerError,
    /// 200 with a body cut off in the middle of a JSON document.
    Malformed,
    /// Never answers (until the server is dropped): past any client timeout.
    Slow,
    /// Sends the headers and the start of the body, then stalls.
    StalledBody,
    /// 200 with a 2 MiB body, its length declared.
    Huge,
    /// 200 with a 2 MiB body streamed without a declared length.
    HugeChunked,
    /// 302 to this address.
    RedirectTo(&'static str),
}

pub const HUGE_BODY: usize = 2 * 1024 * 1024;

struct Document {
    body: Vec<u8>,
    content_type: &'static str,
    version: u64,
}

struct Shared {
    documents: Mutex<HashMap<String, Document>>,
    mode: Mutex<Mode>,
    versions: AtomicUsize,
    requests: AtomicUsize,
    not_modified: AtomicUsize,
    /// Request paths in order, with their conditional headers.
    log: Mutex<Vec<Request>>,
    shutdown: Notify,
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
}

pub struct FakeStatus {
    url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for FakeStatus {
    fn drop(&mut self) {
        self.shared.shutdown.notify_waiters();
        self.task.abort();
    }
}

/// A fixture of tests/fixtures/status/.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/status/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

impl FakeStatus {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            documents: Mutex::new(HashMap::new()),
            mode: Mutex::new(Mode::Normal),
            versions: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            not_modified: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            shutdown: Notify::new(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, shared, task }
    }

    /// The server's base address, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves `body` at `path` (e.g. `/api/v2/summary.json`) from now on, with a new ETag.
    pub fn set_document(&self, path: &str, body: impl Into<Vec<u8>>) {
        let body = body.into();
        let content_type = match body.first() {
            Some(b'<') => "application/xml; charset=utf-8",
            _ => "application/json; charset=utf-8",
        };
        let version = self.shared.versions.fetch_add(1, Ordering::SeqCst) as u64 + 1;
        self.shared.documents.lock().unwrap().insert(
            path.to_owned(),
            Document {
                body,
                content_type,
                version,
            },
        );
    }

    /// Serves the fixture file `name` at `path`.
    pub fn set_fixture(&self, path: &str, name: &str) {
        self.set_document(path, fixture(name));
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// How many requests arrived, whatever their answer.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// How many were answered 304 Not Modified.
    pub fn not_modified(&self) -> usize {
        self.shared.not_modified.load(Ordering::SeqCst)
    }

    pub fn log(&self) -> Vec<Request> {
        self.shared.log.lock().unwrap().clone()
    }
}

fn etag(version: u64) -> String {
    format!("\"doc-{version}\"")
}

/// A distinct HTTP date per version (one minute apart).
fn last_modified(version: u64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").unwrap();
    (base + chrono::Duration::minutes(version as i64))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

async fn answer(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let if_none_match = text(header::IF_NONE_MATCH);
    let if_modified_since = text(header::IF_MODIFIED_SINCE);
    shared.log.lock().unwrap().push(Request {
        path: uri.path().to_owned(),
        if_none_match: if_none_match.clone(),
        if_modified_since: if_modified_since.clone(),
    });
    let mode = *shared.mode.lock().unwrap();
    match mode {
        Mode::Normal => {}
        Mode::ServerError => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "upstream unavailable").into_response();
        }
        Mode::Malformed => {
            return (
                [(header::CONTENT_TYPE, "application/json")],
                fixture("malformed.json"),
            )
                .into_response();
        }
        Mode::Slow => {
            shared.shutdown.notified().await;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Mode::StalledBody => {
            let shared = shared.clone();
            let stream = futures_util::stream::once(async {
                Ok::<_, Infallible>(Bytes::from_static(b"{\"status\":"))
            })
            .chain_pending(shared);
            return (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream),
            )
                .into_response();
        }
        Mode::RedirectTo(to) => return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
        Mode::Huge => {
            return (
                [(header::CONTENT_TYPE, "application/json")],
                vec![b' '; HUGE_BODY],
            )
                .into_response();
        }
        Mode::HugeChunked => {
            let chunks = futures_util::stream::iter(
                (0..HUGE_BODY / 8192).map(|_| Ok::<_, Infallible>(Bytes::from(vec![b' '; 8192]))),
            );
            return (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(chunks),
            )
                .into_response();
        }
    }
    let documents = shared.documents.lock().unwrap();
    let Some(document) = documents.get(uri.path()) else {
        return (StatusCode::NOT_FOUND, "no such document").into_response();
    };
    let etag = etag(document.version);
    let modified = last_modified(document.version);
    let fresh = if_none_match.as_deref() == Some(etag.as_str())
        || (if_none_match.is_none() && if_modified_since.as_deref() == Some(modified.as_str()));
    if fresh {
        shared.not_modified.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, document.content_type.to_owned()),
            (header::ETAG, etag),
            (header::LAST_MODIFIED, modified),
        ],
        document.body.clone(),
    )
        .into_response()
}

/// A stream that, once `self` is done, waits for the server's shutdown and ends.
trait ChainPending: futures_util::Stream<Item = Result<Bytes, Infallible>> + Sized + Send + 'static {
    fn chain_pending(
        self,
        shared: Arc<Shared>,
    ) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send {
        use futures_util::StreamExt as _;
        let wait = futures_util::stream::once(async move {
            shared.shutdown.notified().await;
            Ok(Bytes::new())
        });
        self.chain(wait)
    }
}

impl<S: futures_util::Stream<Item = Result<Bytes, Infallible>> + Send + 'static> ChainPending for S {}
