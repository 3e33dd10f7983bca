use sea_orm::entity::prelude::*;

/// A numbered action of an action plan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_plan_actions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_code: String,
    pub number: i32,
    /// The thematic area, as the coordinators' work plans give it.
    pub area: String,
    /// Its text, only where a source quotes it.
    pub text: Option<String>,
    pub indicators: Option<String>,
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
