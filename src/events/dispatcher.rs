//! Fans new event-log entries out to this process's subscribers.
//!
//! One task per process reads the log after the last entry it has fanned out
//! and broadcasts what it finds. It wakes after every local commit, on a
//! PostgreSQL `NOTIFY` from any replica, and on a timer, so a lost wake-up
//! only delays an update until the next tick; nothing is lost, because the
//! log, not the notification, is the source.
//!
//! A wake-up reads nothing when the task has fanned out what it is for: a
//! notification carries its entry's id, and a local commit's entry is at
//! most the highest id this process appended. A local commit wakes the task
//! directly and PostgreSQL's notification of the same entry arrives moments
//! before or after: whichever comes second finds it fanned out, so a commit
//! costs one read of the log, not two.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use entity::event_log;
use sea_orm::DatabaseBackend;
use sea_orm::sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use super::log;
use crate::db::Db;

pub type Entry = Arc<event_log::Model>;

/// The process's fan-out of the event log.
pub struct Dispatcher {
    tx: broadcast::Sender<Entry>,
}

impl Dispatcher {
    /// Starts the fan-out (and, on PostgreSQL, the listener) for `db`.
    /// `capacity` bounds how far a subscriber may fall behind before it is cut off.
    pub async fn start(
        db: Db,
        capacity: usize,
        poll: Duration,
    ) -> Result<Arc<Self>, sea_orm::DbErr> {
        let (tx, _) = broadcast::channel(capacity.max(1));
        let start = log::latest(&db.conn).await?;
        let notified = Arc::new(Notified::default());
        tokio::spawn(fan_out(
            db.clone(),
            tx.clone(),
            start,
            notified.clone(),
            poll,
        ));
        if db.backend() == DatabaseBackend::Postgres {
            tokio::spawn(listen(db, notified));
        }
        Ok(Arc::new(Self { tx }))
    }

    /// A receiver of every entry fanned out from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Entry> {
        self.tx.subscribe()
    }
}

/// The most entries read from the log at once.
const PAGE: u64 = 500;

/// PostgreSQL's notifications, for the fan-out task: the highest entry id
/// notified, and a wake-up.
#[derive(Default)]
struct Notified {
    up_to: AtomicI64,
    wake: tokio::sync::Notify,
}

async fn fan_out(
    db: Db,
    tx: broadcast::Sender<Entry>,
    mut last: i64,
    notified: Arc<Notified>,
    poll: Duration,
) {
    loop {
        let read = tokio::select! {
            () = db.committed.notified() => log::appended() > last,
            () = notified.wake.notified() => notified.up_to.load(Ordering::Acquire) > last,
            () = tokio::time::sleep(poll) => true,
        };
        if !read {
            continue;
        }
        loop {
            match log::after(&db.conn, None, last, PAGE).await {
                Ok(entries) if entries.is_empty() => break,
                Ok(entries) => {
                    // A page not full holds all there was: an entry
                    // committed since has notified, so the next wake-up
                    // reads it, without a read that finds nothing.
                    let more = entries.len() >= PAGE as usize;
                    let now = chrono::Utc::now();
                    for entry in entries {
                        last = entry.id;
                        let late = (now - entry.created_at.to_utc())
                            .to_std()
                            .unwrap_or_default();
                        crate::telemetry_metrics::event_fanned_out(entry.id, late);
                        // No receiver is fine: nobody is subscribed.
                        let _ = tx.send(Arc::new(entry));
                    }
                    if !more {
                        break;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the event log; retrying");
                    break;
                }
            }
        }
    }
}

/// Turns PostgreSQL notifications from any replica into wake-ups.
async fn listen(db: Db, notified: Arc<Notified>) {
    loop {
        let pool = db.conn.get_postgres_connection_pool().clone();
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(err) = listener.listen(log::CHANNEL).await {
                    tracing::warn!(error = %err, "cannot LISTEN; retrying");
                } else {
                    loop {
                        match listener.recv().await {
                            Ok(notification) => {
                                // Not an id: read whatever there is.
                                let id = match notification.payload().parse() {
                                    Ok(id) => {
                                        crate::telemetry_metrics::event_appended(id);
                                        id
                                    }
                                    Err(_) => i64::MAX,
                                };
                                notified.up_to.fetch_max(id, Ordering::AcqRel);
                                notified.wake.notify_one();
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "lost the LISTEN connection; reconnecting");
                                break;
                            }
                        }
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot connect the listener; retrying"),
        }
        // Whatever was missed meanwhile is read from the log on the next wake-up.
        db.committed.notify_one();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
