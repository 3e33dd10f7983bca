//! Moving nominations: proposing one, firing an event on one, adopting a
//! slate. Each is one transaction behind `workflow::idempotency`: the
//! caller's role is authorised once, before anything is looked up
//! (`commands`); the nomination is locked; the guards' inputs the transition
//! names are loaded; the engine checks the version, the state and the
//! guards; the transition's effects and timers run before the commit.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use entity::{mandate, meeting, nomination, position, state, workflow_instance};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::aggregate::{self, Loaded};
use super::commands::{Move, Proposal, Slate, account_stored, authorize, ensure_account};
use super::consultation;
use super::definition::{
    self, Input, NominationContext, NominationEvent, NominationState, Nominations,
};
use crate::auth::Identity;
use crate::committee::mandates::free_seat;
use crate::committee::model::StateRelation;
use crate::config::Policy;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::Topic;
use crate::vocabulary::stored;
use crate::workflow::idempotency::{self, Done, Keyed};
use crate::workflow::store::{self, Step};
use crate::workflow::{Authorized, Fired, Named};

/// Other open nominations of the same State for the same position at the
/// same meeting: those holding its open seat (`aggregate::open_seat`, kept
/// while a nomination is open and unique), one indexed lookup. A nomination
/// that holds the seat itself has none: the unique index keeps every other
/// off it.
async fn open_duplicates<C: ConnectionTrait>(
    conn: &C,
    position_id: i32,
    state: &str,
    meeting_id: i32,
    existing: Option<&nomination::Model>,
) -> Result<usize, ApiError> {
    let seat = aggregate::open_seat(position_id, state, meeting_id);
    if existing.is_some_and(|n| n.open_seat.as_deref() == Some(seat.as_str())) {
        return Ok(0);
    }
    let mut query = nomination::Entity::find().filter(nomination::Column::OpenSeat.eq(seat));
    if let Some(n) = existing {
        query = query.filter(nomination::Column::Id.ne(n.id));
    }
    Ok(usize::try_from(query.count(conn).await?).unwrap_or(usize::MAX))
}

/// What the guards of an authorised move look at, loaded in its
/// transaction: only the inputs its guards name, and of those only what
/// the caller has not already read in it (`nominee`'s row).
#[allow(clippy::too_many_arguments)]
async fn context<C: ConnectionTrait>(
    conn: &C,
    authorized: &Authorized<'_, Nominations>,
    nominee: &state::Model,
    position: &position::Model,
    meeting: &meeting::Model,
    actor_state: Option<String>,
    existing: Option<&nomination::Model>,
    now: DateTime<Utc>,
) -> Result<NominationContext, ApiError> {
    let date = aggregate::meeting_date(meeting, now.date_naive());
    let mut ctx = NominationContext {
        nominee: nominee.iso3.clone(),
        actor_state,
        meeting_kind: stored(&meeting.kind)?,
        meeting_status: stored(&meeting.status)?,
        meeting_code: meeting.code.clone(),
        seat_free: true,
        ..Default::default()
    };
    for input in authorized.needs() {
        match input {
            Input::NomineeRelation => {
                ctx.nominee_relation = Some(StateRelation::of(nominee, date));
            }
            Input::OpenDuplicates => {
                ctx.open_duplicates =
                    open_duplicates(conn, position.id, &nominee.iso3, meeting.id, existing).await?;
            }
            Input::ConsultationTally => {
                let Some(n) = existing else { continue };
                let (_, t) = consultation::consultation(conn, n, now.date_naive()).await?;
                if !t.policy_met() {
                    ctx.consultation_unmet = Some(format!(
                        "the broad-based consultation policy is not met: {}",
                        t.unmet.join("; ")
                    ));
                }
            }
            Input::SeatFree => {
                let Some(n) = existing else { continue };
                ctx.seat_free = free_seat(conn, position, n.term_starts_on, n.term_ends_on)
                    .await?
                    .is_some();
            }
        }
    }
    Ok(ctx)
}

/// Proposes a nomination (or, with `renews_mandate_id`, a renewal); with
/// the rows it wrote when it ran now.
pub async fn propose(
    db: &Db,
    identity: &Identity,
    proposal: Proposal,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Done<i64>, Option<Written>), ApiError> {
    let authorized = authorize(proposal.event(), &identity.actor())?;
    let request = Keyed {
        actor: &identity.subject,
        key,
        input: json!({ "op": proposal.event().name(), "position": proposal.position_code,
            "state": proposal.state, "meeting": proposal.meeting_id, "note": proposal.note,
            "renews": proposal.renews_mandate_id }),
    };
    let mut written = None;
    let done = idempotency::run(db, request, now, async |txn| {
        ensure_account(db, txn, identity, now).await?;
        let proposed = propose_in(txn, &authorized, identity.state.clone(), proposal, now).await?;
        let id = proposed.nomination.id;
        written = Some(proposed);
        Ok(id)
    })
    .await;
    let done = account_stored(db, identity, done)?;
    Ok(committed(done, written))
}

