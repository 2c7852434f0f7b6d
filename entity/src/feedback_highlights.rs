//! `feedback_highlights`: a quote cut from one feedback, with a sentiment
//! score in [-1, 1].

use sea_orm::entity::prelude::*;

/// One highlight.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_highlights")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    pub feedback_uuid: Uuid,
    pub quote: String,
    pub sentiment_score: f64,
    pub created_at: DateTimeUtc,
    /// The feedback's customer, copied when the highlight is cut (a feedback
    /// never changes customer): a customer's highlights without the feedbacks.
    pub customer_uuid: Uuid,
    /// The feedback's date, copied likewise: the order of a customer's
    /// highlights.
    pub feedback_date: DateTimeUtc,
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
        belongs_to = "super::feedbacks::Entity",
        from = "Column::FeedbackUuid",
        to = "super::feedbacks::Column::Uuid"
    )]
    Feedback,
    #[sea_orm(
        belongs_to = "super::customers::Entity",
        from = "Column::CustomerUuid",
        to = "super::customers::Column::Uuid"
    )]
    Customer,
}

impl ActiveModelBehavior for ActiveModel {}
