//! The committee's month, on both databases: a committee meeting carried
//! from scheduling (members invited from the composition on its date, a
//! guest invited) through apologies, attendance, the adopted agenda with an
//! additional item, a decision and an action point, to minutes drafted,
//! circulated, approved at the next committee meeting and published; the
//! action point followed up and closed there; the printed record and the
//! calendar feed; a subscriber that sees every step in order and resumes
//! after a disconnect. Each refusal of the issue has its test here, and the
//! rules that parallel requests could break are raced.

use std::collections::BTreeSet;
use std::time::Duration;

use ccm_committee::auth::Role;
use chrono::TimeZone;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with, token};
use crate::ws;

const WAIT: Duration = Duration::from_secs(5);

fn fast(c: &mut ccm_committee::config::Config) {
    c.live.timer_poll_ms = 25;
    c.live.event_poll_ms = 100;
}

fn isu() -> String {
    token("isu-secretary", Role::Presidency, None)
}

const MEETING: &str = "id code number version status startsAt endsAt venue format sequence agendaAdoptedAt
  invitations { id capacity attendance delegates label state { code } organization { code } guestName positions { code } }
  agenda { id order title kind standing decisions { kind text } actionPoints { id text status version } }";

async fn schedule(app: &TestApp, code: &str, day: &str) -> Value {
    let q = format!(
        "mutation($input: ScheduleMeetingInput!) {{ scheduleMeeting(input: $input) {{ {MEETING} }} }}"
    );
    let input = json!({ "code": code, "kind": "COORDINATION_COMMITTEE", "startsOn": day, "endsOn": day,
        "startTime": "15:00", "endTime": "17:00", "timeZone": "Europe/Zurich",
        "venue": "Permanent Mission of the Lao People's Democratic Republic, Geneva",
        "city": "Geneva", "format": "HYBRID" });
    app.as_ok(&isu(), &q, json!({ "input": input })).await["scheduleMeeting"].clone()
}

async fn meeting(app: &TestApp, code: &str) -> Value {
    let q = format!("query($code: String) {{ meeting(code: $code) {{ {MEETING} }} }}");
    app.as_ok(&isu(), &q, json!({ "code": code })).await["meeting"].clone()
}

async fn set_status(app: &TestApp, m: &Value, mutation: &str) -> Value {
    let q = format!(
        "mutation($input: MeetingVersionInput!) {{ {mutation}(input: $input) {{ {MEETING} }} }}"
    );
    let input = json!({ "meetingId": m["id"], "expectedVersion": m["version"] });
    app.as_ok(&isu(), &q, json!({ "input": input })).await[mutation].clone()
}

fn item<'a>(m: &'a Value, kind: &str) -> &'a Value {
    m["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} item in {m}"))
}

fn code_of(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or("")
}

/// The States holding a seat on `day`, by the API's own composition.
async fn members_on(app: &TestApp, day: &str) -> BTreeSet<String> {
    let data = app
        .query(
            "query($d: Date) { committee(asOf: $d) { positions { holders { state { code } } } } }",
            json!({ "d": day }),
        )
        .await;
    data["committee"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .flat_map(|p| p["holders"].as_array().cloned().unwrap_or_default())
        .filter_map(|h| h["state"]["code"].as_str().map(str::to_owned))
        .collect()
}

const MINUTES: &str = "id state version allowedEvents approvedAt { code }
  items { agendaItem { id kind } text html revision nonAttributable revisions { revision author } }
  history { event to }";

const UPDATES: &str = r#"subscription($id: ID!, $after: String) {
  meetingUpdates(meetingId: $id, after: $after) { cursor kind payload }
}"#;

/// Every update of a meeting's feed after `after`, until none comes for a moment.
async fn drain(app: &TestApp, token: Option<&str>, id: &Value, after: &str) -> Vec<Value> {
    let mut client = ws::connect(&app.address, "graphql-transport-ws", token)
        .await
        .expect("connect");
    client
        .subscribe("1", UPDATES, json!({ "id": id, "after": after }))
        .await;
    let mut out = Vec::new();
    while let Some(payload) = client.next_result(Duration::from_millis(1500)).await {
        assert!(payload.get("errors").is_none(), "{payload}");
        out.push(payload["data"]["meetingUpdates"].clone());
    }
    out
}

