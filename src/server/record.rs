//! `GET /meetings/{code}/record`: the record of a meeting as people print
//! it: heading (number, date, hour, venue), PRESENT grouped by capacity with
//! delegates' names, APOLOGIES RECEIVED, ABSENT, the agenda as adopted, the
//! minutes item by item, the decisions and a table of action points. It is
//! rendered from one GraphQL query through the schema, so it reads with the
//! same loaders (a constant number of statements) and the same rules as the
//! API: unpublished minutes only for invitees who send their token.
//! `?fragment=1` answers the `<article>` alone, for the console.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::AppState;

/// What the record reads: a meeting's whole record.
pub const RECORD_QUERY: &str = r#"query Record($code: String!) {
  meeting(code: $code) {
    code kind number year startsOn endsOn startTime endTime timeZone venue city format closed status
    presidingState { name }
    invitations {
      capacity label attendance delegates purpose
      positions { name }
    }
    agenda {
      id order title kind
      decisions { kind text }
      actionPoints {
        text dueOn status closedNote ownerKind
        ownerPosition { name } ownerState { name } ownerOrganization { code }
        meeting { code }
      }
    }
    minutes { state items { agendaItem { id } html } approvedAt { code } }
    actionPoints {
      text dueOn status closedNote ownerKind
      ownerPosition { name } ownerState { name } ownerOrganization { code }
    }
  }
}"#;

#[derive(serde::Deserialize)]
pub struct Params {
    pub fragment: Option<String>,
}

pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

pub(super) fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn words(text: &str) -> String {
    let lower = text.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn owner(p: &Value) -> String {
    match s(p, "ownerKind") {
        "POSITION" => format!(
            "{} (its coordinators)",
            p.pointer("/ownerPosition/name")
                .and_then(Value::as_str)
                .unwrap_or("")
        ),
        "STATE" => p
            .pointer("/ownerState/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        "ORGANIZATION" => p
            .pointer("/ownerOrganization/code")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        _ => "ISU".to_owned(),
    }
}

/// "2026-11-26" as "26 November 2026".
pub(super) fn long_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|_| iso.to_owned())
}

fn heading(m: &Value) -> String {
    let code = esc(s(m, "code"));
    let title = match (m.get("number").and_then(Value::as_i64), s(m, "kind")) {
        (Some(n), _) => format!(
            "{} Coordination Committee meeting of {}",
            super::calendar::ordinal(n),
            m.get("year").and_then(Value::as_i64).unwrap_or_default()
        ),
        (None, "COORDINATION_COMMITTEE") => "Coordination Committee meeting".to_owned(),
        (None, "MSP") => "Meeting of States Parties".to_owned(),
        (None, "REVIEW_CONFERENCE") => "Review Conference".to_owned(),
        (None, "INTERSESSIONAL") => "Intersessional meeting".to_owned(),
        (None, "INFORMAL_CONSULTATION") => "Informal consultation".to_owned(),
        (None, kind) => words(kind),
    };
    let mut when = long_date(s(m, "startsOn"));
    if !s(m, "endsOn").is_empty() && s(m, "endsOn") != s(m, "startsOn") {
        when.push_str(&format!(" to {}", long_date(s(m, "endsOn"))));
    }
    if !s(m, "startTime").is_empty() {
        when.push_str(&format!(", {}", s(m, "startTime")));
        if !s(m, "endTime").is_empty() {
            when.push_str(&format!("–{}", s(m, "endTime")));
        }
        when.push_str(&format!(" ({})", s(m, "timeZone")));
    }
    let place: Vec<&str> = [s(m, "venue"), s(m, "city")]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    let format = if s(m, "format").is_empty() {
        String::new()
    } else {
        format!(" · {}", words(s(m, "format")))
    };
    let chair = m
        .pointer("/presidingState/name")
        .and_then(Value::as_str)
        .map(|n| format!("<p>Presidency: {}</p>", esc(n)))
        .unwrap_or_default();
    format!(
        "<header><p class=\"code\">{code}</p><h1>{}</h1><p class=\"when\">{}</p><p class=\"where\">{}{}</p>{chair}</header>",
        esc(&title),
        esc(&when),
        esc(&place.join(", ")),
        esc(&format)
    )
}

