//! What the first real nomination rounds asked for: idempotent requests keep
//! the response they first rendered; a mandate can be an attested holding
//! (a source shows the State in the seat on a date) rather than a known term;
//! Risk Education has one seat (the 12MSP decided on "a dedicated coordinator").

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Rendered,
}

#[derive(DeriveIden)]
enum Mandates {
    Table,
    AttestedOn,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    Seats,
    Code,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .add_column(json_null(IdempotencyKeys::Rendered))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Mandates::Table)
                    .add_column(date_null(Mandates::AttestedOn))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(Positions::Table)
                    .value(Positions::Seats, 1)
                    .and_where(Expr::col(Positions::Code).eq("RISK_EDUCATION"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Mandates::Table)
                    .drop_column(Mandates::AttestedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .drop_column(IdempotencyKeys::Rendered)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
