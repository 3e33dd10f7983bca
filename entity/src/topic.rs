use sea_orm::entity::prelude::*;

/// A topic raised for discussion by all; `id` is its workflow instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub title: String,
    pub description: String,
    /// The thematic area (a position), where it has one.
    pub area_position_id: Option<i32>,
    /// The account that raised it.
    pub proposer: String,
    pub proposer_role: String,
    /// The State a coordinator or delegate raised it for.
    pub proposer_state_iso3: Option<String>,
    /// The organisation an observer raised it for.
    pub proposer_organization: Option<String>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
