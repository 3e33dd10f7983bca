use sea_orm::entity::prelude::*;

/// An objective of a work plan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_plan_objectives")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub work_plan_id: i64,
    pub ordinal: i32,
    pub text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
