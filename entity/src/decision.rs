use sea_orm::entity::prelude::*;

/// A decision a meeting recorded on one of its agenda items.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    pub agenda_item_id: i32,
    pub kind: String,
    pub text: String,
    /// The nomination it decided, for decisions of the nomination workflow.
    pub nomination_id: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
