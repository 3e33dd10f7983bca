//! The nomination workflow over HTTP with real tokens: from proposal to
//! selection, every refusal kind, concurrency, idempotent retries, slates,
//! renewals.

use ccm_committee::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, add_meeting, set_policy, spawn_app, token};

pub const FIELDS: &str = "id state version kind allowedEvents termStartsOn termEndsOn
    nominee { code } position { code } decidingMeeting { code }
    agendaItem { id title decision } mandate { seat startsOn endsOn state { code } renews { id } }
    consultation { responseCount policyMet unmet standingObjections byStance { key count } byRegionalGroup { key count } }
    inclusiveness { warnings regionalGroups }
    history { seq from event to actor actorRole }";

fn propose_query() -> String {
    format!(
        "mutation($input: ProposeNominationInput!) {{ proposeNomination(input: $input) {{ {FIELDS} }} }}"
    )
}

fn move_query(mutation: &str, input_type: &str) -> String {
    format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {FIELDS} }} }}")
}

pub struct Cast {
    pub presidency: String,
    pub nor: String,
    pub swe: String,
}

pub fn cast() -> Cast {
    Cast {
        presidency: token("isu-officer", Role::Presidency, None),
        nor: token("nor-delegate", Role::Delegate, Some("NOR")),
        swe: token("swe-coordinator", Role::Coordinator, Some("SWE")),
    }
}

pub async fn propose(
    app: &TestApp,
    who: &str,
    position: &str,
    state: &str,
    meeting: &str,
) -> Value {
    let input = json!({ "position": position, "state": state, "meetingId": meeting });
    app.as_ok(who, &propose_query(), json!({ "input": input }))
        .await["proposeNomination"]
        .clone()
}

/// Fires `mutation` on `n` at its version; returns the nomination after.
pub async fn step(app: &TestApp, who: &str, mutation: &str, n: &Value) -> Value {
    let input = json!({ "nominationId": n["id"], "expectedVersion": n["version"] });
    let input_type = match mutation {
        "openConsultation" => "OpenConsultationInput",
        "placeNominationOnAgenda" => "PlaceOnAgendaInput",
        _ => "TransitionInput",
    };
    app.as_ok(
        who,
        &move_query(mutation, input_type),
        json!({ "input": input }),
    )
    .await[mutation]
        .clone()
}

async fn step_err(app: &TestApp, who: &str, mutation: &str, n: &Value) -> Value {
    let input = json!({ "nominationId": n["id"], "expectedVersion": n["version"] });
    app.as_err(
        who,
        &move_query(mutation, "TransitionInput"),
        json!({ "input": input }),
    )
    .await
}

async fn respond(app: &TestApp, who: &str, n: &Value, stance: &str) -> Value {
    let q = format!(
        "mutation($input: ConsultationResponseInput!) {{ recordConsultationResponse(input: $input) {{ {FIELDS} }} }}"
    );
    let input = json!({ "nominationId": n["id"], "stance": stance, "note": "broad support" });
    app.as_ok(who, &q, json!({ "input": input })).await["recordConsultationResponse"].clone()
}

/// Eleven States Parties from all five regional groups.
pub const SUPPORTERS: [&str; 11] = [
    "ZMB", "GHA", "SEN", "LAO", "AFG", "PHL", "HRV", "ALB", "MEX", "CRI", "IRL",
];

/// Drives a nomination from proposal to ON_AGENDA of `meeting`.
pub async fn to_agenda(
    app: &TestApp,
    cast: &Cast,
    position: &str,
    state: &str,
    meeting: &str,
) -> Value {
    let delegate = token(&format!("{state}-delegate"), Role::Delegate, Some(state));
    let n = propose(app, &delegate, position, state, meeting).await;
    let n = step(app, &delegate, "submitNomination", &n).await;
    let mut n = step(app, &cast.presidency, "openConsultation", &n).await;
    for code in SUPPORTERS {
        let who = token(&format!("{code}-delegate"), Role::Delegate, Some(code));
        n = respond(app, &who, &n, "SUPPORT").await;
    }
    let n = step(app, &cast.presidency, "endorseNomination", &n).await;
    step(app, &cast.presidency, "placeNominationOnAgenda", &n).await
}

