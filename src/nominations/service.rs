//! Moving nominations: each call is one transaction that checks the role,
//! the transition and the guards, updates the instance, appends history and
//! the event-log entry, and runs the transition's effects.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{
    account, agenda_item, consultation_response, mandate, meeting, nomination, position, state,
    workflow_instance,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::definition::{self, NominationContext, OPEN};
use super::policy::{ConsultationPolicy, Counted, Tally, tally};
use crate::auth::{Identity, Role};
use crate::committee::model::StateRelation;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events;
use crate::graphql::pagination::{PageArgs, Window};
use crate::workflow::idempotency::{self, Seen};
use crate::workflow::store::{self, Step};
use crate::workflow::timers;
use crate::workflow::{Actor, Fired};

fn actor_of(identity: &Identity) -> Actor {
    Actor {
        subject: identity.subject.clone(),
        role: identity.role.as_str().to_owned(),
    }
}

/// Records the account on its first write, so that history names accounts.
async fn ensure_account<C: ConnectionTrait>(
    conn: &C,
    identity: &Identity,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let found = account::Entity::find()
        .filter(account::Column::Subject.eq(identity.subject.as_str()))
        .one(conn)
        .await?;
    if found.is_none() {
        account::ActiveModel {
            subject: Set(identity.subject.clone()),
            display_name: Set(identity.subject.clone()),
            role: Set(identity.role.as_str().to_owned()),
            state_iso3: Set(identity.state.clone()),
            created_at: Set(now.fixed_offset()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Checks an idempotency key: `Some(id)` when this is a retry of a request
/// that already produced nomination `id`.
async fn replayed(
    txn: &WriteTxn,
    identity: &Identity,
    key: Option<&str>,
    input: &serde_json::Value,
) -> Result<Option<i64>, ApiError> {
    let Some(key) = key else { return Ok(None) };
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::bad_input(
            "an idempotency key has 1 to 200 characters",
        ));
    }
    let hash = idempotency::request_hash(input);
    match idempotency::lookup(&**txn, &identity.subject, key, &hash).await? {
        Seen::New => Ok(None),
        Seen::Replay(response) => Ok(response["nominationId"].as_i64()),
        Seen::Mismatch => Err(ApiError::bad_input(
            "this idempotency key was already used with different input",
        )),
    }
}

async fn remember(
    txn: &WriteTxn,
    identity: &Identity,
    key: Option<&str>,
    input: &serde_json::Value,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(key) = key {
        let hash = idempotency::request_hash(input);
        idempotency::remember(
            &**txn,
            &identity.subject,
            key,
            &hash,
            json!({ "nominationId": id }),
            now,
        )
        .await?;
    }
    Ok(())
}

fn add_years(date: NaiveDate, years: i32) -> NaiveDate {
    date.checked_add_months(Months::new(12 * years.max(0) as u32))
        .unwrap_or(date)
}

/// The date the deciding meeting is held on (for "State Party on the meeting's date").
fn meeting_date(meeting: &meeting::Model, fallback: NaiveDate) -> NaiveDate {
    meeting.starts_on.or(meeting.ends_on).unwrap_or(fallback)
}

/// The seat a new mandate of `position` for [start, end) would take, if one is free.
pub async fn free_seat<C: ConnectionTrait>(
    conn: &C,
    position: &position::Model,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Option<i32>, ApiError> {
    let overlapping = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(position.id))
        .filter(mandate::Column::StartsOn.lt(end))
        .filter(
            Condition::any()
                .add(mandate::Column::EndsOn.is_null())
                .add(mandate::Column::EndsOn.gt(start)),
        )
        .all(conn)
        .await?;
    let taken: BTreeSet<i32> = overlapping.iter().map(|m| m.seat).collect();
    Ok((1..=position.seats).find(|s| !taken.contains(s)))
}

/// Which of the nominations `ids` are open (in no final state).
pub async fn open_ids<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeSet<i64>, ApiError> {
    Ok(workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(ids))
        .filter(workflow_instance::Column::State.is_in(OPEN))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

/// Other open nominations of the same State for the same position and term.
async fn open_duplicates<C: ConnectionTrait>(
    conn: &C,
    position_id: i32,
    state: &str,
    term_starts_on: NaiveDate,
    except: Option<i64>,
) -> Result<usize, ApiError> {
    let mut query = nomination::Entity::find()
        .filter(nomination::Column::PositionId.eq(position_id))
        .filter(nomination::Column::StateIso3.eq(state))
        .filter(nomination::Column::TermStartsOn.eq(term_starts_on));
    if let Some(id) = except {
        query = query.filter(nomination::Column::Id.ne(id));
    }
    let ids = query.all(conn).await?.into_iter().map(|n| n.id);
    Ok(open_ids(conn, ids).await?.len())
}

/// The standing responses of a nomination's consultation and their tally.
pub async fn consultation<C: ConnectionTrait>(
    conn: &C,
    nomination: &nomination::Model,
    today: NaiveDate,
) -> Result<(Vec<consultation_response::Model>, Tally), ApiError> {
    consultations(conn, std::slice::from_ref(nomination), today)
        .await?
        .remove(&nomination.id)
        .ok_or(ApiError::Internal)
}

/// The consultations of several nominations, in three statements.
pub async fn consultations<C: ConnectionTrait>(
    conn: &C,
    nominations: &[nomination::Model],
    today: NaiveDate,
) -> Result<HashMap<i64, (Vec<consultation_response::Model>, Tally)>, ApiError> {
    let responses = consultation_response::Entity::find()
        .filter(consultation_response::Column::NominationId.is_in(nominations.iter().map(|n| n.id)))
        .filter(consultation_response::Column::WithdrawnAt.is_null())
        .order_by_asc(consultation_response::Column::Id)
        .all(conn)
        .await?;
    let codes: BTreeSet<String> = responses
        .iter()
        .filter_map(|r| r.state_iso3.clone())
        .collect();
    let states: HashMap<String, state::Model> = state::Entity::find()
        .filter(state::Column::Iso3.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.iso3.clone(), s))
        .collect();
    let positions: HashMap<i32, position::Model> = position::Entity::find()
        .filter(position::Column::Id.is_in(nominations.iter().map(|n| n.position_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut out = HashMap::new();
    for n in nominations {
        let mine: Vec<consultation_response::Model> = responses
            .iter()
            .filter(|r| r.nomination_id == n.id)
            .cloned()
            .collect();
        let counted: Vec<Counted> = mine
            .iter()
            .map(|r| {
                let s = r.state_iso3.as_ref().and_then(|c| states.get(c));
                Counted {
                    state: r.state_iso3.clone(),
                    regional_group: s.and_then(|s| s.un_regional_group.clone()),
                    stance: r.stance.clone(),
                    counts: s
                        .is_some_and(|s| StateRelation::of(s, today) == StateRelation::StateParty),
                }
            })
            .collect();
        let policy = ConsultationPolicy::of(
            positions
                .get(&n.position_id)
                .and_then(|p| p.consultation_policy.as_ref()),
        );
        out.insert(n.id, (mine, tally(&policy, &counted)));
    }
    Ok(out)
}

struct Loaded {
    nomination: nomination::Model,
    instance: workflow_instance::Model,
    position: position::Model,
    meeting: meeting::Model,
}

async fn load<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Loaded, ApiError> {
    let nomination = nomination::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no nomination {id}")))?;
    let instance = store::load(conn, id).await?.ok_or(ApiError::Internal)?;
    let position = position::Entity::find_by_id(nomination.position_id)
        .one(conn)
        .await?
        .ok_or(ApiError::Internal)?;
    let meeting = meeting::Entity::find_by_id(nomination.deciding_meeting_id)
        .one(conn)
        .await?
        .ok_or(ApiError::Internal)?;
    Ok(Loaded {
        nomination,
        instance,
        position,
        meeting,
    })
}

async fn relation_on<C: ConnectionTrait>(
    conn: &C,
    iso3: &str,
    date: NaiveDate,
) -> Result<Option<StateRelation>, ApiError> {
    Ok(state::Entity::find_by_id(iso3.to_owned())
        .one(conn)
        .await?
        .map(|s| StateRelation::of(&s, date)))
}

/// Loads what the guards of `event` look at.
async fn context<C: ConnectionTrait>(
    conn: &C,
    loaded: &Loaded,
    actor_state: Option<String>,
    event: &str,
    today: NaiveDate,
) -> Result<NominationContext, ApiError> {
    let n = &loaded.nomination;
    let date = meeting_date(&loaded.meeting, n.term_starts_on);
    let mut ctx = NominationContext {
        nominee: n.state_iso3.clone(),
        actor_state,
        nominee_relation: relation_on(conn, &n.state_iso3, date).await?,
        meeting_kind: loaded.meeting.kind.clone(),
        meeting_status: loaded.meeting.status.clone(),
        meeting_code: loaded.meeting.code.clone(),
        ..Default::default()
    };
    match event {
        "submit" => {
            ctx.open_duplicates = open_duplicates(
                conn,
                n.position_id,
                &n.state_iso3,
                n.term_starts_on,
                Some(n.id),
            )
            .await?;
        }
        "endorse" => {
            let (_, t) = consultation(conn, n, today).await?;
            if !t.policy_met() {
                ctx.consultation_unmet = Some(format!(
                    "the broad-based consultation policy is not met: {}",
                    t.unmet.join("; ")
                ));
            }
        }
        "select" => {
            ctx.seat_free = free_seat(conn, &loaded.position, n.term_starts_on, n.term_ends_on)
                .await?
                .is_some();
        }
        _ => {}
    }
    Ok(ctx)
}

/// Runs the effects a transition names, in its transaction.
async fn run_effects(
    txn: &WriteTxn,
    loaded: &Loaded,
    fired: &Fired,
    agenda_item: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let n = &loaded.nomination;
    let mut changes: nomination::ActiveModel = n.clone().into();
    changes.updated_at = Set(now.fixed_offset());
    for effect in &fired.effects {
        match *effect {
            "attachToAgenda" => {
                let item = match agenda_item {
                    Some(id) => id,
                    None => nominations_item(txn, &loaded.meeting, now).await?.id,
                };
                changes.agenda_item_id = Set(Some(item));
            }
            "createMandate" => {
                let seat = free_seat(&**txn, &loaded.position, n.term_starts_on, n.term_ends_on)
                    .await?
                    .ok_or(ApiError::Internal)?;
                let created = mandate::ActiveModel {
                    position_id: Set(n.position_id),
                    state_iso3: Set(n.state_iso3.clone()),
                    seat: Set(seat),
                    starts_on: Set(n.term_starts_on),
                    ends_on: Set(Some(n.term_ends_on)),
                    designated_at_meeting_id: Set(Some(n.deciding_meeting_id)),
                    ends_at_meeting_id: Set(None),
                    renews_mandate_id: Set(n.renews_mandate_id),
                    nomination_id: Set(Some(n.id)),
                    source: Set(format!(
                        "selected at the {} (nomination {})",
                        loaded.meeting.code, n.id
                    )),
                    created_at: Set(now.fixed_offset()),
                    ..Default::default()
                }
                .insert(&**txn)
                .await?;
                changes.mandate_id = Set(Some(created.id));
                super::terms::schedule(&**txn, &created, &loaded.position, now).await?;
                events::log::append(
                    &**txn,
                    "committee",
                    "MANDATE_DESIGNATED",
                    json!({
                        "mandateId": created.id,
                        "position": loaded.position.code,
                        "state": n.state_iso3,
                        "seat": seat,
                        "startsOn": n.term_starts_on,
                        "endsOn": n.term_ends_on,
                        "meeting": loaded.meeting.code,
                        "nominationId": n.id,
                    }),
                    now,
                )
                .await?;
            }
            "recordDecision" => {
                let Some(item_id) = n.agenda_item_id else {
                    continue;
                };
                let item = agenda_item::Entity::find_by_id(item_id)
                    .one(&**txn)
                    .await?
                    .ok_or(ApiError::Internal)?;
                let verdict = if fired.to == "SELECTED" {
                    "selected"
                } else {
                    "not selected"
                };
                let line = format!(
                    "{} {verdict} for {} ({} to {})",
                    n.state_iso3, loaded.position.name, n.term_starts_on, n.term_ends_on
                );
                let decision = match &item.decision {
                    Some(text) => format!("{text}\n{line}"),
                    None => line,
                };
                let version = item.version;
                let mut item: agenda_item::ActiveModel = item.into();
                item.decision = Set(Some(decision.clone()));
                item.decided_at = Set(Some(now.fixed_offset()));
                item.version = Set(version + 1);
                item.updated_at = Set(now.fixed_offset());
                item.update(&**txn).await?;
                events::log::append(
                    &**txn,
                    &format!("meeting:{}", loaded.meeting.id),
                    "DECISION_RECORDED",
                    json!({ "agendaItemId": item_id, "nominationId": n.id, "decision": decision }),
                    now,
                )
                .await?;
            }
            other => {
                tracing::error!(effect = other, "unknown effect");
                return Err(ApiError::Internal);
            }
        }
    }
    changes.update(&**txn).await?;
    Ok(())
}

/// The meeting's agenda item for nominations, created when missing.
async fn nominations_item(
    txn: &WriteTxn,
    meeting: &meeting::Model,
    now: DateTime<Utc>,
) -> Result<agenda_item::Model, ApiError> {
    let items = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(meeting.id))
        .order_by_asc(agenda_item::Column::ItemOrder)
        .all(&**txn)
        .await?;
    if let Some(item) = items.iter().find(|i| i.kind == "NOMINATIONS") {
        return Ok(item.clone());
    }
    let order = items.iter().map(|i| i.item_order).max().unwrap_or(0) + 1;
    Ok(agenda_item::ActiveModel {
        meeting_id: Set(meeting.id),
        item_order: Set(order),
        title: Set("Nominations of Coordinators".to_owned()),
        kind: Set("NOMINATIONS".to_owned()),
        decision: Set(None),
        decided_at: Set(None),
        version: Set(1),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(&**txn)
    .await?)
}

/// What a proposal names.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub position_code: String,
    pub state: String,
    pub meeting_id: i32,
    pub note: Option<String>,
    pub renews_mandate_id: Option<i32>,
}

/// Proposes a nomination (or, with `renews_mandate_id`, a renewal).
pub async fn propose(
    db: &Db,
    identity: &Identity,
    proposal: Proposal,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let input = json!({
        "op": "propose",
        "position": proposal.position_code,
        "state": proposal.state,
        "meeting": proposal.meeting_id,
        "note": proposal.note,
        "renews": proposal.renews_mandate_id,
    });
    let txn = db.begin_write().await?;
    if let Some(id) = replayed(&txn, identity, key, &input).await? {
        return Ok(id);
    }
    ensure_account(&*txn, identity, now).await?;
    let id = propose_in(
        &txn,
        &actor_of(identity),
        identity.state.clone(),
        proposal,
        now,
    )
    .await?;
    remember(&txn, identity, key, &input, id, now).await?;
    txn.commit().await?;
    Ok(id)
}

/// Proposes inside the caller's transaction, as `actor` acting for `actor_state`.
pub async fn propose_in(
    txn: &WriteTxn,
    actor: &Actor,
    actor_state: Option<String>,
    proposal: Proposal,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let state_code = crate::committee::service::parse_iso3(&proposal.state)?;
    let position = position::Entity::find()
        .filter(position::Column::Code.eq(proposal.position_code.trim().to_ascii_uppercase()))
        .one(&**txn)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input(format!("unknown position `{}`", proposal.position_code))
        })?;
    if state::Entity::find_by_id(state_code.clone())
        .one(&**txn)
        .await?
        .is_none()
    {
        return Err(ApiError::bad_input(format!("unknown State `{state_code}`")));
    }
    let meeting = meeting::Entity::find_by_id(proposal.meeting_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))?;
    let mut renewal_refused = None;
    let (event, term_starts_on) = match proposal.renews_mandate_id {
        None => {
            let start = meeting.ends_on.or(meeting.starts_on).ok_or_else(|| {
                ApiError::bad_input(format!(
                    "the {} has no dates yet: the term cannot be set",
                    meeting.code
                ))
            })?;
            ("propose", start)
        }
        Some(mandate_id) => {
            let renewed = mandate::Entity::find_by_id(mandate_id)
                .one(&**txn)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such mandate".to_owned()))?;
            if renewed.position_id != position.id || renewed.state_iso3 != state_code {
                return Err(ApiError::Internal);
            }
            if !position.renewable {
                renewal_refused = Some(format!("{} mandates are not renewable", position.name));
            }
            let start = renewed
                .ends_on
                .or(meeting.ends_on)
                .ok_or_else(|| ApiError::bad_input("the mandate's end is not established"))?;
            ("proposeRenewal", start)
        }
    };
    let term_ends_on = add_years(term_starts_on, position.term_years);
    let date = meeting_date(&meeting, term_starts_on);
    let ctx = NominationContext {
        nominee: state_code.clone(),
        actor_state,
        nominee_relation: relation_on(&**txn, &state_code, date).await?,
        meeting_kind: meeting.kind.clone(),
        meeting_status: meeting.status.clone(),
        meeting_code: meeting.code.clone(),
        open_duplicates: open_duplicates(&**txn, position.id, &state_code, term_starts_on, None)
            .await?,
        consultation_unmet: None,
        seat_free: true,
        renewal_refused,
    };
    let fired = store::create(
        &**txn,
        &definition::definition(),
        event,
        &ctx,
        Step {
            actor,
            scope: Some(format!("meeting:{}", meeting.id)),
            note: proposal.note.clone(),
            payload: Some(json!({
                "position": position.code,
                "state": state_code,
                "meeting": meeting.code,
                "termStartsOn": term_starts_on,
                "termEndsOn": term_ends_on,
            })),
            at: now,
        },
    )
    .await?;
    let id = fired.instance.id;
    nomination::ActiveModel {
        id: Set(id),
        kind: Set(if proposal.renews_mandate_id.is_some() {
            "RENEWAL"
        } else {
            "NEW"
        }
        .to_owned()),
        position_id: Set(position.id),
        state_iso3: Set(state_code),
        deciding_meeting_id: Set(meeting.id),
        term_starts_on: Set(term_starts_on),
        term_ends_on: Set(term_ends_on),
        agenda_item_id: Set(None),
        renews_mandate_id: Set(proposal.renews_mandate_id),
        mandate_id: Set(None),
        consultation_deadline: Set(None),
        proposed_by: Set(actor.subject.clone()),
        note: Set(proposal.note),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
    }
    .insert(&**txn)
    .await?;
    Ok(id)
}

/// A move of one nomination.
#[derive(Clone, Debug)]
pub struct Move {
    pub nomination_id: i64,
    pub expected_version: i32,
    pub event: &'static str,
    pub note: Option<String>,
    /// For `placeOnAgenda`: the item to put it on (default: the meeting's nominations item).
    pub agenda_item_id: Option<i32>,
    /// For `openConsultation`: when the consultation closes.
    pub deadline: Option<DateTime<Utc>>,
}

async fn fire_in(
    txn: &WriteTxn,
    identity: &Identity,
    mv: &Move,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let loaded = load(&**txn, mv.nomination_id).await?;
    move_loaded(
        txn,
        &loaded,
        &actor_of(identity),
        identity.state.clone(),
        mv,
        today,
        now,
    )
    .await
    .map(|_| ())
}

/// Fires a move on a loaded nomination, as `actor`, with its effects and timers.
async fn move_loaded(
    txn: &WriteTxn,
    loaded: &Loaded,
    actor: &Actor,
    actor_state: Option<String>,
    mv: &Move,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Fired, ApiError> {
    if let Some(item_id) = mv.agenda_item_id {
        let item = agenda_item::Entity::find_by_id(item_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such agenda item".to_owned()))?;
        if item.meeting_id != loaded.nomination.deciding_meeting_id {
            return Err(ApiError::bad_input(format!(
                "the agenda item is not on the {}'s agenda",
                loaded.meeting.code
            )));
        }
    }
    let ctx = context(&**txn, loaded, actor_state, mv.event, today).await?;
    let fired = store::fire(
        &**txn,
        &definition::definition(),
        &loaded.instance,
        mv.expected_version,
        mv.event,
        &ctx,
        Step {
            actor,
            scope: Some(format!("meeting:{}", loaded.meeting.id)),
            note: mv.note.clone(),
            payload: mv.deadline.map(|d| json!({ "deadline": d.to_rfc3339() })),
            at: now,
        },
    )
    .await?;
    run_effects(txn, loaded, &fired, mv.agenda_item_id, now).await?;
    schedule_timers(txn, loaded, &fired, mv.deadline, now).await?;
    if let Some(deadline) = mv.deadline {
        let mut changes: nomination::ActiveModel =
            nomination::Entity::find_by_id(loaded.nomination.id)
                .one(&**txn)
                .await?
                .ok_or(ApiError::Internal)?
                .into();
        changes.consultation_deadline = Set(Some(deadline.fixed_offset()));
        changes.update(&**txn).await?;
    }
    Ok(fired)
}

/// Midnight UTC at the start of `date`.
pub fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The timers a move sets: a consultation's deadline, the deciding meeting's end.
async fn schedule_timers(
    txn: &WriteTxn,
    loaded: &Loaded,
    fired: &Fired,
    deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let version = Some(fired.instance.version);
    let id = loaded.nomination.id;
    match fired.event.as_str() {
        "openConsultation" => {
            if let Some(deadline) = deadline {
                timers::schedule(
                    &**txn,
                    definition::NAME,
                    id,
                    "lapse",
                    deadline,
                    version,
                    now,
                )
                .await?;
            }
        }
        "placeOnAgenda" => {
            if let Some(end) = loaded.meeting.ends_on {
                let due = midnight(end + chrono::Days::new(1));
                timers::schedule(&**txn, definition::NAME, id, "lapse", due, version, now).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Fires a timer's event on a nomination, as the system. A nomination that
/// moved since the timer was set, or whose event no longer applies, drops it.
pub async fn fire_timer(
    txn: &WriteTxn,
    timer: &entity::timer::Model,
    now: DateTime<Utc>,
) -> Result<timers::Outcome, ApiError> {
    let loaded = match load(&**txn, timer.subject_id).await {
        Ok(loaded) => loaded,
        Err(ApiError::NotFound(_)) => {
            return Ok(timers::Outcome::Dropped("no such nomination".to_owned()));
        }
        Err(e) => return Err(e),
    };
    if let Some(expected) = timer.expected_version
        && expected != loaded.instance.version
    {
        return Ok(timers::Outcome::Dropped(format!(
            "the nomination moved on (version {expected} then, {} now)",
            loaded.instance.version
        )));
    }
    let event: &'static str = match timer.event.as_str() {
        "lapse" => "lapse",
        other => return Ok(timers::Outcome::Dropped(format!("unknown event `{other}`"))),
    };
    let mv = Move {
        nomination_id: loaded.nomination.id,
        expected_version: loaded.instance.version,
        event,
        note: Some(format!(
            "timer {} (due {})",
            timer.id,
            timer.due_at.to_rfc3339()
        )),
        agenda_item_id: None,
        deadline: None,
    };
    match move_loaded(
        txn,
        &loaded,
        &system_actor(),
        None,
        &mv,
        now.date_naive(),
        now,
    )
    .await
    {
        Ok(fired) => Ok(timers::Outcome::Fired(format!(
            "{} -> {}",
            fired.from.unwrap_or_default(),
            fired.to
        ))),
        Err(ApiError::InvalidTransition { message, .. })
        | Err(ApiError::Forbidden(message))
        | Err(ApiError::Conflict { message, .. }) => Ok(timers::Outcome::Dropped(message)),
        Err(ApiError::GuardFailed { reason, .. }) => Ok(timers::Outcome::Dropped(reason)),
        Err(e) => Err(e),
    }
}

/// The actor for what time does.
pub fn system_actor() -> Actor {
    Actor {
        subject: "system".to_owned(),
        role: definition::SYSTEM.to_owned(),
    }
}

/// Fires one event on one nomination, in one transaction.
pub async fn fire(
    db: &Db,
    identity: &Identity,
    mv: Move,
    key: Option<&str>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let input = json!({
        "op": mv.event,
        "id": mv.nomination_id,
        "expectedVersion": mv.expected_version,
        "note": mv.note,
        "agendaItem": mv.agenda_item_id,
        "deadline": mv.deadline.map(|d| d.to_rfc3339()),
    });
    let txn = db.begin_write().await?;
    if let Some(id) = replayed(&txn, identity, key, &input).await? {
        return Ok(id);
    }
    ensure_account(&*txn, identity, now).await?;
    fire_in(&txn, identity, &mv, today, now).await?;
    remember(&txn, identity, key, &input, mv.nomination_id, now).await?;
    txn.commit().await?;
    Ok(mv.nomination_id)
}

/// Selects every nomination on one agenda item in one transaction: all or none.
pub async fn adopt_slate(
    db: &Db,
    identity: &Identity,
    agenda_item_id: i32,
    expected: &HashMap<i64, i32>,
    note: Option<String>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, ApiError> {
    let txn = db.begin_write().await?;
    agenda_item::Entity::find_by_id(agenda_item_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such agenda item".to_owned()))?;
    let on_item: Vec<nomination::Model> = nomination::Entity::find()
        .filter(nomination::Column::AgendaItemId.eq(agenda_item_id))
        .order_by_asc(nomination::Column::Id)
        .all(&*txn)
        .await?;
    let ids: Vec<i64> = on_item.iter().map(|n| n.id).collect();
    let states: HashMap<i64, String> = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(ids.clone()))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.state))
        .collect();
    let slate: Vec<i64> = ids
        .into_iter()
        .filter(|id| states.get(id).is_some_and(|s| s == "ON_AGENDA"))
        .collect();
    if slate.is_empty() {
        return Err(ApiError::bad_input(
            "no nomination on this agenda item awaits a decision",
        ));
    }
    let named: BTreeSet<i64> = expected.keys().copied().collect();
    let standing: BTreeSet<i64> = slate.iter().copied().collect();
    if named != standing {
        return Err(ApiError::bad_input(format!(
            "expectedVersions must name exactly the nominations on the slate: {:?}",
            standing
        )));
    }
    ensure_account(&*txn, identity, now).await?;
    for id in &slate {
        let mv = Move {
            nomination_id: *id,
            expected_version: expected[id],
            event: "select",
            note: note.clone(),
            agenda_item_id: None,
            deadline: None,
        };
        fire_in(&txn, identity, &mv, today, now).await?;
    }
    txn.commit().await?;
    Ok(slate)
}

/// Records (or replaces) the caller's response in a nomination's consultation.
pub async fn respond(
    db: &Db,
    identity: &Identity,
    nomination_id: i64,
    stance: &str,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let txn = db.begin_write().await?;
    let loaded = load(&*txn, nomination_id).await?;
    if loaded.instance.state != "IN_CONSULTATION" {
        return Err(ApiError::InvalidTransition {
            message: "responses are taken while the nomination is in consultation".to_owned(),
            state: loaded.instance.state.clone(),
            allowed: definition::definition().allowed_events(&loaded.instance.state),
        });
    }
    let (kind, state_code, organization) = match identity.role {
        Role::Coordinator | Role::Delegate => ("STATE", identity.state.clone(), None),
        Role::Observer => ("OBSERVER", None, identity.organization.clone()),
        _ => {
            return Err(ApiError::Forbidden(
                "responses come from States' delegations and observers".to_owned(),
            ));
        }
    };
    if let Some(org) = &organization
        && entity::organization::Entity::find_by_id(org.clone())
            .one(&*txn)
            .await?
            .is_none()
    {
        return Err(ApiError::bad_input(format!("unknown organization `{org}`")));
    }
    ensure_account(&*txn, identity, now).await?;
    let previous = consultation_response::Entity::find()
        .filter(consultation_response::Column::NominationId.eq(nomination_id))
        .filter(consultation_response::Column::WithdrawnAt.is_null())
        .filter(match &state_code {
            Some(code) => consultation_response::Column::StateIso3.eq(code.clone()),
            None => consultation_response::Column::RecordedBy.eq(identity.subject.clone()),
        })
        .all(&*txn)
        .await?;
    for old in previous {
        let mut old: consultation_response::ActiveModel = old.into();
        old.withdrawn_at = Set(Some(now.fixed_offset()));
        old.update(&*txn).await?;
    }
    consultation_response::ActiveModel {
        nomination_id: Set(nomination_id),
        responder_kind: Set(kind.to_owned()),
        state_iso3: Set(state_code.clone()),
        organization_code: Set(organization.clone()),
        stance: Set(stance.to_owned()),
        note: Set(note.clone()),
        recorded_by: Set(identity.subject.clone()),
        recorded_at: Set(now.fixed_offset()),
        withdrawn_at: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    events::log::append_scoped(
        &*txn,
        &store::topic(definition::NAME, nomination_id),
        Some(&format!("meeting:{}", loaded.meeting.id)),
        "CONSULTATION_RESPONSE",
        json!({ "state": state_code, "organization": organization, "stance": stance, "note": note }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(nomination_id)
}

/// Withdraws the caller's standing response (an objection, say).
pub async fn withdraw_response(
    db: &Db,
    identity: &Identity,
    nomination_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let txn = db.begin_write().await?;
    let loaded = load(&*txn, nomination_id).await?;
    let mine = consultation_response::Entity::find()
        .filter(consultation_response::Column::NominationId.eq(nomination_id))
        .filter(consultation_response::Column::WithdrawnAt.is_null())
        .filter(match &identity.state {
            Some(code) if identity.role.is_state_bound() => {
                consultation_response::Column::StateIso3.eq(code.clone())
            }
            _ => consultation_response::Column::RecordedBy.eq(identity.subject.clone()),
        })
        .all(&*txn)
        .await?;
    if mine.is_empty() {
        return Err(ApiError::NotFound(
            "you have no standing response on this nomination".to_owned(),
        ));
    }
    for response in mine {
        let mut response: consultation_response::ActiveModel = response.into();
        response.withdrawn_at = Set(Some(now.fixed_offset()));
        response.update(&*txn).await?;
    }
    events::log::append_scoped(
        &*txn,
        &store::topic(definition::NAME, nomination_id),
        Some(&format!("meeting:{}", loaded.meeting.id)),
        "CONSULTATION_RESPONSE_WITHDRAWN",
        json!({ "state": identity.state, "by": identity.subject }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(nomination_id)
}

/// The States with an open nomination for a position.
pub async fn open_nominees<C: ConnectionTrait>(
    conn: &C,
    position_id: i32,
) -> Result<Vec<String>, ApiError> {
    let nominations = nomination::Entity::find()
        .filter(nomination::Column::PositionId.eq(position_id))
        .all(conn)
        .await?;
    let open = open_ids(conn, nominations.iter().map(|n| n.id)).await?;
    Ok(nominations
        .into_iter()
        .filter(|n| open.contains(&n.id))
        .map(|n| n.state_iso3)
        .collect())
}

/// Which nominations to list.
#[derive(Clone, Debug, Default)]
pub struct NominationQuery {
    pub states: Vec<String>,
    pub position_code: Option<String>,
    pub state_code: Option<String>,
    pub meeting_id: Option<i32>,
}

pub async fn list(
    db: &Db,
    query: &NominationQuery,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<nomination::Model>), ApiError> {
    args.validate()?;
    let mut cond = Condition::all();
    if let Some(code) = &query.position_code {
        let position = crate::committee::service::position_by_code(db, code)
            .await?
            .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
        cond = cond.add(nomination::Column::PositionId.eq(position.id));
    }
    if let Some(code) = &query.state_code {
        cond = cond
            .add(nomination::Column::StateIso3.eq(crate::committee::service::parse_iso3(code)?));
    }
    if let Some(id) = query.meeting_id {
        cond = cond.add(nomination::Column::DecidingMeetingId.eq(id));
    }
    if !query.states.is_empty() {
        let ids = workflow_instance::Entity::find()
            .select_only()
            .column(workflow_instance::Column::Id)
            .filter(workflow_instance::Column::Definition.eq(definition::NAME))
            .filter(workflow_instance::Column::State.is_in(query.states.clone()))
            .into_tuple::<i64>()
            .all(&db.conn)
            .await?;
        cond = cond.add(nomination::Column::Id.is_in(ids));
    }
    let select = nomination::Entity::find()
        .filter(cond)
        .order_by_desc(nomination::Column::Id);
    crate::graphql::pagination::fetch(&db.conn, select, args).await
}
