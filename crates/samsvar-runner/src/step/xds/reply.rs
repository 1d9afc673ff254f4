//! The response side of XDS steps: the decoded reply, and the values captures and
//! assertions read from it (or from what was sent).

use samsvar_suite::model::XdsTransaction;
use samsvar_xds::ebrim::{ObjectList, RegistryResponse};
use samsvar_xds::iti18::QueryResponse;
use samsvar_xds::iti43::RetrieveResponse;
use samsvar_xds::submission::{ProvideAndRegister, sha1_hex};
use samsvar_xds::vocab::ss;
use samsvar_xds::{XdsError, XdsLimits, iti18, iti43};

/// What was sent, kept for captures and `metadata_valid` on ITI-41.
pub enum Sent {
    Submission(Box<ProvideAndRegister>),
    Raw(String),
    Query,
    Retrieve,
}

/// The read response.
pub enum Reply {
    Registry(RegistryResponse),
    Query(Box<QueryResponse>),
    Retrieve(RetrieveResponse),
}

/// Reads the SOAP reply of `transaction` from the decoded response.
pub fn read(
    transaction: XdsTransaction,
    decoded: &samsvar_xds::mtom::Decoded,
    limits: &XdsLimits,
) -> Result<Reply, XdsError> {
    let (msg, atts) = samsvar_xds::client::read_soap(decoded, &limits.xml)?;
    match transaction {
        XdsTransaction::ProvideAndRegister => {
            iti43::read_registry_response_body(&msg.body).map(Reply::Registry)
        }
        XdsTransaction::StoredQuery => {
            iti18::read_response(&msg.body).map(|q| Reply::Query(Box::new(q)))
        }
        XdsTransaction::Retrieve => iti43::read_response(&msg.body, &atts).map(Reply::Retrieve),
    }
}

pub fn status_of(reply: &Reply) -> &RegistryResponse {
    match reply {
        Reply::Registry(r) => r,
        Reply::Query(q) => &q.response,
        Reply::Retrieve(r) => &r.response,
    }
}

/// The metadata a capture reads: the response's (ITI-18) or the submitted (ITI-41).
pub fn metadata<'a>(sent: &'a Sent, reply: &'a Reply) -> Option<&'a ObjectList> {
    match (reply, sent) {
        (Reply::Query(q), _) => Some(&q.objects),
        (_, Sent::Submission(s)) => Some(&s.metadata),
        _ => None,
    }
}

pub fn document_count(reply: &Reply) -> Option<usize> {
    match reply {
        Reply::Query(q) => Some(
            q.objects
                .extrinsic_objects
                .len()
                .max(q.objects.object_refs.len()),
        ),
        Reply::Retrieve(r) => Some(r.documents.len()),
        Reply::Registry(_) => None,
    }
}

/// The value of an `xds:` capture accessor, e.g. `entry_uuid`, `document_sha1`.
pub fn accessor(name: &str, sent: &Sent, reply: &Reply) -> Option<String> {
    let md = metadata(sent, reply);
    let first_de = md.and_then(|m| m.extrinsic_objects.first());
    let first_ss = md.and_then(|m| m.submission_sets().first().map(|p| p.obj.clone()));
    let first_doc = match reply {
        Reply::Retrieve(r) => r.documents.first(),
        _ => None,
    };
    match name {
        "status" => Some(status_of(reply).status.name().to_string()),
        "error_codes" => Some(status_of(reply).error_codes().join(",")),
        "entry_uuid" => first_de
            .map(|x| x.obj.id.clone())
            .or_else(|| md.and_then(|m| m.object_refs.first().map(|r| r.id.clone()))),
        "entry_uuids" => md.map(|m| {
            let ids: Vec<&str> = if m.extrinsic_objects.is_empty() {
                m.object_refs.iter().map(|r| r.id.as_str()).collect()
            } else {
                m.extrinsic_objects
                    .iter()
                    .map(|x| x.obj.id.as_str())
                    .collect()
            };
            ids.join(",")
        }),
        "unique_id" => first_de
            .and_then(|x| x.unique_id().map(str::to_string))
            .or_else(|| first_doc.map(|d| d.document_unique_id.clone())),
        "repository_unique_id" => first_de
            .and_then(|x| x.obj.slot_value("repositoryUniqueId").map(str::to_string))
            .or_else(|| first_doc.map(|d| d.repository_unique_id.clone())),
        "hash" => first_de.and_then(|x| x.obj.slot_value("hash").map(str::to_string)),
        "size" => first_de.and_then(|x| x.obj.slot_value("size").map(str::to_string)),
        "patient_id" => first_de.and_then(|x| x.patient_id().map(str::to_string)),
        "submission_set_uuid" => first_ss.map(|p| p.id.clone()),
        "submission_set_unique_id" => {
            first_ss.and_then(|p| p.external_id(ss::UNIQUE_ID).map(str::to_string))
        }
        "document_count" => document_count(reply).map(|n| n.to_string()),
        "document_sha1" => first_doc.map(|d| sha1_hex(&d.data)),
        "document_size" => first_doc.map(|d| d.data.len().to_string()),
        "document_mime_type" => first_doc.map(|d| d.mime_type.clone()),
        _ => None,
    }
}
