//! Agendas. Every change to an agenda, whoever asks for it (the President's
//! office, or the workflow putting a nomination on the agenda and recording a
//! decision), goes through here: the item, the meeting's version and an
//! `AGENDA_CHANGED` or `DECISION_RECORDED` entry, in one transaction.

use chrono::{DateTime, Utc};
use entity::{agenda_item, decision, meeting, nomination};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::model::{AgendaItemKind, DECISION_MAX, DecisionKind, STANDING_ITEMS, in_session};
use super::rows::{bump, check_open, claim, locked, touch, unchanged};
use crate::auth::Identity;
use crate::bounds::bounded;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::Event;
use crate::vocabulary::stored;
use crate::workflow::idempotency::{self, Done, Keyed};

/// The title of the item the workflow creates for nominations.
pub const NOMINATIONS_TITLE: &str = "Nominations of Coordinators";

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

fn agenda_changed(
    change: &str,
    item: &agenda_item::Model,
    titles: Vec<String>,
) -> impl FnOnce(&meeting::Model) -> Event {
    let change = change.to_owned();
    let (id, title) = (item.id, item.title.clone());
    move |after| Event::AgendaChanged {
        change,
        agenda_item_id: id,
        title,
        agenda: titles,
        version: after.version,
        status: after.status.clone(),
    }
}

async fn insert_item(
    txn: &WriteTxn,
    meeting_id: i32,
    title: &str,
    kind: AgendaItemKind,
    now: DateTime<Utc>,
) -> Result<agenda_item::Model, ApiError> {
    insert_row(txn, meeting_id, 0, title, kind, false, now).await
}

async fn insert_row(
    txn: &WriteTxn,
    meeting_id: i32,
    order: i32,
    title: &str,
    kind: AgendaItemKind,
    standing: bool,
    now: DateTime<Utc>,
) -> Result<agenda_item::Model, ApiError> {
    Ok(agenda_item::ActiveModel {
        standing: Set(standing),
        meeting_id: Set(meeting_id),
        item_order: Set(order),
        title: Set(title.to_owned()),
        kind: Set(kind.as_str().to_owned()),
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

/// An item to add.
pub struct NewItem {
    pub meeting_id: i32,
    pub expected_version: i32,
    pub title: String,
    pub kind: AgendaItemKind,
    /// Its place (1 first); by default, last.
    pub position: Option<i32>,
}

pub async fn add_item(
    db: &Db,
    who: &Identity,
    new: NewItem,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let title = new.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 500 {
        return Err(ApiError::bad_input(
            "an agenda item's title has 1 to 500 characters",
        ));
    }
    if new.kind.is_workflow_placed() {
        return Err(ApiError::bad_input(format!(
            "{} items are placed by the topic workflow: place the topic instead",
            new.kind.as_str()
        )));
    }
    let input = json!({ "op": "addAgendaItem", "meeting": new.meeting_id,
        "expectedVersion": new.expected_version, "title": title, "kind": new.kind.as_str(),
        "position": new.position });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let before = locked(txn, new.meeting_id, new.expected_version).await?;
        check_open(&before)?;
        let mut items = agenda(txn, new.meeting_id).await?;
        let at = new
            .position
            .map_or(items.len(), |p| (p.max(1) as usize - 1).min(items.len()));
        let created = insert_item(txn, new.meeting_id, &title, new.kind, now).await?;
        items.insert(at, created.clone());
        let titles = renumber(txn, items, now).await?;
        bump(
            txn,
            unchanged(),
            &before,
            agenda_changed("added", &created, titles),
            now,
        )
        .await?;
        Ok(new.meeting_id)
    })
    .await
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
    who: &Identity,
    item_id: i32,
    expected_version: i32,
    position: i32,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let input = json!({ "op": "moveAgendaItem", "item": item_id,
        "expectedVersion": expected_version, "position": position });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let (item, before) = item_and_meeting(txn, item_id, expected_version).await?;
        let mut items = agenda(txn, before.id).await?;
        items.retain(|i| i.id != item.id);
        let at = (position.max(1) as usize - 1).min(items.len());
        items.insert(at, item.clone());
        let titles = renumber(txn, items, now).await?;
        bump(
            txn,
            unchanged(),
            &before,
            agenda_changed("moved", &item, titles),
            now,
        )
        .await?;
        Ok(before.id)
    })
    .await
}

