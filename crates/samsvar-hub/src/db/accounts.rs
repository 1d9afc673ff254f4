//! Organisations, users, sessions, API tokens and signing keys.

use super::{CountRow, Db, IdRow, Organisation, SessionRow, SigningKeyRow, User, now_ms};
use crate::error::HubResult;

impl Db {
    pub async fn create_organisation(&self, name: &str, address: &str) -> HubResult<i64> {
        let row: IdRow = sqlx::query_as(
            "INSERT INTO organisations (name, address, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(address)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    pub async fn organisations(&self) -> HubResult<Vec<Organisation>> {
        Ok(sqlx::query_as("SELECT * FROM organisations ORDER BY name")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn organisation(&self, id: i64) -> HubResult<Organisation> {
        Ok(sqlx::query_as("SELECT * FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        role: &str,
        org_id: Option<i64>,
    ) -> HubResult<i64> {
        let row: IdRow = sqlx::query_as(
            "INSERT INTO users (email, name, password_hash, role, org_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role)
        .bind(org_id)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    pub async fn user_by_email(&self, email: &str) -> HubResult<Option<User>> {
        Ok(sqlx::query_as("SELECT * FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn user(&self, id: i64) -> HubResult<User> {
        Ok(sqlx::query_as("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn users(&self) -> HubResult<Vec<User>> {
        Ok(sqlx::query_as("SELECT * FROM users ORDER BY role, email")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn count_users(&self) -> HubResult<i64> {
        let row: CountRow = sqlx::query_as("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.n)
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: i64,
    ) -> HubResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> HubResult<Option<SessionRow>> {
        Ok(
            sqlx::query_as("SELECT user_id, csrf, expires_at FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn delete_session(&self, id_hash: &str) -> HubResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_token(&self, user_id: i64, name: &str, token_hash: &str) -> HubResult<i64> {
        let row: IdRow = sqlx::query_as(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    /// The user a token hash belongs to (and notes its use).
    pub async fn user_by_token(&self, token_hash: &str) -> HubResult<Option<User>> {
        let user: Option<User> = sqlx::query_as(
            "SELECT users.* FROM users JOIN api_tokens ON api_tokens.user_id = users.id \
             WHERE api_tokens.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        if user.is_some() {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now_ms())
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(user)
    }

    pub async fn add_signing_key(
        &self,
        org_id: Option<i64>,
        kid: &str,
        public_pem: &str,
        label: &str,
    ) -> HubResult<i64> {
        if let Some(existing) = self.signing_key(org_id, kid).await? {
            return Ok(existing.id);
        }
        let row: IdRow = sqlx::query_as(
            "INSERT INTO signing_keys (org_id, kid, public_pem, label, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(org_id)
        .bind(kid)
        .bind(public_pem)
        .bind(label)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    /// A key by kid, registered by `org_id` (`None`: the hub's worker keys).
    pub async fn signing_key(
        &self,
        org_id: Option<i64>,
        kid: &str,
    ) -> HubResult<Option<SigningKeyRow>> {
        let row = match org_id {
            Some(org) => {
                sqlx::query_as("SELECT * FROM signing_keys WHERE org_id = $1 AND kid = $2")
                    .bind(org)
                    .bind(kid)
                    .fetch_optional(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_as("SELECT * FROM signing_keys WHERE org_id IS NULL AND kid = $1")
                    .bind(kid)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        Ok(row)
    }

    pub async fn signing_keys(&self, org_id: Option<i64>) -> HubResult<Vec<SigningKeyRow>> {
        let rows = match org_id {
            Some(org) => {
                sqlx::query_as("SELECT * FROM signing_keys WHERE org_id = $1 ORDER BY id")
                    .bind(org)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_as("SELECT * FROM signing_keys WHERE org_id IS NULL ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows)
    }

    pub async fn record_upload_refusal(
        &self,
        org_id: Option<i64>,
        user_id: i64,
        reason: &str,
    ) -> HubResult<()> {
        sqlx::query(
            "INSERT INTO upload_refusals (org_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(org_id)
        .bind(user_id)
        .bind(reason)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
