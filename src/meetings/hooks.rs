//! What other domains do when a meeting changes. Meetings announce; they
//! never call another domain by name. Each hook runs inside the meeting
//! change's transaction, so the change and everything that follows from it
//! commit together or not at all. `server::state` registers them at start.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::meeting;
use futures_util::future::BoxFuture;

use crate::db::WriteTxn;
use crate::error::ApiError;

/// A domain that follows meetings' changes.
pub trait MeetingHook: Send + Sync {
    /// The meeting has dates now: it was scheduled with them, or moved.
    fn dated<'a>(
        &'a self,
        _txn: &'a WriteTxn,
        _meeting: &'a meeting::Model,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async { Ok(()) })
    }

    /// An existing meeting's dates changed (`before` them, `meeting` now).
    fn moved<'a>(
        &'a self,
        _txn: &'a WriteTxn,
        _before: &'a meeting::Model,
        _meeting: &'a meeting::Model,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async { Ok(()) })
    }

    /// The meeting concluded or was cancelled.
    fn closed<'a>(
        &'a self,
        _txn: &'a WriteTxn,
        _meeting: &'a meeting::Model,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Every registered hook, in registration order.
#[derive(Clone, Default)]
pub struct MeetingHooks(Vec<Arc<dyn MeetingHook>>);

impl MeetingHooks {
    pub fn new(hooks: Vec<Arc<dyn MeetingHook>>) -> Self {
        Self(hooks)
    }

    pub(super) async fn dated(
        &self,
        txn: &WriteTxn,
        meeting: &meeting::Model,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        for hook in &self.0 {
            hook.dated(txn, meeting, now).await?;
        }
        Ok(())
    }

    pub(super) async fn moved(
        &self,
        txn: &WriteTxn,
        before: &meeting::Model,
        meeting: &meeting::Model,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        for hook in &self.0 {
            hook.moved(txn, before, meeting, now).await?;
        }
        Ok(())
    }

    pub(super) async fn closed(
        &self,
        txn: &WriteTxn,
        meeting: &meeting::Model,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        for hook in &self.0 {
            hook.closed(txn, meeting, now).await?;
        }
        Ok(())
    }
}
