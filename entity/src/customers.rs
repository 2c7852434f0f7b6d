//! `customers`: the people who send feedback. The email is unique within an
//! organization, ignoring case (its folded copy is). `last_interacted_date`
//! and `feedback_count` are kept current whenever feedback is added, so that
//! listing and sorting never aggregate.

use sea_orm::entity::prelude::*;

/// One customer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    pub full_name: String,
    pub email: String,
    pub role: Option<String>,
    pub persona_uuid: Option<Uuid>,
    pub customer_company_uuid: Option<Uuid>,
    pub last_interacted_date: Option<DateTimeUtc>,
    pub feedback_count: i64,
    /// Full name and email (`"{full_name} {email}"`), folded by
    /// [`crate::folding::fold`], for search.
    pub search_text: String,
    /// The email folded by [`crate::folding::fold`]; unique per organization,
    /// so that two emails equal but for case (in any alphabet) are refused.
    pub email_folded: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Starts at 1; every write to the row adds 1 (optimistic concurrency:
    /// the `ETag` and `expectedVersion` compare against it).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationUuid",
        to = "super::organizations::Column::Uuid"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::personas::Entity",
        from = "Column::PersonaUuid",
        to = "super::personas::Column::Uuid"
    )]
    Persona,
    #[sea_orm(
        belongs_to = "super::customer_companies::Entity",
        from = "Column::CustomerCompanyUuid",
        to = "super::customer_companies::Column::Uuid"
    )]
    CustomerCompany,
}

impl ActiveModelBehavior for ActiveModel {}
