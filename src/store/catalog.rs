//! What an organization sorts its customers and their feedback by, and
//! creating it: companies and personas (which segment customers), spaces
//! (which feedback is filed into), insights
//! and issues (which highlights point at) with their links to highlights. A
//! link records its highlight's customer, so a customer's insights and
//! issues are one index walk away. Every function is confined to one
//! organization.

use entity::vocabulary::IssueStatus;
use entity::{customer_companies, feedback_highlights, insights, issues, personas, spaces};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, IntoActiveModel,
    TransactionTrait,
};
use uuid::Uuid;

use super::sql::Sql;
use crate::error::{AppError, Reference};
use crate::validation::{LongText, Name, ShortText};

use super::graph::{Owned, find_many};

/// The highlights, in the order given; fails unless every one exists in the
/// organization.
async fn find_highlights(
    db: &DatabaseConnection,
    organization: Uuid,
    highlights: &[Uuid],
) -> Result<Vec<feedback_highlights::Model>, AppError> {
    let mut found = find_many::<feedback_highlights::Entity>(db, organization, highlights).await?;
    highlights
        .iter()
        .map(|uuid| {
            found.remove(uuid).ok_or(AppError::UnknownReference {
                reference: Reference::Highlight,
                uuid: *uuid,
            })
        })
        .collect()
}

/// A table highlights are linked to (insights, issues), and its link table.
pub trait Linked: Owned {
    /// The link table.
    const LINK_TABLE: &'static str;
    /// The link table's column naming the owner.
    const OWNER_COLUMN: &'static str;
    /// The kind of row, for a `NotFound`.
    const WHAT: &'static str;
}

impl Linked for insights::Entity {
    const LINK_TABLE: &'static str = "insight_highlights";
    const OWNER_COLUMN: &'static str = "insight_uuid";
    const WHAT: &'static str = "insight";
}

impl Linked for issues::Entity {
    const LINK_TABLE: &'static str = "issue_highlights";
    const OWNER_COLUMN: &'static str = "issue_uuid";
    const WHAT: &'static str = "issue";
}

/// Links highlights to an insight or issue; linking twice is a no-op. Each
/// link records its highlight's customer.
async fn link<E: Linked, C: ConnectionTrait>(
    db: &C,
    owner: Uuid,
    highlights: &[feedback_highlights::Model],
) -> Result<(), AppError> {
    if highlights.is_empty() {
        return Ok(());
    }
    let (table, owner_column) = (E::LINK_TABLE, E::OWNER_COLUMN);
    let mut sql = Sql::new(&format!(
        "INSERT INTO {table} ({owner_column}, highlight_uuid, customer_uuid) VALUES "
    ));
    for (index, highlight) in highlights.iter().enumerate() {
        sql.push(if index == 0 { "(" } else { ", (" })
            .bind(owner)
            .push(", ")
            .bind(highlight.uuid)
            .push(", ")
            .bind(highlight.customer_uuid)
            .push(")");
    }
    sql.push(&format!(
        " ON CONFLICT ({owner_column}, highlight_uuid) DO NOTHING"
    ));
    db.execute_raw(sql.build(db.get_database_backend())).await?;
    Ok(())
}

fn dedup(uuids: &[Uuid]) -> Vec<Uuid> {
    let mut unique = uuids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    unique
}

/// Creates a company.
pub async fn create_company(
    db: &DatabaseConnection,
    organization: Uuid,
    name: Name,
    domain: Option<ShortText>,
) -> Result<customer_companies::Model, AppError> {
    Ok(customer_companies::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        name: Set(name.into_inner()),
        domain: Set(domain.map(ShortText::into_inner)),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?)
}

/// Creates a persona.
pub async fn create_persona(
    db: &DatabaseConnection,
    organization: Uuid,
    name: Name,
    description: Option<LongText>,
) -> Result<personas::Model, AppError> {
    Ok(personas::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        name: Set(name.into_inner()),
        description: Set(description.map(LongText::into_inner)),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?)
}

/// Creates a space feedback can be filed into.
pub async fn create_space(
    db: &DatabaseConnection,
    organization: Uuid,
    name: Name,
    description: Option<LongText>,
) -> Result<spaces::Model, AppError> {
    Ok(spaces::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        name: Set(name.into_inner()),
        description: Set(description.map(LongText::into_inner)),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?)
}

/// Inserts `row`, the insight or issue `owner`, linked to `highlights`
/// (each once), in one transaction; every highlight must be the
/// organization's ([`AppError::UnknownReference`]).
async fn create_linked<E>(
    db: &DatabaseConnection,
    organization: Uuid,
    highlights: &[Uuid],
    (owner, row): (Uuid, E::ActiveModel),
) -> Result<E::Model, AppError>
where
    E: Linked,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let highlights = find_highlights(db, organization, &dedup(highlights)).await?;
    let txn = db.begin().await?;
    let created = row.insert(&txn).await?;
    link::<E, _>(&txn, owner, &highlights).await?;
    txn.commit().await?;
    Ok(created)
}

/// Creates an insight linked to `highlights`.
pub async fn create_insight(
    db: &DatabaseConnection,
    organization: Uuid,
    title: Name,
    description: Option<LongText>,
    highlights: &[Uuid],
) -> Result<insights::Model, AppError> {
    let uuid = Uuid::new_v4();
    let row = insights::ActiveModel {
        uuid: Set(uuid),
        organization_uuid: Set(organization),
        title: Set(title.into_inner()),
        description: Set(description.map(LongText::into_inner)),
        created_at: Set(super::now()),
    };
    create_linked::<insights::Entity>(db, organization, highlights, (uuid, row)).await
}

/// Creates an issue with `status`, linked to `highlights`.
pub async fn create_issue(
    db: &DatabaseConnection,
    organization: Uuid,
    title: Name,
    description: Option<LongText>,
    status: IssueStatus,
    highlights: &[Uuid],
) -> Result<issues::Model, AppError> {
    let uuid = Uuid::new_v4();
    let row = issues::ActiveModel {
        uuid: Set(uuid),
        organization_uuid: Set(organization),
        title: Set(title.into_inner()),
        description: Set(description.map(LongText::into_inner)),
        status: Set(status),
        created_at: Set(super::now()),
    };
    create_linked::<issues::Entity>(db, organization, highlights, (uuid, row)).await
}

/// Links one highlight to an insight or issue (`E`) of the same
/// organization (linking twice changes nothing), and answers that insight
/// or issue. Either missing is `NotFound`.
pub async fn link_highlight<E: Linked>(
    db: &DatabaseConnection,
    organization: Uuid,
    owner: Uuid,
    highlight: Uuid,
) -> Result<E::Model, AppError>
where
    E::Model: sea_orm::ModelTrait<Entity = E>,
{
    let Some(found) = find_many::<E>(db, organization, &[owner])
        .await?
        .remove(&owner)
    else {
        return Err(AppError::NotFound(E::WHAT));
    };
    let Some(highlight) = find_many::<feedback_highlights::Entity>(db, organization, &[highlight])
        .await?
        .remove(&highlight)
    else {
        return Err(AppError::NotFound("feedback highlight"));
    };
    link::<E, _>(db, owner, &[highlight]).await?;
    Ok(found)
}
