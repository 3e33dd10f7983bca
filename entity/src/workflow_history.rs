use sea_orm::entity::prelude::*;

/// One step of a workflow instance: `seq` equals the version it produced.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub instance_id: i64,
    pub seq: i32,
    pub from_state: Option<String>,
    pub event: String,
    pub to_state: String,
    pub actor: String,
    pub actor_role: String,
    pub at: DateTimeWithTimeZone,
    pub note: Option<String>,
    pub payload: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
