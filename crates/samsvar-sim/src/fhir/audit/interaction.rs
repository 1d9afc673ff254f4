//! Which REST interaction a request is, from its method and path (relative to the mount).

use axum::http::Method;

use super::super::request::valid_type;

/// The interactions BALP has a profile for (plus the transaction that carries them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    Read {
        rt: String,
        id: String,
    },
    Vread {
        rt: String,
        id: String,
        vid: String,
    },
    /// `post`: `POST [type]/_search` (parameters in the form body).
    Search {
        rt: String,
        post: bool,
    },
    Create {
        rt: String,
    },
    Update {
        rt: String,
        id: String,
    },
    Delete {
        rt: String,
        id: String,
    },
    Transaction,
}

impl Interaction {
    /// `None` for what is not audited: `/metadata` (no patient data, and clients poll it),
    /// history and operations such as `$summary` (BALP profiles none of them), unknown paths,
    /// and anything on AuditEvent itself: BALP leaves auditing the audit trail to local
    /// policy, and recording the search for AuditEvents as an AuditEvent would make every
    /// look at the trail grow it (and a pushed copy would recurse on a server that audits too).
    pub fn classify(method: &Method, path: &str) -> Option<Interaction> {
        let path = path
            .strip_prefix(super::super::MOUNT)
            .unwrap_or(path)
            .trim_matches('/');
        let segments: Vec<&str> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('/').collect()
        };
        if segments.is_empty() {
            return (method == Method::POST).then_some(Interaction::Transaction);
        }
        let rt = segments[0];
        if !valid_type(rt) || rt == "AuditEvent" {
            return None;
        }
        let rt = rt.to_string();
        let owned = |s: &str| s.to_string();
        match (method.as_str(), segments.as_slice()) {
            ("GET", [_]) => Some(Interaction::Search { rt, post: false }),
            ("POST", [_]) => Some(Interaction::Create { rt }),
            ("POST", [_, "_search"]) => Some(Interaction::Search { rt, post: true }),
            ("GET", [_, id]) => Some(Interaction::Read { rt, id: owned(id) }),
            ("PUT", [_, id]) => Some(Interaction::Update { rt, id: owned(id) }),
            ("DELETE", [_, id]) => Some(Interaction::Delete { rt, id: owned(id) }),
            ("GET", [_, id, "_history", vid]) => Some(Interaction::Vread {
                rt,
                id: owned(id),
                vid: owned(vid),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_and_skips() {
        let get = Method::GET;
        assert_eq!(
            Interaction::classify(&get, "/Patient/1"),
            Some(Interaction::Read {
                rt: "Patient".into(),
                id: "1".into()
            })
        );
        assert_eq!(
            Interaction::classify(&Method::POST, "/fhir/Observation/_search"),
            Some(Interaction::Search {
                rt: "Observation".into(),
                post: true
            })
        );
        assert_eq!(Interaction::classify(&get, "/metadata"), None);
        assert_eq!(Interaction::classify(&get, "/AuditEvent"), None);
        assert_eq!(Interaction::classify(&get, "/Patient/1/_history"), None);
        assert_eq!(Interaction::classify(&get, "/Patient/1/$summary"), None);
        assert_eq!(
            Interaction::classify(&Method::POST, "/"),
            Some(Interaction::Transaction)
        );
    }
}
