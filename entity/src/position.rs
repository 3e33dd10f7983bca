use sea_orm::entity::prelude::*;

/// A kind of seat on the Coordination Committee.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "positions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: String,
    pub seats: i32,
    pub term_years: i32,
    pub renewable: bool,
    pub introduced_at_meeting_id: Option<i32>,
    pub retired_at_meeting_id: Option<i32>,
    pub sort_order: i32,
    pub consultation_policy: Option<Json>,
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
