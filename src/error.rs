//! The error policy, written down once.
//!
//! Services return [`ApiError`]; it is mapped to a GraphQL error with an
//! `extensions.code` in exactly one place (`graphql::error`). Unexpected
//! failures (database errors, broken invariants) are logged with their cause
//! where they happen and reach clients only as `INTERNAL`, with no detail.
//!
//! `ApiError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` error into a client-visible message, and an error of ours
//! must never take that path.

use sea_orm::DbErr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The input is malformed or out of range (a bad cursor, an unknown enum, ...).
    BadUserInput(String),
    /// A thing named by the caller does not exist.
    NotFound(String),
    /// The request needs a token.
    Unauthenticated(String),
    /// The caller's role or State may not do this.
    Forbidden(String),
    /// The thing changed since the caller saw it (at `current_version`, when known).
    Conflict {
        message: String,
        current_version: Option<i32>,
    },
    /// The workflow has no such move from where the thing is.
    InvalidTransition {
        message: String,
        state: String,
        allowed: Vec<String>,
    },
    /// A rule of the workflow refused the move.
    GuardFailed { guard: String, reason: String },
    /// Too much at once: too many subscriptions, or a subscriber too far behind
    /// (it can resume after `resume_after`).
    RateLimited {
        message: String,
        resume_after: Option<i64>,
    },
    /// The database cannot be reached, is restarting or too busy to answer
    /// in time: nothing was changed, and the same request may be retried
    /// (with its idempotency key) after `retry_after_secs`.
    Unavailable { retry_after_secs: u32 },
    /// Something went wrong on our side; the cause was logged.
    Internal,
}

impl ApiError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput(message.into())
    }

    /// A broken invariant (a row that must exist does not): logged with what
    /// broke, shown to the client only as INTERNAL.
    pub fn broken(what: &str) -> Self {
        tracing::error!(invariant = what, "a broken invariant");
        Self::Internal
    }

    /// The machine-readable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Conflict { .. } => "CONFLICT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::GuardFailed { .. } => "GUARD_FAILED",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable { .. } => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }

    /// The message shown to clients.
    pub fn message(&self) -> &str {
        match self {
            Self::BadUserInput(m)
            | Self::NotFound(m)
            | Self::Unauthenticated(m)
            | Self::Forbidden(m)
            | Self::Conflict { message: m, .. }
            | Self::InvalidTransition { message: m, .. }
            | Self::RateLimited { message: m, .. } => m,
            Self::GuardFailed { reason, .. } => reason,
            Self::Unavailable { .. } => {
                "the database is unavailable for a moment: nothing was changed, retry shortly"
            }
            Self::Internal => "internal error",
        }
    }
}

/// What a unique index refusing a write means, by the index's name (as
/// PostgreSQL names it, and as SQLite names its columns).
struct Unique {
    postgres: &'static str,
    sqlite: &'static str,
    meaning: fn() -> ApiError,
}

/// Every unique index a request can run into, and what it says to the caller.
/// An index missing here is still a CONFLICT, logged as unmapped.
const UNIQUE: &[Unique] = &[
    Unique {
        postgres: "meetings_code_key",
        sqlite: "meetings.code",
        meaning: || ApiError::bad_input("a meeting with this code already exists"),
    },
    Unique {
        postgres: "idx_nominations_open_seat",
        sqlite: "nominations.open_seat",
        meaning: || ApiError::GuardFailed {
            guard: "noDuplicate".to_owned(),
            reason: "this State already has an open nomination for this position at this meeting"
                .to_owned(),
        },
    },
    Unique {
        postgres: "idx_consultation_responses_standing",
        sqlite: "consultation_responses.nomination_id, consultation_responses.state_iso3",
        meaning: || ApiError::Conflict {
            message:
                "another response of this State was recorded at the same moment: reload and retry"
                    .to_owned(),
            current_version: None,
        },
    },
    Unique {
        postgres: "idx_workflow_history_instance_seq",
        sqlite: "workflow_history.instance_id, workflow_history.seq",
        meaning: || ApiError::Conflict {
            message: "another move was made at the same moment: reload and retry".to_owned(),
            current_version: None,
        },
    },
    Unique {
        postgres: "idx_idempotency_keys_actor_key",
        sqlite: "idempotency_keys.actor, idempotency_keys.key",
        meaning: || ApiError::Conflict {
            message: "a request with this idempotency key is running: retry it in a moment"
                .to_owned(),
            current_version: None,
        },
    },
    Unique {
        postgres: "idx_meeting_sessions_meeting_part",
        sqlite: "meeting_sessions.meeting_id, meeting_sessions.part",
        meaning: || ApiError::Conflict {
            message: "the meeting's sessions changed at the same moment: reload and retry"
                .to_owned(),
            current_version: None,
        },
    },
    Unique {
        postgres: "invitations_party_key",
        sqlite: "invitations.meeting_id, invitations.party",
        meaning: || ApiError::bad_input("this party is already invited to this meeting"),
    },
    Unique {
        postgres: "minutes_meeting_key",
        sqlite: "minutes.meeting_id",
        meaning: || ApiError::Conflict {
            message: "this meeting's minutes were started at the same moment: reload them"
                .to_owned(),
            current_version: None,
        },
    },
    Unique {
        postgres: "minutes_revisions_key",
        sqlite: "minutes_revisions.minutes_id, minutes_revisions.agenda_item_id, minutes_revisions.revision",
        meaning: || {
            ApiError::Conflict {
            message: "this item's minutes were saved by someone else at the same moment: reload and merge"
                .to_owned(),
            current_version: None,
        }
        },
    },
    Unique {
        postgres: "topic_documents_symbol_key",
        sqlite: "topic_documents.symbol",
        meaning: || ApiError::Conflict {
            message: "a document with this symbol is already linked to a topic".to_owned(),
            current_version: None,
        },
    },
    Unique {
        postgres: "work_plans_period_key",
        sqlite: "work_plans.position_id, work_plans.starts_on",
        meaning: || ApiError::Conflict {
            message: "this working group already has a work plan starting on that day".to_owned(),
            current_version: None,
        },
    },
    Unique {
        postgres: "objective_actions_key",
        sqlite: "objective_actions.objective_id, objective_actions.action_id",
        meaning: || ApiError::bad_input("an objective links to each action once"),
    },
];

