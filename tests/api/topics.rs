//! Topics for discussion by all and the working groups' plans, on both
//! databases: a topic raised by the Universalization coordinators is
//! considered and accepted at a committee meeting, scheduled for discussion
//! by all at the next Meeting of States Parties, postponed with it (back to
//! accepted), scheduled again, discussed with an outcome and closed; a work
//! plan of the same group links its objectives to Actions 10 and 11 and
//! rates them twice; the progress report to that meeting shows both. Every
//! refusal of the issue is here, subscribers see every step in order, and
//! the rules that parallel requests could break are raced.

use std::time::Duration;

use ccm_committee::auth::Role;
use chrono::TimeZone;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with, token};
use crate::month::winners;
use crate::ws;

fn fast(c: &mut ccm_committee::config::Config) {
    c.live.timer_poll_ms = 25;
    c.live.event_poll_ms = 100;
}

fn isu() -> String {
    token("isu-secretary", Role::Presidency, None)
}

fn code_of(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or("")
}

const MEETING: &str = "id code version status startsOn
  agenda { id kind title decisions { kind text } topic { id title } }
  topics { purpose outcome outcomeText meeting { code } topic { id } }";

const TOPIC: &str = "id title state version allowedEvents proposedBy proposerState { code }
  area { code } documents { title kind symbol language url }
  placements { purpose outcome outcomeText meeting { code } agendaItem { id kind } decision { kind text } }
  history { event from to actor note }";

async fn schedule(app: &TestApp, code: &str, kind: &str, from: &str, to: &str) -> Value {
    let q = format!(
        "mutation($input: ScheduleMeetingInput!) {{ scheduleMeeting(input: $input) {{ {MEETING} }} }}"
    );
    let input = json!({ "code": code, "kind": kind, "startsOn": from, "endsOn": to,
        "city": "Geneva" });
    app.as_ok(&isu(), &q, json!({ "input": input })).await["scheduleMeeting"].clone()
}

async fn meeting(app: &TestApp, code: &str) -> Value {
    let q = format!("query($code: String) {{ meeting(code: $code) {{ {MEETING} }} }}");
    app.query(&q, json!({ "code": code })).await["meeting"].clone()
}

async fn set_status(app: &TestApp, m: &Value, mutation: &str) -> Value {
    let q = format!(
        "mutation($input: MeetingVersionInput!) {{ {mutation}(input: $input) {{ {MEETING} }} }}"
    );
    let input = json!({ "meetingId": m["id"], "expectedVersion": m["version"] });
    app.as_ok(&isu(), &q, json!({ "input": input })).await[mutation].clone()
}

async fn topic(app: &TestApp, id: &Value) -> Value {
    let q = format!("query($id: ID!) {{ topic(id: $id) {{ {TOPIC} }} }}");
    app.query(&q, json!({ "id": id })).await["topic"].clone()
}

/// Fires a topic mutation whose input is `{ topicId, expectedVersion, ...extra }`.
async fn move_topic(
    app: &TestApp,
    who: &str,
    mutation: &str,
    input_type: &str,
    t: &Value,
    extra: Value,
) -> (u16, Value) {
    let q =
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {TOPIC} }} }}");
    let mut input = json!({ "topicId": t["id"], "expectedVersion": t["version"] });
    for (k, v) in extra.as_object().expect("an object") {
        input[k] = v.clone();
    }
    app.post_as(who, &q, json!({ "input": input })).await
}

async fn moved(
    app: &TestApp,
    who: &str,
    mutation: &str,
    input_type: &str,
    t: &Value,
    extra: Value,
) -> Value {
    let (status, body) = move_topic(app, who, mutation, input_type, t, extra).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{mutation}: {body}");
    body["data"][mutation].clone()
}

async fn refused(
    app: &TestApp,
    who: &str,
    mutation: &str,
    input_type: &str,
    t: &Value,
    extra: Value,
) -> Value {
    let (_, body) = move_topic(app, who, mutation, input_type, t, extra).await;
    body["errors"][0].clone()
}

const PROPOSE: &str = "mutation($input: ProposeTopicInput!) { proposeTopic(input: $input) { id title state version } }";