async fn a_nomination_goes_from_proposal_to_selection(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;

    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    assert_eq!(n["state"], "DRAFT");
    assert_eq!(n["version"], 1);
    assert_eq!(n["termStartsOn"], "2027-09-16");
    assert_eq!(n["termEndsOn"], "2029-09-16");
    assert_eq!(n["allowedEvents"], json!(["submit", "withdraw"]));

    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    assert_eq!(n["state"], "SUBMITTED");
    let mut n = step(&app, &cast.presidency, "openConsultation", &n).await;
    assert_eq!(n["state"], "IN_CONSULTATION");
    assert_eq!(n["version"], 3);

    // Not yet broad-based.
    let err = step_err(&app, &cast.presidency, "endorseNomination", &n).await;
    assert_eq!(err["extensions"]["code"], "GUARD_FAILED");
    assert_eq!(err["extensions"]["guard"], "consultationPolicy");

    for code in SUPPORTERS {
        let who = token(&format!("{code}-delegate"), Role::Delegate, Some(code));
        n = respond(&app, &who, &n, "SUPPORT").await;
    }
    let esp = token("esp-delegate", Role::Delegate, Some("ESP"));
    n = respond(&app, &esp, &n, "OBJECTION").await;
    assert_eq!(n["consultation"]["responseCount"], 12);
    assert_eq!(n["consultation"]["standingObjections"], json!(["ESP"]));
    assert_eq!(n["consultation"]["policyMet"], false);
    assert_eq!(
        n["consultation"]["byRegionalGroup"]
            .as_array()
            .expect("groups")
            .len(),
        5
    );
    assert_eq!(n["version"], 3, "responses do not move the workflow");
    let err = step_err(&app, &cast.presidency, "endorseNomination", &n).await;
    assert_eq!(err["extensions"]["code"], "GUARD_FAILED");
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains("objection from ESP"),
        "{err}"
    );

    // Spain withdraws its objection.
    let q = format!(
        "mutation($id: ID!) {{ withdrawConsultationResponse(input: {{ nominationId: $id }}) {{ {FIELDS} }} }}"
    );
    let n =
        app.as_ok(&esp, &q, json!({ "id": n["id"] })).await["withdrawConsultationResponse"].clone();
    assert_eq!(n["consultation"]["policyMet"], true);
    assert_eq!(n["consultation"]["responseCount"], 11);

    let n = step(&app, &cast.presidency, "endorseNomination", &n).await;
    assert_eq!(n["state"], "ENDORSED");
    let n = step(&app, &cast.presidency, "placeNominationOnAgenda", &n).await;
    assert_eq!(n["state"], "ON_AGENDA");
    assert_eq!(n["agendaItem"]["title"], "Nominations of Coordinators");

    // Selection waits for the meeting to be in session.
    let err = step_err(&app, &cast.presidency, "selectNomination", &n).await;
    assert_eq!(err["extensions"]["code"], "GUARD_FAILED");
    assert_eq!(err["extensions"]["guard"], "meetingInSession");
    app.set_meeting("14MSP", "IN_SESSION", "2027-09-13", "2027-09-16")
        .await;

    let n = step(&app, &cast.presidency, "selectNomination", &n).await;
    assert_eq!(n["state"], "SELECTED");
    assert_eq!(n["version"], 6);
    assert_eq!(n["allowedEvents"], json!([]));
    assert_eq!(n["mandate"]["state"]["code"], "NOR");
    assert_eq!(n["mandate"]["startsOn"], "2027-09-16");
    assert!(
        n["agendaItem"]["decision"]
            .as_str()
            .expect("decision")
            .contains("NOR selected")
    );
    let history: Vec<(&str, &str)> = n["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| {
            (
                h["event"].as_str().expect("event"),
                h["actor"].as_str().expect("actor"),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("propose", "nor-delegate"),
            ("submit", "nor-delegate"),
            ("openConsultation", "isu-officer"),
            ("endorse", "isu-officer"),
            ("placeOnAgenda", "isu-officer"),
            ("select", "isu-officer"),
        ]
    );

    // The mandate is on the committee and in the mandates.
    let committee = app
        .query(
            r#"{ committee(asOf: "2027-10-01") { positions { position { code } holders { state { code } } } } }"#,
            json!({}),
        )
        .await;
    let universalization = committee["committee"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .find(|p| p["position"]["code"] == "UNIVERSALIZATION")
        .expect("position")
        .clone();
    assert_eq!(
        universalization["holders"],
        json!([{ "state": { "code": "NOR" } }])
    );
    let mandates = app
        .query(
            r#"{ mandates(filter: { position: "UNIVERSALIZATION", activeAt: "2028-01-01" }) { totalCount edges { node { state { code } designatedAt { code } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(mandates["mandates"]["totalCount"], 1);
    assert_eq!(
        mandates["mandates"]["edges"][0]["node"]["designatedAt"]["code"],
        "14MSP"
    );
    app.stop().await;
}

async fn return_withdraw_and_decline(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;

    // Returned for revision, then resubmitted.
    let n = propose(&app, &cast.nor, "VICTIM_ASSISTANCE", "NOR", &meeting).await;
    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    let n = step(&app, &cast.presidency, "openConsultation", &n).await;
    let n = step(&app, &cast.presidency, "returnNomination", &n).await;
    assert_eq!(n["state"], "DRAFT");
    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    assert_eq!(n["state"], "SUBMITTED");
    assert_eq!(n["version"], 5);

    // Withdrawn by its own delegation; another State's may not: that is an
    // authorisation, refused before the version is even looked at.
    let err = step_err(&app, &cast.swe, "withdrawNomination", &n).await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");
    let stale = json!({ "nominationId": n["id"], "expectedVersion": 1 });
    let err = app
        .as_err(
            &cast.swe,
            &move_query("withdrawNomination", "TransitionInput"),
            json!({ "input": stale }),
        )
        .await;
    assert_eq!(
        err["extensions"]["code"], "FORBIDDEN",
        "no version leaks: {err}"
    );
    assert!(err["extensions"].get("currentVersion").is_none());
    let n = step(&app, &cast.nor, "withdrawNomination", &n).await;
    assert_eq!(n["state"], "WITHDRAWN");
    let err = step_err(&app, &cast.nor, "submitNomination", &n).await;
    assert_eq!(
        err["extensions"]["code"], "INVALID_TRANSITION",
        "final states stay final"
    );

    // Not selected.
    let n = to_agenda(&app, &cast, "CLEARANCE", "SWE", &meeting).await;
    app.set_meeting("14MSP", "IN_SESSION", "2027-09-13", "2027-09-16")
        .await;
    let n = step(&app, &cast.presidency, "declineNomination", &n).await;
    assert_eq!(n["state"], "NOT_SELECTED");
    assert_eq!(n["mandate"], Value::Null);
    assert!(
        n["agendaItem"]["decision"]
            .as_str()
            .expect("decision")
            .contains("SWE not selected")
    );
    app.stop().await;
}

async fn every_refusal_is_typed(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let input = json!({ "input": { "position": "UNIVERSALIZATION", "state": "NOR", "meetingId": meeting } });

    // No token.
    let code = app.error_code(&propose_query(), input.clone()).await;
    assert_eq!(code, "UNAUTHENTICATED");
    // A bad token is refused outright, never taken as anonymous.
    let (status, body) = app
        .post_as("not.a.token", "{ me { subject } }", json!({}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let foreign = ccm_committee::auth::token::Keys::new(b"somebody-elses-secret")
        .mint(
            "x",
            Role::Admin,
            None,
            None,
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        )
        .expect("mint");
    let (status, _) = app.post_as(&foreign, "{ me { subject } }", json!({})).await;
    assert_eq!(status, 401);
    let me = app
        .as_ok(
            &cast.nor,
            "{ me { subject role state { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["me"],
        json!({ "subject": "nor-delegate", "role": "DELEGATE", "state": { "code": "NOR" } })
    );

    // An observer may not propose.
    let observer = token("icrc", Role::Observer, None);
    let err = app.as_err(&observer, &propose_query(), input.clone()).await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");

    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    // A delegate may not open consultations.
    let err = step_err(&app, &cast.nor, "openConsultation", &n).await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");
    // Endorsing a draft is no transition.
    let err = step_err(&app, &cast.presidency, "endorseNomination", &n).await;
    assert_eq!(err["extensions"]["code"], "INVALID_TRANSITION");
    assert_eq!(err["extensions"]["state"], "DRAFT");
    assert_eq!(
        err["extensions"]["allowedEvents"],
        json!(["submit", "withdraw"])
    );
    // A stale version.
    let stale = json!({ "nominationId": n["id"], "expectedVersion": 7 });
    let err = app
        .as_err(
            &cast.nor,
            &move_query("submitNomination", "TransitionInput"),
            json!({ "input": stale }),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "CONFLICT");
    assert_eq!(err["extensions"]["currentVersion"], 1);
    // A second open nomination of the same State for the same position and term.
    let err = app.as_err(&cast.nor, &propose_query(), input.clone()).await;
    assert_eq!(err["extensions"]["code"], "GUARD_FAILED");
    assert_eq!(err["extensions"]["guard"], "noDuplicate");
    // A signatory (Angola) and a State whose withdrawal is effective (Lithuania).
    for (code, who) in [("AGO", "ago-delegate"), ("LTU", "ltu-delegate")] {
        let t = token(who, Role::Delegate, Some(code));
        let input =
            json!({ "input": { "position": "CLEARANCE", "state": code, "meetingId": meeting } });
        let err = app.as_err(&t, &propose_query(), input).await;
        assert_eq!(err["extensions"]["code"], "GUARD_FAILED", "{code}");
        assert_eq!(err["extensions"]["guard"], "stateParty");
    }
    // A delegate proposes for its own State only.
    let input =
        json!({ "input": { "position": "CLEARANCE", "state": "SWE", "meetingId": meeting } });
    let err = app.as_err(&cast.nor, &propose_query(), input).await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");
    // A delegation responds for its own State only; the presidency does not respond.
    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    let n = step(&app, &cast.presidency, "openConsultation", &n).await;
    let q = "mutation($input: ConsultationResponseInput!) { recordConsultationResponse(input: $input) { id } }";
    let err = app
        .as_err(
            &cast.presidency,
            q,
            json!({ "input": { "nominationId": n["id"], "stance": "SUPPORT" } }),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");
    // Unknown things.
    let input = json!({ "input": { "position": "CHAIR", "state": "NOR", "meetingId": meeting } });
    assert_eq!(
        app.as_err(&cast.nor, &propose_query(), input).await["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    let ghost = json!({ "nominationId": "Tm9taW5hdGlvbjo5OTk5", "expectedVersion": 1 });
    let err = app
        .as_err(
            &cast.nor,
            &move_query("submitNomination", "TransitionInput"),
            json!({ "input": ghost }),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "NOT_FOUND");
    app.stop().await;
}

async fn fifty_simultaneous_firings_one_winner(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    let query = move_query("submitNomination", "TransitionInput");
    let input = json!({ "input": { "nominationId": n["id"], "expectedVersion": 1 } });
    let attempts = (0..50).map(|_| app.post_as(&cast.nor, &query, input.clone()));
    let results = futures_util::future::join_all(attempts).await;
    let mut won = 0;
    let mut conflicts = 0;
    for (status, body) in &results {
        assert_eq!(*status, 200, "{body}");
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => won += 1,
            Some("CONFLICT") => conflicts += 1,
            Some(other) => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((won, conflicts), (1, 49));
    let data = app
        .query(
            "query($id: ID!) { nomination(id: $id) { version state history { seq } } }",
            json!({ "id": n["id"] }),
        )
        .await;
    assert_eq!(data["nomination"]["version"], 2);
    assert_eq!(data["nomination"]["state"], "SUBMITTED");
    assert_eq!(
        data["nomination"]["history"],
        json!([{ "seq": 1 }, { "seq": 2 }]),
        "no gap, no duplicate"
    );
    app.stop().await;
}

async fn an_idempotent_retry_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let propose_input = json!({ "input": {
        "position": "UNIVERSALIZATION", "state": "NOR", "meetingId": meeting, "idempotencyKey": "p-1"
    } });
    let first = app
        .as_ok(&cast.nor, &propose_query(), propose_input.clone())
        .await["proposeNomination"]
        .clone();
    let again =
        app.as_ok(&cast.nor, &propose_query(), propose_input).await["proposeNomination"].clone();
    assert_eq!(first["id"], again["id"], "one nomination, not two");

    let query = move_query("submitNomination", "TransitionInput");
    let input = json!({ "input": { "nominationId": first["id"], "expectedVersion": 1, "idempotencyKey": "s-1" } });
    let submitted = app.as_ok(&cast.nor, &query, input.clone()).await["submitNomination"].clone();
    assert_eq!(submitted["version"], 2);
    let retried = app.as_ok(&cast.nor, &query, input).await["submitNomination"].clone();
    assert_eq!(retried["version"], 2, "the retry returns the first result");
    assert_eq!(retried["history"].as_array().expect("history").len(), 2);

    let other = json!({ "input": { "nominationId": first["id"], "expectedVersion": 1, "idempotencyKey": "s-1", "note": "changed" } });
    let err = app.as_err(&cast.nor, &query, other).await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
    let count = app.query("{ nominations { totalCount } }", json!({})).await;
    assert_eq!(count["nominations"]["totalCount"], 1);
    app.stop().await;
}

async fn a_slate_is_adopted_whole_or_not_at_all(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let a = to_agenda(&app, &cast, "UNIVERSALIZATION", "NOR", &meeting).await;
    let b = to_agenda(&app, &cast, "VICTIM_ASSISTANCE", "SWE", &meeting).await;
    assert_eq!(a["agendaItem"]["id"], b["agendaItem"]["id"], "one slate");
    app.set_meeting("14MSP", "IN_SESSION", "2027-09-13", "2027-09-16")
        .await;
    let q = format!(
        "mutation($item: ID!, $versions: [NominationVersionInput!]!) {{ adoptSlate(input: {{ agendaItemId: $item, expectedVersions: $versions }}) {{ {FIELDS} }} }}"
    );
    let stale = json!({ "item": a["agendaItem"]["id"], "versions": [
        { "nominationId": a["id"], "expectedVersion": a["version"] },
        { "nominationId": b["id"], "expectedVersion": 1 },
    ] });
    let err = app.as_err(&cast.presidency, &q, stale).await;
    assert_eq!(err["extensions"]["code"], "CONFLICT");
    let check = app
        .query(
            "query($id: ID!) { nomination(id: $id) { state } }",
            json!({ "id": a["id"] }),
        )
        .await;
    assert_eq!(check["nomination"]["state"], "ON_AGENDA", "none selected");

    let versions = json!({ "item": a["agendaItem"]["id"], "versions": [
        { "nominationId": a["id"], "expectedVersion": a["version"] },
        { "nominationId": b["id"], "expectedVersion": b["version"] },
    ] });
    let adopted = app.as_ok(&cast.presidency, &q, versions).await["adoptSlate"].clone();
    let states: Vec<&str> = adopted
        .as_array()
        .expect("list")
        .iter()
        .map(|n| n["state"].as_str().expect("state"))
        .collect();
    assert_eq!(states, ["SELECTED", "SELECTED"]);
    app.stop().await;
}

async fn a_renewable_mandate_is_renewed_by_a_meeting(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    set_policy(
        &app,
        "REPORTING",
        json!({ "minResponses": 1, "minRegionalGroups": 1 }),
    )
    .await;
    let first = add_meeting(&app, "14MSP", "IN_SESSION", "2027-09-13", "2027-09-16").await;
    let n = to_agenda(&app, &cast, "REPORTING", "NZL", &first).await;
    let n = step(&app, &cast.presidency, "selectNomination", &n).await;
    assert_eq!(n["mandate"]["endsOn"], "2028-09-16", "one year");
    let mandate_id = app
        .query(r#"{ mandates(filter: { position: "REPORTING", state: "NZL", activeAt: "2028-01-01" }) { edges { node { id } } } }"#, json!({}))
        .await["mandates"]["edges"][0]["node"]["id"]
        .clone();

    let second = add_meeting(&app, "15MSP", "PLANNED", "2028-09-11", "2028-09-14").await;
    let nzl = token("nzl-delegate", Role::Delegate, Some("NZL"));
    let q = format!(
        "mutation($input: ProposeRenewalInput!) {{ proposeRenewal(input: $input) {{ {FIELDS} }} }}"
    );
    let r = app
        .as_ok(
            &nzl,
            &q,
            json!({ "input": { "mandateId": mandate_id, "meetingId": second } }),
        )
        .await["proposeRenewal"]
        .clone();
    assert_eq!(r["kind"], "RENEWAL");
    assert_eq!(r["state"], "ENDORSED", "a renewal needs no consultation");
    assert_eq!(r["termStartsOn"], "2028-09-16");
    let r = step(&app, &cast.presidency, "placeNominationOnAgenda", &r).await;
    app.set_meeting("15MSP", "IN_SESSION", "2028-09-11", "2028-09-14")
        .await;
    let r = step(&app, &cast.presidency, "selectNomination", &r).await;
    assert_eq!(r["state"], "SELECTED");
    assert_eq!(r["mandate"]["renews"]["id"], mandate_id);
    assert_eq!(r["mandate"]["endsOn"], "2029-09-16");

    // A two-year thematic mandate is not renewable.
    let m = app
        .query(r#"{ mandates(filter: { position: "UNIVERSALIZATION", state: "NOR" }) { edges { node { id } } } }"#, json!({}))
        .await["mandates"]["edges"][0]["node"]["id"]
        .clone();
    let err = app
        .as_err(
            &cast.presidency,
            &q,
            json!({ "input": { "mandateId": m, "meetingId": second } }),
        )
        .await;
    assert_eq!(err["extensions"]["guard"], "renewable");
    app.stop().await;
}

async fn the_workflow_describes_itself(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .query(
            r#"{ workflow(name: "nomination") { name version states { name isFinal } transitions { from event to roles guards } mermaid } }"#,
            json!({}),
        )
        .await;
    let w = &data["workflow"];
    assert_eq!(w["name"], "nomination");
    assert_eq!(w["states"].as_array().expect("states").len(), 9);
    let mermaid = w["mermaid"].as_str().expect("mermaid");
    assert!(mermaid.starts_with("stateDiagram-v2"));
    assert!(mermaid.contains("DRAFT --> SUBMITTED: submit"));
    assert!(
        mermaid.contains("ON_AGENDA --> SELECTED: select [meetingInSession, stateParty, seatFree]")
    );
    let endorse = w["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .find(|t| t["event"] == "endorse")
        .expect("endorse");
    assert_eq!(endorse["roles"], json!(["PRESIDENCY", "ADMIN"]));
    let none = app
        .query(r#"{ workflow(name: "nothing") { name } }"#, json!({}))
        .await;
    assert_eq!(none["workflow"], Value::Null);
    app.stop().await;
}

async fn inclusiveness_warns_and_never_blocks(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let _nor = propose(&app, &cast.nor, "GENERAL_STATUS", "NOR", &meeting).await;
    let swe = propose(&app, &cast.swe, "GENERAL_STATUS", "SWE", &meeting).await;
    let data = app
        .query(
            "query($id: ID!) { nomination(id: $id) { inclusiveness { warnings regionalGroups } } }",
            json!({ "id": swe["id"] }),
        )
        .await;
    let inc = &data["nomination"]["inclusiveness"];
    assert_eq!(
        inc["regionalGroups"],
        json!(["WESTERN_EUROPEAN_OTHERS", "WESTERN_EUROPEAN_OTHERS"])
    );
    assert!(
        inc["warnings"][0]
            .as_str()
            .expect("warning")
            .contains("NOR")
    );
    let submitted = step(&app, &cast.swe, "submitNomination", &swe).await;
    assert_eq!(submitted["state"], "SUBMITTED", "a warning does not block");
    let position = app
        .query(r#"{ position(code: "GENERAL_STATUS") { inclusiveness(asOf: "2027-10-01") { warnings } } }"#, json!({}))
        .await;
    assert_eq!(
        position["position"]["inclusiveness"]["warnings"],
        json!(["NOR, SWE are all of the WESTERN_EUROPEAN_OTHERS group for this position's seats"])
    );
    let balanced = app
        .query(r#"{ position(code: "GENERAL_STATUS") { inclusiveness(asOf: "2014-12-01") { regionalGroups } } }"#, json!({}))
        .await;
    assert!(
        balanced["position"]["inclusiveness"]["regionalGroups"]
            .as_array()
            .expect("groups")
            .contains(&json!("ASIA_PACIFIC")),
        "Lebanon held a seat in 2014: {balanced}"
    );
    app.stop().await;
}

crate::on_both_databases!(
    a_nomination_goes_from_proposal_to_selection,
    return_withdraw_and_decline,
    every_refusal_is_typed,
    fifty_simultaneous_firings_one_winner,
    an_idempotent_retry_changes_nothing,
    a_slate_is_adopted_whole_or_not_at_all,
    a_renewable_mandate_is_renewed_by_a_meeting,
    the_workflow_describes_itself,
    inclusiveness_warns_and_never_blocks,
);
