//! Organizations: the tenants.

use entity::organizations;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryOrder,
};
use uuid::Uuid;

use super::sql::Sql;

/// Creates an organization named `name`.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(db: &DatabaseConnection, name: &str) -> Result<organizations::Model, DbErr> {
    organizations::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        name: Set(name.to_owned()),
        created_at: Set(super::now()),
        customer_count: Set(0),
    }
    .insert(db)
    .await
}

/// Counts `added` new customers in the organization's stored total. Call it in
/// the transaction that inserts them; the update also locks the row, so
/// concurrent additions queue instead of losing a count.
pub async fn add_customers<C: ConnectionTrait>(
    db: &C,
    organization: Uuid,
    added: i64,
) -> Result<(), DbErr> {
    let mut sql = Sql::new("UPDATE organizations SET customer_count = customer_count + ");
    sql.bind(added).push(" WHERE uuid = ").bind(organization);
    db.execute_raw(sql.build(db.get_database_backend())).await?;
    Ok(())
}

/// The number of customers the organization has (0 when it does not exist).
pub async fn customer_count<C: ConnectionTrait>(db: &C, organization: Uuid) -> Result<i64, DbErr> {
    let mut sql = Sql::new("SELECT customer_count FROM organizations WHERE uuid = ");
    sql.bind(organization);
    sql.integer(db, "customer_count").await
}

/// The organization with this uuid, if any.
#[tracing::instrument(level = "debug", skip(db))]
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
