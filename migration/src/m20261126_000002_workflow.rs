//! The workflow engine's tables (instances, history, idempotency records),
//! the event log subscribers read, and the nominations with their
//! consultations.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WorkflowInstances {
    Table,
    Id,
    Definition,
    DefinitionVersion,
    State,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WorkflowHistory {
    Table,
    Id,
    InstanceId,
    Seq,
    FromState,
    Event,
    ToState,
    Actor,
    ActorRole,
    At,
    Note,
    Payload,
}

#[derive(DeriveIden)]
enum EventLog {
    Table,
    Id,
    Topic,
    Scope,
    Kind,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Actor,
    Key,
    RequestHash,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Nominations {
    Table,
    Id,
    Kind,
    PositionId,
    StateIso3,
    DecidingMeetingId,
    TermStartsOn,
    TermEndsOn,
    AgendaItemId,
    RenewsMandateId,
    MandateId,
    ConsultationDeadline,
    ProposedBy,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsultationResponses {
    Table,
    Id,
    NominationId,
    ResponderKind,
    StateIso3,
    OrganizationCode,
    Stance,
    Note,
    RecordedBy,
    RecordedAt,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum States {
    Table,
    Iso3,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AgendaItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Mandates {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Code,
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
        manager
            .create_table(
                Table::create()
                    .table(WorkflowInstances::Table)
                    .col(big_pk_auto(WorkflowInstances::Id))
                    .col(string(WorkflowInstances::Definition))
                    .col(integer(WorkflowInstances::DefinitionVersion))
                    .col(string(WorkflowInstances::State))
                    .col(integer(WorkflowInstances::Version))
                    .col(timestamp_with_time_zone(WorkflowInstances::CreatedAt))
                    .col(timestamp_with_time_zone(WorkflowInstances::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_workflow_instances_definition_state",
                WorkflowInstances::Table,
                vec![
                    WorkflowInstances::Definition.into_iden(),
                    WorkflowInstances::State.into_iden(),
                ],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkflowHistory::Table)
                    .col(big_pk_auto(WorkflowHistory::Id))
                    .col(big_integer(WorkflowHistory::InstanceId))
                    .col(integer(WorkflowHistory::Seq))
                    .col(string_null(WorkflowHistory::FromState))
                    .col(string(WorkflowHistory::Event))
                    .col(string(WorkflowHistory::ToState))
                    .col(string(WorkflowHistory::Actor))
                    .col(string(WorkflowHistory::ActorRole))
                    .col(timestamp_with_time_zone(WorkflowHistory::At))
                    .col(text_null(WorkflowHistory::Note))
                    .col(json_null(WorkflowHistory::Payload))
                    .foreign_key(&mut fk(
                        WorkflowHistory::Table,
                        WorkflowHistory::InstanceId,
                        WorkflowInstances::Table,
                        WorkflowInstances::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // One entry per version: no gap, no duplicate, whoever races.
        manager
            .create_index(index(
                "idx_workflow_history_instance_seq",
                WorkflowHistory::Table,
                vec![
                    WorkflowHistory::InstanceId.into_iden(),
                    WorkflowHistory::Seq.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventLog::Table)
                    .col(big_pk_auto(EventLog::Id))
                    .col(string(EventLog::Topic))
                    .col(string_null(EventLog::Scope))
                    .col(string(EventLog::Kind))
                    .col(json(EventLog::Payload))
                    .col(timestamp_with_time_zone(EventLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_event_log_topic_id",
                EventLog::Table,
                vec![EventLog::Topic.into_iden(), EventLog::Id.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_event_log_scope_id",
                EventLog::Table,
                vec![EventLog::Scope.into_iden(), EventLog::Id.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(big_pk_auto(IdempotencyKeys::Id))
                    .col(string(IdempotencyKeys::Actor))
                    .col(string(IdempotencyKeys::Key))
                    .col(string(IdempotencyKeys::RequestHash))
                    .col(json(IdempotencyKeys::Response))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_idempotency_keys_actor_key",
                IdempotencyKeys::Table,
                vec![
                    IdempotencyKeys::Actor.into_iden(),
                    IdempotencyKeys::Key.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Nominations::Table)
                    .col(big_integer(Nominations::Id).primary_key())
                    .col(string(Nominations::Kind))
                    .col(integer(Nominations::PositionId))
                    .col(char_len(Nominations::StateIso3, 3))
                    .col(integer(Nominations::DecidingMeetingId))
                    .col(date(Nominations::TermStartsOn))
                    .col(date(Nominations::TermEndsOn))
                    .col(integer_null(Nominations::AgendaItemId))
                    .col(integer_null(Nominations::RenewsMandateId))
                    .col(integer_null(Nominations::MandateId))
                    .col(timestamp_with_time_zone_null(
                        Nominations::ConsultationDeadline,
                    ))
                    .col(string(Nominations::ProposedBy))
                    .col(text_null(Nominations::Note))
                    .col(timestamp_with_time_zone(Nominations::CreatedAt))
                    .col(timestamp_with_time_zone(Nominations::UpdatedAt))
                    .foreign_key(&mut fk(
                        Nominations::Table,
                        Nominations::Id,
                        WorkflowInstances::Table,
                        WorkflowInstances::Id,
                    ))
                    .foreign_key(&mut fk(
                        Nominations::Table,
                        Nominations::PositionId,
                        Positions::Table,
                        Positions::Id,
                    ))
                    .foreign_key(&mut fk(
                        Nominations::Table,
                        Nominations::StateIso3,
                        States::Table,
                        States::Iso3,
                    ))
                    .foreign_key(&mut fk(
                        Nominations::Table,
                        Nominations::DecidingMeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .foreign_key(&mut fk(
                        Nominations::Table,
                        Nominations::AgendaItemId,
                        AgendaItems::Table,
                        AgendaItems::Id,
                    ))
                    .foreign_key(&mut fk(
                        Nominations::Table,
                        Nominations::RenewsMandateId,
                        Mandates::Table,
                        Mandates::Id,
                    ))
                    .foreign_key(&mut fk(
                        Nominations::Table,
                        Nominations::MandateId,
                        Mandates::Table,
                        Mandates::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_nominations_position_state",
                vec![
                    Nominations::PositionId.into_iden(),
                    Nominations::StateIso3.into_iden(),
                ],
            ),
            (
                "idx_nominations_meeting",
                vec![Nominations::DecidingMeetingId.into_iden()],
            ),
            (
                "idx_nominations_agenda_item",
                vec![Nominations::AgendaItemId.into_iden()],
            ),
        ] {
            manager
                .create_index(index(name, Nominations::Table, cols, false))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ConsultationResponses::Table)
                    .col(big_pk_auto(ConsultationResponses::Id))
                    .col(big_integer(ConsultationResponses::NominationId))
                    .col(string(ConsultationResponses::ResponderKind))
                    .col(char_len_null(ConsultationResponses::StateIso3, 3))
                    .col(string_null(ConsultationResponses::OrganizationCode))
                    .col(string(ConsultationResponses::Stance))
                    .col(text_null(ConsultationResponses::Note))
                    .col(string(ConsultationResponses::RecordedBy))
                    .col(timestamp_with_time_zone(ConsultationResponses::RecordedAt))
                    .col(timestamp_with_time_zone_null(
                        ConsultationResponses::WithdrawnAt,
                    ))
                    .foreign_key(&mut fk(
                        ConsultationResponses::Table,
                        ConsultationResponses::NominationId,
                        Nominations::Table,
                        Nominations::Id,
                    ))
                    .foreign_key(&mut fk(
                        ConsultationResponses::Table,
                        ConsultationResponses::StateIso3,
                        States::Table,
                        States::Iso3,
                    ))
                    .foreign_key(&mut fk(
                        ConsultationResponses::Table,
                        ConsultationResponses::OrganizationCode,
                        Organizations::Table,
                        Organizations::Code,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_consultation_responses_nomination",
                ConsultationResponses::Table,
                vec![ConsultationResponses::NominationId.into_iden()],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ConsultationResponses::Table.into_iden(),
            Nominations::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            EventLog::Table.into_iden(),
            WorkflowHistory::Table.into_iden(),
            WorkflowInstances::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
