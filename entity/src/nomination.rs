use sea_orm::entity::prelude::*;

/// A State proposed for a seat of a position and term; its id is its workflow instance's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nominations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub kind: String,
    pub position_id: i32,
    pub state_iso3: String,
    pub deciding_meeting_id: i32,
    pub term_starts_on: Date,
    pub term_ends_on: Date,
    pub agenda_item_id: Option<i32>,
    pub renews_mandate_id: Option<i32>,
    pub mandate_id: Option<i32>,
    pub consultation_deadline: Option<DateTimeWithTimeZone>,
    pub proposed_by: String,
    pub note: Option<String>,
    /// `position:state:meeting` while the nomination is open, null once it is
    /// over: a unique index keeps one open nomination per position, State and
    /// deciding meeting.
    pub open_seat: Option<String>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
