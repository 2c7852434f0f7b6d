//! `feedback_spaces`: which feedbacks sit in which spaces (both of one
//! organization: every write checks it). Deleting either deletes the link.

use sea_orm::entity::prelude::*;

/// One feedback in one space.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_spaces")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub space_uuid: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub feedback_uuid: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::spaces::Entity",
        from = "Column::SpaceUuid",
        to = "super::spaces::Column::Uuid"
    )]
    Space,
    #[sea_orm(
        belongs_to = "super::feedbacks::Entity",
        from = "Column::FeedbackUuid",
        to = "super::feedbacks::Column::Uuid"
    )]
    Feedback,
}

impl ActiveModelBehavior for ActiveModel {}
