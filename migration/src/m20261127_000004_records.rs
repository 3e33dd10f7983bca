//! What the first real nomination rounds asked for: idempotent requests keep
//! the response they first rendered; a mandate can be an attested holding
//! (a source shows the State in the seat on a date) rather than a known term;
//! Risk Education has one seat (the 12MSP decided on "a dedicated coordinator");
//! and two rules backed by unique indexes, so that they hold under parallel
//! requests: one open nomination per position, State and deciding meeting
//! (`nominations.open_seat`, set while the nomination is open), and one
//! standing consultation response per State and nomination.

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
enum Nominations {
    Table,
    OpenSeat,
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
            .alter_table(
                Table::alter()
                    .table(Nominations::Table)
                    .add_column(string_null(Nominations::OpenSeat))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Open nominations get their key; where earlier races left duplicates,
        // only the latest of each does (the others stay, without the key).
        db.execute_unprepared(
            "UPDATE nominations SET open_seat = CAST(position_id AS TEXT) || ':' || state_iso3 || ':' \
             || CAST(deciding_meeting_id AS TEXT) WHERE id IN (SELECT MAX(n.id) FROM nominations n \
             JOIN workflow_instances w ON w.id = n.id WHERE w.state IN \
             ('DRAFT', 'SUBMITTED', 'IN_CONSULTATION', 'ENDORSED', 'ON_AGENDA') \
             GROUP BY n.position_id, n.state_iso3, n.deciding_meeting_id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_nominations_open_seat ON nominations (open_seat)",
        )
        .await?;
        // Keep the latest standing response of each State, withdraw the others.
        db.execute_unprepared(
            "UPDATE consultation_responses SET withdrawn_at = recorded_at \
             WHERE withdrawn_at IS NULL AND state_iso3 IS NOT NULL AND id NOT IN \
             (SELECT MAX(id) FROM consultation_responses WHERE withdrawn_at IS NULL \
             AND state_iso3 IS NOT NULL GROUP BY nomination_id, state_iso3)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_consultation_responses_standing \
             ON consultation_responses (nomination_id, state_iso3) \
             WHERE withdrawn_at IS NULL AND state_iso3 IS NOT NULL",
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
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_consultation_responses_standing")
            .await?;
        db.execute_unprepared("DROP INDEX idx_nominations_open_seat")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Nominations::Table)
                    .drop_column(Nominations::OpenSeat)
                    .to_owned(),
            )
            .await?;
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
