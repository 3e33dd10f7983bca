use sea_orm::entity::prelude::*;

/// A State that signed the Convention or deposited an instrument.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub iso3: String,
    pub name: String,
    pub un_regional_group: Option<String>,
    pub signed_on: Option<Date>,
    pub deposited_on: Option<Date>,
    pub deposit_kind: Option<String>,
    pub entry_into_force_on: Option<Date>,
    pub withdrawal_effective_on: Option<Date>,
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
