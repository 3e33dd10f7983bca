//! `meetings` and `meeting`: filters, the 2RC's two parts, agendas.

use serde_json::{Value, json};

use crate::helpers::{Backend, add_agenda, spawn_app};

const MEETINGS: &str = r#"
query($filter: MeetingFilter, $direction: OrderDirection, $first: Int, $after: String) {
  meetings(filter: $filter, direction: $direction, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { code kind year status startsOn endsOn presidingState { code } } }
  }
}"#;

fn codes(data: &Value) -> Vec<String> {
    data["meetings"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["code"].as_str().expect("code").to_owned())
        .collect()
}

async fn lists_meetings_in_order_with_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let all = app.query(MEETINGS, json!({ "first": 100 })).await;
    assert_eq!(all["meetings"]["totalCount"], 16);
    assert_eq!(
        codes(&all),
        [
            "1MSP", "2MSP", "3MSP", "4MSP", "5MSP", "1RC", "6MSP", "7MSP", "8MSP", "9MSP", "2RC",
            "10MSP", "11MSP", "12MSP", "13MSP", "3RC"
        ]
    );
    let rc = app
        .query(
            MEETINGS,
            json!({ "filter": { "kinds": ["REVIEW_CONFERENCE"] } }),
        )
        .await;
    assert_eq!(codes(&rc), ["1RC", "2RC", "3RC"]);
    let years = app
        .query(
            MEETINGS,
            json!({ "filter": { "yearFrom": 2020, "yearTo": 2022 } }),
        )
        .await;
    assert_eq!(codes(&years), ["2RC", "10MSP"]);
    // Today is 2026-11-26 by the test clock; the 3RC's dates are not established.
    let planned = app
        .query(
            MEETINGS,
            json!({ "filter": { "statuses": ["PLANNED", "IN_SESSION"] } }),
        )
        .await;
    assert_eq!(codes(&planned), ["3RC"]);
    let latest = app
        .query(MEETINGS, json!({ "direction": "DESC", "first": 2 }))
        .await;
    assert_eq!(codes(&latest), ["3RC", "13MSP"]);
    assert_eq!(latest["meetings"]["pageInfo"]["hasNextPage"], true);
    let tenth = &all["meetings"]["edges"][11]["node"];
    assert_eq!(tenth["code"], "10MSP");
    assert_eq!(tenth["presidingState"]["code"], "GBR");
    assert_eq!(tenth["status"], "CONCLUDED");
    assert_eq!(
        app.error_code(
            MEETINGS,
            json!({ "filter": { "yearFrom": 2022, "yearTo": 2020 } })
        )
        .await,
        "BAD_USER_INPUT"
    );
    app.stop().await;
}

const MEETING: &str = r#"
query($id: ID, $code: String) {
  meeting(id: $id, code: $code) {
    id code kind ordinal year startsOn endsOn city status version
    country { code } presidingState { code name }
    sessions { part startsOn endsOn city format country { code } }
    agenda { order title kind decision meeting { code } }
  }
}"#;

