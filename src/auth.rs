//! Bearer tokens → the organization they grant, as an axum extractor.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::AppError;
use crate::store::tokens;

/// The organization the request's bearer token grants. Extracting it answers
/// 401 (with `WWW-Authenticate: Bearer`) for a missing, malformed, unknown or
/// revoked token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant {
    /// The organization every read and write of this request is confined to.
    pub organization_uuid: Uuid,
}

impl Tenant {
    /// `organization`, if it is the one the token grants; otherwise
    /// `NotFound`: another organization's data answers exactly like missing
    /// data, so nothing reveals what exists.
    pub fn own(&self, organization: Uuid) -> Result<Uuid, AppError> {
        if self.organization_uuid == organization {
            Ok(organization)
        } else {
            Err(AppError::NotFound("organization"))
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header, if well formed.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    bearer_token_from(&parts.headers)
}

/// The token of an `Authorization: Bearer <token>` header, if well formed.
pub fn bearer_token_from(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Resolves a token to its tenant, or [`AppError::Unauthorized`].
pub async fn authenticate(state: &AppState, token: Option<&str>) -> Result<Tenant, AppError> {
    let token = token.ok_or(AppError::Unauthorized)?;
    match tokens::organization_for(&state.db, token).await? {
        Some(organization_uuid) => Ok(Tenant { organization_uuid }),
        None => Err(AppError::Unauthorized),
    }
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(state, bearer_token(parts)).await
    }
}
