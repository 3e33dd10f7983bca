//! The committee's reference domain: States, organizations, meetings and their
//! sessions and agendas, positions, mandates and accounts.
//!
//! Later steps add the nomination workflow, its history, the event log and
//! idempotency records beside these tables; the columns they will point at
//! (`mandates.nomination_id`, `agenda_items.version`, `meetings.version`) are
//! already here so that no table has to be reshaped.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum States {
    Table,
    Iso3,
    Name,
    UnRegionalGroup,
    SignedOn,
    DepositedOn,
    DepositKind,
    EntryIntoForceOn,
    WithdrawalEffectiveOn,
    Source,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Code,
    Name,
    Kind,
    HostedBy,
    SinceYear,
    Source,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    Code,
    Kind,
    Ordinal,
    Year,
    StartsOn,
    EndsOn,
    City,
    CountryIso3,
    PresidingStateIso3,
    Status,
    Version,
    Source,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetingSessions {
    Table,
    Id,
    MeetingId,
    Part,
    StartsOn,
    EndsOn,
    City,
    CountryIso3,
    Format,
    Source,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    Id,
    Code,
    Name,
    Kind,
    Seats,
    TermYears,
    Renewable,
    IntroducedAtMeetingId,
    RetiredAtMeetingId,
    SortOrder,
    ConsultationPolicy,
    Source,
}

