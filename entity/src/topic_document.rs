use sea_orm::entity::prelude::*;

/// A background document of a topic: a link, never a stored file.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub topic_id: i64,
    pub title: String,
    pub kind: String,
    /// The official document symbol (`CCM/MSP/2024/WP.3`), unique.
    pub symbol: Option<String>,
    pub language: String,
    pub url: String,
    pub added_by: String,
    pub added_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
