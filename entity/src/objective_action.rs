use sea_orm::entity::prelude::*;

/// An action of the action plan an objective is linked to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objective_actions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub objective_id: i32,
    pub action_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
