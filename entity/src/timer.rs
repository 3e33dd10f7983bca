use sea_orm::entity::prelude::*;

/// A durable timer: fire `event` on `target` `subject_id` at `due_at`, once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "timers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// A workflow definition's name, or another kind of subject (`mandate`).
    pub target: String,
    pub subject_id: i64,
    pub event: String,
    pub due_at: DateTimeWithTimeZone,
    /// The instance version the timer was set for: if it moved on, the timer is dropped.
    pub expected_version: Option<i32>,
    /// PENDING, FIRED, DROPPED or CANCELLED.
    pub status: String,
    pub outcome: Option<String>,
    pub fired_by: Option<String>,
    pub fired_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
