//! Organization-wide tables: lookups by uuid for the loaders, and one page
//! or the count of a whole table (companies, personas, insights, issues,
//! spaces).
//! Every function is confined to one organization. Writes live in
//! [`super::catalog`] and [`super::feedbacks`].

use std::collections::HashMap;

use entity::{
    customer_companies, customers, feedback_highlights, feedbacks, insights, issues, personas,
    spaces,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Value};
use uuid::Uuid;

use super::keyset::{Key, Order, Rows};
use super::sql::Sql;
use crate::error::AppError;
use entity::vocabulary::Direction;

/// A table whose rows have a `uuid` key and belong to one organization.
pub trait Owned: EntityTrait {
    /// The `uuid` column.
    fn uuid_column() -> Self::Column;
    /// The `organization_uuid` column.
    fn organization_column() -> Self::Column;
    /// The column organization-wide lists are ordered by (then by uuid).
    fn list_column() -> Self::Column;
}

macro_rules! owned {
    ($module:ident, $list:ident) => {
        impl Owned for $module::Entity {
            fn uuid_column() -> Self::Column {
                $module::Column::Uuid
            }
            fn organization_column() -> Self::Column {
                $module::Column::OrganizationUuid
            }
            fn list_column() -> Self::Column {
                $module::Column::$list
            }
        }
    };
}

owned!(customers, FullName);
owned!(customer_companies, Name);
owned!(personas, Name);
owned!(feedbacks, FeedbackDate);
owned!(feedback_highlights, CreatedAt);
owned!(insights, Title);
owned!(issues, Title);
owned!(spaces, Name);

/// The rows of `E` with these uuids that belong to `organization`, by uuid.
pub async fn find_many<E>(
    db: &DatabaseConnection,
    organization: Uuid,
    uuids: &[Uuid],
) -> Result<HashMap<Uuid, E::Model>, AppError>
where
    E: Owned,
    E::Model: sea_orm::ModelTrait<Entity = E>,
{
    use sea_orm::{ConnectionTrait, FromQueryResult, IdenStatic, ModelTrait};
    if uuids.is_empty() {
        return Ok(HashMap::new());
    }
    let table = E::default().table_name();
    let uuid_column = E::uuid_column().as_str();
    // Found by key; the tenancy test must not steer SQLite to another index.
    let mut sql = Sql::new(&format!("SELECT * FROM {table} WHERE {uuid_column}"));
    sql.in_uuids(uuids.iter().copied())
        .push(" AND ")
        .unindexed(E::organization_column().as_str())
        .push(" = ")
        .bind(organization);
    let rows = db
        .query_all_raw(sql.build(db.get_database_backend()))
        .await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in &rows {
        let model = E::Model::from_query_result(row, "")?;
        if let Value::Uuid(Some(uuid)) = model.get(E::uuid_column()) {
            found.insert(uuid, model);
        }
    }
    Ok(found)
}

/// The order of an organization-wide list of `E`: its list column, then uuid.
pub fn order<E: Owned>() -> Order {
    use sea_orm::IdenStatic;
    Order::by(
        Key::new(E::list_column().as_str(), Direction::Asc),
        Direction::Asc,
    )
}

/// The rows of `E` in the organization that `rows` asks for, in list order.
pub async fn list<E: Owned>(
    db: &DatabaseConnection,
    organization: Uuid,
    rows: &Rows,
) -> Result<Vec<E::Model>, AppError> {
    use sea_orm::FromQueryResult;
    let table = E::default().table_name();
    let mut sql = Sql::new(&format!(
        "SELECT c.* FROM {table} c WHERE c.organization_uuid = "
    ));
    sql.bind(organization);
    let read = rows.read(db, sql, order::<E>()).await?;
    read.iter()
        .map(|row| E::Model::from_query_result(row, "").map_err(AppError::from))
        .collect()
}

/// How many rows of `E` the organization has.
pub async fn count<E>(db: &DatabaseConnection, organization: Uuid) -> Result<i64, AppError>
where
    E: Owned,
    E::Model: Send + Sync,
{
    let total = E::find()
        .filter(E::organization_column().eq(organization))
        .count(db)
        .await?;
    Ok(total as i64)
}
