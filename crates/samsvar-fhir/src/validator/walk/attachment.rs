//! Attachments whose `data` is inline: the stated `size` and `hash` (SHA-1, base64)
//! must agree with the data.

use super::Walk;
use base64::Engine;
use samsvar_diagnostics::IssueType;
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

impl Walk<'_> {
    pub(super) fn attachment(&mut self, attachment: &Map<String, Value>) {
        let Some(data) = attachment.get("data").and_then(Value::as_str) else {
            return;
        };
        let Some(bytes) = decode(data) else {
            // The base64Binary type check reports malformed data.
            return;
        };
        if let Some(stated) = attachment.get("size").and_then(Value::as_u64)
            && stated != bytes.len() as u64
        {
            self.push("size", None, false);
            self.error(
                IssueType::Value,
                "attachment",
                format!(
                    "size {stated} does not match the data, which has {} bytes",
                    bytes.len()
                ),
            );
            self.pop();
        }
        if let Some(stated) = attachment.get("hash").and_then(Value::as_str) {
            let actual = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(&bytes));
            if decode(stated).is_some_and(|h| h.len() == 20) && stated.trim() != actual {
                self.push("hash", None, false);
                self.error(
                    IssueType::Value,
                    "attachment",
                    format!("hash {stated} is not the SHA-1 of the data ({actual})"),
                );
                self.pop();
            }
        }
    }
}

/// The decoded length of an Attachment's inline data, if it is valid base64.
pub(crate) fn data_size(attachment: &Value) -> Option<usize> {
    decode(attachment.get("data")?.as_str()?).map(|b| b.len())
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}
