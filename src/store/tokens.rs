//! API tokens. A token is shown once, when issued; only its SHA-256 is stored,
//! so a leaked database does not leak working tokens.

use entity::api_tokens;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Every token starts with this, so that one found in a log or a paste is
/// recognisable (and secret scanners can match it).
pub const TOKEN_PREFIX: &str = "cg_";

/// The stored form of a token: lowercase hex SHA-256 of its full text.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut bytes)
        .expect("BUG: the operating system has no random source");
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Issues a new token for `organization_uuid`; returns its record and the
/// token itself, which is never stored.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn issue(
    db: &DatabaseConnection,
    organization_uuid: Uuid,
    label: Option<&str>,
) -> Result<(api_tokens::Model, String), DbErr> {
    let token = generate();
    let record = api_tokens::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization_uuid),
        token_hash: Set(hash(&token)),
        label: Set(label.map(str::to_owned)),
        created_at: Set(super::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((record, token))
}

/// The organization a token grants, or `None` for an unknown or revoked token.
pub async fn organization_for(db: &DatabaseConnection, token: &str) -> Result<Option<Uuid>, DbErr> {
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash(token)))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .map(|record| record.organization_uuid))
}

/// Which of `hashes` (see [`hash`]) are tokens still in force (known and
/// not revoked).
pub async fn still_valid(
    db: &DatabaseConnection,
    hashes: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut valid = std::collections::HashSet::new();
    for chunk in hashes.chunks(500) {
        let found = api_tokens::Entity::find()
            .filter(api_tokens::Column::TokenHash.is_in(chunk.iter().cloned()))
            .filter(api_tokens::Column::RevokedAt.is_null())
            .all(db)
            .await?;
        valid.extend(found.into_iter().map(|token| token.token_hash));
    }
    Ok(valid)
}

/// The tokens of an organization, oldest first (hashes only).
pub async fn list(
    db: &DatabaseConnection,
    organization_uuid: Uuid,
) -> Result<Vec<api_tokens::Model>, DbErr> {
    api_tokens::Entity::find()
        .filter(api_tokens::Column::OrganizationUuid.eq(organization_uuid))
        .order_by_asc(api_tokens::Column::CreatedAt)
        .all(db)
        .await
}

/// Revokes a token by its uuid. Returns false when there is no such token;
/// revoking twice keeps the first revocation time.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn revoke(db: &DatabaseConnection, token_uuid: Uuid) -> Result<bool, DbErr> {
    let Some(record) = api_tokens::Entity::find_by_id(token_uuid).one(db).await? else {
        return Ok(false);
    };
    if record.revoked_at.is_none() {
        let mut active: api_tokens::ActiveModel = record.into();
        active.revoked_at = Set(Some(super::now()));
        active.update(db).await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_prefixed_random_and_hashes_to_64_hex_characters() {
        let (a, b) = (generate(), generate());
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
    }
}
