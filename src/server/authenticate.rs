//! Authenticate once, in axum: the bearer token becomes the request's
//! [`Caller`], an extractor of the GraphQL handlers. No header: anonymous.
//! A header that does not hold a valid token: 401, never anonymous.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::auth::token::Keys;
use crate::server::state::AppState;

/// The caller a set of headers (or a WebSocket `connection_init` payload) names.
pub fn caller_from_authorization(keys: &Keys, value: Option<&str>) -> Result<Caller, String> {
    let Some(value) = value else {
        return Ok(Caller::Anonymous);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| "the Authorization header must be `Bearer <token>`".to_owned())?;
    keys.verify(token.trim())
        .map(Caller::Known)
        .map_err(|_| "the token is invalid or expired".to_owned())
}

/// The `Authorization` header's text, if any (one that is not text reads as invalid).
pub fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("invalid"))
}

/// The answer to a request whose `Authorization` header does not hold a valid token.
fn unauthenticated(message: &str) -> Response {
    let body = crate::graphql::error::request_error(message, "UNAUTHENTICATED");
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::WWW_AUTHENTICATE, "Bearer"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// A handler that takes a [`Caller`] answers 401 for an invalid token
/// before it runs.
impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        caller_from_authorization(&app.keys, authorization(&parts.headers))
            .map_err(|message| unauthenticated(&message))
    }
}
