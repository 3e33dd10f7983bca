//! A nomination round as a real meeting runs it: meetings that move, clients
//! that retry, signatories that try to respond, clients that cache agendas by
//! version and read before they subscribe.

use std::time::Duration;

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use entity::event_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{Backend, TEST_SECRET, TestApp, add_meeting, set_policy, spawn_app, token};
use crate::nominations::{FIELDS, cast, propose, step, to_agenda};
use crate::ws;

/// The kinds of the event-log entries about `topic_or_scope`, oldest first.
async fn logged(app: &TestApp, topic_or_scope: &str) -> Vec<(String, Value)> {
    event_log::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(event_log::Column::Topic.eq(topic_or_scope))
                .add(event_log::Column::Scope.eq(topic_or_scope)),
        )
        .order_by_asc(event_log::Column::Id)
        .all(&app.db().conn)
        .await
        .expect("log")
        .into_iter()
        .map(|e| (e.kind, e.payload))
        .collect()
}

fn meeting_key(id: &Value) -> String {
    let decoded = ccm_committee::graphql::ids::GlobalId::meeting(&async_graphql::ID(
        id.as_str().expect("id").to_owned(),
    ))
    .expect("a meeting id");
    format!("meeting:{decoded}")
}

async fn meeting_version(app: &TestApp, id: &Value) -> i64 {
    app.query(
        "query($id: ID) { meeting(id: $id) { version } }",
        json!({ "id": id }),
    )
    .await["meeting"]["version"]
        .as_i64()
        .expect("version")
}

async fn pending_lapses(app: &TestApp, presidency: &str, subject: &Value) -> Vec<String> {
    let id = ccm_committee::graphql::ids::GlobalId::nomination(&async_graphql::ID(
        subject.as_str().expect("id").to_owned(),
    ))
    .expect("a nomination id")
    .to_string();
    let timers = app
        .as_ok(
            presidency,
            "{ timers(statuses: [PENDING], limit: 500) { target subjectId event dueAt } }",
            json!({}),
        )
        .await;
    timers["timers"]
        .as_array()
        .expect("timers")
        .iter()
        .filter(|t| t["target"] == "nomination" && t["event"] == "lapse" && t["subjectId"] == id)
        .map(|t| t["dueAt"].as_str().expect("due").to_owned())
        .collect()
}

async fn a_postponed_meeting_takes_its_nominations_along(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let nor = to_agenda(&app, &cast, "UNIVERSALIZATION", "NOR", &meeting).await;
    assert_eq!(nor["termStartsOn"], "2027-09-16");
    assert_eq!(
        pending_lapses(&app, &cast.presidency, &nor["id"]).await,
        ["2027-09-17T00:00:00+00:00"]
    );
    let zmb = token("zmb-delegate", Role::Delegate, Some("ZMB"));
    let first = propose(&app, &zmb, "UNIVERSALIZATION", "ZMB", &meeting).await;

    let version = meeting_version(&app, &json!(meeting)).await;
    let q = "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { startsOn endsOn } }";
    app.as_ok(
        &cast.presidency,
        q,
        json!({ "input": { "meetingId": meeting, "expectedVersion": version,
                           "startsOn": "2027-11-16", "endsOn": "2027-11-19" } }),
    )
    .await;

    let moved = app
        .query(
            &format!("query($a: ID!, $b: ID!) {{ a: nomination(id: $a) {{ {FIELDS} }} b: nomination(id: $b) {{ {FIELDS} }} }}"),
            json!({ "a": nor["id"], "b": first["id"] }),
        )
        .await;
    for n in [&moved["a"], &moved["b"]] {
        assert_eq!(n["termStartsOn"], "2027-11-19", "{n}");
        assert_eq!(n["termEndsOn"], "2029-11-19");
    }
    assert_eq!(moved["a"]["state"], "ON_AGENDA");
    assert_eq!(
        pending_lapses(&app, &cast.presidency, &nor["id"]).await,
        ["2027-11-20T00:00:00+00:00"],
        "the lapse moves with the meeting's end"
    );
    let terms: Vec<Value> = logged(&app, &meeting_key(&json!(meeting)))
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "TERM_CHANGED")
        .map(|(_, payload)| payload)
        .collect();
    assert_eq!(terms.len(), 2, "one update per moved nomination");
    assert_eq!(terms[0]["termStartsOn"], "2027-11-19");

    // One open nomination per position, State and deciding meeting.
    let input = json!({ "input": { "position": "UNIVERSALIZATION", "state": "ZMB", "meetingId": meeting } });
    let q = "mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id } }";
    let err = app.as_err(&zmb, q, input).await;
    assert_eq!(err["extensions"]["code"], "GUARD_FAILED");
    assert_eq!(err["extensions"]["guard"], "noDuplicate");
    app.stop().await;
}

