//! Lowering of the security checks: a request's `auth:` override, the `tls:` probe step
//! and `- tls: refused|accepted` assertions (docs/suite-language.md, "Testing security").

use super::{Lower, spanned_str};
use crate::model::*;
use crate::yaml::Node;

impl Lower<'_> {
    /// `auth: none` or `auth: { scope: "…" }`.
    pub(crate) fn request_auth(&mut self, node: &Node) -> Option<Spanned<RequestAuth>> {
        if node.as_str() == Some("none") {
            return Some(Spanned::new(RequestAuth::None, node.span));
        }
        let scope = node.get("scope")?;
        Some(Spanned::new(
            RequestAuth::Scope(self.template(&scope.value)),
            node.span,
        ))
    }

    /// `tls: { offer: "1.1", target: fhir }`.
    pub(crate) fn tls_probe(&mut self, node: &Node) -> Option<TlsProbe> {
        let offer = node.get("offer")?;
        let version = match offer.value.scalar_text()?.as_str() {
            "1.0" => LegacyTls::Tls10,
            "1.1" => LegacyTls::Tls11,
            _ => return None,
        };
        Some(TlsProbe {
            target: node.get("target").map(spanned_str),
            offer: Spanned::new(version, offer.value.span),
            timeout_ms: node.get("timeout_ms").and_then(|e| e.value.as_u64()),
        })
    }

    /// `- tls: refused` or `- tls: accepted`.
    pub(crate) fn tls_assertion(&mut self, node: &Node) -> Option<AssertionKind> {
        match node.as_str()? {
            "refused" => Some(AssertionKind::Tls(TlsExpectation::Refused)),
            "accepted" => Some(AssertionKind::Tls(TlsExpectation::Accepted)),
            _ => None,
        }
    }
}
