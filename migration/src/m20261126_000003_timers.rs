//! Durable timers (the engine fires each once, whichever replica claims it)
//! and calls for nominations.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Timers {
    Table,
    Id,
    Target,
    SubjectId,
    Event,
    DueAt,
    ExpectedVersion,
    Status,
    Outcome,
    FiredBy,
    FiredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    MeetingId,
    Deadline,
    OpenedBy,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Timers::Table)
                    .col(big_pk_auto(Timers::Id))
                    .col(string(Timers::Target))
                    .col(big_integer(Timers::SubjectId))
                    .col(string(Timers::Event))
                    .col(timestamp_with_time_zone(Timers::DueAt))
                    .col(integer_null(Timers::ExpectedVersion))
                    .col(string(Timers::Status))
                    .col(text_null(Timers::Outcome))
                    .col(string_null(Timers::FiredBy))
                    .col(timestamp_with_time_zone_null(Timers::FiredAt))
                    .col(timestamp_with_time_zone(Timers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_timers_status_due")
                    .table(Timers::Table)
                    .col(Timers::Status)
                    .col(Timers::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_timers_subject")
                    .table(Timers::Table)
                    .col(Timers::Target)
                    .col(Timers::SubjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Calls::Table)
                    .col(pk_auto(Calls::Id))
                    .col(integer(Calls::MeetingId))
                    .col(timestamp_with_time_zone(Calls::Deadline))
                    .col(string(Calls::OpenedBy))
                    .col(text_null(Calls::Note))
                    .col(timestamp_with_time_zone(Calls::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Calls::Table, Calls::MeetingId)
                            .to(Meetings::Table, Meetings::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Calls::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Timers::Table).to_owned())
            .await
    }
}