async fn a_retry_gets_the_first_answer_byte_for_byte(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let q = format!(
        "mutation($input: ProposeNominationInput!) {{ proposeNomination(input: $input) {{ {FIELDS} }} }}"
    );
    let input = json!({ "input": { "position": "UNIVERSALIZATION", "state": "NOR",
                                   "meetingId": meeting, "idempotencyKey": "nor-univ-1" } });
    let raw = |body: &Value| body.to_string();
    let (_, first) = app.post_as(&cast.nor, &q, input.clone()).await;
    assert_eq!(first["data"]["proposeNomination"]["state"], "DRAFT");
    let n = first["data"]["proposeNomination"].clone();
    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    step(&app, &cast.presidency, "openConsultation", &n).await;

    let (_, retry) = app.post_as(&cast.nor, &q, input).await;
    assert_eq!(
        raw(&retry),
        raw(&first),
        "the first answer, not the present"
    );
    let count = app.query("{ nominations { totalCount } }", json!({})).await;
    assert_eq!(count["nominations"]["totalCount"], 1);

    // A response retried with its key is recorded once.
    let respond = "mutation($input: ConsultationResponseInput!) { recordConsultationResponse(input: $input) { consultation { responseCount } } }";
    let swe = json!({ "input": { "nominationId": n["id"], "stance": "SUPPORT", "idempotencyKey": "swe-1" } });
    let a = app.as_ok(&cast.swe, respond, swe.clone()).await;
    let b = app.as_ok(&cast.swe, respond, swe).await;
    assert_eq!(a, b);
    assert_eq!(
        logged(&app, &format!("nomination:{}", nomination_number(&n["id"])))
            .await
            .iter()
            .filter(|(kind, _)| kind == "CONSULTATION_RESPONSE")
            .count(),
        1
    );

    // A meeting change retried with its key changes the meeting once.
    let version = meeting_version(&app, &json!(meeting)).await;
    let update =
        "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { version city } }";
    let change = json!({ "input": { "meetingId": meeting, "expectedVersion": version,
                                    "city": "Lausanne", "idempotencyKey": "venue-1" } });
    let first = app.as_ok(&cast.presidency, update, change.clone()).await;
    let again = app.as_ok(&cast.presidency, update, change).await;
    assert_eq!(first, again);
    assert_eq!(meeting_version(&app, &json!(meeting)).await, version + 1);
    app.stop().await;
}

fn nomination_number(id: &Value) -> i64 {
    ccm_committee::graphql::ids::GlobalId::nomination(&async_graphql::ID(
        id.as_str().expect("id").to_owned(),
    ))
    .expect("a nomination id")
}

async fn a_slate_retried_after_a_timeout_gets_its_decision(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    // The meeting where the two-year terms end, to be linked as `endsAt`.
    add_meeting(&app, "16MSP", "PLANNED", "2029-09-10", "2029-09-14").await;
    let before = meeting_version(&app, &json!(meeting)).await;
    let a = to_agenda(&app, &cast, "UNIVERSALIZATION", "NOR", &meeting).await;
    assert_eq!(a["agendaItem"]["title"], "Nominations of Coordinators");
    assert_eq!(
        meeting_version(&app, &json!(meeting)).await,
        before + 1,
        "the agenda item the workflow created bumps the meeting"
    );
    let changes: Vec<(String, Value)> = logged(&app, &meeting_key(&json!(meeting))).await;
    let created = changes
        .iter()
        .find(|(kind, _)| kind == "AGENDA_CHANGED")
        .expect("an AGENDA_CHANGED update");
    assert_eq!(created.1["title"], "Nominations of Coordinators");
    assert_eq!(created.1["version"], before + 1);

    let b = to_agenda(&app, &cast, "VICTIM_ASSISTANCE", "SWE", &meeting).await;
    app.set_meeting("14MSP", "IN_SESSION", "2027-09-13", "2027-09-16")
        .await;
    let at_decision = meeting_version(&app, &json!(meeting)).await;
    let q = "mutation($input: AdoptSlateInput!) { adoptSlate(input: $input) { state version mandate { endsAt { code } } } }";
    let input = json!({ "input": { "agendaItemId": a["agendaItem"]["id"], "idempotencyKey": "slate-1",
        "expectedVersions": [
            { "nominationId": a["id"], "expectedVersion": a["version"] },
            { "nominationId": b["id"], "expectedVersion": b["version"] },
        ] } });
    let adopted = app.as_ok(&cast.presidency, q, input.clone()).await;
    assert_eq!(adopted["adoptSlate"][0]["state"], "SELECTED");
    assert_eq!(
        adopted["adoptSlate"][0]["mandate"]["endsAt"]["code"],
        "16MSP"
    );
    let retried = app.as_ok(&cast.presidency, q, input).await;
    assert_eq!(retried, adopted, "a retry gets the decision, not an error");
    assert_eq!(
        meeting_version(&app, &json!(meeting)).await,
        at_decision + 2,
        "each decision recorded on the item bumps the meeting once"
    );
    let decisions = logged(&app, &meeting_key(&json!(meeting)))
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "DECISION_RECORDED")
        .count();
    assert_eq!(decisions, 2);
    app.stop().await;
}

