//! One subscriber's stream: what it missed after its cursor, read from the
//! log, then live entries, with no gap and no duplicate at the seam.

use std::collections::VecDeque;
use std::sync::Arc;

use entity::event_log;
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::dispatcher::{Dispatcher, Entry};
use super::log::{self, Filter};
use crate::db::Db;

/// Why a stream ended early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// The subscriber fell too far behind; it can resume after this cursor.
    Lagged { resume_after: Option<i64> },
    /// The log could not be read.
    Internal,
}

enum Phase {
    Replay,
    Live,
    Done,
}

struct State {
    db: Db,
    filter: Filter,
    rx: broadcast::Receiver<Entry>,
    last: Option<i64>,
    queue: VecDeque<event_log::Model>,
    phase: Phase,
    /// Go on with live entries once the replay is done.
    live: bool,
}

/// Entries matching `filter` after `after` (replayed from the log), then,
/// with `live`, live ones. Without `after`, live entries only.
pub fn subscribe(
    dispatcher: &Arc<Dispatcher>,
    db: Db,
    filter: Filter,
    after: Option<i64>,
    live: bool,
) -> impl Stream<Item = Result<event_log::Model, StreamError>> + Send + use<> {
    // Subscribe before reading the log: what commits meanwhile arrives live,
    // and what arrives twice is skipped by its cursor.
    let state = State {
        db,
        filter,
        rx: dispatcher.subscribe(),
        last: after,
        queue: VecDeque::new(),
        phase: match (after, live) {
            (Some(_), _) => Phase::Replay,
            (None, true) => Phase::Live,
            (None, false) => Phase::Done,
        },
        live,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(entry) = st.queue.pop_front() {
                st.last = Some(entry.id);
                return Some((Ok(entry), st));
            }
            match st.phase {
                Phase::Done => return None,
                Phase::Replay => {
                    let cursor = st.last.unwrap_or(0);
                    match log::after(&st.db.conn, Some(&st.filter), cursor, 200).await {
                        Ok(page) if page.is_empty() => {
                            st.phase = if st.live { Phase::Live } else { Phase::Done };
                        }
                        Ok(page) => st.queue.extend(page),
                        Err(err) => {
                            tracing::error!(error = %err, "cannot replay the event log");
                            st.phase = Phase::Done;
                            return Some((Err(StreamError::Internal), st));
                        }
                    }
                }
                Phase::Live => match st.rx.recv().await {
                    Ok(entry) => {
                        let fresh = st.last.is_none_or(|last| entry.id > last);
                        if fresh && st.filter.matches(&entry) {
                            st.queue.push_back((*entry).clone());
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        st.phase = Phase::Done;
                        let resume_after = st.last;
                        return Some((Err(StreamError::Lagged { resume_after }), st));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    })
}
