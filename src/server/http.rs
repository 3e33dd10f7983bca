//! GraphQL over HTTP, per the GraphQL-over-HTTP specification: content
//! negotiation between `application/json` and
//! `application/graphql-response+json`, the status codes each calls for,
//! GraphiQL for browsers, and the first defences (body limit, content type,
//! no mutations over GET).

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Variables};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;

use std::sync::Arc;

use super::AppState;
use super::request::{is_mutation, label, operation, prepare, to_the_end};
use crate::auth::Caller;
use crate::graphql::error::{classify, request_error};
use crate::graphql::idempotency::{Pending, finish};
use crate::graphql::{batch, order};

const JSON: &str = "application/json; charset=utf-8";
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json; charset=utf-8";

/// The media type of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json`: the legacy type; request errors still answer 200.
    Json,
    /// `application/graphql-response+json`: request errors answer 400.
    GraphqlResponse,
}

impl MediaType {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => JSON,
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
        })
    }
}

/// Picks the response type from `Accept`; `None` when nothing acceptable is offered.
/// No `Accept` (or `*/*`) means `application/json`, as the specification asks.
pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
    else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(f32, MediaType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match essence.as_str() {
            "application/graphql-response+json" => MediaType::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => MediaType::Json,
            _ => continue,
        };
        if q <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_q, best_media)) => {
                q > best_q
                    || (q == best_q
                        && media == MediaType::GraphqlResponse
                        && best_media == MediaType::Json
                        && essence != "*/*")
            }
        };
        if better {
            best = Some((q, media));
        }
    }
    best.map(|(_, media)| media)
}

fn json_response(status: StatusCode, media: MediaType, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.header());
    response
}

/// A refusal before any GraphQL work, in the negotiated type.
fn refuse(status: StatusCode, media: MediaType, message: &str) -> Response {
    json_response(status, media, &request_error(message, "BAD_USER_INPUT"))
}

fn not_acceptable() -> Response {
    refuse(
        StatusCode::NOT_ACCEPTABLE,
        MediaType::Json,
        "accept application/graphql-response+json or application/json",
    )
}

/// Checks the parameters of a GraphQL-over-HTTP request and builds it.
fn build_request(
    query: Option<Json>,
    operation_name: Option<Json>,
    variables: Option<Json>,
    extensions: Option<Json>,
) -> Result<Request, &'static str> {
    let query = match query {
        Some(Json::String(q)) => q,
        Some(_) => return Err("`query` must be a string"),
        None => return Err("`query` is missing"),
    };
    let mut request = Request::new(query);
    match operation_name {
        None | Some(Json::Null) => {}
        Some(Json::String(name)) => request = request.operation_name(name),
        Some(_) => return Err("`operationName` must be a string"),
    }
    match variables {
        None | Some(Json::Null) => {}
        Some(v @ Json::Object(_)) => request = request.variables(Variables::from_json(v)),
        Some(_) => return Err("`variables` must be an object"),
    }
    match extensions {
        None | Some(Json::Null) => {}
        Some(Json::Object(map)) => {
            for (key, value) in map {
                let value = async_graphql::Value::from_json(value)
                    .map_err(|_| "`extensions` must be an object")?;
                request.extensions.insert(key, value);
            }
        }
        Some(_) => return Err("`extensions` must be an object"),
    }
    Ok(request)
}