/// PostgreSQL's SQLSTATE classes and codes for a server that is going away,
/// starting or unreachable (class 08: connection exceptions; 57P01-57P03:
/// shut down by an administrator, crashed, cannot connect now; 53300: too
/// many connections).
fn postgres_unavailable(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// SQLite's busy and locked codes (5 BUSY, 6 LOCKED, 261 BUSY_RECOVERY,
/// 517 BUSY_SNAPSHOT, 773 BUSY_TIMEOUT, 262 LOCKED_SHAREDCACHE).
fn sqlite_busy(code: &str) -> bool {
    matches!(code, "5" | "6" | "261" | "262" | "517" | "773")
}

/// Whether a database error means "not now" rather than "wrong": the
/// database cannot be reached, is restarting, or is too busy.
pub fn unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(e) | DbErr::Exec(e) | DbErr::Query(e) => e,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Protocol(_) => true,
        Sqlx::Database(db) => db
            .code()
            .is_some_and(|code| postgres_unavailable(&code) || sqlite_busy(&code)),
        _ => false,
    }
}

impl From<DbErr> for ApiError {
    /// A unique index that refuses a write means another request did the
    /// same thing at the same moment: each index says what that means. A
    /// database that cannot answer now is UNAVAILABLE. Anything else is ours,
    /// logged with its cause.
    fn from(err: DbErr) -> Self {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            if let Some(unique) = UNIQUE
                .iter()
                .find(|u| detail.contains(u.postgres) || detail.contains(u.sqlite))
            {
                tracing::info!(%detail, "a concurrent request won a unique index");
                return (unique.meaning)();
            }
            tracing::warn!(%detail, "an unmapped unique index refused a write");
            return Self::Conflict {
                message:
                    "another request made the same change at the same moment: reload and retry"
                        .to_owned(),
                current_version: None,
            };
        }
        if unavailable(&err) {
            tracing::warn!(error = %err, "the database is unavailable");
            return Self::Unavailable {
                retry_after_secs: 1,
            };
        }
        tracing::error!(error = %err, "database error");
        Self::Internal
    }
}

impl From<crate::workflow::WorkflowError> for ApiError {
    fn from(err: crate::workflow::WorkflowError) -> Self {
        use crate::workflow::{Refusal, WorkflowError};
        match err {
            WorkflowError::Conflict { current } => Self::Conflict {
                message: format!("it changed since you saw it: it is now at version {current}"),
                current_version: Some(current),
            },
            WorkflowError::Refused(Refusal::Forbidden { event, roles }) => Self::Forbidden(
                format!("`{event}` may be done by {} only", roles.join(", ")),
            ),
            WorkflowError::Refused(Refusal::NotYours { reason, .. }) => Self::Forbidden(reason),
            WorkflowError::Refused(Refusal::InvalidTransition {
                state,
                event,
                allowed,
            }) => Self::InvalidTransition {
                message: format!("`{event}` is not possible from {state}"),
                state,
                allowed,
            },
            WorkflowError::Refused(Refusal::GuardFailed { guard, reason }) => {
                Self::GuardFailed { guard, reason }
            }
            WorkflowError::Db(e) => e.into(),
        }
    }
}
