//! The one place where errors become GraphQL errors with `extensions.code`.

use async_graphql::{ErrorExtensions, ServerError};

use crate::error::ApiError;

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code());
            match &err {
                ApiError::Conflict {
                    current_version: Some(current),
                    ..
                } => ext.set("currentVersion", *current),
                ApiError::Unavailable { retry_after_secs } => {
                    ext.set("retryAfter", *retry_after_secs)
                }
                ApiError::InvalidTransition { state, allowed, .. } => {
                    ext.set("state", state.as_str());
                    ext.set("allowedEvents", allowed.clone());
                }
                ApiError::RateLimited {
                    resume_after: Some(cursor),
                    ..
                } => ext.set("resumeAfter", cursor.to_string()),
                ApiError::GuardFailed { guard, reason } => {
                    ext.set("guard", guard.as_str());
                    ext.set("reason", reason.as_str());
                }
                _ => {}
            }
        })
    }
}

/// Gives every error a code. Errors raised by our resolvers already carry
/// one; the rest come from async-graphql itself: parse, validation and limit
/// failures (no path) and argument coercion failures (with a path), all
/// caused by the request, so they are `BAD_USER_INPUT`.
pub fn classify(errors: &mut [ServerError]) {
    for error in errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "BAD_USER_INPUT");
        }
    }
}

/// A request-level error, before any GraphQL execution.
pub fn request_error(message: &str, code: &str) -> serde_json::Value {
    serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the error is `code`.
    pub fn has_code(error: &ServerError, code: &str) -> bool {
        error
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .is_some_and(|v| *v == async_graphql::Value::from(code))
    }

    #[test]
    fn an_internal_error_says_nothing_of_its_cause() {
        let err: async_graphql::Error = ApiError::Internal.into();
        assert_eq!(err.message, "internal error");
        let ext = err.extensions.expect("extensions");
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("INTERNAL"))
        );
    }

    #[test]
    fn an_error_without_a_code_is_the_callers() {
        let mut errors = vec![ServerError::new("Unknown field", None)];
        classify(&mut errors);
        assert!(has_code(&errors[0], "BAD_USER_INPUT"));
    }
}