fn attendance(m: &Value) -> String {
    let invitations = list(m, "invitations");
    if invitations.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for (attendance, title) in [
        ("PRESENT", "Present"),
        ("APOLOGIES_RECEIVED", "Apologies received"),
        ("ABSENT", "Absent"),
    ] {
        let mut groups = String::new();
        for (capacity, label) in [
            ("MEMBER", "Members"),
            ("OBSERVER", "Observers"),
            ("SECRETARIAT", "Secretariat"),
            ("INVITED", "Invited to assist"),
        ] {
            let rows: Vec<String> = invitations
                .iter()
                .filter(|i| s(i, "attendance") == attendance && s(i, "capacity") == capacity)
                .map(|i| {
                    let delegates: Vec<String> = list(i, "delegates")
                        .iter()
                        .filter_map(Value::as_str)
                        .map(esc)
                        .collect();
                    let positions: Vec<String> = list(i, "positions")
                        .iter()
                        .map(|p| esc(s(p, "name")))
                        .collect();
                    let mut line = format!("<li><strong>{}</strong>", esc(s(i, "label")));
                    if !positions.is_empty() {
                        line.push_str(&format!(
                            " <span class=\"muted\">({})</span>",
                            positions.join(", ")
                        ));
                    }
                    if !delegates.is_empty() {
                        line.push_str(&format!(": {}", delegates.join(", ")));
                    }
                    line + "</li>"
                })
                .collect();
            if !rows.is_empty() {
                groups.push_str(&format!("<h4>{label}</h4><ul>{}</ul>", rows.concat()));
            }
        }
        if !groups.is_empty() {
            out.push_str(&format!(
                "<section class=\"attendance\"><h3>{}</h3>{groups}</section>",
                title.to_uppercase()
            ));
        }
    }
    let pending: Vec<String> = invitations
        .iter()
        .filter(|i| i.get("attendance").is_none_or(Value::is_null))
        .map(|i| esc(s(i, "label")))
        .collect();
    if !pending.is_empty() {
        out.push_str(&format!(
            "<section class=\"attendance\"><h3>INVITED</h3><p>{}</p></section>",
            pending.join(", ")
        ));
    }
    format!("<section><h2>Attendance</h2>{out}</section>")
}

fn points_table(points: &[&Value]) -> String {
    if points.is_empty() {
        return String::new();
    }
    let rows: String = points
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                esc(s(p, "text")),
                esc(&owner(p)),
                esc(s(p, "dueOn")),
                esc(&words(s(p, "status"))),
                if s(p, "closedNote").is_empty() {
                    String::new()
                } else {
                    format!(": {}", esc(s(p, "closedNote")))
                }
            )
        })
        .collect();
    format!(
        "<table class=\"points\"><thead><tr><th>Action point</th><th>Owner</th><th>Due</th><th>Status</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn body(m: &Value) -> String {
    let minutes = m.get("minutes").filter(|v| !v.is_null());
    let text_of = |item_id: &str| -> Option<&str> {
        minutes?
            .get("items")?
            .as_array()?
            .iter()
            .find(|i| i.pointer("/agendaItem/id").and_then(Value::as_str) == Some(item_id))?
            .get("html")?
            .as_str()
    };
    let mut agenda = String::new();
    for item in list(m, "agenda") {
        let mut block = format!(
            "<section class=\"item\"><h3>{}. {}</h3>",
            item.get("order")
                .and_then(Value::as_i64)
                .unwrap_or_default(),
            esc(s(item, "title"))
        );
        if let Some(html) = text_of(s(item, "id")) {
            // Rendered and sanitised by the server (`markdown::render`).
            block.push_str(&format!("<div class=\"minutes\">{html}</div>"));
        }
        for d in list(item, "decisions") {
            block.push_str(&format!(
                "<p class=\"decision\"><strong>{}.</strong> {}</p>",
                esc(&words(s(d, "kind"))),
                esc(s(d, "text"))
            ));
        }
        if s(item, "kind") == "ACTION_POINTS_FOLLOW_UP" {
            let points: Vec<&Value> = list(item, "actionPoints").iter().collect();
            if points.is_empty() {
                block.push_str("<p class=\"muted\">No open action points.</p>");
            } else {
                block.push_str(&points_table(&points));
            }
        }
        agenda.push_str(&block);
        agenda.push_str("</section>");
    }
    let minutes_state = match minutes {
        Some(min) => format!(
            "<p class=\"state\">Minutes: {}{}</p>",
            esc(&words(s(min, "state"))),
            min.pointer("/approvedAt/code")
                .and_then(Value::as_str)
                .map(|c| format!(", approved as a correct record at the {}", esc(c)))
                .unwrap_or_default()
        ),
        None => "<p class=\"state\">The minutes of this meeting are not published.</p>".to_owned(),
    };
    let added: Vec<&Value> = list(m, "actionPoints").iter().collect();
    let points = if added.is_empty() {
        String::new()
    } else {
        format!(
            "<section><h2>Action points</h2>{}</section>",
            points_table(&added)
        )
    };
    let decisions: String = list(m, "agenda")
        .iter()
        .flat_map(|item| {
            list(item, "decisions").iter().map(move |d| {
                format!(
                    "<li><strong>{} ({})</strong>: {}</li>",
                    esc(&words(s(d, "kind"))),
                    esc(s(item, "title")),
                    esc(s(d, "text"))
                )
            })
        })
        .collect();
    let decisions = if decisions.is_empty() {
        String::new()
    } else {
        format!("<section><h2>Decisions</h2><ul>{decisions}</ul></section>")
    };
    format!(
        "<article class=\"record\">{}{}<section><h2>Agenda and minutes</h2>{minutes_state}{agenda}</section>{decisions}{points}</article>",
        heading(m),
        attendance(m)
    )
}