fn proposal(symbol: &str) -> Value {
    json!({ "input": {
        "title": "Universalization in South-East Asia",
        "description": "How States Parties can support accession in the region.",
        "area": "UNIVERSALIZATION",
        "documents": [{ "title": "Concept note", "kind": "CONCEPT_NOTE", "symbol": symbol,
            "language": "en", "url": "https://www.clusterconvention.org/documents/concept-note" }]
    } })
}

/// Seats coordinators for the test's period (the reference data knows no
/// composition after 2025): Malawi and Peru on Universalization, New
/// Zealand on National Implementation Measures.
pub(crate) async fn seat_coordinators(app: &TestApp) {
    use entity::{mandate, position};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let conn = &app.db().conn;
    for (code, state, seat) in [
        ("UNIVERSALIZATION", "MWI", 1),
        ("UNIVERSALIZATION", "PER", 2),
        ("NATIONAL_IMPLEMENTATION", "NZL", 1),
    ] {
        let p = position::Entity::find()
            .filter(position::Column::Code.eq(code))
            .one(conn)
            .await
            .expect("query")
            .expect("position");
        mandate::ActiveModel {
            position_id: Set(p.id),
            state_iso3: Set(state.to_owned()),
            seat: Set(seat),
            starts_on: Set("2025-09-20".parse().expect("date")),
            ends_on: Set(Some("2028-01-01".parse().expect("date"))),
            source: Set("test fixture".to_owned()),
            created_at: Set(chrono::Utc::now().fixed_offset()),
            ..Default::default()
        }
        .insert(conn)
        .await
        .expect("insert mandate");
    }
}