fn observer_token(org: &str) -> String {
    Keys::new(TEST_SECRET.as_bytes())
        .mint(
            &format!("{org}-observer"),
            Role::Observer,
            None,
            Some(org),
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        )
        .expect("mint")
}

async fn only_states_parties_respond_and_nobody_counts_itself(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    let n = step(&app, &cast.presidency, "openConsultation", &n).await;
    let q =
        "mutation($input: ConsultationResponseInput!) { recordConsultationResponse(input: $input) {
        consultation { responseCount observerViews nomineeView standingObjections unmet } } }";
    // A signatory and a State whose withdrawal took effect do not respond.
    for code in ["AGO", "LTU"] {
        let who = token(&format!("{code}-delegate"), Role::Delegate, Some(code));
        let input = json!({ "input": { "nominationId": n["id"], "stance": "OBJECTION" } });
        let err = app.as_err(&who, q, input).await;
        assert_eq!(err["extensions"]["code"], "GUARD_FAILED", "{code}: {err}");
        assert_eq!(err["extensions"]["guard"], "stateParty");
    }
    // The nominee's own support is shown, not counted.
    let own = json!({ "input": { "nominationId": n["id"], "stance": "SUPPORT" } });
    let tally =
        app.as_ok(&cast.nor, q, own).await["recordConsultationResponse"]["consultation"].clone();
    assert_eq!(tally["responseCount"], 0);
    assert_eq!(tally["nomineeView"], true);
    assert_eq!(tally["observerViews"], 0);
    assert_eq!(
        tally["unmet"][0],
        "0 responses from States Parties, 10 needed"
    );
    // An observer's view is an observer's view.
    let icrc = observer_token("ICRC");
    let view = json!({ "input": { "nominationId": n["id"], "stance": "NO_OBJECTION" } });
    let tally =
        app.as_ok(&icrc, q, view).await["recordConsultationResponse"]["consultation"].clone();
    assert_eq!(tally["observerViews"], 1);
    assert_eq!(tally["responseCount"], 0);
    // One State Party's response: "1 response".
    let swe = json!({ "input": { "nominationId": n["id"], "stance": "SUPPORT" } });
    let tally =
        app.as_ok(&cast.swe, q, swe).await["recordConsultationResponse"]["consultation"].clone();
    assert_eq!(tally["responseCount"], 1);
    assert_eq!(
        tally["unmet"][0],
        "1 response from States Parties, 10 needed"
    );
    // A position may let the nominee count itself.
    set_policy(&app, "UNIVERSALIZATION", json!({ "countNominee": true })).await;
    let again = app
        .query(
            "query($id: ID!) { nomination(id: $id) { consultation { responseCount } } }",
            json!({ "id": n["id"] }),
        )
        .await;
    assert_eq!(again["nomination"]["consultation"]["responseCount"], 2);

    // Authorisation comes before lookups: a delegation learns nothing of agenda items.
    let slate = "mutation($input: AdoptSlateInput!) { adoptSlate(input: $input) { id } }";
    let missing = ccm_committee::graphql::ids::GlobalId::AgendaItem(999_999).encode();
    let err = app
        .as_err(
            &cast.nor,
            slate,
            json!({ "input": { "agendaItemId": missing.0, "expectedVersions": [] } }),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");
    app.stop().await;
}

async fn read_then_subscribe_without_a_gap(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    let read = app
        .query(
            "query($id: ID!) { latestCursor nomination(id: $id) { state version } }",
            json!({ "id": n["id"] }),
        )
        .await;
    let cursor = read["latestCursor"].as_str().expect("cursor").to_owned();
    assert_eq!(read["nomination"]["state"], "DRAFT");
    // Something happens between the read and the subscription.
    step(&app, &cast.nor, "submitNomination", &n).await;

    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe(
            "1",
            "subscription($id: ID!, $after: String) { nominationEvents(nominationId: $id, after: $after) {
                kind nomination { state } details { ... on TransitionDetails { from to version } } } }",
            json!({ "id": n["id"], "after": cursor }),
        )
        .await;
    let missed = client
        .next_result(Duration::from_secs(5))
        .await
        .expect("the move made in between");
    let update = &missed["data"]["nominationEvents"];
    assert_eq!(update["kind"], "TRANSITION");
    assert_eq!(
        update["details"],
        json!({ "from": "DRAFT", "to": "SUBMITTED", "version": 2 })
    );
    assert!(
        client
            .next_result(Duration::from_millis(300))
            .await
            .is_none(),
        "nothing before the cursor is replayed"
    );
    app.stop().await;
}

crate::on_both_databases!(
    a_postponed_meeting_takes_its_nominations_along,
    a_retry_gets_the_first_answer_byte_for_byte,
    a_slate_retried_after_a_timeout_gets_its_decision,
    only_states_parties_respond_and_nobody_counts_itself,
    read_then_subscribe_without_a_gap,
);
