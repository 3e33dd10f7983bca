//! Adding, closing, listing and following up action points, and their timer.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{action_point, agenda_item, meeting, organization, position, state};
use futures_util::future::BoxFuture;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::auth::Identity;
use crate::bounds::{NOTE_MAX, accepts, bounded};
use crate::committee::mandates::midnight;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::meetings::model::{DECISION_MAX, MeetingStatus, in_session};
use crate::meetings::rows::check_open;
use crate::paging::{PageArgs, Window, fetch};
use crate::vocabulary::stored;
use crate::workflow::idempotency::{self, Done, Keyed};
use crate::workflow::timers::{self, Outcome, Stop, Target};

/// The timer target, and its one event.
pub const TARGET: &str = "actionPoint";
const DUE: &str = "due";

/// Who answers for an action point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A position: its holders on the day.
    Position(String),
    State(String),
    Organization(String),
    Isu,
}

impl Owner {
    /// How the owner reads in events (`POSITION:UNIVERSALIZATION`, `STATE:PHL`, `ORG:CMC`, `ISU`).
    pub fn label(&self) -> String {
        match self {
            Self::Position(code) => format!("POSITION:{code}"),
            Self::State(code) => format!("STATE:{code}"),
            Self::Organization(code) => format!("ORG:{code}"),
            Self::Isu => "ISU".to_owned(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Position(_) => "POSITION",
            Self::State(_) => "STATE",
            Self::Organization(_) => "ORGANIZATION",
            Self::Isu => "ISU",
        }
    }
}

/// The owner a stored row names.
pub fn owner_label(row: &action_point::Model, position_code: Option<&str>) -> String {
    match row.owner_kind.as_str() {
        "POSITION" => format!("POSITION:{}", position_code.unwrap_or("?")),
        "STATE" => format!("STATE:{}", row.owner_state_iso3.as_deref().unwrap_or("?")),
        "ORGANIZATION" => format!(
            "ORG:{}",
            row.owner_organization_code.as_deref().unwrap_or("?")
        ),
        _ => "ISU".to_owned(),
    }
}

/// Status of an action point.
pub const OPEN: &str = "OPEN";

/// An action point to add.
#[derive(Clone, Debug)]
pub struct NewActionPoint {
    pub agenda_item_id: i32,
    pub text: String,
    pub owner: Owner,
    pub due_on: NaiveDate,
}

/// The owner's columns, checked against the reference data.
async fn owner_columns(
    txn: &WriteTxn,
    owner: &Owner,
) -> Result<(Option<i32>, Option<String>, Option<String>), ApiError> {
    Ok(match owner {
        Owner::Position(code) => {
            let code = code.trim().to_ascii_uppercase();
            let p = position::Entity::find()
                .filter(position::Column::Code.eq(code.as_str()))
                .one(&**txn)
                .await?
                .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
            (Some(p.id), None, None)
        }
        Owner::State(code) => {
            let code = crate::committee::service::parse_iso3(code)?;
            state::Entity::find_by_id(code.clone())
                .one(&**txn)
                .await?
                .ok_or_else(|| ApiError::bad_input(format!("unknown State `{code}`")))?;
            (None, Some(code), None)
        }
        Owner::Organization(code) => {
            let code = code.trim().to_ascii_uppercase();
            organization::Entity::find_by_id(code.clone())
                .one(&**txn)
                .await?
                .ok_or_else(|| ApiError::bad_input(format!("unknown organization `{code}`")))?;
            (None, None, Some(code))
        }
        Owner::Isu => (None, None, None),
    })
}

/// Adds an action point on an agenda item of a meeting in session.
pub async fn add(
    db: &Db,
    who: &Identity,
    new: NewActionPoint,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let text = new.text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::bad_input("an action point has a text"));
    }
    bounded("text", Some(text.clone()), DECISION_MAX)?;
    if !accepts(new.due_on) {
        return Err(ApiError::bad_input(
            "`dueOn` is outside the dates the server accepts",
        ));
    }
    let input = json!({ "op": "addActionPoint", "item": new.agenda_item_id, "text": text,
        "owner": new.owner.label(), "dueOn": new.due_on });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let item = agenda_item::Entity::find_by_id(new.agenda_item_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such agenda item".to_owned()))?;
        let m = meeting::Entity::find_by_id(item.meeting_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::broken("an agenda item's meeting exists"))?;
        check_open(&m)?;
        in_session(&m.code, stored(&m.status)?)?;
        let starts = m.starts_on.unwrap_or(now.date_naive());
        if new.due_on < starts {
            return Err(ApiError::GuardFailed {
                guard: "dueAfterMeeting".to_owned(),
                reason: format!(
                    "an action point of the {} is due on or after {starts}, not {}",
                    m.code, new.due_on
                ),
            });
        }
        let (position_id, state_iso3, organization_code) = owner_columns(txn, &new.owner).await?;
        let owner = match &new.owner {
            Owner::Position(code) => Owner::Position(code.trim().to_ascii_uppercase()),
            Owner::State(_) => Owner::State(state_iso3.clone().unwrap_or_default()),
            Owner::Organization(_) => {
                Owner::Organization(organization_code.clone().unwrap_or_default())
            }
            Owner::Isu => Owner::Isu,
        };
        let row = action_point::ActiveModel {
            meeting_id: Set(m.id),
            agenda_item_id: Set(item.id),
            text: Set(text.clone()),
            owner_kind: Set(owner.kind().to_owned()),
            owner_position_id: Set(position_id),
            owner_state_iso3: Set(state_iso3),
            owner_organization_code: Set(organization_code),
            due_on: Set(new.due_on),
            status: Set(OPEN.to_owned()),
            closed_note: Set(None),
            closed_at_meeting_id: Set(None),
            closed_at: Set(None),
            version: Set(1),
            created_by: Set(who.subject.clone()),
            created_at: Set(now.fixed_offset()),
            updated_at: Set(now.fixed_offset()),
            ..Default::default()
        }
        .insert(&**txn)
        .await?;
        timers::schedule(
            &**txn,
            TARGET,
            i64::from(row.id),
            DUE,
            midnight(new.due_on),
            Some(1),
            now,
        )
        .await?;
        let event = Event::ActionPointAdded {
            action_point_id: row.id,
            text,
            owner: owner.label(),
            due_on: new.due_on,
        };
        events::append(&**txn, &Topic::Meeting(m.id), None, &event, now).await?;
        Ok(row.id)
    })
    .await
}

