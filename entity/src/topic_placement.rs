use sea_orm::entity::prelude::*;

/// A topic on a meeting's agenda: for the committee's consideration, or for
/// discussion by all; with what came of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic_placements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub topic_id: i64,
    pub meeting_id: i32,
    /// Its agenda item (null once the item left a postponed meeting's agenda).
    pub agenda_item_id: Option<i32>,
    /// `CONSIDERATION` or `DISCUSSION`.
    pub purpose: String,
    pub placed_at: DateTimeWithTimeZone,
    pub outcome: Option<String>,
    pub outcome_text: Option<String>,
    /// The decision recorded with the outcome.
    pub decision_id: Option<i32>,
    pub ended_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
