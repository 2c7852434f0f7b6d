//! [`Tenant`]: the organization a request may touch, as its bearer token
//! grants it (see [`crate::auth`] for how a token becomes one).

use uuid::Uuid;

use crate::error::AppError;

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