pub async fn remove_item(
    db: &Db,
    who: &Identity,
    item_id: i32,
    expected_version: i32,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let input = json!({ "op": "removeAgendaItem", "item": item_id,
        "expectedVersion": expected_version });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let (item, before) = item_and_meeting(txn, item_id, expected_version).await?;
        let nominations = nomination::Entity::find()
            .filter(nomination::Column::AgendaItemId.eq(item.id))
            .count(&**txn)
            .await?;
        if nominations > 0 || item.decision.is_some() {
            return Err(ApiError::bad_input(
                "an item with nominations or a recorded decision stays on the agenda",
            ));
        }
        if stored::<AgendaItemKind>(&item.kind)?.is_workflow_placed() {
            return Err(ApiError::bad_input(
                "a topic's item leaves the agenda with the topic: withdraw the topic instead",
            ));
        }
        agenda_item::Entity::delete_by_id(item.id)
            .exec(&**txn)
            .await?;
        let mut items = agenda(txn, before.id).await?;
        items.retain(|i| i.id != item.id);
        let titles = renumber(txn, items, now).await?;
        bump(
            txn,
            unchanged(),
            &before,
            agenda_changed("removed", &item, titles),
            now,
        )
        .await?;
        Ok(before.id)
    })
    .await
}

/// The agenda item of `meeting_id` that nominations go on: `wanted` if
/// given (it must be on that meeting's agenda), else its nominations item,
/// created (and announced) when missing.
pub async fn nominations_item(
    txn: &WriteTxn,
    meeting_id: i32,
    wanted: Option<i32>,
    now: DateTime<Utc>,
) -> Result<agenda_item::Model, ApiError> {
    let items = agenda(txn, meeting_id).await?;
    if let Some(id) = wanted {
        return items.into_iter().find(|i| i.id == id).ok_or_else(|| {
            ApiError::bad_input("the agenda item is not on the deciding meeting's agenda")
        });
    }
    let nominations = AgendaItemKind::Nominations.as_str();
    if let Some(item) = items.iter().find(|i| i.kind == nominations) {
        return Ok(item.clone());
    }
    let created = insert_item(
        txn,
        meeting_id,
        NOMINATIONS_TITLE,
        AgendaItemKind::Nominations,
        now,
    )
    .await?;
    let mut all = items;
    all.push(created.clone());
    let titles = renumber(txn, all, now).await?;
    touch(
        txn,
        meeting_id,
        agenda_changed("added", &created, titles),
        now,
    )
    .await?;
    Ok(created)
}

/// Places an item a workflow creates (a topic's) on an open meeting's
/// agenda, before "any other business" where the agenda ends with it, and
/// announces it. The meeting's row is updated first, so concurrent placements
/// on one meeting take their turns.
pub async fn place_item(
    txn: &WriteTxn,
    meeting_id: i32,
    title: &str,
    kind: AgendaItemKind,
    now: DateTime<Utc>,
) -> Result<agenda_item::Model, ApiError> {
    hold(txn, meeting_id).await?;
    let mut items = agenda(txn, meeting_id).await?;
    let aob = items
        .iter()
        .rposition(|i| i.standing && i.title == STANDING_ITEMS[4].0)
        .filter(|p| *p + 1 == items.len());
    let at = aob.unwrap_or(items.len());
    let created = insert_item(txn, meeting_id, title, kind, now).await?;
    items.insert(at, created.clone());
    let titles = renumber(txn, items, now).await?;
    touch(
        txn,
        meeting_id,
        agenda_changed("added", &created, titles),
        now,
    )
    .await?;
    agenda_item::Entity::find_by_id(created.id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::broken("an item just placed exists"))
}

/// Takes an item a workflow placed off its meeting's agenda, while the
/// meeting is open and nothing is decided on it; otherwise it stays, as
/// history. Whether it left.
pub async fn take_off_item(
    txn: &WriteTxn,
    item_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let Some(item) = agenda_item::Entity::find_by_id(item_id).one(&**txn).await? else {
        return Ok(false);
    };
    let meeting = hold(txn, item.meeting_id).await?;
    if check_open(&meeting).is_err() || item.decision.is_some() {
        return Ok(false);
    }
    agenda_item::Entity::delete_by_id(item.id)
        .exec(&**txn)
        .await?;
    let mut items = agenda(txn, item.meeting_id).await?;
    items.retain(|i| i.id != item.id);
    let titles = renumber(txn, items, now).await?;
    touch(
        txn,
        item.meeting_id,
        agenda_changed("removed", &item, titles),
        now,
    )
    .await?;
    Ok(true)
}

