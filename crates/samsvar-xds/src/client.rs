//! An async XDS.b client over reqwest: sends SOAP/MTOM requests with a timeout and a
//! response size limit, and reads responses (MTOM or plain) safely.

use crate::ebrim::RegistryResponse;
use crate::error::XdsError;
use crate::iti18::{self, QueryResponse, StoredQuery};
use crate::iti43::{self, DocumentRequest, RetrieveResponse};
use crate::mtom::{self, Attachment, Decoded};
use crate::soap::{self, Addressing, SoapMessage};
use crate::submission::ProvideAndRegister;
use crate::vocab::action;
use crate::xml::{Element, XmlLimits};
use crate::{XdsLimits, iti41};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// What was sent and received, for records and evidence.
#[derive(Debug, Clone, Default)]
pub struct RawExchange {
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Bytes,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<Bytes>,
    /// The body ended early (size limit, reset, timeout): `response_body` holds what arrived
    /// (at most the limit), kept as evidence of what the server sent.
    pub response_cut: bool,
    pub elapsed_ms: u64,
}

impl RawExchange {
    pub fn response_content_type(&self) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.as_str())
    }
}

/// The XDS client.
#[derive(Debug, Clone)]
pub struct XdsClient {
    http: reqwest::Client,
    pub limits: XdsLimits,
}

impl XdsClient {
    pub fn new(http: reqwest::Client, limits: XdsLimits) -> Self {
        XdsClient { http, limits }
    }

    /// Send a SOAP request (MTOM when `mtom`), returning the exchange and the decoded
    /// response body (root XML and attachments). HTTP errors with a SOAP body are read too.
    pub async fn send(
        &self,
        url: &str,
        action: &str,
        body: Element,
        attachments: &[Attachment],
        mtom: bool,
    ) -> (RawExchange, Result<Decoded, XdsError>) {
        let env = soap::envelope(&Addressing::request(action, url), body);
        let xml = soap::to_xml(&env);
        let encoded = if mtom {
            mtom::encode(&xml, attachments, action)
        } else {
            mtom::plain(&xml, action)
        };
        self.send_encoded(url, encoded).await
    }

    /// Send a SOAP message exactly as given (a raw fixture): `message` goes on the wire
    /// byte for byte as `application/soap+xml` with `action`.
    pub async fn send_raw(
        &self,
        url: &str,
        action: &str,
        message: Bytes,
    ) -> (RawExchange, Result<Decoded, XdsError>) {
        let encoded = mtom::Encoded {
            content_type: mtom::plain_content_type(action),
            body: message,
        };
        self.send_encoded(url, encoded).await
    }

    async fn send_encoded(
        &self,
        url: &str,
        encoded: mtom::Encoded,
    ) -> (RawExchange, Result<Decoded, XdsError>) {
        let mut raw = RawExchange {
            url: url.to_string(),
            request_headers: vec![("content-type".into(), encoded.content_type.clone())],
            request_body: encoded.body.clone(),
            ..Default::default()
        };
        let started = Instant::now();
        let timeout = Duration::from_millis(self.limits.timeout_ms);
        // The body is received into a buffer that outlives the exchange future, so that what
        // arrived before a reset, the limit or the timeout is still there to record.
        let mut received = Vec::new();
        let fut = self.exchange(url, encoded, &mut raw, &mut received);
        let result = match tokio::time::timeout(timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(XdsError::Timeout(self.limits.timeout_ms)),
        };
        raw.elapsed_ms = started.elapsed().as_millis() as u64;
        if result.is_err() && raw.status.is_some() && raw.response_body.is_none() {
            raw.response_body = Some(Bytes::from(received));
            raw.response_cut = true;
        }
        let decoded = result.and_then(|body| {
            mtom::decode(
                raw.response_content_type(),
                body,
                self.limits.max_response_bytes,
            )
        });
        (raw, decoded)
    }

    async fn exchange(
        &self,
        url: &str,
        encoded: mtom::Encoded,
        raw: &mut RawExchange,
        buf: &mut Vec<u8>,
    ) -> Result<Bytes, XdsError> {
        let mut resp = self
            .http
            .post(url)
            .header("content-type", encoded.content_type)
            .body(encoded.body)
            .send()
            .await
            .map_err(|e| XdsError::Transport(error_chain(&e)))?;
        raw.status = Some(resp.status().as_u16());
        raw.response_headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let limit = self.limits.max_response_bytes;
        if resp.content_length().is_some_and(|n| n as usize > limit) {
            return Err(XdsError::ResponseTooLarge { limit });
        }
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| XdsError::Transport(error_chain(&e)))?
        {
            if buf.len() + chunk.len() > limit {
                // Keep the first `limit` bytes: the evidence shows the start of what was sent.
                let room = limit - buf.len();
                buf.extend_from_slice(&chunk[..room]);
                return Err(XdsError::ResponseTooLarge { limit });
            }
            buf.extend_from_slice(&chunk);
        }
        let body = Bytes::from(std::mem::take(buf));
        raw.response_body = Some(body.clone());
        Ok(body)
    }

    /// ITI-41 to a repository.
    pub async fn provide_and_register(
        &self,
        url: &str,
        req: &ProvideAndRegister,
        use_mtom: bool,
    ) -> (RawExchange, Result<RegistryResponse, XdsError>) {
        let (body, atts) = iti41::request_body(req, use_mtom);
        let (raw, decoded) = self.send(url, action::ITI41, body, &atts, use_mtom).await;
        let result = decoded
            .and_then(|d| read_soap(&d, &self.limits.xml))
            .and_then(|(m, _)| iti43::read_registry_response_body(&m.body));
        (raw, result)
    }

    /// ITI-18 to a registry.
    pub async fn query(
        &self,
        url: &str,
        q: &StoredQuery,
    ) -> (RawExchange, Result<QueryResponse, XdsError>) {
        let (raw, decoded) = self
            .send(url, action::ITI18, iti18::request_body(q), &[], false)
            .await;
        let result = decoded
            .and_then(|d| read_soap(&d, &self.limits.xml))
            .and_then(|(m, _)| iti18::read_response(&m.body));
        (raw, result)
    }

    /// ITI-43 to a repository.
    pub async fn retrieve(
        &self,
        url: &str,
        reqs: &[DocumentRequest],
    ) -> (RawExchange, Result<RetrieveResponse, XdsError>) {
        let (raw, decoded) = self
            .send(url, action::ITI43, iti43::request_body(reqs), &[], false)
            .await;
        let result = decoded
            .and_then(|d| read_soap(&d, &self.limits.xml))
            .and_then(|(m, atts)| iti43::read_response(&m.body, &atts));
        (raw, result)
    }
}

/// Parse the root part of a decoded message as a SOAP envelope (faults become errors).
pub fn read_soap(
    d: &Decoded,
    limits: &XmlLimits,
) -> Result<(SoapMessage, Vec<Attachment>), XdsError> {
    let msg = soap::read_envelope(&d.root, limits)?;
    Ok((msg, d.attachments.clone()))
}

fn error_chain(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