async fn one_meeting_by_code_or_id_with_sessions_and_agenda(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app.query(MEETING, json!({ "code": "2rc" })).await;
    let rc = &data["meeting"];
    assert_eq!(rc["code"], "2RC");
    assert_eq!(rc["kind"], "REVIEW_CONFERENCE");
    assert_eq!(rc["ordinal"], 2);
    assert_eq!(rc["startsOn"], "2020-11-25");
    assert_eq!(rc["endsOn"], "2021-09-21");
    assert_eq!(rc["presidingState"]["code"], "CHE");
    assert_eq!(
        rc["sessions"],
        json!([
            { "part": 1, "startsOn": "2020-11-25", "endsOn": "2020-11-27", "city": null, "format": "VIRTUAL", "country": null },
            { "part": 2, "startsOn": "2021-09-20", "endsOn": "2021-09-21", "city": "Geneva", "format": null, "country": { "code": "CHE" } },
        ])
    );

    add_agenda(
        &app,
        "11MSP",
        &[
            "Opening",
            "Election of the President",
            "Coordinators for 2024-2025",
        ],
    )
    .await;
    let by_id = app.query(MEETING, json!({ "code": "11MSP" })).await;
    let id = by_id["meeting"]["id"].clone();
    let data = app.query(MEETING, json!({ "id": id })).await;
    let m = &data["meeting"];
    assert_eq!(m["code"], "11MSP");
    assert_eq!(m["presidingState"]["name"], "Iraq");
    assert_eq!(m["city"], "Geneva");
    let titles: Vec<&str> = m["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .map(|a| a["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Opening",
            "Election of the President",
            "Coordinators for 2024-2025"
        ]
    );
    assert_eq!(m["agenda"][2]["kind"], "NOMINATIONS");
    assert_eq!(m["agenda"][0]["meeting"]["code"], "11MSP");

    let data = app.query(MEETING, json!({ "code": "99MSP" })).await;
    assert_eq!(data["meeting"], Value::Null);
    assert_eq!(app.error_code(MEETING, json!({})).await, "BAD_USER_INPUT");
    assert_eq!(
        app.error_code(MEETING, json!({ "id": id, "code": "2RC" }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(MEETING, json!({ "id": "garbage" })).await,
        "BAD_USER_INPUT"
    );
    let state_id = app
        .query(r#"{ state(code: "NOR") { id } }"#, json!({}))
        .await["state"]["id"]
        .clone();
    assert_eq!(
        app.error_code(MEETING, json!({ "id": state_id })).await,
        "BAD_USER_INPUT",
        "a State's ID is not a meeting's"
    );
    app.stop().await;
}

const SCHEDULE: &str = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id code kind year status version city presidingState { code } } }";
const STATUS: &str = "mutation($input: MeetingVersionInput!) { open: openMeeting(input: $input) { status version } }";
const ADD: &str = "mutation($input: AddAgendaItemInput!) { addAgendaItem(input: $input) { version agenda { id order title kind } } }";
const MOVE: &str = "mutation($input: MoveAgendaItemInput!) { moveAgendaItem(input: $input) { version agenda { order title } } }";
const REMOVE: &str = "mutation($input: RemoveAgendaItemInput!) { removeAgendaItem(input: $input) { version agenda { order title } } }";

