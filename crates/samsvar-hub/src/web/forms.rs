//! Form fields as sent (repeated keys kept: checkboxes) and the CSRF check every form passes.

use crate::auth::Actor;
use crate::error::{HubError, HubResult};

#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn id(&self, name: &str) -> HubResult<i64> {
        self.get(name)
            .trim()
            .parse()
            .map_err(|_| HubError::bad(format!("{name} must be a number")))
    }

    pub fn optional_id(&self, name: &str) -> HubResult<Option<i64>> {
        if self.get(name).trim().is_empty() {
            Ok(None)
        } else {
            self.id(name).map(Some)
        }
    }

    pub fn ids(&self, name: &str) -> HubResult<Vec<i64>> {
        self.all(name)
            .iter()
            .map(|v| {
                v.trim()
                    .parse()
                    .map_err(|_| HubError::bad(format!("{name} must be numbers")))
            })
            .collect()
    }

    /// The CSRF field must carry the session's token.
    pub fn check_csrf(&self, actor: &Actor) -> HubResult<()> {
        super::session::check_csrf(
            actor,
            self.0
                .iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.as_str()),
        )
    }
}
