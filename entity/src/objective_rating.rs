use sea_orm::entity::prelude::*;

/// A dated progress rating of an objective (the latest one counts).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objective_ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub objective_id: i32,
    /// `NOT_STARTED`, `ON_TRACK`, `DELAYED` or `ACHIEVED`.
    pub rating: String,
    pub note: String,
    pub rated_on: Date,
    pub rated_by: String,
    pub recorded_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