async fn managing_a_meeting_and_its_agenda(backend: Backend) {
    use ccm_committee::auth::Role;
    let app = spawn_app(backend).await;
    let presidency = crate::helpers::token("isu-officer", Role::Presidency, None);
    let delegate = crate::helpers::token("nor-delegate", Role::Delegate, Some("NOR"));
    let input = json!({ "input": {
        "code": "14msp", "kind": "MSP", "ordinal": 14, "startsOn": "2027-09-13", "endsOn": "2027-09-16",
        "city": "Geneva", "country": "CHE", "presidingState": "NOR"
    } });
    assert_eq!(
        app.as_err(&delegate, SCHEDULE, input.clone()).await["extensions"]["code"],
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(SCHEDULE, input.clone()).await,
        "UNAUTHENTICATED"
    );
    let m = app.as_ok(&presidency, SCHEDULE, input.clone()).await["scheduleMeeting"].clone();
    assert_eq!(m["code"], "14MSP");
    assert_eq!(m["year"], 2027);
    assert_eq!(m["status"], "PLANNED");
    assert_eq!(m["presidingState"]["code"], "NOR");
    assert_eq!(
        app.as_err(&presidency, SCHEDULE, input).await["extensions"]["code"],
        "BAD_USER_INPUT",
        "codes are unique"
    );
    let bad_dates = json!({ "input": { "code": "X", "kind": "MSP", "startsOn": "2027-09-13", "endsOn": "2027-09-01" } });
    assert_eq!(
        app.as_err(&presidency, SCHEDULE, bad_dates).await["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    let id = m["id"].clone();
    let a = app
        .as_ok(
            &presidency,
            ADD,
            json!({ "input": { "meetingId": id, "expectedVersion": 1, "title": "Opening" } }),
        )
        .await;
    let b = app
        .as_ok(&presidency, ADD, json!({ "input": { "meetingId": id, "expectedVersion": 2, "title": "Adoption of the agenda", "position": 1 } }))
        .await["addAgendaItem"]
        .clone();
    let titles: Vec<&str> = b["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .map(|i| i["title"].as_str().expect("t"))
        .collect();
    assert_eq!(titles, ["Adoption of the agenda", "Opening"]);
    assert_eq!(a["addAgendaItem"]["agenda"][0]["kind"], "GENERAL");
    let stale = json!({ "input": { "meetingId": id, "expectedVersion": 1, "title": "Late" } });
    let err = app.as_err(&presidency, ADD, stale).await;
    assert_eq!(err["extensions"]["code"], "CONFLICT");
    assert_eq!(err["extensions"]["currentVersion"], 3);

    let opening = b["agenda"][1]["id"].clone();
    let moved = app
        .as_ok(
            &presidency,
            MOVE,
            json!({ "input": { "agendaItemId": opening, "expectedVersion": 3, "position": 1 } }),
        )
        .await["moveAgendaItem"]
        .clone();
    assert_eq!(
        moved["agenda"],
        json!([{ "order": 1, "title": "Opening" }, { "order": 2, "title": "Adoption of the agenda" }])
    );
    let removed = app
        .as_ok(
            &presidency,
            REMOVE,
            json!({ "input": { "agendaItemId": opening, "expectedVersion": 4 } }),
        )
        .await["removeAgendaItem"]
        .clone();
    assert_eq!(
        removed["agenda"],
        json!([{ "order": 1, "title": "Adoption of the agenda" }])
    );
    assert_eq!(removed["version"], 5);

    let early = app
        .as_err(
            &presidency,
            STATUS,
            json!({ "input": { "meetingId": id, "expectedVersion": 5 } }),
        )
        .await;
    assert_eq!(early["extensions"]["code"], "GUARD_FAILED", "{early}");
    assert_eq!(early["extensions"]["guard"], "openingWindow");
    // The day before it starts, it may open.
    app.clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 9, 12, 9, 0, 0)
            .single()
            .expect("date"),
    );
    let opened = app
        .as_ok(
            &presidency,
            STATUS,
            json!({ "input": { "meetingId": id, "expectedVersion": 5 } }),
        )
        .await;
    assert_eq!(opened["open"]["status"], "IN_SESSION");
    let again = app
        .as_err(
            &presidency,
            STATUS,
            json!({ "input": { "meetingId": id, "expectedVersion": 6 } }),
        )
        .await;
    assert_eq!(again["extensions"]["code"], "INVALID_TRANSITION");
    assert_eq!(again["extensions"]["allowedEvents"], json!(["CONCLUDED"]));
    let conclude =
        "mutation($input: MeetingVersionInput!) { concludeMeeting(input: $input) { status } }";
    let done = app
        .as_ok(
            &presidency,
            conclude,
            json!({ "input": { "meetingId": id, "expectedVersion": 6 } }),
        )
        .await;
    assert_eq!(done["concludeMeeting"]["status"], "CONCLUDED");
    let cancel =
        "mutation($input: MeetingVersionInput!) { cancelMeeting(input: $input) { status } }";
    let err = app
        .as_err(
            &presidency,
            cancel,
            json!({ "input": { "meetingId": id, "expectedVersion": 7 } }),
        )
        .await;
    assert_eq!(
        err["extensions"]["code"], "INVALID_TRANSITION",
        "a concluded meeting is not cancelled"
    );
    let closed =
        json!({ "input": { "meetingId": id, "expectedVersion": 7, "title": "Afterthought" } });
    assert_eq!(
        app.as_err(&presidency, ADD, closed).await["extensions"]["code"],
        "INVALID_TRANSITION"
    );
    // A concluded meeting is history: its dates and venue do not change.
    let update =
        "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { endsOn city } }";
    let rewrite = json!({ "input": { "meetingId": id, "expectedVersion": 7, "endsOn": "2027-12-31", "city": "Lausanne" } });
    assert_eq!(
        app.as_err(&presidency, update, rewrite).await["extensions"]["code"],
        "INVALID_TRANSITION"
    );
    let kept = app
        .query(
            "query($id: ID) { meeting(id: $id) { endsOn city version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        kept["meeting"],
        json!({ "endsOn": "2027-09-16", "city": "Geneva", "version": 7 })
    );
    app.stop().await;
}

crate::on_both_databases!(
    lists_meetings_in_order_with_filters,
    one_meeting_by_code_or_id_with_sessions_and_agenda,
    managing_a_meeting_and_its_agenda,
);