/// Holds a meeting's row for the rest of the transaction, whatever its
/// version (PostgreSQL: its row; SQLite: the write lock), then reads it.
async fn hold(txn: &WriteTxn, meeting_id: i32) -> Result<meeting::Model, ApiError> {
    meeting::Entity::update_many()
        .col_expr(
            meeting::Column::Version,
            sea_orm::sea_query::Expr::col(meeting::Column::Version),
        )
        .filter(meeting::Column::Id.eq(meeting_id))
        .exec(&**txn)
        .await?;
    meeting::Entity::find_by_id(meeting_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))
}

/// Records a decision of the nomination workflow (one line per nomination)
/// on an agenda item, and announces it.
pub async fn record_decision(
    txn: &WriteTxn,
    item_id: i32,
    line: &str,
    nomination_id: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let item = agenda_item::Entity::find_by_id(item_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| {
            tracing::error!(item = item_id, "a nomination's agenda item is missing");
            ApiError::Internal
        })?;
    let decision = Decided {
        kind: DecisionKind::Agreed,
        text: line.to_owned(),
        nomination_id: Some(nomination_id),
        by: "system".to_owned(),
    };
    record(txn, item, decision, now).await?;
    Ok(())
}

/// A decision to record.
pub struct Decided {
    pub kind: DecisionKind,
    pub text: String,
    pub nomination_id: Option<i64>,
    /// The account that recorded it (`system` for the workflow's own).
    pub by: String,
}

/// The one place a decision is recorded: the register's row, the item's
/// decision text (each decision one line), the meeting's version and a
/// `DECISION_RECORDED` entry, in the caller's transaction.
pub async fn record(
    txn: &WriteTxn,
    item: agenda_item::Model,
    decided: Decided,
    now: DateTime<Utc>,
) -> Result<decision::Model, ApiError> {
    let row = decision::ActiveModel {
        meeting_id: Set(item.meeting_id),
        agenda_item_id: Set(item.id),
        kind: Set(decided.kind.as_str().to_owned()),
        text: Set(decided.text.clone()),
        nomination_id: Set(decided.nomination_id),
        recorded_by: Set(decided.by.clone()),
        recorded_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(&**txn)
    .await?;
    let text = match &item.decision {
        Some(text) => format!("{text}\n{}", decided.text),
        None => decided.text.clone(),
    };
    let (item_id, meeting_id, version) = (item.id, item.meeting_id, item.version);
    let mut changes: agenda_item::ActiveModel = item.into();
    changes.decision = Set(Some(text));
    changes.decided_at = Set(Some(now.fixed_offset()));
    changes.version = Set(version + 1);
    changes.updated_at = Set(now.fixed_offset());
    changes.update(&**txn).await?;
    let (id, kind, line) = (row.id, decided.kind.as_str().to_owned(), decided.text);
    touch(
        txn,
        meeting_id,
        |after| Event::DecisionRecorded {
            agenda_item_id: item_id,
            nomination_id: decided.nomination_id,
            decision: line,
            version: Some(after.version),
            decision_id: Some(id),
            kind: Some(kind),
        },
        now,
    )
    .await?;
    Ok(row)
}

/// Records a decision the President's office states on an item of a
/// meeting in session (the caller saw the meeting at `expected_version`).
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    db: &Db,
    who: &Identity,
    item_id: i32,
    expected_version: i32,
    kind: DecisionKind,
    text: String,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::bad_input("a decision has a text"));
    }
    bounded("text", Some(text.clone()), DECISION_MAX)?;
    let input = json!({ "op": "recordDecision", "item": item_id,
        "expectedVersion": expected_version, "kind": kind.as_str(), "text": text });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let (item, meeting) = item_and_meeting(txn, item_id, expected_version).await?;
        in_session(&meeting.code, stored(&meeting.status)?)?;
        claim(txn, meeting.id, expected_version).await?;
        let decided = Decided {
            kind,
            text: text.clone(),
            nomination_id: None,
            by: who.subject.clone(),
        };
        Ok(record(txn, item, decided, now).await?.id)
    })
    .await
}

/// The standing items a committee meeting's provisional agenda starts with.
pub(super) async fn seed_standing_items(
    txn: &WriteTxn,
    meeting_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for (i, (title, kind)) in STANDING_ITEMS.iter().enumerate() {
        insert_row(txn, meeting_id, i as i32 + 1, title, *kind, true, now).await?;
    }
    Ok(())
}

