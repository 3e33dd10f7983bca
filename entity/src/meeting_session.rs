use sea_orm::entity::prelude::*;

/// One part of a meeting that sat in several parts (the 2RC met in 2020 and 2021).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    pub part: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub city: Option<String>,
    pub country_iso3: Option<String>,
    pub format: Option<String>,
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
