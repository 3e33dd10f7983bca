use sea_orm::entity::prelude::*;

/// A party invited to a meeting: a State (a member, or invited to assist),
/// an organization (an observer, the secretariat, or invited) or a named guest.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    /// `STATE:PHL`, `ORG:ICRC` or `GUEST:name|affiliation`: one invitation per party.
    pub party: String,
    pub capacity: String,
    pub state_iso3: Option<String>,
    pub organization_code: Option<String>,
    pub guest_name: Option<String>,
    pub guest_affiliation: Option<String>,
    /// The account a guest signs in with, where it has one.
    pub guest_account: Option<String>,
    /// A member's positions on the meeting's date (codes).
    pub positions: Json,
    pub purpose: Option<String>,
    pub standing_id: Option<i32>,
    pub attendance: Option<String>,
    /// Its delegates' names.
    pub delegates: Json,
    pub apologies_at: Option<DateTimeWithTimeZone>,
    pub version: i32,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
