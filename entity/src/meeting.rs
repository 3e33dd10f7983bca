use sea_orm::entity::prelude::*;

/// A Meeting of States Parties, Review Conference, Coordination Committee
/// meeting or intersessional meeting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub kind: String,
    pub ordinal: Option<i32>,
    pub year: i32,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub city: Option<String>,
    pub country_iso3: Option<String>,
    pub presiding_state_iso3: Option<String>,
    pub status: String,
    pub version: i32,
    pub source: String,
    /// The hour it starts (`HH:MM`, in `time_zone`), where established.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// An IANA time zone (`Europe/Zurich`).
    pub time_zone: Option<String>,
    /// Where it is held, as people write it.
    pub venue: Option<String>,
    pub format: Option<String>,
    /// A closed meeting's public record names no State where the minutes say so.
    pub closed: bool,
    /// Raised whenever its dates or hours move (iCalendar `SEQUENCE`).
    pub sequence: i32,
    pub agenda_adopted_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
