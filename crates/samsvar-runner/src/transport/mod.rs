//! HTTP transport: one client per run, per-request timeout, a response size limit enforced
//! while streaming, and redirects followed only within the same origin. Targets with
//! their own TLS settings or credentials get their own client (`secured`).

mod secured;

use secured::Secured;

use bytes::{Bytes, BytesMut};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use std::time::{Duration, Instant};
use url::Url;

use samsvar_auth::Retry;
use samsvar_record::Redactor;

/// How many same-origin redirects are followed before giving up.
const MAX_REDIRECTS: usize = 10;

/// A request ready to send (after templates are rendered).
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Bytes>,
    pub credentials: Credentials,
    /// The suite target the request is addressed to, when it names one: its credentials
    /// win over those of another target on the same origin (a FHIR server's professional
    /// and patient logins share its base URL).
    pub target: Option<String>,
}

/// Which credentials go with a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    /// The target's configured ones (none when it has none).
    #[default]
    Target,
    /// None at all, even when the target has some.
    None,
    /// A token requested with this scope instead of the configured one.
    Scope(String),
}

/// A complete response.
#[derive(Debug, Clone)]
pub struct IncomingResponse {
    pub status: u16,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// From sending the first request to having the whole body.
    pub elapsed: Duration,
}

impl IncomingResponse {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request that did not end in a complete response, with whatever part of the response
/// did arrive: a status line and headers before a body over the limit, a reset or a
/// timeout are kept (the body received so far is in `partial.body`, cut).
#[derive(Debug, Clone)]
pub struct SendFailure {
    pub error: TransportError,
    pub partial: Option<IncomingResponse>,
}

impl From<TransportError> for SendFailure {
    fn from(error: TransportError) -> Self {
        SendFailure {
            error,
            partial: None,
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    #[error("failed to build the HTTP client: {0}")]
    Client(String),
    #[error("failed to connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("request to {url} timed out after {}", human_duration(*.after))]
    Timeout { url: String, after: Duration },
    #[error("response body larger than {} limit (from {url})", human_bytes(*.limit))]
    TooLarge { url: String, limit: u64 },
    #[error("failed to follow redirect from {from}: it leads off-origin to {to}")]
    OffOriginRedirect { from: String, to: String },
    #[error("failed to follow redirect from {from}: {reason}")]
    BadRedirect { from: String, reason: String },
    #[error("failed to follow redirects from {url}: more than 10 redirects")]
    TooManyRedirects { url: String },
    #[error("request to {url} failed: {reason}")]
    Other { url: String, reason: String },
}

/// One HTTP client shared by every request of a run, plus one per target that needs its
/// own TLS settings or credentials.
#[derive(Debug, Clone)]
pub struct Transport {
    client: Client,
    max_body_bytes: u64,
    /// Targets with `[targets.NAME.auth]` or `.tls`, by origin.
    secured: Vec<Secured>,
    /// Every credential the targets' authorizers obtain is registered here.
    redactor: Redactor,
}

impl Transport {
    pub fn new(
        max_body_bytes: u64,
        user_agent: &str,
        redactor: &Redactor,
    ) -> Result<Self, TransportError> {
        let client = Client::builder()
            .use_rustls_tls()
            .redirect(Policy::none())
            .user_agent(user_agent)
            .build()
            .map_err(|e| TransportError::Client(error_chain(&e)))?;
        Ok(Self {
            client,
            max_body_bytes,
            secured: Vec::new(),
            redactor: redactor.clone(),
        })
    }

    /// Sends `req`, follows same-origin redirects, and reads the whole body, all within
    /// `timeout`. On failure, the part of the response that arrived comes with the error.
    pub async fn send(
        &self,
        req: &OutgoingRequest,
        timeout: Duration,
    ) -> Result<IncomingResponse, SendFailure> {
        let started = Instant::now();
        // Filled as the response arrives, so a timeout still finds status and headers.
        let mut arrived: Option<Arrived> = None;
        let result = tokio::time::timeout(timeout, self.send_following(req, &mut arrived)).await;
        let response = arrived.map(|a| a.into_response(started.elapsed()));
        let (error, partial) = match (result, response) {
            (Ok(Ok(())), Some((resp, true))) => return Ok(resp),
            (Ok(Ok(())), partial) => (
                TransportError::Other {
                    url: req.url.to_string(),
                    reason: "no response was read".to_string(),
                },
                partial,
            ),
            (Ok(Err(e)), partial) => (e, partial),
            (Err(_), partial) => (
                TransportError::Timeout {
                    url: req.url.to_string(),
                    after: timeout,
                },
                partial,
            ),
        };
        let partial = partial.map(|(resp, _)| resp);
        Err(SendFailure { error, partial })
    }

    async fn send_following(
        &self,
        req: &OutgoingRequest,
        arrived: &mut Option<Arrived>,
    ) -> Result<(), TransportError> {
        let mut method = req.method.clone();
        let mut url = req.url.clone();
        let mut body = req.body.clone();
        let (client, auth) = self.access_for(&req.url, req.target.as_deref(), &req.credentials)?;
        let auth = auth.as_deref();
        let mut challenged = false;
        for _ in 0..=MAX_REDIRECTS {
            let mut builder = client.request(method.clone(), url.clone());
            for (k, v) in &req.headers {
                builder = builder.header(k.as_str(), v.as_str());
            }
            // Credentials go on the wire only: they are added after the request was
            // recorded, so they never reach the run record.
            if let Some(auth) = auth {
                let headers = auth
                    .headers(method.as_str(), url.as_str())
                    .await
                    .map_err(|e| TransportError::Other {
                        url: url.to_string(),
                        reason: e.to_string(),
                    })?;
                for (k, v) in headers {
                    builder = builder.header(k, v);
                }
            }
            if let Some(b) = &body {
                builder = builder.body(b.clone());
            }
            let resp = builder.send().await.map_err(|e| classify(&url, &e))?;
            let status = resp.status();
            if let Some(auth) = auth
                && !challenged
                && auth.observe(status.as_u16(), resp.headers()) == Retry::Once
            {
                // A DPoP nonce challenge or a rejected token: once more, fresh credentials.
                challenged = true;
                continue;
            }
            if status.is_redirection()
                && let Some(location) = resp.headers().get(reqwest::header::LOCATION)
            {
                let next = redirect_target(&url, location)?;
                if next.origin() != req.url.origin() {
                    return Err(TransportError::OffOriginRedirect {
                        from: url.to_string(),
                        to: next.to_string(),
                    });
                }
                if matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::SEE_OTHER
                ) && method != Method::HEAD
                {
                    method = Method::GET;
                    body = None;
                }
                url = next;
                continue;
            }
            return self.read(resp, url, arrived).await;
        }
        Err(TransportError::TooManyRedirects {
            url: req.url.to_string(),
        })
    }

    async fn read(
        &self,
        mut resp: reqwest::Response,
        url: Url,
        arrived: &mut Option<Arrived>,
    ) -> Result<(), TransportError> {
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let response = arrived.insert(Arrived {
            status,
            headers,
            body: BytesMut::new(),
            complete: false,
        });
        let limit = self.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(TransportError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        // The body grows inside `arrived`: what came before a reset, a timeout or the
        // limit stays in the record (cut, never more than the limit).
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&url, &e))? {
            let room = limit.saturating_sub(response.body.len() as u64);
            if chunk.len() as u64 > room {
                let room = usize::try_from(room).unwrap_or(usize::MAX);
                response.body.extend_from_slice(&chunk[..room]);
                return Err(TransportError::TooLarge {
                    url: url.to_string(),
                    limit,
                });
            }
            response.body.extend_from_slice(&chunk);
        }
        response.complete = true;
        Ok(())
    }
}

/// The response as far as it arrived.
struct Arrived {
    status: u16,
    headers: Vec<(String, String)>,
    body: BytesMut,
    /// The whole body was read.
    complete: bool,
}

impl Arrived {
    fn into_response(self, elapsed: Duration) -> (IncomingResponse, bool) {
        let response = IncomingResponse {
            status: self.status,
            headers: self.headers,
            body: self.body.freeze(),
            elapsed,
        };
        (response, self.complete)
    }
}

fn redirect_target(
    from: &Url,
    location: &reqwest::header::HeaderValue,
) -> Result<Url, TransportError> {
    let text = location.to_str().map_err(|_| TransportError::BadRedirect {
        from: from.to_string(),
        reason: "its Location header is not valid text".to_string(),
    })?;
    from.join(text).map_err(|e| TransportError::BadRedirect {
        from: from.to_string(),
        reason: format!("its Location `{text}` is not a valid URL ({e})"),
    })
}

fn classify(url: &Url, e: &reqwest::Error) -> TransportError {
    let url = url.to_string();
    let reason = error_chain(e);
    if e.is_connect() {
        TransportError::Connect { url, reason }
    } else {
        TransportError::Other { url, reason }
    }
}

/// The innermost, most specific causes of an error, joined (e.g. "connection refused").
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    // The outer reqwest message repeats the URL; the inner causes say what happened.
    if parts.len() > 1 {
        parts.remove(0);
    }
    parts.join(": ")
}

/// `10 MiB`, `512 KiB`, `100 bytes`.
pub fn human_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// `30 s`, `250 ms`.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}
