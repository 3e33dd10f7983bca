//! The committee's month: a committee meeting's hour, time zone, venue and
//! format; who is invited to it (and to every meeting of a period); the
//! decision register (every decision recorded so far is carried into it);
//! the minutes and their revisions; action points.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    StartTime,
    EndTime,
    TimeZone,
    Venue,
    Format,
    Closed,
    Sequence,
    AgendaAdoptedAt,
}

#[derive(DeriveIden)]
enum AgendaItems {
    Table,
    Id,
    Standing,
}

#[derive(DeriveIden)]
enum StandingInvitations {
    Table,
    Id,
    Party,
    StateIso3,
    OrganizationCode,
    GuestName,
    GuestAffiliation,
    GuestAccount,
    Purpose,
    FromDate,
    ToDate,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    MeetingId,
    Party,
    Capacity,
    StateIso3,
    OrganizationCode,
    GuestName,
    GuestAffiliation,
    GuestAccount,
    Positions,
    Purpose,
    StandingId,
    Attendance,
    Delegates,
    ApologiesAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Decisions {
    Table,
    Id,
    MeetingId,
    AgendaItemId,
    Kind,
    Text,
    NominationId,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Minutes {
    Table,
    Id,
    MeetingId,
    CommentsDueAt,
    CommentsClosedAt,
    ApprovedAtMeetingId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MinutesRevisions {
    Table,
    Id,
    MinutesId,
    AgendaItemId,
    Revision,
    Text,
    NonAttributable,
    Author,
    At,
}

#[derive(DeriveIden)]
enum ActionPoints {
    Table,
    Id,
    MeetingId,
    AgendaItemId,
    Text,
    OwnerKind,
    OwnerPositionId,
    OwnerStateIso3,
    OwnerOrganizationCode,
    DueOn,
    Status,
    ClosedNote,
    ClosedAtMeetingId,
    ClosedAt,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WorkflowInstances {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    Id,
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

fn index(
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            string_null(Meetings::StartTime),
            string_null(Meetings::EndTime),
            string_null(Meetings::TimeZone),
            string_null(Meetings::Venue),
            string_null(Meetings::Format),
            boolean(Meetings::Closed).default(false).to_owned(),
            integer(Meetings::Sequence).default(0).to_owned(),
            timestamp_with_time_zone_null(Meetings::AgendaAdoptedAt),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Meetings::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AgendaItems::Table)
                    .add_column(boolean(AgendaItems::Standing).default(false))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StandingInvitations::Table)
                    .col(pk_auto(StandingInvitations::Id))
                    .col(string(StandingInvitations::Party))
                    .col(string_null(StandingInvitations::StateIso3))
                    .col(string_null(StandingInvitations::OrganizationCode))
                    .col(string_null(StandingInvitations::GuestName))
                    .col(string_null(StandingInvitations::GuestAffiliation))
                    .col(string_null(StandingInvitations::GuestAccount))
                    .col(text_null(StandingInvitations::Purpose))
                    .col(date(StandingInvitations::FromDate))
                    .col(date(StandingInvitations::ToDate))
                    .col(string(StandingInvitations::CreatedBy))
                    .col(timestamp_with_time_zone(StandingInvitations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(pk_auto(Invitations::Id))
                    .col(integer(Invitations::MeetingId))
                    .col(string(Invitations::Party))
                    .col(string(Invitations::Capacity))
                    .col(string_null(Invitations::StateIso3))
                    .col(string_null(Invitations::OrganizationCode))
                    .col(string_null(Invitations::GuestName))
                    .col(string_null(Invitations::GuestAffiliation))
                    .col(string_null(Invitations::GuestAccount))
                    .col(json(Invitations::Positions))
                    .col(text_null(Invitations::Purpose))
                    .col(integer_null(Invitations::StandingId))
                    .col(string_null(Invitations::Attendance))
                    .col(json(Invitations::Delegates))
                    .col(timestamp_with_time_zone_null(Invitations::ApologiesAt))
                    .col(integer(Invitations::Version))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::UpdatedAt))
                    .foreign_key(&mut fk(
                        Invitations::Table,
                        Invitations::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        Invitations::Table,
                        Invitations::StandingId,
                        StandingInvitations::Table,
                        StandingInvitations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "invitations_party_key",
                Invitations::Table,
                vec![
                    Invitations::MeetingId.into_iden(),
                    Invitations::Party.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Decisions::Table)
                    .col(pk_auto(Decisions::Id))
                    .col(integer(Decisions::MeetingId))
                    .col(integer(Decisions::AgendaItemId))
                    .col(string(Decisions::Kind))
                    .col(text(Decisions::Text))
                    .col(big_integer_null(Decisions::NominationId))
                    .col(string(Decisions::RecordedBy))
                    .col(timestamp_with_time_zone(Decisions::RecordedAt))
                    .foreign_key(&mut fk(
                        Decisions::Table,
                        Decisions::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        Decisions::Table,
                        Decisions::AgendaItemId,
                        AgendaItems::Table,
                        AgendaItems::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_decisions_meeting",
                Decisions::Table,
                vec![Decisions::MeetingId.into_iden(), Decisions::Id.into_iden()],
                false,
            ))
            .await?;
        // The decisions recorded so far (one line per nomination decided),
        // carried into the register.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO decisions (meeting_id, agenda_item_id, kind, text, recorded_by, recorded_at) \
                 SELECT meeting_id, id, 'AGREED', decision, 'system', COALESCE(decided_at, updated_at) \
                 FROM agenda_items WHERE decision IS NOT NULL ORDER BY id",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Minutes::Table)
                    .col(big_integer(Minutes::Id).primary_key())
                    .col(integer(Minutes::MeetingId))
                    .col(timestamp_with_time_zone_null(Minutes::CommentsDueAt))
                    .col(timestamp_with_time_zone_null(Minutes::CommentsClosedAt))
                    .col(integer_null(Minutes::ApprovedAtMeetingId))
                    .col(timestamp_with_time_zone(Minutes::CreatedAt))
                    .col(timestamp_with_time_zone(Minutes::UpdatedAt))
                    .foreign_key(&mut fk(
                        Minutes::Table,
                        Minutes::Id,
                        WorkflowInstances::Table,
                        WorkflowInstances::Id,
                    ))
                    .foreign_key(&mut fk(
                        Minutes::Table,
                        Minutes::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "minutes_meeting_key",
                Minutes::Table,
                vec![Minutes::MeetingId.into_iden()],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MinutesRevisions::Table)
                    .col(big_pk_auto(MinutesRevisions::Id))
                    .col(big_integer(MinutesRevisions::MinutesId))
                    .col(integer(MinutesRevisions::AgendaItemId))
                    .col(integer(MinutesRevisions::Revision))
                    .col(text(MinutesRevisions::Text))
                    .col(boolean(MinutesRevisions::NonAttributable).default(false))
                    .col(string(MinutesRevisions::Author))
                    .col(timestamp_with_time_zone(MinutesRevisions::At))
                    .foreign_key(&mut fk(
                        MinutesRevisions::Table,
                        MinutesRevisions::MinutesId,
                        Minutes::Table,
                        Minutes::Id,
                    ))
                    .foreign_key(&mut fk(
                        MinutesRevisions::Table,
                        MinutesRevisions::AgendaItemId,
                        AgendaItems::Table,
                        AgendaItems::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "minutes_revisions_key",
                MinutesRevisions::Table,
                vec![
                    MinutesRevisions::MinutesId.into_iden(),
                    MinutesRevisions::AgendaItemId.into_iden(),
                    MinutesRevisions::Revision.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActionPoints::Table)
                    .col(pk_auto(ActionPoints::Id))
                    .col(integer(ActionPoints::MeetingId))
                    .col(integer(ActionPoints::AgendaItemId))
                    .col(text(ActionPoints::Text))
                    .col(string(ActionPoints::OwnerKind))
                    .col(integer_null(ActionPoints::OwnerPositionId))
                    .col(string_null(ActionPoints::OwnerStateIso3))
                    .col(string_null(ActionPoints::OwnerOrganizationCode))
                    .col(date(ActionPoints::DueOn))
                    .col(string(ActionPoints::Status))
                    .col(text_null(ActionPoints::ClosedNote))
                    .col(integer_null(ActionPoints::ClosedAtMeetingId))
                    .col(timestamp_with_time_zone_null(ActionPoints::ClosedAt))
                    .col(integer(ActionPoints::Version))
                    .col(string(ActionPoints::CreatedBy))
                    .col(timestamp_with_time_zone(ActionPoints::CreatedAt))
                    .col(timestamp_with_time_zone(ActionPoints::UpdatedAt))
                    .foreign_key(&mut fk(
                        ActionPoints::Table,
                        ActionPoints::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        ActionPoints::Table,
                        ActionPoints::AgendaItemId,
                        AgendaItems::Table,
                        AgendaItems::Id,
                    ))
                    .foreign_key(&mut fk(
                        ActionPoints::Table,
                        ActionPoints::OwnerPositionId,
                        Positions::Table,
                        Positions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_action_points_status",
                ActionPoints::Table,
                vec![
                    ActionPoints::Status.into_iden(),
                    ActionPoints::DueOn.into_iden(),
                ],
                false,
            ))
            .await?;
        Ok(())
    }
}