/// A State holding a seat of `position` on the test clock's day, and one holding none.
async fn holder_and_outsider(app: &TestApp, position: &str) -> (String, String) {
    seat_coordinators(app).await;
    let data = app
        .query(
            "query($p: String!) { workingGroup(position: $p) { holders { state { code } } } committee { positions { holders { state { code } } } } }",
            json!({ "p": position }),
        )
        .await;
    let holder = data["workingGroup"]["holders"][0]["state"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("someone holds {position} today: {data}"))
        .to_owned();
    let members: Vec<String> = data["committee"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .flat_map(|p| p["holders"].as_array().cloned().unwrap_or_default())
        .filter_map(|h| h["state"]["code"].as_str().map(str::to_owned))
        .collect();
    let outsider = ["ISL", "IRL", "AUT", "BEL", "GHA"]
        .into_iter()
        .find(|s| !members.iter().any(|m| m == s))
        .expect("a State holding no seat")
        .to_owned();
    (holder, outsider)
}

/// The coordinator of a State holding a seat of another thematic position today.
async fn another_groups_coordinator(app: &TestApp, holder: &str) -> String {
    let data = app
        .query(
            "{ workingGroups { position { code } holders { state { code } } } }",
            json!({}),
        )
        .await;
    data["workingGroups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter(|g| g["position"]["code"] != "UNIVERSALIZATION")
        .flat_map(|g| g["holders"].as_array().cloned().unwrap_or_default())
        .filter_map(|h| h["state"]["code"].as_str().map(str::to_owned))
        .find(|s| s != holder)
        .expect("another group has a coordinator today")
}

const TOPIC_EVENTS: &str = r#"subscription($id: ID!, $after: String) {
  topicEvents(topicId: $id, after: $after) { cursor kind details { ... on WorkflowDetails { event to } } }
}"#;

async fn topic_events(app: &TestApp, id: &Value) -> Vec<(String, String)> {
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe("1", TOPIC_EVENTS, json!({ "id": id, "after": "0" }))
        .await;
    let mut out = Vec::new();
    while let Some(payload) = client.next_result(Duration::from_millis(1500)).await {
        assert!(payload.get("errors").is_none(), "{payload}");
        let u = &payload["data"]["topicEvents"];
        out.push((
            u["kind"].as_str().unwrap_or("").to_owned(),
            u["details"]["event"].as_str().unwrap_or("").to_owned(),
        ));
    }
    out
}

async fn a_topic_goes_from_proposal_to_discussion_by_all(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let presidency = isu();
    let (holder, outsider) = holder_and_outsider(&app, "UNIVERSALIZATION").await;
    let coordinator = token("universalization", Role::Coordinator, Some(&holder));

    // A subscriber to the committee meeting follows from its scheduling.
    let cc = schedule(
        &app,
        "CC-2026-12",
        "COORDINATION_COMMITTEE",
        "2026-12-10",
        "2026-12-10",
    )
    .await;
    let msp = schedule(&app, "14MSP", "MSP", "2027-09-14", "2027-09-17").await;

    // D. A delegate of a State without a seat: FORBIDDEN, and nothing stored.
    let error = app
        .as_err(
            &token("outsider", Role::Delegate, Some(&outsider)),
            PROPOSE,
            proposal("CCM/CC/2026/CRP.1"),
        )
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN", "{error}");
    // A malformed symbol: BAD_USER_INPUT.
    let error = app
        .as_err(&coordinator, PROPOSE, proposal("MSP 2026 WP.1"))
        .await;
    assert_eq!(code_of(&error), "BAD_USER_INPUT", "{error}");

    let raised = app
        .as_ok(&coordinator, PROPOSE, proposal("CCM/CC/2026/CRP.1"))
        .await["proposeTopic"]
        .clone();
    assert_eq!(raised["state"], "PROPOSED");
    // D. The same symbol again: CONFLICT, on a new topic and on this one.
    let error = app
        .as_err(&presidency, PROPOSE, proposal("CCM/CC/2026/CRP.1"))
        .await;
    assert_eq!(code_of(&error), "CONFLICT", "{error}");
    let add = "mutation($input: AddTopicDocumentInput!) { addTopicDocument(input: $input) { documents { symbol } } }";
    let doc = |symbol: &str| {
        json!({ "input": { "topicId": raised["id"], "document": { "title": "Non-paper",
            "kind": "NON_PAPER", "symbol": symbol, "language": "fr",
            "url": "https://www.clusterconvention.org/documents/non-paper" } } })
    };
    let error = app
        .as_err(&coordinator, add, doc("CCM/CC/2026/CRP.1"))
        .await;
    assert_eq!(code_of(&error), "CONFLICT", "{error}");
    // Another State's coordinator may not add documents to it.
    let other = another_groups_coordinator(&app, &holder).await;
    let other_coordinator = token("other", Role::Coordinator, Some(&other));
    let error = app
        .as_err(&other_coordinator, add, doc("CCM/CC/2026/CRP.2"))
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN", "{error}");
    let added = app.as_ok(&coordinator, add, doc("CCM/CC/2026/CRP.2")).await;
    assert_eq!(
        added["addTopicDocument"]["documents"],
        json!([{ "symbol": "CCM/CC/2026/CRP.1" }, { "symbol": "CCM/CC/2026/CRP.2" }])
    );
    let t = topic(&app, &raised["id"]).await;
    assert_eq!(t["proposerState"]["code"], holder.as_str());
    assert_eq!(t["area"]["code"], "UNIVERSALIZATION");

    // A coordinator may not move the committee's business.
    let error = refused(
        &app,
        &coordinator,
        "placeTopicForConsideration",
        "PlaceTopicInput",
        &t,
        json!({ "meetingId": cc["id"] }),
    )
    .await;
    assert_eq!(code_of(&error), "FORBIDDEN", "{error}");
    // Consideration goes to a committee meeting.
    let error = refused(
        &app,
        &presidency,
        "placeTopicForConsideration",
        "PlaceTopicInput",
        &t,
        json!({ "meetingId": msp["id"] }),
    )
    .await;
    assert_eq!(code_of(&error), "GUARD_FAILED", "{error}");
    let t = moved(
        &app,
        &presidency,
        "placeTopicForConsideration",
        "PlaceTopicInput",
        &t,
        json!({ "meetingId": cc["id"] }),
    )
    .await;
    assert_eq!(t["state"], "UNDER_CONSIDERATION");
    let on_cc = meeting(&app, "CC-2026-12").await;
    let item = on_cc["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .find(|i| i["kind"] == "TOPIC_CONSIDERATION")
        .expect("the topic's item")
        .clone();
    assert_eq!(item["topic"]["id"], t["id"]);
    let titles: Vec<&str> = on_cc["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .map(|i| i["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles.last().copied(),
        Some("Any other business"),
        "placed before any other business: {titles:?}"
    );
    // D. Accepting outside a committee meeting in session: GUARD_FAILED.
    let error = refused(
        &app,
        &presidency,
        "acceptTopic",
        "MoveTopicInput",
        &t,
        json!({}),
    )
    .await;
    assert_eq!(code_of(&error), "GUARD_FAILED", "{error}");
    assert_eq!(error["extensions"]["guard"], "consideringMeetingInSession");

    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 10, 14, 0, 0)
            .single()
            .expect("date"),
    );
    let open = set_status(&app, &meeting(&app, "CC-2026-12").await, "openMeeting").await;
    let t = moved(
        &app,
        &presidency,
        "acceptTopic",
        "MoveTopicInput",
        &t,
        json!({ "note": "Relevant to the action plan's universalization actions" }),
    )
    .await;
    assert_eq!(t["state"], "ACCEPTED");
    assert_eq!(t["placements"][0]["outcome"], "ACCEPTED");
    assert!(
        t["placements"][0]["decision"]["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("The Coordination Committee deemed the topic"),
        "{t}"
    );
    set_status(&app, &meeting(&app, "CC-2026-12").await, "concludeMeeting").await;
    drop(open);

    // D. Scheduling on a committee meeting, or on a concluded meeting: GUARD_FAILED.
    let later_cc = schedule(
        &app,
        "CC-2027-01",
        "COORDINATION_COMMITTEE",
        "2027-01-14",
        "2027-01-14",
    )
    .await;
    for (m, guard) in [
        (&later_cc, "forDiscussionByAll"),
        (&meeting(&app, "13MSP").await, "meetingNotConcluded"),
    ] {
        let error = refused(
            &app,
            &presidency,
            "scheduleTopic",
            "PlaceTopicInput",
            &t,
            json!({ "meetingId": m["id"] }),
        )
        .await;
        assert_eq!(code_of(&error), "GUARD_FAILED", "{error}");
        assert_eq!(error["extensions"]["guard"], guard, "{error}");
    }
    let t = moved(
        &app,
        &presidency,
        "scheduleTopic",
        "PlaceTopicInput",
        &t,
        json!({ "meetingId": msp["id"] }),
    )
    .await;
    assert_eq!(t["state"], "SCHEDULED");
    let on_msp = meeting(&app, "14MSP").await;
    let discussion: Vec<&Value> = on_msp["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .filter(|i| i["kind"] == "DISCUSSION_BY_ALL")
        .collect();
    assert_eq!(discussion.len(), 1);
    assert_eq!(discussion[0]["topic"]["id"], t["id"]);

    // The Meeting of States Parties is postponed: the topic is accepted
    // again, its item leaves the agenda, in the meeting change's transaction.
    let q = format!(
        "mutation($input: UpdateMeetingInput!) {{ updateMeeting(input: $input) {{ {MEETING} }} }}"
    );
    let postponed = app
        .as_ok(
            &presidency,
            &q,
            json!({ "input": { "meetingId": on_msp["id"], "expectedVersion": on_msp["version"],
                "startsOn": "2027-11-16", "endsOn": "2027-11-19" } }),
        )
        .await["updateMeeting"]
        .clone();
    assert!(
        postponed["agenda"]
            .as_array()
            .expect("agenda")
            .iter()
            .all(|i| i["kind"] != "DISCUSSION_BY_ALL"),
        "{postponed}"
    );
    let t = topic(&app, &t["id"]).await;
    assert_eq!(t["state"], "ACCEPTED");
    let last = &t["placements"][1];
    assert_eq!(last["outcome"], "POSTPONED");
    assert!(last["agendaItem"].is_null());
    let system = &t["history"].as_array().expect("history")[4];
    assert_eq!(
        (system["event"].as_str(), system["actor"].as_str()),
        (Some("unschedule"), Some("system"))
    );

    // Scheduled again, discussed while the meeting is in session, closed.
    let t = moved(
        &app,
        &presidency,
        "scheduleTopic",
        "PlaceTopicInput",
        &t,
        json!({ "meetingId": msp["id"] }),
    )
    .await;
    assert_eq!(t["state"], "SCHEDULED");
    let outcome = json!({ "outcome": "CONCLUSIONS",
        "text": "States Parties agreed to intensify outreach in the region" });
    let error = refused(
        &app,
        &presidency,
        "recordTopicOutcome",
        "RecordTopicOutcomeInput",
        &t,
        outcome.clone(),
    )
    .await;
    assert_eq!(code_of(&error), "GUARD_FAILED", "{error}");
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2027, 11, 16, 9, 0, 0)
            .single()
            .expect("date"),
    );
    set_status(&app, &meeting(&app, "14MSP").await, "openMeeting").await;
    let t = moved(
        &app,
        &presidency,
        "recordTopicOutcome",
        "RecordTopicOutcomeInput",
        &t,
        outcome,
    )
    .await;
    assert_eq!(t["state"], "DISCUSSED");
    let last = &t["placements"][2];
    assert_eq!(last["outcome"], "CONCLUSIONS");
    assert_eq!(last["meeting"]["code"], "14MSP");
    assert_eq!(last["decision"]["kind"], "TOOK_NOTE");
    let error = refused(
        &app,
        &presidency,
        "closeTopic",
        "MoveTopicInput",
        &t,
        json!({}),
    )
    .await;
    assert_eq!(error["extensions"]["guard"], "followUpStated", "{error}");
    let t = moved(
        &app,
        &presidency,
        "closeTopic",
        "MoveTopicInput",
        &t,
        json!({ "note": "Outreach plan adopted by the working group" }),
    )
    .await;
    assert_eq!(t["state"], "CLOSED");
    let events: Vec<&str> = t["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["event"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        events,
        [
            "propose",
            "placeForConsideration",
            "accept",
            "schedule",
            "unschedule",
            "schedule",
            "discuss",
            "close"
        ]
    );

    // Subscribers: the topic's own feed, replayed, shows every step in order.
    let feed = topic_events(&app, &t["id"]).await;
    let steps: Vec<&str> = feed
        .iter()
        .filter(|(kind, _)| kind == "TOPIC_TRANSITION")
        .map(|(_, e)| e.as_str())
        .collect();
    assert_eq!(steps, events, "{feed:?}");
    assert_eq!(
        feed.iter()
            .filter(|(k, _)| k == "TOPIC_DOCUMENT_ADDED")
            .count(),
        2
    );

    // The Meeting of States Parties lists the topic, discussed.
    let msp_now = meeting(&app, "14MSP").await;
    assert_eq!(msp_now["topics"][0]["outcome"], "POSTPONED");
    assert_eq!(msp_now["topics"][1]["outcome"], "CONCLUSIONS");
    let listed = app
        .query(
            "query($f: TopicFilter) { topics(filter: $f) { totalCount edges { node { id } } } }",
            json!({ "f": { "states": ["CLOSED"], "area": "UNIVERSALIZATION", "meetingId": msp["id"] } }),
        )
        .await;
    assert_eq!(listed["topics"]["totalCount"], 1);
    app.stop().await;
}

