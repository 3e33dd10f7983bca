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
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
