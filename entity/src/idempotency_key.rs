use sea_orm::entity::prelude::*;

/// The first result of a request made with an idempotency key.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor: String,
    pub key: String,
    pub request_hash: String,
    /// What the work returned (the ids it produced), stored in its transaction.
    pub response: Json,
    /// The GraphQL value the first request rendered, replayed to a retry.
    pub rendered: Option<Json>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