const PLAN: &str = "id title state version position { code }
  objectives { id ordinal text actions { number area } activities { id text status dueOn }
    ratings { rating note ratedOn } latestRating { rating label note } }";

async fn a_work_plan_is_planned_rated_and_reported(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let presidency = isu();
    let (holder, _) = holder_and_outsider(&app, "UNIVERSALIZATION").await;
    let coordinator = token("universalization", Role::Coordinator, Some(&holder));
    let other = another_groups_coordinator(&app, &holder).await;
    let other_coordinator = token("other", Role::Coordinator, Some(&other));
    let create = format!(
        "mutation($input: CreateWorkPlanInput!) {{ createWorkPlan(input: $input) {{ {PLAN} }} }}"
    );
    let plan_input = |actions: Value| {
        json!({ "input": { "position": "UNIVERSALIZATION", "startsOn": "2025-09-20",
            "endsOn": "2026-12-31", "title": "Work plan on universalization, 13MSP to 14MSP",
            "objectives": [
                { "text": "Promote accession by States not party", "actions": [10],
                  "activities": [{ "text": "Regional workshop", "dueOn": "2026-03-01" }] },
                { "text": "Encourage ratification by signatories", "actions": actions }
            ] } })
    };
    // D. Actions that do not exist: BAD_USER_INPUT, and nothing stored.
    for bad in [0, 99] {
        let error = app
            .as_err(&coordinator, &create, plan_input(json!([bad])))
            .await;
        assert_eq!(code_of(&error), "BAD_USER_INPUT", "{error}");
    }
    // D. A coordinator of another group: FORBIDDEN.
    let error = app
        .as_err(&other_coordinator, &create, plan_input(json!([11])))
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN", "{error}");
    let plans = app.query("{ workPlans { totalCount } }", json!({})).await;
    assert_eq!(plans["workPlans"]["totalCount"], 0);

    let plan = app
        .as_ok(&coordinator, &create, plan_input(json!([11])))
        .await["createWorkPlan"]
        .clone();
    assert_eq!(plan["state"], "DRAFT");
    let actions: Vec<Value> = plan["objectives"]
        .as_array()
        .expect("objectives")
        .iter()
        .map(|o| o["actions"][0]["number"].clone())
        .collect();
    assert_eq!(actions, [json!(10), json!(11)]);
    // A draft is for those who lead the group.
    let anonymous = app
        .query(
            "query($id: ID!) { workPlan(id: $id) { id } }",
            json!({ "id": plan["id"] }),
        )
        .await;
    assert!(anonymous["workPlan"].is_null());
    let publish = format!(
        "mutation($input: PublishWorkPlanInput!) {{ publishWorkPlan(input: $input) {{ {PLAN} }} }}"
    );
    let error = app
        .as_err(
            &other_coordinator,
            &publish,
            json!({ "input": { "workPlanId": plan["id"], "expectedVersion": plan["version"] } }),
        )
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN", "{error}");
    let plan = app
        .as_ok(
            &coordinator,
            &publish,
            json!({ "input": { "workPlanId": plan["id"], "expectedVersion": plan["version"] } }),
        )
        .await["publishWorkPlan"]
        .clone();
    assert_eq!(plan["state"], "PUBLISHED");

    // Rated twice each; another group's coordinator may not rate it.
    let rate = format!(
        "mutation($input: RateObjectiveInput!) {{ rateObjective(input: $input) {{ {PLAN} }} }}"
    );
    let objective = |plan: &Value, i: usize| plan["objectives"][i]["id"].clone();
    let error = app
        .as_err(
            &other_coordinator,
            &rate,
            json!({ "input": { "objectiveId": objective(&plan, 0), "expectedVersion": plan["version"],
                "rating": "ACHIEVED", "note": "Not mine to say" } }),
        )
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN", "{error}");
    let mut plan = plan;
    for (i, rating, day) in [
        (0, "ON_TRACK", "2026-03-15"),
        (1, "NOT_STARTED", "2026-03-15"),
        (0, "ACHIEVED", "2026-11-20"),
        (1, "DELAYED", "2026-11-20"),
    ] {
        plan = app
            .as_ok(
                &coordinator,
                &rate,
                json!({ "input": { "objectiveId": objective(&plan, i), "expectedVersion": plan["version"],
                    "rating": rating, "note": format!("As of {day}"), "ratedOn": day } }),
            )
            .await["rateObjective"]
            .clone();
    }
    // A stale version: CONFLICT.
    let error = app
        .as_err(
            &coordinator,
            &rate,
            json!({ "input": { "objectiveId": objective(&plan, 0), "expectedVersion": 1,
                "rating": "ACHIEVED", "note": "stale" } }),
        )
        .await;
    assert_eq!(code_of(&error), "CONFLICT", "{error}");
    assert_eq!(
        plan["objectives"][0]["ratings"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(plan["objectives"][0]["latestRating"]["rating"], "ACHIEVED");
    assert_eq!(plan["objectives"][1]["latestRating"]["label"], "Delayed");
    let activity = plan["objectives"][0]["activities"][0]["id"].clone();
    let done = app
        .as_ok(
            &coordinator,
            "mutation($input: SetWorkPlanActivityStatusInput!) { setWorkPlanActivityStatus(input: $input) { objectives { activities { status } } } }",
            json!({ "input": { "activityId": activity, "expectedVersion": plan["version"], "status": "DONE" } }),
        )
        .await;
    assert_eq!(
        done["setWorkPlanActivityStatus"]["objectives"][0]["activities"][0]["status"],
        "DONE"
    );

    // The working group's page: holders, the current plan, its topics.
    let group = app
        .query(
            "{ workingGroup(position: \"UNIVERSALIZATION\") { holders { state { code } } currentWorkPlan { id state } workPlans { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(group["workingGroup"]["currentWorkPlan"]["id"], plan["id"]);

    // The progress report to the next Meeting of States Parties.
    let msp = app
        .as_ok(
            &presidency,
            "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id } }",
            json!({ "input": { "code": "14MSP", "kind": "MSP", "startsOn": "2026-12-08",
                "endsOn": "2026-12-11", "city": "Geneva" } }),
        )
        .await["scheduleMeeting"]["id"]
        .clone();
    let report = app
        .query(
            "query($id: ID!) { progressReport(meetingId: $id) { periodStartsOn periodEndsOn chartSvg
               areas { position { code } workPlans { id } counts { rating count }
                 objectives { objective { actions { number } } rating { rating ratedOn } } } } }",
            json!({ "id": msp }),
        )
        .await["progressReport"]
        .clone();
    assert_eq!(
        report["periodStartsOn"], "2025-09-20",
        "the day after the 13MSP"
    );
    assert_eq!(report["periodEndsOn"], "2026-12-11");
    let area = report["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .find(|a| a["position"]["code"] == "UNIVERSALIZATION")
        .expect("the universalization area")
        .clone();
    assert_eq!(area["workPlans"][0]["id"], plan["id"]);
    assert_eq!(area["objectives"][0]["rating"]["rating"], "ACHIEVED");
    assert_eq!(area["objectives"][1]["rating"]["rating"], "DELAYED");
    let count = |rating: &str| {
        area["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .find(|c| c["rating"] == rating)
            .map(|c| c["count"].clone())
    };
    assert_eq!(count("ACHIEVED"), Some(json!(1)));
    assert_eq!(count("DELAYED"), Some(json!(1)));
    let svg = report["chartSvg"].as_str().expect("svg");
    assert!(
        svg.starts_with("<svg") && svg.contains("Universalization"),
        "{svg}"
    );
    assert!(svg.contains("1 delayed, 1 achieved"), "{svg}");
    app.stop().await;
}

/// 50 parallel requests: one acceptance per version, one document per symbol.
async fn parallel_topic_moves_keep_the_rules(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let presidency = isu();
    let cc = schedule(
        &app,
        "CC-2026-11",
        "COORDINATION_COMMITTEE",
        "2026-11-26",
        "2026-11-26",
    )
    .await;
    let raised = join_all((0..50).map(|n| {
        let mut input = proposal("CCM/CC/2026/CRP.9");
        input["input"]["title"] = json!(format!("Topic {n}"));
        let presidency = presidency.clone();
        let app = &app;
        async move { app.post_as(&presidency, PROPOSE, input).await }
    }))
    .await;
    winners(&raised, &["CONFLICT"]);
    let listed = app
        .query(
            "{ topics { totalCount edges { node { id version } } } }",
            json!({}),
        )
        .await;
    let stored = listed["topics"]["totalCount"].as_i64().unwrap_or(0);
    assert!(stored <= 1, "one topic per symbol: {listed}");
    let t = if stored == 1 {
        listed["topics"]["edges"][0]["node"].clone()
    } else {
        app.as_ok(&presidency, PROPOSE, proposal("CCM/CC/2026/CRP.9"))
            .await["proposeTopic"]
            .clone()
    };
    let t = moved(
        &app,
        &presidency,
        "placeTopicForConsideration",
        "PlaceTopicInput",
        &t,
        json!({ "meetingId": cc["id"] }),
    )
    .await;
    set_status(&app, &meeting(&app, "CC-2026-11").await, "openMeeting").await;
    let accepts = join_all((0..50).map(|_| {
        move_topic(
            &app,
            &presidency,
            "acceptTopic",
            "MoveTopicInput",
            &t,
            json!({}),
        )
    }))
    .await;
    let won = winners(&accepts, &["CONFLICT"]);
    let after = topic(&app, &t["id"]).await;
    let decided = meeting(&app, "CC-2026-11").await["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .find(|i| i["kind"] == "TOPIC_CONSIDERATION")
        .expect("item")["decisions"]
        .as_array()
        .map(Vec::len);
    assert_eq!(decided, Some(won), "one decision per acceptance that won");
    assert_eq!(
        after["state"],
        if won == 1 {
            "ACCEPTED"
        } else {
            "UNDER_CONSIDERATION"
        }
    );
    app.stop().await;
}

/// The topics list with its nested history, documents and meetings, and
/// the progress report, cost the same number of statements at two sizes.
async fn topics_and_the_report_read_in_constant_statements(backend: Backend) {
    // Default polling, so that the background's own statements rarely fall
    // inside a read (the fewest of several reads is taken).
    let app = crate::helpers::spawn_app(backend).await;
    let presidency = isu();
    let cc = schedule(
        &app,
        "CC-2026-12",
        "COORDINATION_COMMITTEE",
        "2026-12-10",
        "2026-12-10",
    )
    .await;
    let msp = schedule(&app, "14MSP", "MSP", "2027-09-14", "2027-09-17").await;
    let groups = [
        "UNIVERSALIZATION",
        "CLEARANCE",
        "VICTIM_ASSISTANCE",
        "STOCKPILE_DESTRUCTION",
    ];
    let mut made = 0;
    let grow = async |to: usize, made: &mut usize| {
        while *made < to {
            let n = *made;
            let mut input = proposal(&format!("CCM/CC/2026/CRP.{}", n + 10));
            input["input"]["title"] = json!(format!("Topic {n}"));
            input["input"]["area"] = json!(groups[n % groups.len()]);
            let t = app.as_ok(&presidency, PROPOSE, input).await["proposeTopic"].clone();
            moved(
                &app,
                &presidency,
                "placeTopicForConsideration",
                "PlaceTopicInput",
                &t,
                json!({ "meetingId": cc["id"] }),
            )
            .await;
            let plan = app
                .as_ok(
                    &presidency,
                    "mutation($input: CreateWorkPlanInput!) { createWorkPlan(input: $input) { id version } }",
                    json!({ "input": { "position": groups[n % groups.len()],
                        "startsOn": format!("2025-10-{:02}", n + 1), "endsOn": "2027-09-17",
                        "title": format!("Plan {n}"),
                        "objectives": [{ "text": "An objective", "actions": [10 + n as i32],
                            "activities": [{ "text": "An activity" }] }] } }),
                )
                .await["createWorkPlan"]
                .clone();
            app.as_ok(
                &presidency,
                "mutation($input: PublishWorkPlanInput!) { publishWorkPlan(input: $input) { id } }",
                json!({ "input": { "workPlanId": plan["id"], "expectedVersion": plan["version"] } }),
            )
            .await;
            *made += 1;
        }
    };
    let read = async |query: &str, variables: Value| {
        let mut fewest = u64::MAX;
        for _ in 0..5 {
            let (statements, (status, body)) = app
                .statements_during(app.post_as(&presidency, query, variables.clone()))
                .await;
            assert_eq!(status, 200, "{body}");
            assert!(body.get("errors").is_none(), "{body}");
            fewest = fewest.min(statements);
        }
        fewest
    };
    let topics = "{ topics(first: 50) { edges { node { id state version area { code } proposerState { code }
        documents { symbol } history { event } placements { outcome meeting { code } agendaItem { title } decision { text } } } } } }";
    let report = "query($id: ID!) { progressReport(meetingId: $id) { chartSvg areas { position { code }
        counts { count } workPlans { title objectives { actions { number } activities { text } latestRating { rating } } }
        objectives { rating { rating } } topics { title } } } }";
    grow(2, &mut made).await;
    let small = (
        read(topics, json!({})).await,
        read(report, json!({ "id": msp["id"] })).await,
    );
    grow(8, &mut made).await;
    let large = (
        read(topics, json!({})).await,
        read(report, json!({ "id": msp["id"] })).await,
    );
    assert_eq!(small, large, "statements at 2 and 8 topics and plans");
    app.stop().await;
}

crate::on_both_databases!(
    topics_and_the_report_read_in_constant_statements,
    a_topic_goes_from_proposal_to_discussion_by_all,
    a_work_plan_is_planned_rated_and_reported,
    parallel_topic_moves_keep_the_rules,
);
