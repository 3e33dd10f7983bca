use sea_orm::entity::prelude::*;

/// An action plan of the Convention (the Lausanne Action Plan, 2021-2026).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub from_year: i32,
    pub to_year: i32,
    /// The code of the meeting that adopted it.
    pub adopted_at: Option<String>,
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
