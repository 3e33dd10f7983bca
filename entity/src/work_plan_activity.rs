use sea_orm::entity::prelude::*;

/// An activity planned under an objective.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_plan_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub objective_id: i32,
    pub text: String,
    pub due_on: Option<Date>,
    /// `PLANNED`, `DONE` or `DROPPED`.
    pub status: String,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
