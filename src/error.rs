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
    /// Something went wrong on our side; the cause was logged.
    Internal,
}

impl ApiError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput(message.into())
    }

    /// The machine-readable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Internal => "INTERNAL",
        }
    }

    /// The message shown to clients.
    pub fn message(&self) -> &str {
        match self {
            Self::BadUserInput(m) | Self::NotFound(m) => m,
            Self::Internal => "internal error",
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        tracing::error!(error = %err, "database error");
        Self::Internal
    }
}
