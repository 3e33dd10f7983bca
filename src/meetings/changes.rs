//! Changing meetings and agendas. Each change is one transaction: the row,
//! the meeting's version and an event-log entry for `meetingUpdates`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{agenda_item, meeting, nomination, state};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::model::{AgendaItemKind, MeetingKind, MeetingStatus};
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events;
use crate::graphql::loaders::enum_name;

/// A meeting to schedule.
#[derive(Clone, Debug)]
pub struct NewMeeting {
    pub code: String,
    pub kind: MeetingKind,
    pub ordinal: Option<i32>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub year: Option<i32>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub presiding_state: Option<String>,
}

/// New dates or venue; `None` keeps what is there.
#[derive(Clone, Debug, Default)]
pub struct MeetingChange {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub presiding_state: Option<String>,
}

async fn check_state(txn: &WriteTxn, code: &Option<String>) -> Result<Option<String>, ApiError> {
    let Some(code) = code else { return Ok(None) };
    let code = crate::committee::service::parse_iso3(code)?;
    if state::Entity::find_by_id(code.clone())
        .one(&**txn)
        .await?
        .is_none()
    {
        return Err(ApiError::bad_input(format!("unknown State `{code}`")));
    }
    Ok(Some(code))
}

fn check_dates(starts_on: Option<NaiveDate>, ends_on: Option<NaiveDate>) -> Result<(), ApiError> {
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        return Err(ApiError::bad_input("a meeting cannot end before it starts"));
    }
    Ok(())
}

async fn locked(
    txn: &WriteTxn,
    id: i32,
    expected_version: i32,
) -> Result<meeting::Model, ApiError> {
    let found = meeting::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))?;
    if found.version != expected_version {
        return Err(ApiError::Conflict {
            message: format!(
                "the meeting changed since you saw it: it is now at version {}",
                found.version
            ),
            current_version: found.version,
        });
    }
    Ok(found)
}

/// Bumps the meeting's version (guarded by the version the caller saw) and logs the change.
async fn bump(
    txn: &WriteTxn,
    mut changes: meeting::ActiveModel,
    before: &meeting::Model,
    kind: &str,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<meeting::Model, ApiError> {
    changes.version = Set(before.version + 1);
    changes.updated_at = Set(now.fixed_offset());
    let updated = meeting::Entity::update_many()
        .set(changes)
        .filter(meeting::Column::Id.eq(before.id))
        .filter(meeting::Column::Version.eq(before.version))
        .exec(&**txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict {
            message: "the meeting changed since you saw it".to_owned(),
            current_version: before.version + 1,
        });
    }
    let after = meeting::Entity::find_by_id(before.id)
        .one(&**txn)
        .await?
        .ok_or(ApiError::Internal)?;
    let mut payload = payload;
    payload["version"] = json!(after.version);
    payload["status"] = json!(after.status);
    events::log::append(&**txn, &format!("meeting:{}", after.id), kind, payload, now).await?;
    Ok(after)
}

