//! Fans new event-log entries out to this process's subscribers.
//!
//! One task per process reads the log after the last entry it has fanned out
//! and broadcasts what it finds. It wakes after every local commit, on a
//! PostgreSQL `NOTIFY` from any replica, and on a timer, so a lost wake-up
//! only delays an update until the next tick; nothing is lost, because the
//! log, not the notification, is the source.
//!
//! A notification carries its entry's id: one this process has fanned out
//! already (its own commits wake the task directly, before PostgreSQL's
//! notification arrives) wakes nothing, so a commit costs one read of the
//! log, not two.

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
        let fanned = Arc::new(AtomicI64::new(start));
        tokio::spawn(fan_out(db.clone(), tx.clone(), fanned.clone(), poll));
        if db.backend() == DatabaseBackend::Postgres {
            tokio::spawn(listen(db, fanned));
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

/// `fanned`: the last entry fanned out.
async fn fan_out(db: Db, tx: broadcast::Sender<Entry>, fanned: Arc<AtomicI64>, poll: Duration) {
    let mut last = fanned.load(Ordering::Acquire);
    loop {
        tokio::select! {
            () = db.committed.notified() => {}
            () = tokio::time::sleep(poll) => {}
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
                    fanned.store(last, Ordering::Release);
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

/// Turns PostgreSQL notifications from any replica into wake-ups, but for
/// entries already fanned out.
async fn listen(db: Db, fanned: Arc<AtomicI64>) {
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
                                let seen = notification
                                    .payload()
                                    .parse::<i64>()
                                    .is_ok_and(|id| id <= fanned.load(Ordering::Acquire));
                                if !seen {
                                    db.committed.notify_one();
                                }
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