const STYLE: &str = "body{font-family:Georgia,'Times New Roman',serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}
header{border-bottom:2px solid #111;margin-bottom:1rem}.code{font-family:sans-serif;letter-spacing:.08em;color:#444;margin:0}
h1{margin:.2rem 0}h2{border-bottom:1px solid #999;margin-top:1.6rem}h3{margin:.8rem 0 .3rem}h4{margin:.4rem 0 .2rem;font-size:.95rem}
.muted{color:#555}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #777;padding:.25rem .4rem;text-align:left;vertical-align:top}
.decision{border-left:3px solid #111;padding-left:.5rem}
@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit;text-decoration:none}h2,h3{break-after:avoid}tr,.decision{break-inside:avoid}@page{margin:2cm}}";

/// The caller a page's request names, or the 401 to answer.
pub(super) fn page_caller(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<crate::auth::Caller, Box<Response>> {
    let authorization = super::authenticate::authorization(headers);
    super::authenticate::caller_from_authorization(&app.keys, authorization).map_err(|message| {
        Box::new(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                message,
            )
                .into_response(),
        )
    })
}

fn error_code(e: &async_graphql::ServerError) -> Option<String> {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .map(|c| c.to_string().trim_matches('"').to_owned())
}

/// Runs a page's query through the schema: its data, or the response to
/// answer. Errors whose code is in `tolerated` leave their field null (a
/// part the reader may not see); `BAD_USER_INPUT` is a 422 saying why.
pub(super) async fn read_page(
    app: &AppState,
    caller: crate::auth::Caller,
    query: &str,
    variables: Value,
    what: &str,
    tolerated: &[&str],
) -> Result<Value, Box<Response>> {
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables));
    let Some(response) = super::request::run_query(app, request, caller).await else {
        return Err(Box::new(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the {what} took too long to read\n"),
            )
                .into_response(),
        ));
    };
    let unexpected = response
        .errors
        .iter()
        .find(|e| !error_code(e).is_some_and(|c| tolerated.contains(&c.as_str())));
    if let Some(e) = unexpected {
        return Err(Box::new(match error_code(e).as_deref() {
            Some("UNAVAILABLE") => super::calendar::failure(&crate::error::ApiError::Unavailable {
                retry_after_secs: 1,
            }),
            Some("BAD_USER_INPUT") => {
                (StatusCode::UNPROCESSABLE_ENTITY, format!("{}\n", e.message)).into_response()
            }
            _ => {
                tracing::error!(error = %e.message, what, "a page could not be read");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
            }
        }));
    }
    Ok(response.data.into_json().unwrap_or(Value::Null))
}

/// A page built by the server: the whole document, or (`?fragment=1`) the article alone.
pub(super) fn render(
    params: &Params,
    title: &str,
    style: &str,
    article: String,
    headers: &HeaderMap,
) -> Response {
    let html = if params.fragment.is_some() {
        article
    } else {
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{style}</style></head><body>{article}</body></html>",
            esc(title)
        )
    };
    super::web::html_page(html, headers)
}

pub async fn page(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let caller = match page_caller(&app, &headers) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    if code.len() > 32 {
        return (StatusCode::NOT_FOUND, "no such meeting\n").into_response();
    }
    let variables = serde_json::json!({ "code": code });
    let data = match read_page(
        &app,
        caller,
        RECORD_QUERY,
        variables,
        "record",
        &["FORBIDDEN"],
    )
    .await
    {
        Ok(data) => data,
        Err(refused) => return *refused,
    };
    let Some(meeting) = data.get("meeting").filter(|m| !m.is_null()) else {
        return (StatusCode::NOT_FOUND, "no such meeting\n").into_response();
    };
    let title = format!("Record of the {}", s(meeting, "code"));
    render(&params, &title, STYLE, body(meeting), &headers)
}
