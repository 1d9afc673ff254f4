//! What a handler wrote, attached to its response so the audit middleware can name the
//! stored version (`Type/id/_history/vid`) even when the answer carries neither body nor
//! `Location` (`Prefer: return=minimal`, the `missing-location` defect).

use std::sync::Arc;

use super::super::store::Version;

/// One written resource: its type, whether the write was a create, and the version.
#[derive(Debug, Clone)]
pub struct Target {
    pub resource_type: String,
    pub created: bool,
    pub version: Arc<Version>,
}

/// The response extension: every resource the request wrote, in request order (a
/// transaction writes several).
#[derive(Debug, Clone, Default)]
pub struct Targets(pub Vec<Target>);

impl Targets {
    /// Attach one written version to `response`.
    pub fn tag(
        mut response: axum::response::Response,
        resource_type: &str,
        created: bool,
        version: &Arc<Version>,
    ) -> axum::response::Response {
        response.extensions_mut().insert(Targets(vec![Target {
            resource_type: resource_type.to_string(),
            created,
            version: version.clone(),
        }]));
        response
    }
}
