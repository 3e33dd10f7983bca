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
    /// The thing changed since the caller saw it.
    Conflict {
        message: String,
        current_version: i32,
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
            Self::Internal => "internal error",
        }
    }
}

impl From<DbErr> for ApiError {
    /// A unique index that refuses a write means another request did the same
    /// thing at the same moment: CONFLICT, to be retried. Anything else is ours.
    fn from(err: DbErr) -> Self {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            tracing::info!(%detail, "a concurrent request won a unique index");
            return Self::Conflict {
                message:
                    "another request made the same change at the same moment: reload and retry"
                        .to_owned(),
                current_version: 0,
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
                current_version: current,
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