/// Proposes inside the caller's transaction, as the authorised actor acting
/// for `actor_state` (the proposal's event is the one authorised).
pub async fn propose_in(
    txn: &WriteTxn,
    authorized: &Authorized<'_, Nominations>,
    actor_state: Option<String>,
    proposal: Proposal,
    now: DateTime<Utc>,
) -> Result<Written, ApiError> {
    if authorized.event() != proposal.event() {
        return Err(ApiError::broken(
            "a proposal fires the event it was authorised for",
        ));
    }
    let actor = authorized.actor();
    let state_code = crate::committee::service::parse_iso3(&proposal.state)?;
    // Proposals for one position are serialised on its row (PostgreSQL), so
    // that the duplicate check below holds until the proposal commits.
    let position = crate::committee::mandates::position_for_update(
        &**txn,
        position::Column::Code.eq(proposal.position_code.trim().to_ascii_uppercase()),
    )
    .await?
    .ok_or_else(|| ApiError::bad_input(format!("unknown position `{}`", proposal.position_code)))?;
    let Some(nominee) = state::Entity::find_by_id(state_code.clone())
        .one(&**txn)
        .await?
    else {
        return Err(ApiError::bad_input(format!("unknown State `{state_code}`")));
    };
    let meeting = meeting::Entity::find_by_id(proposal.meeting_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))?;
    let mut renewal_refused = None;
    let (term_starts_on, term_ends_on) = match proposal.renews_mandate_id {
        None => aggregate::term(&meeting, &position).ok_or_else(|| {
            ApiError::bad_input(format!(
                "the {} has no dates yet: the term cannot be set",
                meeting.code
            ))
        })?,
        Some(mandate_id) => {
            let renewed = mandate::Entity::find_by_id(mandate_id)
                .one(&**txn)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such mandate".to_owned()))?;
            if renewed.position_id != position.id || renewed.state_iso3 != state_code {
                return Err(ApiError::bad_input(
                    "a renewal is for the same position and State as the mandate it renews",
                ));
            }
            if !position.renewable {
                renewal_refused = Some(format!("{} mandates are not renewable", position.name));
            }
            let start = renewed
                .ends_on
                .or(meeting.ends_on)
                .ok_or_else(|| ApiError::bad_input("the mandate's end is not established"))?;
            (start, aggregate::add_years(start, position.term_years))
        }
    };
    let mut ctx = context(
        &**txn,
        authorized,
        &nominee,
        &position,
        &meeting,
        actor_state,
        None,
        now,
    )
    .await?;
    ctx.renewal_refused = renewal_refused;
    let fired = store::create(
        &**txn,
        definition::current(),
        authorized,
        &ctx,
        Step {
            scope: Some(Topic::Meeting(meeting.id)),
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
    let open_seat = aggregate::open_seat(position.id, &state_code, meeting.id);
    let nomination = nomination::ActiveModel {
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
        open_seat: Set(Some(open_seat)),
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
    fired.report.append(&**txn).await?;
    Ok(Written {
        nomination,
        instance: fired.instance,
    })
}

/// The rows a move leaves, as its transaction commits them: the answer to
/// the move is rendered from these, without reading them again.
#[derive(Clone, Debug)]
pub struct Written {
    pub nomination: nomination::Model,
    pub instance: workflow_instance::Model,
}

/// What firing a move on a loaded nomination did, and the rows it left.
pub(super) struct Moved {
    pub fired: Fired<Nominations>,
    pub written: Written,
}

/// Fires an authorised move on a loaded (and locked) nomination, with its
/// effects and timers.
pub(super) async fn move_loaded(
    txn: &WriteTxn,
    loaded: &Loaded,
    authorized: &Authorized<'_, Nominations>,
    actor_state: Option<String>,
    mv: &Move,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Moved, ApiError> {
    if authorized.event() != mv.event {
        return Err(ApiError::broken(
            "a move fires the event it was authorised for",
        ));
    }
    let ctx = context(
        &**txn,
        authorized,
        &loaded.nominee,
        &loaded.position,
        &loaded.meeting,
        actor_state,
        Some(&loaded.nomination),
        now,
    )
    .await?;
    let fired = store::fire(
        &**txn,
        definition::current(),
        authorized,
        &loaded.instance,
        mv.expected_version,
        &ctx,
        Step {
            scope: Some(Topic::Meeting(loaded.meeting.id)),
            note: mv.note.clone(),
            payload: mv.deadline.map(|d| json!({ "deadline": d.to_rfc3339() })),
            at: now,
        },
    )
    .await?;
    let nomination = super::effects::run(txn, loaded, &fired, mv, policy, now).await?;
    super::schedule::after_move(txn, loaded, &fired, mv.deadline, now).await?;
    fired.report.append(&**txn).await?;
    let instance = fired.instance.clone();
    Ok(Moved {
        fired,
        written: Written {
            nomination,
            instance,
        },
    })
}

async fn fire_in(
    txn: &WriteTxn,
    authorized: &Authorized<'_, Nominations>,
    identity: &Identity,
    mv: &Move,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Moved, ApiError> {
    let loaded = aggregate::load(&**txn, mv.nomination_id, true).await?;
    move_loaded(
        txn,
        &loaded,
        authorized,
        identity.state.clone(),
        mv,
        policy,
        now,
    )
    .await
}

/// Fires one event on one nomination, in one transaction; with the rows it
/// wrote when it ran now (not when it replayed a retry).
pub async fn fire(
    db: &Db,
    identity: &Identity,
    mv: Move,
    key: Option<&str>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<(Done<i64>, Option<Written>), ApiError> {
    let authorized = authorize(mv.event, &identity.actor())?;
    let request = Keyed {
        actor: &identity.subject,
        key,
        input: mv.input(),
    };
    let mut written = None;
    let done = idempotency::run(db, request, now, async |txn| {
        ensure_account(db, txn, identity, now).await?;
        let moved = fire_in(txn, &authorized, identity, &mv, policy, now).await?;
        written = Some(moved.written);
        Ok(mv.nomination_id)
    })
    .await;
    let done = account_stored(db, identity, done)?;
    Ok(committed(done, written))
}

/// The rows a keyed request's work wrote, when it ran now.
fn committed<T>(done: Done<T>, written: Option<Written>) -> (Done<T>, Option<Written>) {
    match done {
        fresh @ Done::Fresh { .. } => (fresh, written),
        replayed @ Done::Replayed { .. } => (replayed, None),
    }
}

/// Selects every nomination on one agenda item in one transaction: all or none.
pub async fn adopt_slate(
    db: &Db,
    identity: &Identity,
    slate: Slate,
    key: Option<&str>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Done<Vec<i64>>, ApiError> {
    let authorized = authorize(NominationEvent::Select, &identity.actor())?;
    let expected: BTreeSet<(i64, i32)> = slate.expected.iter().map(|(k, v)| (*k, *v)).collect();
    let request = Keyed {
        actor: &identity.subject,
        key,
        input: json!({ "op": "adoptSlate", "item": slate.agenda_item_id,
            "expected": expected, "note": slate.note }),
    };
    let done = idempotency::run(db, request, now, async |txn| {
        entity::agenda_item::Entity::find_by_id(slate.agenda_item_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such agenda item".to_owned()))?;
        let ids: Vec<i64> = nomination::Entity::find()
            .filter(nomination::Column::AgendaItemId.eq(slate.agenda_item_id))
            .order_by_asc(nomination::Column::Id)
            .all(&**txn)
            .await?
            .into_iter()
            .map(|n| n.id)
            .collect();
        let on_agenda: BTreeSet<i64> = workflow_instance::Entity::find()
            .filter(workflow_instance::Column::Id.is_in(ids))
            .filter(workflow_instance::Column::State.eq(NominationState::OnAgenda.as_str()))
            .all(&**txn)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        if on_agenda.is_empty() {
            return Err(ApiError::bad_input(
                "no nomination on this agenda item awaits a decision",
            ));
        }
        let named: BTreeSet<i64> = slate.expected.keys().copied().collect();
        if named != on_agenda {
            return Err(ApiError::bad_input(format!(
                "expectedVersions must name exactly the nominations on the slate: {on_agenda:?}"
            )));
        }
        ensure_account(db, txn, identity, now).await?;
        for id in &on_agenda {
            let mv = Move {
                nomination_id: *id,
                expected_version: slate.expected[id],
                event: NominationEvent::Select,
                note: slate.note.clone(),
                agenda_item_id: None,
                deadline: None,
            };
            fire_in(txn, &authorized, identity, &mv, policy, now).await?;
        }
        Ok(on_agenda.into_iter().collect())
    })
    .await;
    account_stored(db, identity, done)
}
