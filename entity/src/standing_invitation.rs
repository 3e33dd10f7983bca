use sea_orm::entity::prelude::*;

/// A party invited to assist at every committee meeting of a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "standing_invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub party: String,
    pub state_iso3: Option<String>,
    pub organization_code: Option<String>,
    pub guest_name: Option<String>,
    pub guest_affiliation: Option<String>,
    pub guest_account: Option<String>,
    pub purpose: Option<String>,
    pub from_date: Date,
    pub to_date: Date,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
