use sea_orm::entity::prelude::*;

/// Something a meeting asked someone to do by a date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_points")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    pub agenda_item_id: i32,
    pub text: String,
    /// `POSITION`, `STATE`, `ORGANIZATION` or `ISU`.
    pub owner_kind: String,
    pub owner_position_id: Option<i32>,
    pub owner_state_iso3: Option<String>,
    pub owner_organization_code: Option<String>,
    pub due_on: Date,
    pub status: String,
    pub closed_note: Option<String>,
    pub closed_at_meeting_id: Option<i32>,
    pub closed_at: Option<DateTimeWithTimeZone>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