/// How an action point is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    Done,
    Dropped,
}

impl Closing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "DONE",
            Self::Dropped => "DROPPED",
        }
    }
}

/// Closes an open action point the caller saw at `expected_version`, at a
/// meeting in session if one is named.
#[allow(clippy::too_many_arguments)]
pub async fn close(
    db: &Db,
    who: &Identity,
    id: i32,
    expected_version: i32,
    closing: Closing,
    note: Option<String>,
    meeting_id: Option<i32>,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let note = bounded("note", note.map(|n| n.trim().to_owned()), NOTE_MAX)?;
    let input = json!({ "op": "closeActionPoint", "id": id, "expectedVersion": expected_version,
        "status": closing.as_str(), "note": note, "meeting": meeting_id });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let row = action_point::Entity::find_by_id(id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such action point".to_owned()))?;
        if row.version != expected_version {
            return Err(ApiError::Conflict {
                message: format!(
                    "the action point changed since you saw it: it is now at version {}",
                    row.version
                ),
                current_version: Some(row.version),
            });
        }
        if row.status != OPEN {
            return Err(ApiError::InvalidTransition {
                message: format!("the action point is already {}", row.status),
                state: row.status.clone(),
                allowed: Vec::new(),
            });
        }
        let closing_meeting = match meeting_id {
            Some(mid) => {
                let m = meeting::Entity::find_by_id(mid)
                    .one(&**txn)
                    .await?
                    .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))?;
                in_session(&m.code, stored(&m.status)?)?;
                Some(m)
            }
            None => None,
        };
        let updated = action_point::Entity::update_many()
            .col_expr(action_point::Column::Status, closing.as_str().into())
            .col_expr(action_point::Column::ClosedNote, note.clone().into())
            .col_expr(
                action_point::Column::ClosedAtMeetingId,
                closing_meeting.as_ref().map(|m| m.id).into(),
            )
            .col_expr(
                action_point::Column::ClosedAt,
                Some(now.fixed_offset()).into(),
            )
            .col_expr(action_point::Column::Version, (expected_version + 1).into())
            .col_expr(action_point::Column::UpdatedAt, now.fixed_offset().into())
            .filter(action_point::Column::Id.eq(id))
            .filter(action_point::Column::Version.eq(expected_version))
            .exec(&**txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(ApiError::Conflict {
                message: "the action point changed since you saw it".to_owned(),
                current_version: Some(expected_version + 1),
            });
        }
        timers::cancel(&**txn, TARGET, &[i64::from(id)], DUE, "closed").await?;
        let event = Event::ActionPointClosed {
            action_point_id: id,
            status: closing.as_str().to_owned(),
            note,
            meeting: closing_meeting.as_ref().map(|m| m.code.clone()),
        };
        let scope = closing_meeting.as_ref().map(|m| Topic::Meeting(m.id));
        events::append(
            &**txn,
            &Topic::Meeting(row.meeting_id),
            scope.as_ref(),
            &event,
            now,
        )
        .await?;
        Ok(id)
    })
    .await
}

/// Which action points to list.
#[derive(Clone, Debug, Default)]
pub struct ActionPointQuery {
    pub statuses: Vec<String>,
    pub owner: Option<Owner>,
    pub due_before: Option<NaiveDate>,
    pub meeting_id: Option<i32>,
}

