//! Moving minutes: starting them, saving an item's text (a revision),
//! firing an event. Each is one transaction behind `workflow::idempotency`:
//! the caller's role is authorised once, before anything is looked up; the
//! guards' inputs the transition names are loaded; the engine checks the
//! version, the state and the guards; effects and timers run before commit.

use chrono::{DateTime, Utc};
use entity::{agenda_item, meeting, minutes, minutes_revision, workflow_instance};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::definition::{
    self, DRAFT, Effect, Input, MeetingFacts, Minutes, MinutesContext, MinutesEvent, NAME, Timer,
};
use crate::auth::Identity;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::meetings::agenda::{self, Decided};
use crate::meetings::model::{AgendaItemKind, DecisionKind};
use crate::vocabulary::stored;
use crate::workflow::idempotency::{self, Done, Keyed};
use crate::workflow::store::{self, Step};
use crate::workflow::timers;
use crate::workflow::{Authorized, Named, WorkflowError};

/// The longest text of one item's minutes, in characters.
pub const ITEM_MAX: usize = 20_000;

/// The event a comments-deadline timer carries.
pub const COMMENTS_CLOSE: &str = "commentsClose";

fn authorize(
    event: MinutesEvent,
    who: &Identity,
) -> Result<Authorized<'static, Minutes>, ApiError> {
    definition::current()
        .authorize(event, &who.actor())
        .map_err(|r| WorkflowError::Refused(r).into())
}

fn facts(m: &meeting::Model) -> Result<MeetingFacts, ApiError> {
    Ok(MeetingFacts {
        id: m.id,
        code: m.code.clone(),
        kind: stored(&m.kind)?,
        status: stored(&m.status)?,
        starts_on: m.starts_on,
    })
}

async fn meeting_row(txn: &WriteTxn, id: i32) -> Result<meeting::Model, ApiError> {
    meeting::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))
}

fn step(meeting_id: i32, note: Option<String>, now: DateTime<Utc>) -> Step {
    Step {
        scope: Some(Topic::Meeting(meeting_id)),
        note,
        payload: None,
        at: now,
    }
}

/// Starts the minutes of a meeting in session or concluded (DRAFT).
pub async fn start(
    db: &Db,
    who: &Identity,
    meeting_id: i32,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let authorized = authorize(MinutesEvent::Draft, who)?;
    let input = json!({ "op": "startMinutes", "meeting": meeting_id });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let m = meeting_row(txn, meeting_id).await?;
        if minutes::Entity::find()
            .filter(minutes::Column::MeetingId.eq(meeting_id))
            .one(&**txn)
            .await?
            .is_some()
        {
            return Err(ApiError::bad_input(format!(
                "the {} already has its minutes",
                m.code
            )));
        }
        let ctx = MinutesContext {
            recorded: facts(&m)?,
            has_text: false,
            approving: None,
            comments_due: None,
            now,
        };
        let fired = store::create(
            &**txn,
            definition::current(),
            &authorized,
            &ctx,
            step(m.id, None, now),
        )
        .await?;
        fired.report.append(&**txn).await?;
        minutes::ActiveModel {
            id: Set(fired.instance.id),
            meeting_id: Set(meeting_id),
            comments_due_at: Set(None),
            comments_closed_at: Set(None),
            approved_at_meeting_id: Set(None),
            created_at: Set(now.fixed_offset()),
            updated_at: Set(now.fixed_offset()),
        }
        .insert(&**txn)
        .await?;
        Ok(fired.instance.id)
    })
    .await
}

/// An item's text to save.
#[derive(Clone, Debug)]
pub struct Save {
    pub minutes_id: i64,
    pub agenda_item_id: i32,
    /// The revision the writer saw (0 for an item without text yet).
    pub expected_revision: i32,
    pub text: String,
    pub non_attributable: bool,
}