fn kinds(updates: &[Value]) -> Vec<String> {
    updates
        .iter()
        .map(|u| u["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn a_committee_month_from_scheduling_to_published_minutes(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let presidency = isu();
    let anonymous = "";

    // A. Scheduling: hours, venue, format, number; invitations from the composition.
    let first = schedule(&app, "CC-2026-11", "2026-11-26").await;
    assert_eq!(first["number"], 1, "{first}");
    assert_eq!(first["startsAt"], "2026-11-26T15:00:00+01:00");
    assert_eq!(first["format"], "HYBRID");
    let members = members_on(&app, "2026-11-26").await;
    assert!(!members.is_empty(), "the reference composition has members");
    let invited: BTreeSet<String> = first["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .filter(|i| i["capacity"] == "MEMBER")
        .map(|i| i["state"]["code"].as_str().expect("a State").to_owned())
        .collect();
    assert_eq!(invited, members, "one invitation per member State");
    let organizations: BTreeSet<(String, String)> = first["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .filter(|i| i["capacity"] != "MEMBER")
        .map(|i| {
            (
                i["capacity"].as_str().unwrap_or("").to_owned(),
                i["organization"]["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("OBSERVER", "CMC"),
        ("OBSERVER", "ICRC"),
        ("OBSERVER", "UN"),
        ("SECRETARIAT", "ISU"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(organizations, expected);
    let standing: Vec<&str> = first["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .map(|i| i["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        standing,
        [
            "AGENDA_ADOPTION",
            "MINUTES_APPROVAL",
            "ACTION_POINTS_FOLLOW_UP",
            "GENERAL",
            "GENERAL"
        ]
    );
    let second = schedule(&app, "CC-2026-12", "2026-12-17").await;
    assert_eq!(second["number"], 2);

    // A subscriber follows the first meeting from its start.
    let mut early = ws::connect(&app.address, "graphql-transport-ws", Some(&presidency))
        .await
        .expect("connect");
    early
        .subscribe("1", UPDATES, json!({ "id": first["id"], "after": "0" }))
        .await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let payload = early.next_result(WAIT).await.expect("an update");
        seen.push(payload["data"]["meetingUpdates"].clone());
    }
    assert_eq!(kinds(&seen), ["MEETING_SCHEDULED", "INVITATIONS_CHANGED"]);

    // Others called upon to assist: a guest.
    let q = "mutation($input: InviteToMeetingInput!) { inviteToMeeting(input: $input) { id capacity guestName label } }";
    let guest = app
        .as_ok(
            &presidency,
            q,
            json!({ "input": { "meetingId": first["id"], "guestName": "Dr A. Expert",
                "guestAffiliation": "GICHD", "purpose": "clearance methods" } }),
        )
        .await["inviteToMeeting"][0]
        .clone();
    assert_eq!(guest["capacity"], "INVITED");
    assert_eq!(guest["label"], "Dr A. Expert (GICHD)");
    // A delegate may not invite.
    let member = members.iter().next().expect("a member").clone();
    let other = members.iter().nth(1).expect("a second member").clone();
    let delegate = token("delegate", Role::Delegate, Some(&member));
    let error = app
        .as_err(
            &delegate,
            q,
            json!({ "input": { "meetingId": first["id"], "guestName": "Someone" } }),
        )
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN");

    // Apologies: by the member's own delegation; not for another State.
    let invitation_of = |m: &Value, state: &str| -> Value {
        m["invitations"]
            .as_array()
            .expect("invitations")
            .iter()
            .find(|i| i["state"]["code"] == state)
            .expect("invited")
            .clone()
    };
    let mine = invitation_of(&first, &member);
    let theirs = invitation_of(&first, &other);
    let apologies = "mutation($input: SendApologiesInput!) { sendApologies(input: $input) { invitations { id attendance } } }";
    let error = app
        .as_err(
            &delegate,
            apologies,
            json!({ "input": { "invitationId": theirs["id"] } }),
        )
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN", "{error}");
    app.as_ok(
        &delegate,
        apologies,
        json!({ "input": { "invitationId": mine["id"] } }),
    )
    .await;
    // An observer sends its own.
    let icrc = token("icrc", Role::Observer, None);
    let icrc_invitation = first["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .find(|i| i["organization"]["code"] == "ICRC")
        .expect("ICRC invited")
        .clone();
    app.as_ok(
        &icrc,
        apologies,
        json!({ "input": { "invitationId": icrc_invitation["id"] } }),
    )
    .await;

    // Attendance is recorded once the meeting sits.
    let attendance = format!(
        "mutation($input: RecordAttendanceInput!) {{ recordAttendance(input: $input) {{ {MEETING} }} }}"
    );
    let now = meeting(&app, "CC-2026-11").await;
    let error = app
        .as_err(
            &presidency,
            &attendance,
            json!({ "input": { "meetingId": now["id"], "expectedVersion": now["version"], "entries": [] } }),
        )
        .await;
    assert_eq!(code_of(&error), "GUARD_FAILED");
    assert_eq!(error["extensions"]["guard"], "meetingStarted", "{error}");

    let open = set_status(&app, &now, "openMeeting").await;
    // The agenda, adopted with an additional item (before any other business).
    let adopt = format!(
        "mutation($input: AdoptAgendaInput!) {{ adoptAgenda(input: $input) {{ {MEETING} }} }}"
    );
    let adopted = app
        .as_ok(
            &presidency,
            &adopt,
            json!({ "input": { "meetingId": open["id"], "expectedVersion": open["version"],
                "additionalItems": ["Preparation of the Third Review Conference"] } }),
        )
        .await["adoptAgenda"]
        .clone();
    let titles: Vec<&str> = adopted["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .map(|i| i["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(titles.len(), 6);
    assert_eq!(titles[4], "Preparation of the Third Review Conference");
    assert_eq!(titles[5], "Any other business");
    assert!(
        item(&adopted, "AGENDA_ADOPTION")["decisions"][0]["text"]
            .as_str()
            .expect("a decision")
            .contains("Preparation of the Third Review Conference")
    );
    let error = app
        .as_err(
            &presidency,
            &adopt,
            json!({ "input": { "meetingId": open["id"], "expectedVersion": adopted["version"] } }),
        )
        .await;
    assert_eq!(error["extensions"]["guard"], "notYetAdopted");

    // A decision on the additional item.
    let extra = adopted["agenda"][4].clone();
    let decide = "mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { id kind text meeting { code } } }";
    let decision = app
        .as_ok(
            &presidency,
            decide,
            json!({ "input": { "agendaItemId": extra["id"], "expectedVersion": adopted["version"],
                "kind": "REQUESTED", "text": "The Coordinators on Universalization to prepare a working paper for the Third Review Conference." } }),
        )
        .await["recordDecision"]
        .clone();
    assert_eq!(decision["kind"], "REQUESTED");
    let too_long = "x".repeat(4001);
    let now = meeting(&app, "CC-2026-11").await;
    let error = app
        .as_err(
            &presidency,
            decide,
            json!({ "input": { "agendaItemId": extra["id"], "expectedVersion": now["version"],
                "kind": "AGREED", "text": too_long } }),
        )
        .await;
    assert_eq!(code_of(&error), "BAD_USER_INPUT");

    // An action point: not due before its meeting; owned by a position.
    let add = "mutation($input: AddActionPointInput!) { addActionPoint(input: $input) { id text status version dueOn ownerKind ownerPosition { code } answerable { state { code } } } }";
    let error = app
        .as_err(
            &presidency,
            add,
            json!({ "input": { "agendaItemId": extra["id"], "text": "Circulate the paper",
                "owner": { "position": "UNIVERSALIZATION" }, "dueOn": "2026-11-01" } }),
        )
        .await;
    assert_eq!(error["extensions"]["guard"], "dueAfterMeeting", "{error}");
    let point = app
        .as_ok(
            &presidency,
            add,
            json!({ "input": { "agendaItemId": extra["id"], "text": "Circulate the working paper",
                "owner": { "position": "UNIVERSALIZATION" }, "dueOn": "2026-12-10" } }),
        )
        .await["addActionPoint"]
        .clone();
    assert_eq!(point["status"], "OPEN");
    assert_eq!(point["ownerPosition"]["code"], "UNIVERSALIZATION");

    // Attendance for all at once: the members present with delegates, the guest present.
    let now = meeting(&app, "CC-2026-11").await;
    let mut entries = Vec::new();
    for i in now["invitations"].as_array().expect("invitations") {
        if i["capacity"] == "MEMBER" && i["state"]["code"] != member.as_str() {
            entries.push(json!({ "invitationId": i["id"], "attendance": "PRESENT",
                "delegates": [format!("Delegate of {}", i["state"]["code"].as_str().unwrap_or(""))] }));
        }
        if i["capacity"] == "SECRETARIAT" || i["guestName"] == "Dr A. Expert" {
            entries.push(
                json!({ "invitationId": i["id"], "attendance": "PRESENT", "delegates": ["Ms B. Writer"] }),
            );
        }
    }
    let recorded = app
        .as_ok(
            &presidency,
            &attendance,
            json!({ "input": { "meetingId": now["id"], "expectedVersion": now["version"], "entries": entries } }),
        )
        .await["recordAttendance"]
        .clone();
    let by = |m: &Value, pick: &dyn Fn(&Value) -> bool| -> String {
        m["invitations"]
            .as_array()
            .expect("invitations")
            .iter()
            .find(|i| pick(i))
            .map(|i| i["attendance"].as_str().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    assert_eq!(
        by(&recorded, &|i| i["state"]["code"] == member.as_str()),
        "APOLOGIES_RECEIVED"
    );
    assert_eq!(
        by(&recorded, &|i| i["organization"]["code"] == "ICRC"),
        "APOLOGIES_RECEIVED"
    );
    assert_eq!(
        by(&recorded, &|i| i["organization"]["code"] == "UN"),
        "ABSENT"
    );
    assert_eq!(
        by(&recorded, &|i| i["guestName"] == "Dr A. Expert"),
        "PRESENT"
    );

    // An informal, closed meeting: its public record names no State where
    // the ISU marks a text non-attributable.
    let q = format!(
        "mutation($input: UpdateMeetingInput!) {{ updateMeeting(input: $input) {{ {MEETING} }} }}"
    );
    let recorded = app
        .as_ok(
            &presidency,
            &q,
            json!({ "input": { "meetingId": recorded["id"], "expectedVersion": recorded["version"], "closed": true } }),
        )
        .await["updateMeeting"]
        .clone();
    let concluded = set_status(&app, &recorded, "concludeMeeting").await;
    // A decision on a concluded meeting is refused.
    let error = app
        .as_err(
            &presidency,
            decide,
            json!({ "input": { "agendaItemId": extra["id"], "expectedVersion": concluded["version"],
                "kind": "AGREED", "text": "Too late" } }),
        )
        .await;
    assert_eq!(code_of(&error), "INVALID_TRANSITION", "{error}");

    // B. The minutes: drafted by the ISU, one text per item, each save a revision.
    let start = format!(
        "mutation($input: StartMinutesInput!) {{ startMinutes(input: $input) {{ {MINUTES} }} }}"
    );
    let minutes = app
        .as_ok(
            &presidency,
            &start,
            json!({ "input": { "meetingId": first["id"] } }),
        )
        .await["startMinutes"]
        .clone();
    assert_eq!(minutes["state"], "DRAFT");
    let save = format!(
        "mutation($input: SaveMinutesItemInput!) {{ saveMinutesItem(input: $input) {{ {MINUTES} }} }}"
    );
    let text = "The President presented the agenda. **The Netherlands** proposed a working paper.\n\n<script>alert(1)</script>";
    let saved = app
        .as_ok(
            &presidency,
            &save,
            json!({ "input": { "minutesId": minutes["id"], "agendaItemId": extra["id"],
                "expectedRevision": 0, "text": text, "nonAttributable": true } }),
        )
        .await["saveMinutesItem"]
        .clone();
    let written = saved["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["agendaItem"]["id"] == extra["id"])
        .expect("the item")
        .clone();
    assert_eq!(written["revision"], 1);
    assert!(
        written["html"]
            .as_str()
            .expect("html")
            .contains("<strong>The Netherlands</strong>")
    );
    assert!(!written["html"].as_str().expect("html").contains("<script"));
    let error = app
        .as_err(
            &presidency,
            &save,
            json!({ "input": { "minutesId": minutes["id"], "agendaItemId": extra["id"],
                "expectedRevision": 0, "text": "a stale save" } }),
        )
        .await;
    assert_eq!(code_of(&error), "CONFLICT");
    let error = app
        .as_err(
            &presidency,
            &save,
            json!({ "input": { "minutesId": minutes["id"], "agendaItemId": extra["id"],
                "expectedRevision": 1, "text": "y".repeat(20_001) } }),
        )
        .await;
    assert_eq!(code_of(&error), "BAD_USER_INPUT");

    // Drafts are for invitees: refused to anonymous readers and to a State
    // not invited, without saying whether a draft exists.
    let read = format!("query($id: ID!) {{ minutes(meetingId: $id) {{ {MINUTES} }} }}");
    let (_, body) = app.post(&read, json!({ "id": first["id"] })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    let (_, body) = app.post(&read, json!({ "id": second["id"] })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "no minutes at all reads the same: {body}"
    );
    let outsider = ["AUT", "IRL", "NZL", "MEX", "BEL"]
        .into_iter()
        .find(|c| !members.contains(*c))
        .expect("a State outside the committee");
    let stranger = token("stranger", Role::Delegate, Some(outsider));
    let error = app
        .as_err(&stranger, &read, json!({ "id": first["id"] }))
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN");
    let seen_by_member = app
        .as_ok(&delegate, &read, json!({ "id": first["id"] }))
        .await;
    assert_eq!(seen_by_member["minutes"]["state"], "DRAFT");

    // Circulated; approval at the meeting they record is refused.
    let circulate = format!(
        "mutation($input: CirculateMinutesInput!) {{ circulateMinutes(input: $input) {{ {MINUTES} }} }}"
    );
    let circulated = app
        .as_ok(
            &presidency,
            &circulate,
            json!({ "input": { "minutesId": minutes["id"], "expectedVersion": 1 } }),
        )
        .await["circulateMinutes"]
        .clone();
    assert_eq!(circulated["state"], "CIRCULATED");
    let error = app
        .as_err(
            &presidency,
            &save,
            json!({ "input": { "minutesId": minutes["id"], "agendaItemId": extra["id"],
                "expectedRevision": 1, "text": "after circulation" } }),
        )
        .await;
    assert_eq!(code_of(&error), "INVALID_TRANSITION");
    let approve = format!(
        "mutation($input: ApproveMinutesInput!) {{ approveMinutes(input: $input) {{ {MINUTES} }} }}"
    );
    let error = app
        .as_err(
            &presidency,
            &approve,
            json!({ "input": { "minutesId": minutes["id"], "expectedVersion": 2, "meetingId": first["id"] } }),
        )
        .await;
    assert_eq!(code_of(&error), "GUARD_FAILED");
    assert_eq!(
        error["extensions"]["guard"],
        "laterCommitteeMeetingInSession"
    );
    // Nor by a delegate (the role is checked first).
    let error = app
        .as_err(
            &delegate,
            &approve,
            json!({ "input": { "minutesId": minutes["id"], "expectedVersion": 2, "meetingId": second["id"] } }),
        )
        .await;
    assert_eq!(code_of(&error), "FORBIDDEN");

    // The subscriber drops here; it resumes later from its last cursor.
    for _ in 0..200 {
        match early.next_result(Duration::from_millis(500)).await {
            Some(payload) => seen.push(payload["data"]["meetingUpdates"].clone()),
            None => break,
        }
    }
    drop(early);

    // C. The next committee meeting: the action point on its follow-up item.
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 17, 13, 0, 0)
            .single()
            .expect("date"),
    );
    let next = set_status(&app, &meeting(&app, "CC-2026-12").await, "openMeeting").await;
    let follow_up = item(&next, "ACTION_POINTS_FOLLOW_UP");
    assert_eq!(
        follow_up["actionPoints"][0]["text"], "Circulate the working paper",
        "{next}"
    );
    let approved = app
        .as_ok(
            &presidency,
            &approve,
            json!({ "input": { "minutesId": minutes["id"], "expectedVersion": 2, "meetingId": next["id"] } }),
        )
        .await["approveMinutes"]
        .clone();
    assert_eq!(approved["state"], "APPROVED");
    assert_eq!(approved["approvedAt"]["code"], "CC-2026-12");
    let next = meeting(&app, "CC-2026-12").await;
    assert!(
        item(&next, "MINUTES_APPROVAL")["decisions"][0]["text"]
            .as_str()
            .expect("the approval")
            .contains("approved as a correct record")
    );
    let close = "mutation($input: CloseActionPointInput!) { closeActionPoint(input: $input) { status version closedNote closedAtMeeting { code } } }";
    let closed = app
        .as_ok(
            &presidency,
            close,
            json!({ "input": { "actionPointId": point["id"], "expectedVersion": 1, "status": "DONE",
                "note": "circulated on 9 December", "meetingId": next["id"] } }),
        )
        .await["closeActionPoint"]
        .clone();
    assert_eq!(closed["status"], "DONE");
    assert_eq!(closed["closedAtMeeting"]["code"], "CC-2026-12");
    let error = app
        .as_err(
            &presidency,
            close,
            json!({ "input": { "actionPointId": point["id"], "expectedVersion": 1, "status": "DROPPED" } }),
        )
        .await;
    assert_eq!(code_of(&error), "CONFLICT");
    let next = meeting(&app, "CC-2026-12").await;
    assert_eq!(
        item(&next, "ACTION_POINTS_FOLLOW_UP")["actionPoints"][0]["status"],
        "DONE",
        "closed at this meeting, still on its follow-up"
    );

    // Published: public, and the closed meeting's non-attributable text
    // names no State for the public; invitees read it as written.
    let publish = format!(
        "mutation($input: MoveMinutesInput!) {{ publishMinutes(input: $input) {{ {MINUTES} }} }}"
    );
    app.as_ok(
        &presidency,
        &publish,
        json!({ "input": { "minutesId": minutes["id"], "expectedVersion": 3 } }),
    )
    .await;
    let public = app.query(&read, json!({ "id": first["id"] })).await;
    assert_eq!(public["minutes"]["state"], "PUBLISHED");
    let history: Vec<&str> = public["minutes"]["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["event"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(history, ["draft", "circulate", "approve", "publish"]);
    let public_text = public["minutes"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["agendaItem"]["id"] == extra["id"])
        .expect("the item")["text"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(!public_text.contains("Netherlands"), "{public_text}");
    assert!(public_text.contains("a delegation"), "{public_text}");
    let invitee = app
        .as_ok(&delegate, &read, json!({ "id": first["id"] }))
        .await;
    assert!(invitee.to_string().contains("The Netherlands"));

    // The decision register, across meetings.
    let register = app
        .query(
            "query($f: DecisionFilter) { decisions(filter: $f) { totalCount edges { node { text meeting { code } } } } }",
            json!({ "f": { "search": "CORRECT RECORD", "meetingKinds": ["COORDINATION_COMMITTEE"] } }),
        )
        .await;
    assert_eq!(register["decisions"]["totalCount"], 1);
    assert_eq!(
        register["decisions"]["edges"][0]["node"]["meeting"]["code"],
        "CC-2026-12"
    );

    // D. The printed record.
    let record = app
        .client
        .get(app.url("/meetings/CC-2026-11/record"))
        .send()
        .await
        .expect("record");
    assert_eq!(record.status(), 200);
    let html = record.text().await.expect("html");
    for expected in [
        "1st Coordination Committee meeting of 2026",
        "PRESENT",
        "APOLOGIES RECEIVED",
        "ABSENT",
        "Ms B. Writer",
        "Preparation of the Third Review Conference",
        "<strong>a delegation</strong>",
        "Circulate the working paper",
        "@media print",
    ] {
        assert!(
            html.contains(expected),
            "the record shows {expected}: {html}"
        );
    }
    assert!(!html.contains("<script"), "no script in the record");
    assert!(
        !html.contains("Netherlands"),
        "the public record of a closed meeting names no State"
    );

    // The calendar feed: stable UIDs, hours in the zone, SEQUENCE raised by a move.
    let ics = |app: &TestApp| {
        let url = app.url("/calendar.ics?kinds=COORDINATION_COMMITTEE");
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("feed")
                .text()
                .await
                .expect("text")
        }
    };
    let feed = ics(&app).await;
    assert!(feed.contains("BEGIN:VTIMEZONE"), "{feed}");
    assert!(
        feed.contains("DTSTART;TZID=Europe/Zurich:20261126T150000"),
        "{feed}"
    );
    assert!(
        !feed.contains("Meeting of States Parties"),
        "filtered: {feed}"
    );
    let third = schedule(&app, "CC-2027-01", "2027-01-21").await;
    let uid = format!("UID:meeting-{}", {
        let raw = third["id"].as_str().expect("id");
        use base64::Engine;
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .expect("an ID");
        String::from_utf8(decoded)
            .expect("utf-8")
            .rsplit(':')
            .next()
            .expect("its number")
            .to_owned()
    });
    let q = "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { sequence } }";
    let moved = app
        .as_ok(
            &presidency,
            q,
            json!({ "input": { "meetingId": third["id"], "expectedVersion": third["version"],
                "startsOn": "2027-01-28", "endsOn": "2027-01-28" } }),
        )
        .await;
    assert_eq!(moved["updateMeeting"]["sequence"], 1);
    let feed = ics(&app).await;
    let event = feed
        .split("BEGIN:VEVENT")
        .find(|e| e.contains(&uid))
        .expect("the moved meeting's event");
    assert!(event.contains("SEQUENCE:1"), "{event}");
    assert!(event.contains("20270128T150000"), "{event}");

    // The subscriber resumes after its last cursor and has lost nothing.
    let last = seen.last().expect("some updates")["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let rest = drain(&app, Some(&presidency), &first["id"], &last).await;
    let whole = drain(&app, Some(&presidency), &first["id"], "0").await;
    let mut joined = seen.clone();
    joined.extend(rest);
    assert_eq!(kinds(&joined), kinds(&whole));
    let order = kinds(&whole);
    let position = |kind: &str| {
        order
            .iter()
            .position(|k| k == kind)
            .unwrap_or_else(|| panic!("{kind} in {order:?}"))
    };
    assert!(position("MEETING_SCHEDULED") < position("APOLOGIES_SENT"));
    assert!(position("APOLOGIES_SENT") < position("AGENDA_ADOPTED"));
    assert!(position("AGENDA_ADOPTED") < position("ACTION_POINT_ADDED"));
    assert!(position("ACTION_POINT_ADDED") < position("ATTENDANCE_RECORDED"));
    assert!(position("ATTENDANCE_RECORDED") < position("MINUTES_TRANSITION"));
    assert!(position("MINUTES_REVISED") < position("ACTION_POINT_CLOSED"));
    assert_eq!(
        order.iter().filter(|k| *k == "MINUTES_TRANSITION").count(),
        4,
        "{order:?}"
    );
    // Anonymous readers see the minutes only once published.
    let public_feed = drain(&app, None, &first["id"], "0").await;
    let public_kinds = kinds(&public_feed);
    assert!(!public_kinds.contains(&"MINUTES_REVISED".to_owned()));
    assert_eq!(
        public_kinds
            .iter()
            .filter(|k| *k == "MINUTES_TRANSITION")
            .count(),
        1
    );
    let _ = anonymous;
    app.stop().await;
}

/// Rules that hold under parallel requests: one save per revision, one
/// invitation per party, one closing per action point.
/// Of parallel attempts at one change: how many won, after checking that
/// every other was refused with one of `refusals` or answered UNAVAILABLE
/// (the embedded database busy: nothing was changed, retry).
pub(crate) fn winners(answers: &[(u16, Value)], refusals: &[&str]) -> usize {
    let mut won = 0;
    let mut unavailable = 0;
    for (_, body) in answers {
        match body.get("errors") {
            None => won += 1,
            Some(errors) => {
                let code = errors[0]["extensions"]["code"].as_str().unwrap_or("");
                if code == "UNAVAILABLE" {
                    unavailable += 1;
                } else {
                    assert!(refusals.contains(&code), "{body}");
                }
            }
        }
    }
    assert!(won <= 1, "at most one of the parallel attempts wins: {won}");
    assert!(
        won == 1 || unavailable > 0,
        "one wins unless the database was busy for some"
    );
    won
}

async fn parallel_requests_keep_the_rules(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let presidency = isu();
    let m = schedule(&app, "CC-2026-11", "2026-11-26").await;
    let q = "mutation($input: InviteToMeetingInput!) { inviteToMeeting(input: $input) { id } }";
    let invites = join_all((0..50).map(|_| {
        app.post_as(
            &presidency,
            q,
            json!({ "input": { "meetingId": m["id"], "guestName": "Dr A. Expert" } }),
        )
    }))
    .await;
    winners(&invites, &["BAD_USER_INPUT"]);

    let open = set_status(&app, &m, "openMeeting").await;
    let minutes = app
        .as_ok(
            &presidency,
            "mutation($input: StartMinutesInput!) { startMinutes(input: $input) { id } }",
            json!({ "input": { "meetingId": open["id"] } }),
        )
        .await["startMinutes"]["id"]
        .clone();
    let item_id = open["agenda"][0]["id"].clone();
    let save = "mutation($input: SaveMinutesItemInput!) { saveMinutesItem(input: $input) { id } }";
    let saves = join_all((0..50).map(|n| {
        app.post_as(
            &presidency,
            save,
            json!({ "input": { "minutesId": minutes, "agendaItemId": item_id,
                "expectedRevision": 0, "text": format!("version {n}") } }),
        )
    }))
    .await;
    let won = winners(&saves, &["CONFLICT"]);
    let revisions = app
        .as_ok(
            &presidency,
            "query($id: ID!) { minutes(meetingId: $id) { items { revision revisions { revision } } } }",
            json!({ "id": open["id"] }),
        )
        .await;
    assert_eq!(revisions["minutes"]["items"][0]["revision"], won);
    assert_eq!(
        revisions["minutes"]["items"][0]["revisions"]
            .as_array()
            .expect("revisions")
            .len(),
        won,
        "one revision stored per save that won"
    );

    let decide = "mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { id } }";
    let decisions = join_all((0..50).map(|n| {
        app.post_as(
            &presidency,
            decide,
            json!({ "input": { "agendaItemId": item_id, "expectedVersion": open["version"],
                "kind": "AGREED", "text": format!("decision {n}") } }),
        )
    }))
    .await;
    let won = winners(&decisions, &["CONFLICT"]);
    let recorded = app
        .as_ok(
            &presidency,
            "query($id: ID!) { meeting(id: $id) { decisions { text } } }",
            json!({ "id": open["id"] }),
        )
        .await;
    assert_eq!(
        recorded["meeting"]["decisions"]
            .as_array()
            .expect("decisions")
            .len(),
        won,
        "one decision per version seen"
    );

    let add = "mutation($input: AddActionPointInput!) { addActionPoint(input: $input) { id } }";
    let point = app
        .as_ok(
            &presidency,
            add,
            json!({ "input": { "agendaItemId": item_id, "text": "Follow up", "owner": { "isu": true },
                "dueOn": "2026-12-01" } }),
        )
        .await["addActionPoint"]["id"]
        .clone();
    let close =
        "mutation($input: CloseActionPointInput!) { closeActionPoint(input: $input) { status } }";
    let closings = join_all((0..50).map(|n| {
        app.post_as(
            &presidency,
            close,
            json!({ "input": { "actionPointId": point, "expectedVersion": 1,
                "status": if n % 2 == 0 { "DONE" } else { "DROPPED" } } }),
        )
    }))
    .await;
    winners(&closings, &["CONFLICT", "INVALID_TRANSITION"]);
    app.stop().await;
}

/// An action point's due date passes: `ACTION_POINT_DUE` on the meeting's
/// feed, fired by the durable timer; a closed one is not announced.
async fn an_open_action_point_falls_due(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let presidency = isu();
    let m = schedule(&app, "CC-2026-11", "2026-11-26").await;
    let open = set_status(&app, &m, "openMeeting").await;
    let item_id = open["agenda"][2]["id"].clone();
    let add = "mutation($input: AddActionPointInput!) { addActionPoint(input: $input) { id } }";
    for (text, due) in [
        ("Write to the States", "2026-11-27"),
        ("Later", "2026-11-28"),
    ] {
        app.as_ok(
            &presidency,
            add,
            json!({ "input": { "agendaItemId": item_id, "text": text,
                "owner": { "organization": "CMC" }, "dueOn": due } }),
        )
        .await;
    }
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 6, 0, 0)
            .single()
            .expect("date"),
    );
    let mut due = Vec::new();
    for _ in 0..100 {
        due = drain(&app, Some(&presidency), &m["id"], "0")
            .await
            .into_iter()
            .filter(|u| u["kind"] == "ACTION_POINT_DUE")
            .collect();
        if !due.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(due.len(), 1, "only the one due by now: {due:?}");
    assert_eq!(due[0]["payload"]["text"], "Write to the States");
    app.stop().await;
}

/// A meeting's whole record (invitations with their parties, agenda,
/// decisions, action points, minutes) is read in a constant number of
/// statements, whatever its size.
async fn reading_a_record_costs_the_same_whatever_its_size(backend: Backend) {
    // The default polling: background statements stay rare (and each size is
    // read three times, the fewest counted).
    let app = spawn_app_with(backend, |_| {}).await;
    let presidency = isu();
    let m = schedule(&app, "CC-2026-11", "2026-11-26").await;
    let open = set_status(&app, &m, "openMeeting").await;
    let minutes = app
        .as_ok(
            &presidency,
            "mutation($input: StartMinutesInput!) { startMinutes(input: $input) { id } }",
            json!({ "input": { "meetingId": open["id"] } }),
        )
        .await["startMinutes"]["id"]
        .clone();
    let grow = async |n: usize, from: usize| {
        for i in from..from + n {
            let now = meeting(&app, "CC-2026-11").await;
            let item = &now["agenda"][i % 5]["id"];
            app.as_ok(
                &presidency,
                "mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { id } }",
                json!({ "input": { "agendaItemId": item, "expectedVersion": now["version"],
                    "kind": "TOOK_NOTE", "text": format!("Decision {i}") } }),
            )
            .await;
            app.as_ok(
                &presidency,
                "mutation($input: AddActionPointInput!) { addActionPoint(input: $input) { id } }",
                json!({ "input": { "agendaItemId": item, "text": format!("Point {i}"),
                    "owner": { "position": "UNIVERSALIZATION" }, "dueOn": "2026-12-31" } }),
            )
            .await;
            app.as_ok(
                &presidency,
                "mutation($input: InviteToMeetingInput!) { inviteToMeeting(input: $input) { id } }",
                json!({ "input": { "meetingId": m["id"], "guestName": format!("Guest {i}") } }),
            )
            .await;
        }
    };
    let read = async || {
        let mut fewest = u64::MAX;
        let mut last = Value::Null;
        for _ in 0..3 {
            let (statements, (status, body)) = app
                .statements_during(app.post_as(
                    &presidency,
                    ccm_committee::server::record::RECORD_QUERY,
                    json!({ "code": "CC-2026-11" }),
                ))
                .await;
            assert_eq!(status, 200, "{body}");
            assert!(body.get("errors").is_none(), "{body}");
            fewest = fewest.min(statements);
            last = body;
        }
        (fewest, last)
    };
    grow(2, 0).await;
    app.as_ok(
        &presidency,
        "mutation($input: SaveMinutesItemInput!) { saveMinutesItem(input: $input) { id } }",
        json!({ "input": { "minutesId": minutes, "agendaItemId": open["agenda"][0]["id"],
            "expectedRevision": 0, "text": "first" } }),
    )
    .await;
    app.settle().await;
    let (small, body) = read().await;
    assert_eq!(body["data"]["meeting"]["decisions"], Value::Null);
    grow(8, 2).await;
    for (i, item) in open["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .enumerate()
        .skip(1)
    {
        app.as_ok(
            &presidency,
            "mutation($input: SaveMinutesItemInput!) { saveMinutesItem(input: $input) { id } }",
            json!({ "input": { "minutesId": minutes, "agendaItemId": item["id"],
                "expectedRevision": 0, "text": format!("text {i}") } }),
        )
        .await;
    }
    app.settle().await;
    let (large, body) = read().await;
    let agenda = body["data"]["meeting"]["agenda"]
        .as_array()
        .expect("agenda");
    let decisions: usize = agenda
        .iter()
        .map(|i| i["decisions"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(decisions, 10);
    assert_eq!(
        body["data"]["meeting"]["actionPoints"]
            .as_array()
            .expect("points")
            .len(),
        10
    );
    assert_eq!(
        small, large,
        "the record reads in the same number of statements at 2 and at 10 of each"
    );
    app.stop().await;
}

fn members_of(m: &Value) -> BTreeSet<String> {
    m["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .filter(|i| i["capacity"] == "MEMBER")
        .filter_map(|i| i["state"]["code"].as_str().map(str::to_owned))
        .collect()
}

/// Members follow the composition on the meeting's date when it moves; a
/// standing invitation reaches every committee meeting of its period, those
/// scheduled later included; withdrawing it ends it; names are bounded.
async fn invitations_follow_the_meeting_and_the_period(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let presidency = isu();
    let then = members_on(&app, "2017-03-23").await;
    let now = members_on(&app, "2026-11-26").await;
    assert_ne!(then, now, "the reference compositions differ");
    let m = schedule(&app, "CC-2017-03", "2017-03-23").await;
    assert_eq!(members_of(&m), then);
    let q = format!(
        "mutation($input: UpdateMeetingInput!) {{ updateMeeting(input: $input) {{ {MEETING} }} }}"
    );
    let moved = app
        .as_ok(
            &presidency,
            &q,
            json!({ "input": { "meetingId": m["id"], "expectedVersion": m["version"],
                "startsOn": "2026-11-26", "endsOn": "2026-11-26" } }),
        )
        .await["updateMeeting"]
        .clone();
    assert_eq!(members_of(&moved), now, "the members follow the new date");
    assert_eq!(moved["sequence"], 1);
    let feed = drain(&app, Some(&presidency), &m["id"], "0").await;
    assert!(
        feed.iter()
            .any(|u| u["kind"] == "INVITATIONS_CHANGED" && u["payload"]["reason"] == "moved"),
        "{feed:?}"
    );

    // A standing invitation for a period.
    let later = schedule(&app, "CC-2026-12", "2026-12-17").await;
    let invite = "mutation($input: InviteToMeetingInput!) { inviteToMeeting(input: $input) { id standing meeting { code } } }";
    let standing = app
        .as_ok(
            &presidency,
            invite,
            json!({ "input": { "from": "2026-11-01", "to": "2027-03-31", "organization": "GICHD",
                "purpose": "mine action expertise" } }),
        )
        .await["inviteToMeeting"]
        .clone();
    let codes: BTreeSet<&str> = standing
        .as_array()
        .expect("invitations")
        .iter()
        .map(|i| i["meeting"]["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, BTreeSet::from(["CC-2017-03", "CC-2026-12"]));
    let scheduled_later = schedule(&app, "CC-2027-01", "2027-01-21").await;
    assert!(
        scheduled_later["invitations"]
            .as_array()
            .expect("invitations")
            .iter()
            .any(|i| i["organization"]["code"] == "GICHD" && i["capacity"] == "INVITED"),
        "a meeting scheduled in the period is invited too: {scheduled_later}"
    );
    let withdraw =
        "mutation($input: WithdrawInvitationInput!) { withdrawInvitation(input: $input) { code } }";
    app.as_ok(
        &presidency,
        withdraw,
        json!({ "input": { "invitationId": standing[0]["id"], "standing": true } }),
    )
    .await;
    for code in ["CC-2017-03", "CC-2026-12"] {
        let m = meeting(&app, code).await;
        assert!(
            !m["invitations"]
                .as_array()
                .expect("invitations")
                .iter()
                .any(|i| i["organization"]["code"] == "GICHD"),
            "withdrawn from {code}"
        );
    }
    let _ = later;
    // A member's invitation follows the composition: it cannot be withdrawn.
    let member = &moved["invitations"].as_array().expect("invitations")[0];
    let error = app
        .as_err(
            &presidency,
            withdraw,
            json!({ "input": { "invitationId": member["id"] } }),
        )
        .await;
    assert_eq!(code_of(&error), "BAD_USER_INPUT");
    // Names are bounded; one of state, organization or guest.
    let error = app
        .as_err(
            &presidency,
            invite,
            json!({ "input": { "meetingId": m["id"], "guestName": "n".repeat(201) } }),
        )
        .await;
    assert_eq!(code_of(&error), "BAD_USER_INPUT");
    let error = app
        .as_err(
            &presidency,
            invite,
            json!({ "input": { "meetingId": m["id"], "state": "NOR", "organization": "CMC" } }),
        )
        .await;
    assert_eq!(code_of(&error), "BAD_USER_INPUT");
    app.stop().await;
}

/// Circulated with a comments deadline: approval waits for it; the durable
/// timer closes the comments (`MINUTES_COMMENTS_CLOSED`), then approval passes.
async fn a_comments_deadline_holds_the_approval(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        fast(c);
        c.policy.open_window_days = 400;
    })
    .await;
    let presidency = isu();
    let first = schedule(&app, "CC-2026-11", "2026-11-26").await;
    let first = set_status(&app, &first, "openMeeting").await;
    let minutes = app
        .as_ok(
            &presidency,
            "mutation($input: StartMinutesInput!) { startMinutes(input: $input) { id } }",
            json!({ "input": { "meetingId": first["id"] } }),
        )
        .await["startMinutes"]["id"]
        .clone();
    let circulate = "mutation($input: CirculateMinutesInput!) { circulateMinutes(input: $input) { state version } }";
    let error = app
        .as_err(
            &presidency,
            circulate,
            json!({ "input": { "minutesId": minutes, "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(error["extensions"]["guard"], "textWritten");
    app.as_ok(
        &presidency,
        "mutation($input: SaveMinutesItemInput!) { saveMinutesItem(input: $input) { id } }",
        json!({ "input": { "minutesId": minutes, "agendaItemId": first["agenda"][0]["id"],
            "expectedRevision": 0, "text": "Adopted." } }),
    )
    .await;
    app.as_ok(
        &presidency,
        circulate,
        json!({ "input": { "minutesId": minutes, "expectedVersion": 1,
            "commentsDueAt": "2026-12-10T12:00:00Z" } }),
    )
    .await;
    let next = schedule(&app, "CC-2026-12", "2026-12-17").await;
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 9, 9, 0, 0)
            .single()
            .expect("date"),
    );
    // The next meeting sits before the deadline: approval waits for it.
    let next = set_status(&app, &next, "openMeeting").await;
    let approve =
        "mutation($input: ApproveMinutesInput!) { approveMinutes(input: $input) { state } }";
    let error = app
        .as_err(
            &presidency,
            approve,
            json!({ "input": { "minutesId": minutes, "expectedVersion": 2, "meetingId": next["id"] } }),
        )
        .await;
    assert_eq!(error["extensions"]["guard"], "commentsClosed", "{error}");
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 10, 12, 30, 0)
            .single()
            .expect("date"),
    );
    let mut closed = false;
    for _ in 0..100 {
        closed = drain(&app, Some(&presidency), &first["id"], "0")
            .await
            .iter()
            .any(|u| u["kind"] == "MINUTES_COMMENTS_CLOSED");
        if closed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed, "the timer closed the comments");
    let approved = app
        .as_ok(
            &presidency,
            approve,
            json!({ "input": { "minutesId": minutes, "expectedVersion": 2, "meetingId": next["id"] } }),
        )
        .await;
    assert_eq!(approved["approveMinutes"]["state"], "APPROVED");
    app.stop().await;
}

crate::on_both_databases!(
    invitations_follow_the_meeting_and_the_period,
    a_comments_deadline_holds_the_approval,
    reading_a_record_costs_the_same_whatever_its_size,
    a_committee_month_from_scheduling_to_published_minutes,
    parallel_requests_keep_the_rules,
    an_open_action_point_falls_due,
);