/// One page of action points (soonest due first) and how many match in all.
pub async fn list(
    db: &Db,
    query: &ActionPointQuery,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<action_point::Model>), ApiError> {
    let mut cond = Condition::all();
    if !query.statuses.is_empty() {
        cond = cond.add(action_point::Column::Status.is_in(query.statuses.clone()));
    }
    if let Some(owner) = &query.owner {
        cond = cond.add(action_point::Column::OwnerKind.eq(owner.kind()));
        match owner {
            Owner::Position(code) => {
                let code = code.trim().to_ascii_uppercase();
                let p = position::Entity::find()
                    .filter(position::Column::Code.eq(code.as_str()))
                    .one(&db.conn)
                    .await?
                    .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
                cond = cond.add(action_point::Column::OwnerPositionId.eq(p.id));
            }
            Owner::State(code) => {
                cond = cond.add(
                    action_point::Column::OwnerStateIso3
                        .eq(crate::committee::service::parse_iso3(code)?),
                );
            }
            Owner::Organization(code) => {
                cond = cond.add(
                    action_point::Column::OwnerOrganizationCode
                        .eq(code.trim().to_ascii_uppercase()),
                );
            }
            Owner::Isu => {}
        }
    }
    if let Some(date) = query.due_before {
        cond = cond.add(action_point::Column::DueOn.lt(date));
    }
    if let Some(id) = query.meeting_id {
        cond = cond.add(action_point::Column::MeetingId.eq(id));
    }
    let select = action_point::Entity::find()
        .filter(cond)
        .order_by_asc(action_point::Column::DueOn)
        .order_by_asc(action_point::Column::Id);
    fetch(&db.conn, select, args).await
}

/// For each of `meetings`, the action points its follow-up item lists:
/// every action point of an earlier meeting still open, and those closed
/// at it. Three statements whatever the number of meetings.
pub async fn follow_up(
    db: &Db,
    meetings: &[i32],
) -> Result<std::collections::HashMap<i32, Vec<action_point::Model>>, ApiError> {
    let mut out: std::collections::HashMap<i32, Vec<action_point::Model>> =
        meetings.iter().map(|m| (*m, Vec::new())).collect();
    let asked = meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(meetings.iter().copied()))
        .all(&db.conn)
        .await?;
    let points = action_point::Entity::find()
        .filter(
            Condition::any()
                .add(action_point::Column::Status.eq(OPEN))
                .add(action_point::Column::ClosedAtMeetingId.is_in(meetings.iter().copied())),
        )
        .order_by_asc(action_point::Column::DueOn)
        .order_by_asc(action_point::Column::Id)
        .all(&db.conn)
        .await?;
    let origins: std::collections::HashMap<i32, Option<NaiveDate>> = meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(points.iter().map(|p| p.meeting_id)))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m.starts_on))
        .collect();
    for m in asked {
        let Some(start) = m.starts_on else { continue };
        let list = out.entry(m.id).or_default();
        for p in &points {
            let earlier = p.meeting_id != m.id
                && origins
                    .get(&p.meeting_id)
                    .copied()
                    .flatten()
                    .is_some_and(|d| d < start);
            let closed_here = p.closed_at_meeting_id == Some(m.id);
            let open_then = p.status == OPEN && m.status != MeetingStatus::Concluded.as_str();
            if earlier && (open_then || closed_here) {
                list.push(p.clone());
            }
        }
    }
    Ok(out)
}

async fn fire_due(
    txn: &WriteTxn,
    timer: &entity::timer::Model,
    now: DateTime<Utc>,
) -> Result<Outcome, Stop> {
    if timer.event != DUE {
        return Err(Stop::Dropped(format!("unknown event `{}`", timer.event)));
    }
    let row = timers::subject(
        action_point::Entity::find_by_id(timer.subject_id as i32)
            .one(&**txn)
            .await?,
        "action point",
    )?;
    if row.status != OPEN {
        return Err(Stop::Dropped(format!("the action point is {}", row.status)));
    }
    let position = match row.owner_position_id {
        Some(id) => position::Entity::find_by_id(id).one(&**txn).await?,
        None => None,
    };
    let event = Event::ActionPointDue {
        action_point_id: row.id,
        text: row.text.clone(),
        owner: owner_label(&row, position.as_ref().map(|p| p.code.as_str())),
        due_on: row.due_on,
    };
    events::append(&**txn, &Topic::Meeting(row.meeting_id), None, &event, now).await?;
    Ok(Outcome::Fired("due".to_owned()))
}

/// Fires action points' due dates.
pub struct ActionPointTimers;

impl Target for ActionPointTimers {
    fn name(&self) -> &'static str {
        TARGET
    }

    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a entity::timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>> {
        Box::pin(async move { timers::settle(fire_due(txn, timer, now).await) })
    }
}
