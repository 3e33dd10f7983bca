use sea_orm::entity::prelude::*;

/// A working group's work plan for a period; `id` is its workflow instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub position_id: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub title: String,
    /// The action plan its objectives link to.
    pub plan_code: String,
    /// Bumped by every change of the plan or its parts.
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    pub published_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
