use sea_orm::entity::prelude::*;

/// The minutes of a meeting; `id` is its workflow instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "minutes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    #[sea_orm(unique)]
    pub meeting_id: i32,
    pub comments_due_at: Option<DateTimeWithTimeZone>,
    pub comments_closed_at: Option<DateTimeWithTimeZone>,
    /// The later committee meeting that approved them.
    pub approved_at_meeting_id: Option<i32>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
