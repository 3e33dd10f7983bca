use sea_orm::entity::prelude::*;

/// A State's or an observer's response in a nomination's consultation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_responses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub nomination_id: i64,
    pub responder_kind: String,
    pub state_iso3: Option<String>,
    pub organization_code: Option<String>,
    pub stance: String,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTimeWithTimeZone,
    pub withdrawn_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