/// Saves one item's text as a new revision, while the minutes are a draft.
pub async fn save(
    db: &Db,
    who: &Identity,
    save: Save,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    // Writing is drafting: the same roles.
    authorize(MinutesEvent::Draft, who)?;
    if save.text.chars().count() > ITEM_MAX {
        return Err(ApiError::bad_input(format!(
            "`text` has at most {ITEM_MAX} characters"
        )));
    }
    if save.expected_revision < 0 {
        return Err(ApiError::bad_input("`expectedRevision` is 0 or more"));
    }
    let input = json!({ "op": "saveMinutesItem", "minutes": save.minutes_id,
        "item": save.agenda_item_id, "expectedRevision": save.expected_revision,
        "text": save.text, "nonAttributable": save.non_attributable });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let row = minutes::Entity::find_by_id(save.minutes_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such minutes".to_owned()))?;
        let item = agenda_item::Entity::find_by_id(save.agenda_item_id)
            .one(&**txn)
            .await?
            .filter(|i| i.meeting_id == row.meeting_id)
            .ok_or_else(|| {
                ApiError::bad_input("the agenda item is not on the agenda of the meeting these minutes record")
            })?;
        // Holds the instance (PostgreSQL: its row) while still a draft, so
        // that a concurrent circulation waits for this save or refuses it.
        let held = workflow_instance::Entity::update_many()
            .col_expr(
                workflow_instance::Column::UpdatedAt,
                Expr::value(now.fixed_offset()),
            )
            .filter(workflow_instance::Column::Id.eq(row.id))
            .filter(workflow_instance::Column::State.eq(DRAFT))
            .exec(&**txn)
            .await?;
        if held.rows_affected != 1 {
            let state = store::load(&**txn, row.id)
                .await?
                .map(|i| i.state)
                .unwrap_or_default();
            return Err(ApiError::InvalidTransition {
                message: format!(
                    "the minutes are {state}: texts change only in a draft (return them to draft first)"
                ),
                state,
                allowed: vec![MinutesEvent::ReturnToDraft.name().to_owned()],
            });
        }
        let latest = minutes_revision::Entity::find()
            .filter(minutes_revision::Column::MinutesId.eq(row.id))
            .filter(minutes_revision::Column::AgendaItemId.eq(item.id))
            .order_by_desc(minutes_revision::Column::Revision)
            .one(&**txn)
            .await?
            .map_or(0, |r| r.revision);
        if latest != save.expected_revision {
            return Err(ApiError::Conflict {
                message: format!(
                    "this item's minutes are at revision {latest}, not {}: reload and merge",
                    save.expected_revision
                ),
                current_version: Some(latest),
            });
        }
        let revision = latest + 1;
        minutes_revision::ActiveModel {
            minutes_id: Set(row.id),
            agenda_item_id: Set(item.id),
            revision: Set(revision),
            text: Set(save.text.clone()),
            non_attributable: Set(save.non_attributable),
            author: Set(who.subject.clone()),
            at: Set(now.fixed_offset()),
            ..Default::default()
        }
        .insert(&**txn)
        .await?;
        let event = Event::MinutesRevised {
            minutes_id: row.id,
            agenda_item_id: item.id,
            revision,
            author: who.subject.clone(),
        };
        events::append(
            &**txn,
            &Topic::minutes(row.id),
            Some(&Topic::Meeting(row.meeting_id)),
            &event,
            now,
        )
        .await?;
        Ok(row.id)
    })
    .await
}

/// A move of the minutes.
#[derive(Clone, Debug)]
pub struct Move {
    pub minutes_id: i64,
    pub expected_version: i32,
    pub event: MinutesEvent,
    pub note: Option<String>,
    /// For `approve`: the committee meeting that approves them.
    pub approving_meeting_id: Option<i32>,
    /// For `circulate`: until when invitees may comment.
    pub comments_due: Option<DateTime<Utc>>,
}

