//! Reading vendor status pages over HTTP: the one place that imports reqwest.
//!
//! A fetch is one conditional GET with a total timeout and a body cap; what the body means
//! is `domain::status::parse`'s business. Proxies: reqwest reads `HTTPS_PROXY`,
//! `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment by itself.

pub mod poller;

use std::time::Duration;

use futures_util::TryFutureExt as _;

use crate::domain::{
    WebUrl,
    status::{self, Snapshot, StatusDocumentError, StatusSource, check_status_url},
};

/// The longest a fetch may take, connection to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest document read; a bigger one is refused after reading this much.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The HTTP client for status pages (cheap to clone: one connection pool).
#[derive(Clone, Debug)]
pub struct StatusClient {
    http: reqwest::Client,
    timeout: Duration,
    max_body: usize,
}

impl StatusClient {
    /// A client with the default limits (10 s, 1 MiB).
    pub fn new() -> Result<Self, FetchError> {
        Self::with_limits(DEFAULT_TIMEOUT, DEFAULT_MAX_BODY)
    }

    pub fn with_limits(timeout: Duration, max_body: usize) -> Result<Self, FetchError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(redirect_policy())
            .user_agent(concat!(
                "backline/",
                env!("CARGO_PKG_VERSION"),
                " (vendor status)"
            ))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Self {
            http,
            timeout,
            max_body,
        })
    }
}

/// At most 5 redirects, and none from a page to a plain-http address off this machine (the
/// plans file allows plain http only on loopback; a redirect must not widen that). A
/// refused redirect is answered as the redirect status itself.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let allowed = WebUrl::parse(attempt.url().as_str()).is_ok_and(|url| check_status_url(&url).is_ok());
        if attempt.previous().len() >= 5 {
            attempt.error("more than 5 redirects")
        } else if allowed {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// What the server said last time, to ask "changed since?" (`If-None-Match`,
/// `If-Modified-Since`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to one fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Document {
        body: Vec<u8>,
        validators: Validators,
    },
    /// 304: the document is the one read last time.
    NotModified,
}

/// Why a fetch failed; the text is for operators and holds no secret (status URLs are
/// public).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
    #[error("could not reach the server: {0}")]
    Unreachable(String),
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// Fetches `url` once, conditionally when `validators` hold anything.
pub async fn fetch(client: &StatusClient, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
    let mut request = client.http.get(url);
    if let Some(etag) = &validators.etag {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(modified) = &validators.last_modified {
        request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
    }
    let timeout = client.timeout;
    let mut response = request.send().map_err(|e| request_error(e, timeout)).await?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(FetchError::Status(status.as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > client.max_body as u64)
    {
        return Err(FetchError::TooLarge(client.max_body));
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header(reqwest::header::ETAG),
        last_modified: header(reqwest::header::LAST_MODIFIED),
    };
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().map_err(|e| request_error(e, timeout)).await? {
        if body.len() + chunk.len() > client.max_body {
            return Err(FetchError::TooLarge(client.max_body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Document { body, validators })
}

fn request_error(e: reqwest::Error, timeout: Duration) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout(timeout);
    }
    // The chain says why (refused, DNS, TLS); reqwest's own text alone does not.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    FetchError::Unreachable(text)
}

/// Why reading a source failed: the fetch, or the document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Document(#[from] StatusDocumentError),
}

/// Fetches a source's document unconditionally and parses it (`backline status check`).
pub async fn read_source(client: &StatusClient, source: &StatusSource) -> Result<Snapshot, ReadError> {
    match fetch(client, &source.document_url(), &Validators::default()).await? {
        Fetched::Document { body, .. } => Ok(status::parse(source.kind, &body)?),
        // Not asked conditionally: a 304 is the server's error.
        Fetched::NotModified => Err(FetchError::Status(304).into()),
    }
}
