//! `GET /meetings/{code}/progress-report`: the President's progress report
//! to a meeting as people print it: per thematic area, the work plans of
//! the period, their objectives with the actions that guide them and their
//! latest ratings, and the topics discussed by all; with the server's chart
//! of objectives by rating (patterns and counts, readable without colour).
//! It is rendered from GraphQL queries through the schema, so it reads with
//! the same loaders and rules as the API. `?fragment=1` answers the
//! `<article>` alone, for the console.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::record::{Params, esc, list, long_date, page_caller, read_page, render, s};

/// What the report reads, once the meeting's ID is known.
pub const REPORT_QUERY: &str = r#"query Report($id: ID!) {
  progressReport(meetingId: $id) {
    periodStartsOn periodEndsOn chartSvg
    meeting { code kind startsOn endsOn city }
    areas {
      position { name }
      counts { label count }
      workPlans { title startsOn endsOn objectives {
        ordinal text
        actions { number }
        activities { text status dueOn }
        latestRating { label note ratedOn }
      } }
      objectives { objective { ordinal } rating { label note ratedOn } }
      topics { title placements { outcome outcomeText meeting { code } } }
    }
    generalTopics { title placements { outcome outcomeText meeting { code } } }
  }
}"#;

fn words(text: &str) -> String {
    let lower = text.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn topics(list_of: &[Value]) -> String {
    if list_of.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h3>Topics discussed by all</h3><ul class=\"topics\">");
    for t in list_of {
        let discussed = list(t, "placements")
            .iter()
            .filter(|p| {
                matches!(
                    s(p, "outcome"),
                    "CONCLUSIONS" | "RECOMMENDATION" | "REFERRED_TO_WORKING_GROUP"
                )
            })
            .map(|p| {
                format!(
                    "{} at the {}: {}",
                    words(s(p, "outcome")),
                    esc(p.get("meeting").map_or("", |m| s(m, "code"))),
                    esc(s(p, "outcomeText"))
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        out.push_str(&format!(
            "<li><strong>{}</strong> — {discussed}</li>",
            esc(s(t, "title"))
        ));
    }
    out.push_str("</ul>");
    out
}

fn area(a: &Value) -> String {
    let name = a.get("position").map_or("", |p| s(p, "name"));
    let counts = list(a, "counts")
        .iter()
        .filter(|c| c.get("count").and_then(Value::as_i64).unwrap_or(0) > 0)
        .map(|c| {
            format!(
                "{} {}",
                c.get("count").and_then(Value::as_i64).unwrap_or(0),
                esc(&s(c, "label").to_lowercase())
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "<section class=\"area\"><h2>{}</h2><p class=\"muted\">Objectives: {}</p>",
        esc(name),
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts
        }
    );
    for plan in list(a, "workPlans") {
        out.push_str(&format!(
            "<h3>{}</h3><p class=\"muted\">{} to {}</p><table><thead><tr><th scope=\"col\">Objective</th><th scope=\"col\">Actions</th><th scope=\"col\">Activities</th><th scope=\"col\">Latest rating</th></tr></thead><tbody>",
            esc(s(plan, "title")),
            long_date(s(plan, "startsOn")),
            long_date(s(plan, "endsOn"))
        ));
        for o in list(plan, "objectives") {
            let actions = list(o, "actions")
                .iter()
                .map(|x| {
                    format!(
                        "Action {}",
                        x.get("number").and_then(Value::as_i64).unwrap_or(0)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let activities = list(o, "activities")
                .iter()
                .map(|x| {
                    format!(
                        "<li>{} ({})</li>",
                        esc(s(x, "text")),
                        esc(&words(s(x, "status")))
                    )
                })
                .collect::<String>();
            // The report's rating is the latest by the period's end.
            let ordinal = o.get("ordinal").cloned().unwrap_or(Value::Null);
            let rated = list(a, "objectives")
                .iter()
                .find(|r| {
                    r.get("objective").and_then(|x| x.get("ordinal")) == Some(&ordinal)
                        && !r["rating"].is_null()
                })
                .map(|r| &r["rating"]);
            let rating = match rated {
                Some(r) => format!(
                    "<strong>{}</strong> ({})<br>{}",
                    esc(s(r, "label")),
                    long_date(s(r, "ratedOn")),
                    esc(s(r, "note"))
                ),
                None => "Not rated".to_owned(),
            };
            out.push_str(&format!(
                "<tr><td>{}. {}</td><td>{actions}</td><td><ul>{activities}</ul></td><td>{rating}</td></tr>",
                ordinal.as_i64().unwrap_or(0),
                esc(s(o, "text"))
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str(&topics(list(a, "topics")));
    out.push_str("</section>");
    out
}

fn body(r: &Value) -> String {
    let m = &r["meeting"];
    let mut out = format!(
        "<article class=\"progress-report\"><header><p class=\"code\">{}</p><h1>Progress report to the {}</h1><p>Period: {} to {}</p></header>",
        esc(s(m, "code")),
        esc(s(m, "code")),
        long_date(s(r, "periodStartsOn")),
        long_date(s(r, "periodEndsOn"))
    );
    let areas = list(r, "areas");
    if areas.is_empty() {
        out.push_str("<p>No published work plan covers this period, and no topic was discussed by all in it.</p>");
    } else {
        // The chart is the server's own SVG, built from escaped text.
        out.push_str(&format!(
            "<figure class=\"chart\">{}<figcaption>Objectives by latest rating, per thematic area</figcaption></figure>",
            s(r, "chartSvg")
        ));
    }
    for a in areas {
        out.push_str(&area(a));
    }
    let general = list(r, "generalTopics");
    if !general.is_empty() {
        out.push_str("<section class=\"area\"><h2>Other topics</h2>");
        out.push_str(&topics(general));
        out.push_str("</section>");
    }
    out.push_str("</article>");
    out
}

const STYLE: &str = "body{font-family:Georgia,'Times New Roman',serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}
header{border-bottom:2px solid #111;margin-bottom:1rem}.code{font-family:sans-serif;letter-spacing:.08em;color:#444;margin:0}
h1{margin:.2rem 0}h2{border-bottom:1px solid #999;margin-top:1.6rem}h3{margin:.8rem 0 .3rem}
.muted{color:#555}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #777;padding:.25rem .4rem;text-align:left;vertical-align:top}
td ul{margin:0;padding-left:1.1rem}figure.chart{margin:1rem 0}figure.chart svg{max-width:100%;height:auto}
@media print{body{margin:0;max-width:none;font-size:10.5pt}a{color:inherit;text-decoration:none}h2,h3{break-after:avoid}tr,figure,.area>p{break-inside:avoid}section.area{break-before:auto}@page{margin:1.8cm}}";

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
    let find = "query($code: String!) { meeting(code: $code) { id } }";
    let found = match read_page(
        &app,
        caller.clone(),
        find,
        json!({ "code": code }),
        "report",
        &[],
    )
    .await
    {
        Ok(data) => data,
        Err(refused) => return *refused,
    };
    let Some(id) = found["meeting"]["id"].as_str() else {
        return (StatusCode::NOT_FOUND, "no such meeting\n").into_response();
    };
    let data = match read_page(
        &app,
        caller,
        REPORT_QUERY,
        json!({ "id": id }),
        "report",
        &[],
    )
    .await
    {
        Ok(data) => data,
        Err(refused) => return *refused,
    };
    let Some(report) = data.get("progressReport").filter(|r| !r.is_null()) else {
        return (StatusCode::NOT_FOUND, "no such meeting\n").into_response();
    };
    let title = format!("Progress report to the {}", s(&report["meeting"], "code"));
    render(&params, &title, STYLE, body(report), &headers)
}