/// Fires an event on the minutes.
pub async fn fire(
    db: &Db,
    who: &Identity,
    mv: Move,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let authorized = authorize(mv.event, who)?;
    if let Some(due) = mv.comments_due {
        crate::bounds::check_instant("commentsDueAt", due)?;
        if due <= now {
            return Err(ApiError::bad_input("`commentsDueAt` is in the future"));
        }
    }
    let input = json!({ "op": mv.event.name(), "minutes": mv.minutes_id,
        "expectedVersion": mv.expected_version, "note": mv.note,
        "approving": mv.approving_meeting_id,
        "commentsDue": mv.comments_due.map(|d| d.to_rfc3339()) });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let row = minutes::Entity::find_by_id(mv.minutes_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such minutes".to_owned()))?;
        let instance = store::load(&**txn, row.id)
            .await?
            .ok_or_else(|| ApiError::broken("minutes have their workflow instance"))?;
        let recorded = meeting_row(txn, row.meeting_id).await?;
        let mut ctx = MinutesContext {
            recorded: facts(&recorded)?,
            has_text: false,
            approving: None,
            comments_due: row.comments_due_at.map(|d| d.with_timezone(&Utc)),
            now,
        };
        let mut approving = None;
        for input in authorized.needs() {
            match input {
                Input::Texts => {
                    ctx.has_text = minutes_revision::Entity::find()
                        .filter(minutes_revision::Column::MinutesId.eq(row.id))
                        .count(&**txn)
                        .await?
                        > 0;
                }
                Input::Approving => {
                    if let Some(id) = mv.approving_meeting_id {
                        let m = meeting_row(txn, id).await?;
                        ctx.approving = Some(facts(&m)?);
                        approving = Some(m);
                    }
                }
            }
        }
        let fired = store::fire(
            &**txn,
            definition::current(),
            &authorized,
            &instance,
            mv.expected_version,
            &ctx,
            step(row.meeting_id, mv.note.clone(), now),
        )
        .await?;
        // Before the effects: their own entries follow it.
        fired.report.append(&**txn).await?;
        let mut changes: minutes::ActiveModel = row.clone().into();
        changes.updated_at = Set(now.fixed_offset());
        for effect in &fired.effects {
            match effect {
                Effect::RecordApproval => {
                    let m = approving
                        .as_ref()
                        .ok_or_else(|| ApiError::broken("approval names its meeting"))?;
                    record_approval(txn, &recorded, m, who, now).await?;
                    changes.approved_at_meeting_id = Set(Some(m.id));
                }
            }
        }
        for timer in &fired.timers {
            match timer {
                Timer::CommentsDeadline => {
                    changes.comments_due_at = Set(mv.comments_due.map(|d| d.fixed_offset()));
                    changes.comments_closed_at = Set(None);
                    if let Some(due) = mv.comments_due {
                        timers::schedule(
                            &**txn,
                            NAME,
                            row.id,
                            COMMENTS_CLOSE,
                            due,
                            Some(fired.instance.version),
                            now,
                        )
                        .await?;
                    }
                }
                Timer::CancelCommentsDeadline => {
                    changes.comments_due_at = Set(None);
                    timers::cancel(&**txn, NAME, &[row.id], COMMENTS_CLOSE, "returned to draft")
                        .await?;
                }
            }
        }
        changes.update(&**txn).await?;
        Ok(row.id)
    })
    .await
}

/// Records "approved as a correct record" on the approving meeting's approval item.
async fn record_approval(
    txn: &WriteTxn,
    recorded: &meeting::Model,
    approving: &meeting::Model,
    who: &Identity,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let item = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(approving.id))
        .filter(agenda_item::Column::Kind.eq(AgendaItemKind::MinutesApproval.as_str()))
        .order_by_asc(agenda_item::Column::ItemOrder)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::GuardFailed {
            guard: "approvalItem".to_owned(),
            reason: format!(
                "the {} has no item for the approval of minutes on its agenda: add one",
                approving.code
            ),
        })?;
    let decided = Decided {
        kind: DecisionKind::Agreed,
        text: format!(
            "The draft minutes of the {}, which had been circulated in advance, were approved as a correct record.",
            recorded.code
        ),
        nomination_id: None,
        by: who.subject.clone(),
    };
    agenda::record(txn, item, decided, now).await?;
    Ok(())
}
