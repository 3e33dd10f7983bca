use sea_orm::entity::prelude::*;

/// An entry of the event log; `id` is the global, increasing cursor.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "event_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub topic: String,
    /// A wider subject the entry also concerns (a nomination's meeting: `meeting:ID`).
    pub scope: Option<String>,
    pub kind: String,
    pub payload: Json,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
