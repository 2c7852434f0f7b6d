//! Bearer tokens → the organization they grant, as an axum extractor.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::{AppError, Outage, outage_of};
use crate::state::AppState;
use crate::store::tokens;
pub use crate::tenant::Tenant;

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
///
/// The lookup is a read: when its connection broke under it (a restart, a
/// failover), it runs once more on a connection checked first, for every
/// request of either face, writes included.
pub async fn authenticate(state: &AppState, token: Option<&str>) -> Result<Tenant, AppError> {
    let token = token.ok_or(AppError::Unauthorized)?;
    let found = match tokens::organization_for(&state.db, token).await {
        Err(error) if outage_of(&error) == Some(Outage::ConnectionLost) => {
            state.health.check_connections();
            tokens::organization_for(&state.db, token).await
        }
        found => found,
    };
    match found? {
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
