use sea_orm::entity::prelude::*;

/// A State holding one seat of a position for a term.
/// Active on a date D when `starts_on <= D` and (`ends_on` is unknown or `D < ends_on`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mandates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub position_id: i32,
    pub state_iso3: String,
    pub seat: i32,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub designated_at_meeting_id: Option<i32>,
    pub ends_at_meeting_id: Option<i32>,
    pub renews_mandate_id: Option<i32>,
    pub nomination_id: Option<i64>,
    /// Set when a source only attests the State in the seat on this date (the
    /// period between the meetings around it); unset for a known term.
    pub attested_on: Option<Date>,
    pub source: String,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