pub async fn schedule(db: &Db, new: NewMeeting, now: DateTime<Utc>) -> Result<i32, ApiError> {
    let code = new.code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 32 {
        return Err(ApiError::bad_input("a meeting code has 1 to 32 characters"));
    }
    check_dates(new.starts_on, new.ends_on)?;
    let year = new
        .year
        .or(new.starts_on.map(|d| d.year()))
        .ok_or_else(|| ApiError::bad_input("give the year or the dates"))?;
    let txn = db.begin_write().await?;
    if meeting::Entity::find()
        .filter(meeting::Column::Code.eq(code.as_str()))
        .count(&*txn)
        .await?
        > 0
    {
        return Err(ApiError::bad_input(format!(
            "a meeting {code} already exists"
        )));
    }
    let country = check_state(&txn, &new.country).await?;
    let presiding = check_state(&txn, &new.presiding_state).await?;
    let created = meeting::ActiveModel {
        code: Set(code.clone()),
        kind: Set(enum_name(new.kind).to_owned()),
        ordinal: Set(new.ordinal),
        year: Set(year),
        starts_on: Set(new.starts_on),
        ends_on: Set(new.ends_on),
        city: Set(new.city),
        country_iso3: Set(country),
        presiding_state_iso3: Set(presiding),
        status: Set("PLANNED".to_owned()),
        version: Set(1),
        source: Set("scheduled through the API".to_owned()),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    events::log::append(
        &*txn,
        &format!("meeting:{}", created.id),
        "MEETING_SCHEDULED",
        json!({ "code": code, "kind": created.kind, "startsOn": created.starts_on, "endsOn": created.ends_on,
                "city": created.city, "version": 1, "status": "PLANNED" }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

pub async fn change(
    db: &Db,
    id: i32,
    expected_version: i32,
    change: MeetingChange,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    let txn = db.begin_write().await?;
    let before = locked(&txn, id, expected_version).await?;
    let starts_on = change.starts_on.or(before.starts_on);
    let ends_on = change.ends_on.or(before.ends_on);
    check_dates(starts_on, ends_on)?;
    let mut changes = unchanged();
    changes.starts_on = Set(starts_on);
    changes.ends_on = Set(ends_on);
    if let Some(city) = &change.city {
        changes.city = Set(Some(city.clone()));
    }
    if change.country.is_some() {
        changes.country_iso3 = Set(check_state(&txn, &change.country).await?);
    }
    if change.presiding_state.is_some() {
        changes.presiding_state_iso3 = Set(check_state(&txn, &change.presiding_state).await?);
    }
    let payload = json!({ "startsOn": starts_on, "endsOn": ends_on, "city": change.city.or(before.city.clone()) });
    bump(&txn, changes, &before, "MEETING_UPDATED", payload, now).await?;
    txn.commit().await?;
    Ok(id)
}

/// The statuses a meeting may move to from `from`.
pub fn next_statuses(from: &str) -> &'static [MeetingStatus] {
    match from {
        "PLANNED" => &[MeetingStatus::InSession, MeetingStatus::Cancelled],
        "IN_SESSION" => &[MeetingStatus::Concluded],
        _ => &[],
    }
}

pub async fn set_status(
    db: &Db,
    id: i32,
    expected_version: i32,
    to: MeetingStatus,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    let txn = db.begin_write().await?;
    let before = locked(&txn, id, expected_version).await?;
    let allowed = next_statuses(&before.status);
    if !allowed.contains(&to) {
        return Err(ApiError::InvalidTransition {
            message: format!(
                "a {} meeting cannot become {}",
                before.status,
                enum_name(to)
            ),
            state: before.status.clone(),
            allowed: allowed.iter().map(|s| enum_name(*s).to_owned()).collect(),
        });
    }
    let mut changes = unchanged();
    changes.status = Set(enum_name(to).to_owned());
    let payload = json!({ "from": before.status, "to": enum_name(to) });
    bump(
        &txn,
        changes,
        &before,
        "MEETING_STATUS_CHANGED",
        payload,
        now,
    )
    .await?;
    if matches!(to, MeetingStatus::Concluded | MeetingStatus::Cancelled) {
        // What is still on its agenda lapses now, not at the planned end.
        let ids: Vec<i64> = nomination::Entity::find()
            .filter(nomination::Column::DecidingMeetingId.eq(id))
            .all(&*txn)
            .await?
            .into_iter()
            .map(|n| n.id)
            .collect();
        crate::workflow::timers::bring_forward(&*txn, "nomination", &ids, "lapse", now).await?;
    }
    txn.commit().await?;
    Ok(id)
}

async fn agenda(txn: &WriteTxn, meeting_id: i32) -> Result<Vec<agenda_item::Model>, ApiError> {
    Ok(agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(meeting_id))
        .order_by_asc(agenda_item::Column::ItemOrder)
        .order_by_asc(agenda_item::Column::Id)
        .all(&**txn)
        .await?)
}

/// Numbers `items` 1.. in their order, writing only what changed.
async fn renumber(
    txn: &WriteTxn,
    items: Vec<agenda_item::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let mut titles = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        titles.push(item.title.clone());
        let order = i as i32 + 1;
        if item.item_order != order {
            let version = item.version;
            let mut item: agenda_item::ActiveModel = item.into();
            item.item_order = Set(order);
            item.version = Set(version + 1);
            item.updated_at = Set(now.fixed_offset());
            item.update(&**txn).await?;
        }
    }
    Ok(titles)
}

fn check_open(meeting: &meeting::Model) -> Result<(), ApiError> {
    if matches!(meeting.status.as_str(), "CONCLUDED" | "CANCELLED") {
        return Err(ApiError::InvalidTransition {
            message: format!("the agenda of a {} meeting is closed", meeting.status),
            state: meeting.status.clone(),
            allowed: Vec::new(),
        });
    }
    Ok(())
}

pub async fn add_item(
    db: &Db,
    meeting_id: i32,
    expected_version: i32,
    title: &str,
    kind: AgendaItemKind,
    position: Option<i32>,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    let title = title.trim();
    if title.is_empty() || title.len() > 500 {
        return Err(ApiError::bad_input(
            "an agenda item's title has 1 to 500 characters",
        ));
    }
    let txn = db.begin_write().await?;
    let before = locked(&txn, meeting_id, expected_version).await?;
    check_open(&before)?;
    let mut items = agenda(&txn, meeting_id).await?;
    let at = position.map_or(items.len(), |p| (p.max(1) as usize - 1).min(items.len()));
    let created = agenda_item::ActiveModel {
        meeting_id: Set(meeting_id),
        item_order: Set(0),
        title: Set(title.to_owned()),
        kind: Set(enum_name(kind).to_owned()),
        decision: Set(None),
        decided_at: Set(None),
        version: Set(1),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    items.insert(at, created.clone());
    let titles = renumber(&txn, items, now).await?;
    let payload =
        json!({ "change": "added", "agendaItemId": created.id, "title": title, "agenda": titles });
    bump(&txn, unchanged(), &before, "AGENDA_CHANGED", payload, now).await?;
    txn.commit().await?;
    Ok(meeting_id)
}

async fn item_and_meeting(
    txn: &WriteTxn,
    item_id: i32,
    expected_version: i32,
) -> Result<(agenda_item::Model, meeting::Model), ApiError> {
    let item = agenda_item::Entity::find_by_id(item_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such agenda item".to_owned()))?;
    let meeting = locked(txn, item.meeting_id, expected_version).await?;
    check_open(&meeting)?;
    Ok((item, meeting))
}

pub async fn move_item(
    db: &Db,
    item_id: i32,
    expected_version: i32,
    position: i32,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    let txn = db.begin_write().await?;
    let (item, before) = item_and_meeting(&txn, item_id, expected_version).await?;
    let mut items = agenda(&txn, before.id).await?;
    items.retain(|i| i.id != item.id);
    let at = (position.max(1) as usize - 1).min(items.len());
    items.insert(at, item.clone());
    let titles = renumber(&txn, items, now).await?;
    let payload = json!({ "change": "moved", "agendaItemId": item.id, "title": item.title, "agenda": titles });
    bump(&txn, unchanged(), &before, "AGENDA_CHANGED", payload, now).await?;
    txn.commit().await?;
    Ok(before.id)
}

pub async fn remove_item(
    db: &Db,
    item_id: i32,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    let txn = db.begin_write().await?;
    let (item, before) = item_and_meeting(&txn, item_id, expected_version).await?;
    let nominations = nomination::Entity::find()
        .filter(nomination::Column::AgendaItemId.eq(item.id))
        .count(&*txn)
        .await?;
    if nominations > 0 || item.decision.is_some() {
        return Err(ApiError::bad_input(
            "an item with nominations or a recorded decision stays on the agenda",
        ));
    }
    agenda_item::Entity::delete_by_id(item.id)
        .exec(&*txn)
        .await?;
    let mut items = agenda(&txn, before.id).await?;
    items.retain(|i| i.id != item.id);
    let titles = renumber(&txn, items, now).await?;
    let payload = json!({ "change": "removed", "agendaItemId": item.id, "title": item.title, "agenda": titles });
    bump(&txn, unchanged(), &before, "AGENDA_CHANGED", payload, now).await?;
    txn.commit().await?;
    Ok(before.id)
}

/// An update that changes nothing but what `bump` sets.
fn unchanged() -> meeting::ActiveModel {
    <meeting::ActiveModel as Default>::default()
}
