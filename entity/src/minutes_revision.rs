use sea_orm::entity::prelude::*;

/// One saved text of one agenda item's minutes: the latest revision is the text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "minutes_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub minutes_id: i64,
    pub agenda_item_id: i32,
    pub revision: i32,
    pub text: String,
    /// The public record of a closed meeting names no State in this text.
    pub non_attributable: bool,
    pub author: String,
    pub at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
