//! Organizations: the tenants.

use entity::organizations;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, QueryOrder,
};
use uuid::Uuid;

/// Creates an organization named `name`.
#[tracing::instrument(skip(db))]
pub async fn create(db: &DatabaseConnection, name: &str) -> Result<organizations::Model, DbErr> {
    organizations::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        name: Set(name.to_owned()),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await
}

/// The organization with this uuid, if any.
#[tracing::instrument(skip(db))]
pub async fn find(
    db: &DatabaseConnection,
    uuid: Uuid,
) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find_by_id(uuid).one(db).await
}

/// The oldest organization, if the database holds any.
pub async fn first(db: &DatabaseConnection) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find()
        .order_by_asc(organizations::Column::CreatedAt)
        .one(db)
        .await
}