/// Adopts the agenda of a meeting in session, with any additional items
/// (placed before "any other business" where the agenda ends with it), and
/// records the adoption as a decision on its adoption item.
pub async fn adopt(
    db: &Db,
    who: &Identity,
    meeting_id: i32,
    expected_version: i32,
    additional: Vec<String>,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let mut titles = Vec::with_capacity(additional.len());
    for title in additional {
        let title = title.trim().to_owned();
        if title.is_empty() || title.chars().count() > 500 {
            return Err(ApiError::bad_input(
                "an agenda item's title has 1 to 500 characters",
            ));
        }
        titles.push(title);
    }
    if titles.len() > 20 {
        return Err(ApiError::bad_input("at most 20 additional items at once"));
    }
    let input = json!({ "op": "adoptAgenda", "meeting": meeting_id,
        "expectedVersion": expected_version, "additional": titles });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let before = locked(txn, meeting_id, expected_version).await?;
        check_open(&before)?;
        in_session(&before.code, stored(&before.status)?)?;
        if before.agenda_adopted_at.is_some() {
            return Err(ApiError::GuardFailed {
                guard: "notYetAdopted".to_owned(),
                reason: format!("the {}'s agenda is already adopted", before.code),
            });
        }
        let mut items = agenda(txn, meeting_id).await?;
        let adoption_kind = AgendaItemKind::AgendaAdoption.as_str();
        if !items.iter().any(|i| i.kind == adoption_kind) {
            let created = insert_item(
                txn,
                meeting_id,
                STANDING_ITEMS[0].0,
                AgendaItemKind::AgendaAdoption,
                now,
            )
            .await?;
            items.insert(0, created);
        }
        let aob = items
            .iter()
            .rposition(|i| i.standing && i.title == STANDING_ITEMS[4].0)
            .filter(|p| *p + 1 == items.len());
        let first = aob.unwrap_or(items.len());
        for (at, title) in (first..).zip(titles.iter()) {
            let created = insert_item(txn, meeting_id, title, AgendaItemKind::General, now).await?;
            items.insert(at, created);
        }
        let agenda_titles = renumber(txn, items.clone(), now).await?;
        let adoption = items
            .into_iter()
            .find(|i| i.kind == adoption_kind)
            .ok_or_else(|| ApiError::broken("the agenda has its adoption item"))?;
        let mut changes = unchanged();
        changes.agenda_adopted_at = Set(Some(now.fixed_offset()));
        let added = titles.clone();
        bump(
            txn,
            changes,
            &before,
            move |after| Event::AgendaAdopted {
                additional: added,
                agenda: agenda_titles,
                version: after.version,
                status: after.status.clone(),
            },
            now,
        )
        .await?;
        let text = if titles.is_empty() {
            "The agenda was adopted.".to_owned()
        } else {
            format!(
                "The agenda was adopted with the additional items: {}.",
                titles.join("; ")
            )
        };
        let adoption = agenda_item::Entity::find_by_id(adoption.id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::broken("the adoption item exists"))?;
        let decided = Decided {
            kind: DecisionKind::Agreed,
            text,
            nomination_id: None,
            by: who.subject.clone(),
        };
        record(txn, adoption, decided, now).await?;
        Ok(meeting_id)
    })
    .await
}

/// Renames an agenda item (a standing item included).
pub async fn rename_item(
    db: &Db,
    who: &Identity,
    item_id: i32,
    expected_version: i32,
    title: String,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 500 {
        return Err(ApiError::bad_input(
            "an agenda item's title has 1 to 500 characters",
        ));
    }
    let input = json!({ "op": "renameAgendaItem", "item": item_id,
        "expectedVersion": expected_version, "title": title });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let (item, before) = item_and_meeting(txn, item_id, expected_version).await?;
        let version = item.version;
        let mut changes: agenda_item::ActiveModel = item.clone().into();
        changes.title = Set(title.clone());
        changes.version = Set(version + 1);
        changes.updated_at = Set(now.fixed_offset());
        let renamed = changes.update(&**txn).await?;
        let titles = agenda(txn, before.id)
            .await?
            .into_iter()
            .map(|i| i.title)
            .collect();
        bump(
            txn,
            unchanged(),
            &before,
            agenda_changed("renamed", &renamed, titles),
            now,
        )
        .await?;
        Ok(before.id)
    })
    .await
}
