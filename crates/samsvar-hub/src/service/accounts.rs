//! Signing in and out, sessions, API tokens, organisations and users.

use super::{Hub, required};
use crate::auth::{self, Actor, Role};
use crate::db::{Organisation, User, now_ms};
use crate::error::{HubError, HubResult};

/// A fresh session: the cookie value (never stored) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
}

impl Hub {
    /// Checks a password, rate-limited per account name and per client address.
    pub async fn check_password(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> HubResult<User> {
        let email = email.trim().to_ascii_lowercase();
        let keys = vec![format!("email:{email}"), format!("ip:{client}")];
        self.limiter.check(&keys).map_err(HubError::RateLimited)?;
        let user = self.db.user_by_email(&email).await?;
        // Verify against a dummy hash for unknown accounts too, so timing does not tell
        // which addresses have accounts.
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.as_str())
            .unwrap_or(DUMMY_HASH);
        if auth::verify_password(password, hash) && user.is_some() {
            self.limiter.succeed(&keys[0]);
            user.ok_or(HubError::Unauthorized)
        } else {
            self.limiter.fail(&keys);
            Err(HubError::Unauthorized)
        }
    }

    pub async fn login(&self, email: &str, password: &str, client: &str) -> HubResult<NewSession> {
        let user = self.check_password(email, password, client).await?;
        let session = NewSession {
            cookie: auth::random_secret(),
            csrf: auth::random_secret(),
        };
        self.db
            .create_session(
                &auth::secret_hash(&session.cookie),
                user.id,
                &session.csrf,
                now_ms() + auth::SESSION_MS,
            )
            .await?;
        Ok(session)
    }

    pub async fn logout(&self, cookie: &str) -> HubResult<()> {
        self.db.delete_session(&auth::secret_hash(cookie)).await
    }

    pub async fn actor_from_session(&self, cookie: &str) -> HubResult<Option<Actor>> {
        let Some(session) = self.db.session(&auth::secret_hash(cookie)).await? else {
            return Ok(None);
        };
        if session.expires_at < now_ms() {
            self.db.delete_session(&auth::secret_hash(cookie)).await?;
            return Ok(None);
        }
        let user = self.db.user(session.user_id).await?;
        Ok(Some(Actor::from_user(&user, session.csrf)?))
    }

    pub async fn actor_from_token(&self, token: &str) -> HubResult<Option<Actor>> {
        match self.db.user_by_token(&auth::secret_hash(token)).await? {
            Some(user) => Ok(Some(Actor::from_user(&user, String::new())?)),
            None => Ok(None),
        }
    }

    /// An API token for the account; the value is shown once and stored hashed.
    pub async fn create_token(&self, user_id: i64, name: &str) -> HubResult<String> {
        let token = auth::new_api_token();
        self.db
            .create_token(
                user_id,
                &required("token name", name)?,
                &auth::secret_hash(&token),
            )
            .await?;
        Ok(token)
    }

    pub async fn create_organisation(
        &self,
        actor: &Actor,
        name: &str,
        address: &str,
    ) -> HubResult<i64> {
        actor.require_organiser()?;
        self.db
            .create_organisation(&required("organisation name", name)?, address.trim())
            .await
    }

    pub async fn organisations(&self, actor: &Actor) -> HubResult<Vec<Organisation>> {
        match actor.role {
            Role::Vendor => match actor.org_id {
                Some(org) => Ok(vec![self.db.organisation(org).await?]),
                None => Ok(Vec::new()),
            },
            _ => self.db.organisations().await,
        }
    }

    pub async fn create_user(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        password: &str,
        role: &str,
        org_id: Option<i64>,
    ) -> HubResult<i64> {
        actor.require_organiser()?;
        create_user_unchecked(self, email, name, password, role, org_id).await
    }

    pub async fn users(&self, actor: &Actor) -> HubResult<Vec<User>> {
        actor.require_organiser()?;
        self.db.users().await
    }
}

/// Creates an account without an actor: `samsvar hub user add` on the server's own shell,
/// where the first organiser comes from.
pub async fn create_user_unchecked(
    hub: &Hub,
    email: &str,
    name: &str,
    password: &str,
    role: &str,
    org_id: Option<i64>,
) -> HubResult<i64> {
    let role = Role::parse(role.trim())?;
    let email = required("email", email)?.to_ascii_lowercase();
    if !email.contains('@') {
        return Err(HubError::bad("email must be an address (name@example.org)"));
    }
    let org_id = match (role, org_id) {
        (Role::Vendor, None) => {
            return Err(HubError::bad("a vendor account needs its organisation"));
        }
        (Role::Vendor, Some(org)) => {
            hub.db
                .organisation(org)
                .await
                .map_err(|_| HubError::bad(format!("no organisation {org}")))?;
            Some(org)
        }
        (_, _) => None,
    };
    let hash = auth::hash_password(password).map_err(HubError::bad)?;
    hub.db
        .create_user(
            &email,
            &required("name", name)?,
            &hash,
            role.as_str(),
            org_id,
        )
        .await
}

/// An argon2id hash of a random value nobody knows, for unknown accounts.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2Ftc3Zhci1odWItZHVtbXk$7tqs0mUDBp4Qz0OEfbHkq1O0tnbCUpFp0p4Tpx6d4hM";