#[derive(DeriveIden)]
enum AgendaItems {
    Table,
    Id,
    MeetingId,
    ItemOrder,
    Title,
    Kind,
    Decision,
    DecidedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Mandates {
    Table,
    Id,
    PositionId,
    StateIso3,
    Seat,
    StartsOn,
    EndsOn,
    DesignatedAtMeetingId,
    EndsAtMeetingId,
    RenewsMandateId,
    NominationId,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Subject,
    DisplayName,
    Role,
    StateIso3,
    CreatedAt,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(States::Table)
                    .col(char_len(States::Iso3, 3).primary_key())
                    .col(string(States::Name))
                    .col(string_null(States::UnRegionalGroup))
                    .col(date_null(States::SignedOn))
                    .col(date_null(States::DepositedOn))
                    .col(string_null(States::DepositKind))
                    .col(date_null(States::EntryIntoForceOn))
                    .col(date_null(States::WithdrawalEffectiveOn))
                    .col(text(States::Source))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_states_name")
                    .table(States::Table)
                    .col(States::Name)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(string(Organizations::Code).primary_key())
                    .col(string(Organizations::Name))
                    .col(string(Organizations::Kind))
                    .col(string_null(Organizations::HostedBy))
                    .col(integer_null(Organizations::SinceYear))
                    .col(text(Organizations::Source))
                    .foreign_key(&mut fk(
                        Organizations::Table,
                        Organizations::HostedBy,
                        Organizations::Table,
                        Organizations::Code,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Meetings::Table)
                    .col(pk_auto(Meetings::Id))
                    .col(string_uniq(Meetings::Code))
                    .col(string(Meetings::Kind))
                    .col(integer_null(Meetings::Ordinal))
                    .col(integer(Meetings::Year))
                    .col(date_null(Meetings::StartsOn))
                    .col(date_null(Meetings::EndsOn))
                    .col(string_null(Meetings::City))
                    .col(char_len_null(Meetings::CountryIso3, 3))
                    .col(char_len_null(Meetings::PresidingStateIso3, 3))
                    .col(string(Meetings::Status))
                    .col(integer(Meetings::Version).default(1))
                    .col(text(Meetings::Source))
                    .col(timestamp_with_time_zone(Meetings::CreatedAt))
                    .col(timestamp_with_time_zone(Meetings::UpdatedAt))
                    .foreign_key(&mut fk(
                        Meetings::Table,
                        Meetings::CountryIso3,
                        States::Table,
                        States::Iso3,
                    ))
                    .foreign_key(&mut fk(
                        Meetings::Table,
                        Meetings::PresidingStateIso3,
                        States::Table,
                        States::Iso3,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meetings_starts_on")
                    .table(Meetings::Table)
                    .col(Meetings::StartsOn)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingSessions::Table)
                    .col(pk_auto(MeetingSessions::Id))
                    .col(integer(MeetingSessions::MeetingId))
                    .col(integer(MeetingSessions::Part))
                    .col(date(MeetingSessions::StartsOn))
                    .col(date(MeetingSessions::EndsOn))
                    .col(string_null(MeetingSessions::City))
                    .col(char_len_null(MeetingSessions::CountryIso3, 3))
                    .col(string_null(MeetingSessions::Format))
                    .col(text(MeetingSessions::Source))
                    .foreign_key(&mut fk(
                        MeetingSessions::Table,
                        MeetingSessions::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        MeetingSessions::Table,
                        MeetingSessions::CountryIso3,
                        States::Table,
                        States::Iso3,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meeting_sessions_meeting_part")
                    .table(MeetingSessions::Table)
                    .col(MeetingSessions::MeetingId)
                    .col(MeetingSessions::Part)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Positions::Table)
                    .col(pk_auto(Positions::Id))
                    .col(string_uniq(Positions::Code))
                    .col(string(Positions::Name))
                    .col(string(Positions::Kind))
                    .col(integer(Positions::Seats))
                    .col(integer(Positions::TermYears))
                    .col(boolean(Positions::Renewable))
                    .col(integer_null(Positions::IntroducedAtMeetingId))
                    .col(integer_null(Positions::RetiredAtMeetingId))
                    .col(integer(Positions::SortOrder))
                    .col(json_null(Positions::ConsultationPolicy))
                    .col(text(Positions::Source))
                    .foreign_key(&mut fk(
                        Positions::Table,
                        Positions::IntroducedAtMeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        Positions::Table,
                        Positions::RetiredAtMeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgendaItems::Table)
                    .col(pk_auto(AgendaItems::Id))
                    .col(integer(AgendaItems::MeetingId))
                    .col(integer(AgendaItems::ItemOrder))
                    .col(string(AgendaItems::Title))
                    .col(string(AgendaItems::Kind))
                    .col(text_null(AgendaItems::Decision))
                    .col(timestamp_with_time_zone_null(AgendaItems::DecidedAt))
                    .col(integer(AgendaItems::Version).default(1))
                    .col(timestamp_with_time_zone(AgendaItems::CreatedAt))
                    .col(timestamp_with_time_zone(AgendaItems::UpdatedAt))
                    .foreign_key(&mut fk(
                        AgendaItems::Table,
                        AgendaItems::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_agenda_items_meeting_order")
                    .table(AgendaItems::Table)
                    .col(AgendaItems::MeetingId)
                    .col(AgendaItems::ItemOrder)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Mandates::Table)
                    .col(pk_auto(Mandates::Id))
                    .col(integer(Mandates::PositionId))
                    .col(char_len(Mandates::StateIso3, 3))
                    .col(integer(Mandates::Seat))
                    .col(date(Mandates::StartsOn))
                    .col(date_null(Mandates::EndsOn))
                    .col(integer_null(Mandates::DesignatedAtMeetingId))
                    .col(integer_null(Mandates::EndsAtMeetingId))
                    .col(integer_null(Mandates::RenewsMandateId))
                    .col(big_integer_null(Mandates::NominationId))
                    .col(text(Mandates::Source))
                    .col(timestamp_with_time_zone(Mandates::CreatedAt))
                    .foreign_key(&mut fk(
                        Mandates::Table,
                        Mandates::PositionId,
                        Positions::Table,
                        Positions::Id,
                    ))
                    .foreign_key(&mut fk(
                        Mandates::Table,
                        Mandates::StateIso3,
                        States::Table,
                        States::Iso3,
                    ))
                    .foreign_key(&mut fk(
                        Mandates::Table,
                        Mandates::DesignatedAtMeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        Mandates::Table,
                        Mandates::EndsAtMeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        Mandates::Table,
                        Mandates::RenewsMandateId,
                        Mandates::Table,
                        Mandates::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_mandates_position_starts",
                [Mandates::PositionId, Mandates::StartsOn],
            ),
            (
                "idx_mandates_state_starts",
                [Mandates::StateIso3, Mandates::StartsOn],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Mandates::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(pk_auto(Accounts::Id))
                    .col(string_uniq(Accounts::Subject))
                    .col(string(Accounts::DisplayName))
                    .col(string(Accounts::Role))
                    .col(char_len_null(Accounts::StateIso3, 3))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .foreign_key(&mut fk(
                        Accounts::Table,
                        Accounts::StateIso3,
                        States::Table,
                        States::Iso3,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Accounts::Table.into_iden(),
            Mandates::Table.into_iden(),
            AgendaItems::Table.into_iden(),
            Positions::Table.into_iden(),
            MeetingSessions::Table.into_iden(),
            Meetings::Table.into_iden(),
            Organizations::Table.into_iden(),
            States::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
