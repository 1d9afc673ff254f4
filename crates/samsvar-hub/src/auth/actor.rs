//! The signed-in user and what each role may do. Every service call takes an `Actor`;
//! visibility rules live here so pages and API cannot drift apart.

use crate::db::{Run, SystemRow, User};
use crate::error::{HubError, HubResult};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Organiser,
    Monitor,
    Vendor,
    Authority,
}

impl Role {
    pub fn parse(s: &str) -> HubResult<Role> {
        match s {
            "organiser" => Ok(Role::Organiser),
            "monitor" => Ok(Role::Monitor),
            "vendor" => Ok(Role::Vendor),
            "authority" => Ok(Role::Authority),
            other => Err(HubError::bad(format!(
                "unknown role `{other}`: use organiser, monitor, vendor or authority"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organiser => "organiser",
            Role::Monitor => "monitor",
            Role::Vendor => "vendor",
            Role::Authority => "authority",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The vendor's organisation.
    pub org_id: Option<i64>,
    /// The session's CSRF token (empty for API tokens, which need none: no cookie is sent).
    #[serde(skip)]
    pub csrf: String,
}

impl Actor {
    pub fn from_user(user: &User, csrf: String) -> HubResult<Actor> {
        Ok(Actor {
            user_id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            role: Role::parse(&user.role)?,
            org_id: user.org_id,
            csrf,
        })
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// Organiser only.
    pub fn require_organiser(&self) -> HubResult<()> {
        if self.is(Role::Organiser) {
            Ok(())
        } else {
            Err(HubError::Forbidden("only an organiser may do this".into()))
        }
    }

    /// Organisers and monitors (reviewing, overriding, signing off).
    pub fn require_monitor(&self) -> HubResult<()> {
        if matches!(self.role, Role::Organiser | Role::Monitor) {
            Ok(())
        } else {
            Err(HubError::Forbidden(
                "only a monitor or organiser may review, override or sign off a run".into(),
            ))
        }
    }

    /// The organisation filter for lists: a vendor sees its own, staff see all.
    pub fn org_scope(&self) -> Option<i64> {
        match self.role {
            // A vendor without an organisation sees nothing: -1 matches no row.
            Role::Vendor => Some(self.org_id.unwrap_or(-1)),
            _ => None,
        }
    }

    /// Systems: vendors see their organisation's; organisers and monitors all; the
    /// authority sees systems through submitted dossiers only. Hidden means 404.
    pub fn can_see_system(&self, system: &SystemRow) -> bool {
        match self.role {
            Role::Organiser | Role::Monitor => true,
            Role::Vendor => self.org_id == Some(system.org_id),
            Role::Authority => false,
        }
    }

    pub fn see_system(&self, system: &SystemRow) -> HubResult<()> {
        if self.can_see_system(system) {
            Ok(())
        } else {
            Err(HubError::NotFound)
        }
    }

    /// A vendor may register and change only its own organisation's systems.
    pub fn change_system(&self, system: &SystemRow) -> HubResult<()> {
        self.see_system(system)?;
        match self.role {
            Role::Organiser | Role::Vendor => Ok(()),
            _ => Err(HubError::Forbidden("monitors only review runs".into())),
        }
    }

    pub fn see_run(&self, run: &Run, system: &SystemRow) -> HubResult<()> {
        debug_assert_eq!(run.system_id, system.id);
        self.see_system(system)
    }
}