/// Runs a request and answers in `media`, with the status the specification asks for.
pub async fn execute(
    app: &AppState,
    caller: Caller,
    mut request: Request,
    media: MediaType,
) -> Response {
    let started = std::time::Instant::now();
    let operation_name = request.operation_name.clone();
    let (document, mut response) =
        match crate::graphql::limits::admit(&request, app.limits, &app.documents) {
            Ok(document) => (document, None),
            Err(refused) => (
                None,
                Some(async_graphql::Response::from_errors(vec![refused])),
            ),
        };
    if let Some(document) = &document {
        // Parsed once: the schema executes the document the limits read.
        request.set_parsed_query(ExecutableDocument::clone(document));
    }
    let pending = Arc::new(Pending::default());
    let scope = batch::Scope::new();
    let mut request = prepare(app, request.data(pending.clone()), caller, &scope);
    if request.query.contains("latestCursor") {
        // Read before anything else the request reads, so that no update
        // after the data it returns can fall before the cursor.
        request = request.data(crate::server::subscriptions::StartCursor::read(&app.db).await);
    }
    let deadline = std::time::Duration::from_secs(app.config.request_timeout_secs.max(1));
    let executed = match response.take() {
        Some(refused) => Ok(Some(refused)),
        None => {
            let schema = app.schema.clone();
            // Boxed: the execution's state is large, and the timeout and the
            // task would otherwise copy it as they wrap it.
            let execution = Box::pin(batch::run(
                scope,
                async move { schema.execute(request).await },
            ));
            if is_mutation(document.as_deref(), operation_name.as_deref()) {
                tokio::time::timeout(deadline, to_the_end(execution)).await
            } else {
                // A query only reads: dropping it drops its statements.
                tokio::time::timeout(deadline, async { Some(execution.await) }).await
            }
        }
    };
    let Ok(Some(mut response)) = executed else {
        let (kind, _) = label(document.as_deref(), operation_name.as_deref());
        crate::telemetry_metrics::request(kind, "none", started.elapsed());
        crate::telemetry_metrics::error("TIMEOUT");
        tracing::warn!(seconds = deadline.as_secs(), "a request ran out of time");
        let body = request_error(
            &format!(
                "the request took longer than {} seconds and was stopped",
                deadline.as_secs()
            ),
            "TIMEOUT",
        );
        return json_response(StatusCode::SERVICE_UNAVAILABLE, media, &body);
    };
    finish(&pending, &mut response, &app.db).await;
    classify(&mut response.errors);
    let before_execution = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Only a validated document's root field is a name the schema bounds.
    let (kind, field) = label(document.as_deref(), operation_name.as_deref());
    let field = match field {
        Some(field) if !before_execution => field,
        _ => "none".to_owned(),
    };
    crate::telemetry_metrics::request(kind, &field, started.elapsed());
    for error in &response.errors {
        if let Some(async_graphql::Value::String(code)) =
            error.extensions.as_ref().and_then(|e| e.get("code"))
        {
            crate::telemetry_metrics::error(code);
        }
    }
    if before_execution {
        // Parse, validation, limit and variable failures: no `data` entry.
        let status = match media {
            MediaType::GraphqlResponse => StatusCode::BAD_REQUEST,
            MediaType::Json => StatusCode::OK,
        };
        #[derive(serde::Serialize)]
        struct Errors<'a> {
            errors: &'a [async_graphql::ServerError],
        }
        let body = Errors {
            errors: &response.errors,
        };
        return json_response(status, media, &body);
    }
    if let Some(document) = &document {
        order::reorder(&mut response.data, document, operation_name.as_deref());
    }
    let unavailable = response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .is_some_and(|code| *code == async_graphql::Value::from("UNAVAILABLE"))
    });
    if unavailable {
        // The database could not answer: nothing was changed, and a load
        // balancer or client should retry (with the same idempotency key).
        let mut refused = json_response(StatusCode::SERVICE_UNAVAILABLE, media, &response);
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return refused;
    }
    json_response(StatusCode::OK, media, &response)
}

/// `POST /graphql`.
pub async fn post(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "a POST needs Content-Type: application/json",
        );
    };
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset_ok = parts
        .filter_map(|p| {
            p.trim()
                .to_ascii_lowercase()
                .strip_prefix("charset=")
                .map(str::to_owned)
        })
        .all(|c| c.trim_matches('"') == "utf-8");
    if essence != "application/json" || !charset_ok {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "the body must be application/json in UTF-8",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                "the request body is too large",
            );
        }
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                "the request body cannot be read",
            );
        }
    };
    if body.is_empty() {
        return refuse(StatusCode::BAD_REQUEST, media, "the request body is empty");
    }
    let Ok(Json::Object(mut params)) = serde_json::from_slice::<Json>(&body) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "the body is not a JSON object",
        );
    };
    match build_request(
        params.remove("query"),
        params.remove("operationName"),
        params.remove("variables"),
        params.remove("extensions"),
    ) {
        Ok(request) => execute(&app, caller, request, media).await,
        Err(message) => refuse(StatusCode::BAD_REQUEST, media, message),
    }
}

/// Whether the operation a request would run is a query (not a mutation or subscription).
fn is_query(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        // Unparseable: execution reports the syntax error.
        return true;
    };
    operation(&document, operation_name).is_none_or(|op| op.ty == OperationType::Query)
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// `GET /graphql`: queries from the URL, or GraphiQL for a browser.
pub async fn get(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params: HashMap<String, String> = match raw.as_deref() {
        None | Some("") => HashMap::new(),
        Some(raw) => match serde_urlencoded::from_str(raw) {
            Ok(params) => params,
            Err(_) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    MediaType::Json,
                    "malformed query string",
                );
            }
        },
    };
    if !params.contains_key("query") && wants_html(&headers) {
        return crate::server::web::graphiql(&headers);
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let json_param = |name: &str| -> Result<Option<Json>, ()> {
        params
            .get(name)
            .map(|text| serde_json::from_str(text).map_err(|_| ()))
            .transpose()
    };
    let (Ok(variables), Ok(extensions)) = (json_param("variables"), json_param("extensions"))
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "`variables` and `extensions` must be JSON objects",
        );
    };
    let query = params.get("query").cloned().map(Json::String);
    let operation_name = params.get("operationName").cloned();
    if let Some(Json::String(q)) = &query
        && !is_query(q, operation_name.as_deref())
    {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "only queries may be sent with GET; send mutations with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    match build_request(
        query,
        operation_name.map(Json::String),
        variables,
        extensions,
    ) {
        Ok(request) => execute(&app, caller, request, media).await,
        Err(message) => refuse(StatusCode::BAD_REQUEST, media, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn negotiation_follows_the_specification() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept("application/json")),
            Some(MediaType::Json)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/json, application/graphql-response+json"
            )),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(negotiate(&accept("text/plain")), None);
    }

    #[test]
    fn only_queries_pass_over_get() {
        assert!(is_query("{ positions { code } }", None));
        assert!(!is_query("mutation { x }", None));
        assert!(!is_query("query A { a } mutation B { b }", Some("B")));
        assert!(is_query("query A { a } mutation B { b }", Some("A")));
    }
}
