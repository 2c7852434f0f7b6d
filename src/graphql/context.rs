//! What every resolver reads from the request context.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
use crate::live::Live;
use crate::loaders::Loaders;
use crate::tenant::Tenant;

/// The organization the request's token grants.
pub fn tenant(ctx: &Context<'_>) -> Result<Uuid, AppError> {
    ctx.data::<Tenant>()
        .map(|tenant| tenant.organization_uuid)
        .map_err(|_| AppError::Unauthorized)
}

/// Fails with `NOT_FOUND` unless `organization` is the token's: another
/// organization's data answers exactly like missing data.
pub fn own_organization(ctx: &Context<'_>, organization: Uuid) -> Result<Uuid, AppError> {
    ctx.data::<Tenant>()
        .map_err(|_| AppError::Unauthorized)?
        .own(organization)
}

/// The request's batching loader.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data::<Loaders>()
        .expect("BUG: every request carries its loaders")
}

/// The connection pool.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data::<DatabaseConnection>()
        .expect("BUG: the schema carries the pool")
}

/// The live-update hub writes publish their changes to.
pub fn live<'a>(ctx: &Context<'a>) -> &'a Live {
    ctx.data::<Live>()
        .expect("BUG: the schema carries the live-update hub")
}
