//! On PostgreSQL, an event-log entry's id is drawn as its transaction
//! commits, not as the entry is inserted.
//!
//! The id is the subscribers' cursor, so entries must become visible in id
//! order. Before this step every append took a transaction-scoped advisory
//! lock and held it until its transaction committed: from the append to the
//! end of the `COMMIT`, two round trips between the service and the
//! database during which no other change could commit. Now a deferred
//! constraint trigger runs as the transaction commits: it takes the same
//! lock, gives each entry the transaction appended its final id (in the
//! order they were appended) and queues the replicas' notification of it.
//! The lock is held from there to the end of the commit, inside the
//! database; it is released only once the transaction is visible, so an
//! entry with a higher id never becomes visible before one with a lower id.
//! The id an entry was inserted with is a placeholder drawn from the same
//! sequence, always lower than its final one.
//!
//! SQLite has one writer at a time and needs none of this.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The advisory lock that orders the entries' ids (an arbitrary, fixed key,
/// the one appends took before this step).
const COMMIT_ORDER_LOCK: i64 = 0x0CC0_1065;

/// The channel the replicas listen on (`events::log::CHANNEL`).
const CHANNEL: &str = "ccm_events";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE FUNCTION event_log_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
             DECLARE
                 final_id bigint;
             BEGIN
                 PERFORM pg_advisory_xact_lock({COMMIT_ORDER_LOCK});
                 UPDATE event_log SET id = nextval(pg_get_serial_sequence('event_log', 'id'))
                     WHERE id = NEW.id RETURNING id INTO final_id;
                 PERFORM pg_notify('{CHANNEL}', final_id::text);
                 RETURN NULL;
             END
             $$"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE CONSTRAINT TRIGGER event_log_commit_order AFTER INSERT ON event_log \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION event_log_commit_order()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER event_log_commit_order ON event_log")
            .await?;
        db.execute_unprepared("DROP FUNCTION event_log_commit_order()")
            .await?;
        Ok(())
    }
}
