use sea_orm::entity::prelude::*;

/// An item on a meeting's agenda.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agenda_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    pub item_order: i32,
    pub title: String,
    pub kind: String,
    pub decision: Option<String>,
    pub decided_at: Option<DateTimeWithTimeZone>,
    pub version: i32,
    /// One of a committee meeting's standing items.
    pub standing: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
