//! Changing meetings. Each change is one transaction: the row, the meeting's
//! version and an event-log entry for `meetingUpdates`, with what depends on
//! the meeting's dates or status (open nominations, mandates' ending meeting)
//! moved in the same transaction by the domains that own it, through the
//! hooks they registered (`hooks`): meetings never name them.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use entity::{meeting, state};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::hooks::MeetingHooks;
use super::model::{MeetingKind, MeetingStatus, SessionFormat};
use crate::auth::Identity;
use crate::bounds::{NAME_MAX, bounded, check_year};
use crate::config::Policy;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::workflow::idempotency::{self, Done, Keyed};

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
    pub when: When,
}

/// New dates or venue; `None` keeps what is there.
#[derive(Clone, Debug, Default)]
pub struct MeetingChange {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub presiding_state: Option<String>,
    pub when: When,
}

/// A meeting's hours, time zone, venue, format and whether it is closed;
/// `None` keeps (or, when scheduling, leaves out) each.
#[derive(Clone, Debug, Default)]
pub struct When {
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    /// An IANA time zone name (`Europe/Zurich`).
    pub time_zone: Option<String>,
    pub venue: Option<String>,
    pub format: Option<SessionFormat>,
    pub closed: Option<bool>,
}

impl When {
    /// Checks the time zone, the venue and the hours against what `before`
    /// holds, and sets what changes on `changes`. Says whether the hours moved.
    fn apply(
        self,
        before: Option<&meeting::Model>,
        changes: &mut meeting::ActiveModel,
    ) -> Result<bool, ApiError> {
        let venue = bounded("venue", self.venue, NAME_MAX)?;
        if let Some(zone) = &self.time_zone {
            zone.parse::<chrono_tz::Tz>().map_err(|_| {
                ApiError::bad_input(format!(
                    "`{zone}` is not a time zone: give an IANA name such as Europe/Zurich"
                ))
            })?;
        }
        let hhmm = |t: NaiveTime| t.format("%H:%M").to_string();
        let start = self
            .start_time
            .map(hhmm)
            .or(before.and_then(|b| b.start_time.clone()));
        let end = self
            .end_time
            .map(hhmm)
            .or(before.and_then(|b| b.end_time.clone()));
        let zone = self
            .time_zone
            .clone()
            .or(before.and_then(|b| b.time_zone.clone()));
        if (start.is_some() || end.is_some()) && zone.is_none() {
            return Err(ApiError::bad_input(
                "a meeting's hours need its time zone: give `timeZone` (e.g. Europe/Zurich)",
            ));
        }
        if end.is_some() && start.is_none() {
            return Err(ApiError::bad_input(
                "give the hour it starts with the hour it ends",
            ));
        }
        let moved = before.is_some_and(|b| {
            (
                b.start_time.as_ref(),
                b.end_time.as_ref(),
                b.time_zone.as_ref(),
            ) != (start.as_ref(), end.as_ref(), zone.as_ref())
        });
        changes.start_time = Set(start);
        changes.end_time = Set(end);
        changes.time_zone = Set(zone);
        if let Some(venue) = venue {
            changes.venue = Set(Some(venue));
        }
        if let Some(format) = self.format {
            changes.format = Set(Some(format.as_str().to_owned()));
        }
        if let Some(closed) = self.closed {
            changes.closed = Set(closed);
        }
        Ok(moved)
    }
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

use super::rows::{bump, locked, unchanged};
pub use super::rows::{check_open, status_of};

pub async fn schedule(
    db: &Db,
    hooks: &MeetingHooks,
    who: &Identity,
    new: NewMeeting,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let code = new.code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 32 {
        return Err(ApiError::bad_input("a meeting code has 1 to 32 characters"));
    }
    check_dates(new.starts_on, new.ends_on)?;
    let city = bounded("city", new.city, NAME_MAX)?;
    let year = new
        .year
        .or(new.starts_on.map(|d| d.year()))
        .ok_or_else(|| ApiError::bad_input("give the year or the dates"))?;
    check_year("year", year)?;
    let input = json!({ "op": "scheduleMeeting", "code": code, "kind": new.kind.as_str(),
        "ordinal": new.ordinal, "year": year, "startsOn": new.starts_on, "endsOn": new.ends_on,
        "city": city, "country": new.country, "presiding": new.presiding_state,
        "when": format!("{:?}", new.when) });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        if meeting::Entity::find()
            .filter(meeting::Column::Code.eq(code.as_str()))
            .one(&**txn)
            .await?
            .is_some()
        {
            return Err(ApiError::bad_input(format!(
                "a meeting {code} already exists"
            )));
        }
        let country = check_state(txn, &new.country).await?;
        let presiding = check_state(txn, &new.presiding_state).await?;
        let mut row = meeting::ActiveModel {
            code: Set(code.clone()),
            kind: Set(new.kind.as_str().to_owned()),
            ordinal: Set(new.ordinal),
            year: Set(year),
            starts_on: Set(new.starts_on),
            ends_on: Set(new.ends_on),
            city: Set(city.clone()),
            country_iso3: Set(country),
            presiding_state_iso3: Set(presiding),
            status: Set(MeetingStatus::Planned.as_str().to_owned()),
            version: Set(1),
            source: Set(super::model::SCHEDULED_THROUGH_THE_API.to_owned()),
            created_at: Set(now.fixed_offset()),
            updated_at: Set(now.fixed_offset()),
            ..Default::default()
        };
        new.when.clone().apply(None, &mut row)?;
        let created = row.insert(&**txn).await?;
        events::append(
            &**txn,
            &Topic::Meeting(created.id),
            None,
            &Event::MeetingScheduled {
                code: code.clone(),
                kind: created.kind.clone(),
                starts_on: created.starts_on,
                ends_on: created.ends_on,
                city: created.city.clone(),
                version: 1,
                status: created.status.clone(),
            },
            now,
        )
        .await?;
        if new.kind == MeetingKind::CoordinationCommittee {
            super::agenda::seed_standing_items(txn, created.id, now).await?;
        }
        super::invitations::follow_composition(txn, &created, "scheduled", now).await?;
        hooks.dated(txn, &created, now).await?;
        Ok(created.id)
    })
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn change(
    db: &Db,
    hooks: &MeetingHooks,
    who: &Identity,
    id: i32,
    expected_version: i32,
    change: MeetingChange,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let city = bounded("city", change.city, NAME_MAX)?;
    let input = json!({ "op": "updateMeeting", "id": id, "expectedVersion": expected_version,
        "startsOn": change.starts_on, "endsOn": change.ends_on, "city": city,
        "country": change.country, "presiding": change.presiding_state,
        "when": format!("{:?}", change.when) });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let before = locked(txn, id, expected_version).await?;
        check_open(&before)?;
        let starts_on = change.starts_on.or(before.starts_on);
        let ends_on = change.ends_on.or(before.ends_on);
        check_dates(starts_on, ends_on)?;
        let mut changes = unchanged();
        changes.starts_on = Set(starts_on);
        changes.ends_on = Set(ends_on);
        let hours_moved = change.when.clone().apply(Some(&before), &mut changes)?;
        let dates_moved = (starts_on, ends_on) != (before.starts_on, before.ends_on);
        if hours_moved || dates_moved {
            changes.sequence = Set(before.sequence + 1);
        }
        if let Some(city) = &city {
            changes.city = Set(Some(city.clone()));
        }
        if change.country.is_some() {
            changes.country_iso3 = Set(check_state(txn, &change.country).await?);
        }
        if change.presiding_state.is_some() {
            changes.presiding_state_iso3 = Set(check_state(txn, &change.presiding_state).await?);
        }
        let after = bump(
            txn,
            changes,
            &before,
            |after| Event::MeetingUpdated {
                starts_on: after.starts_on,
                ends_on: after.ends_on,
                city: after.city.clone(),
                version: after.version,
                status: after.status.clone(),
            },
            now,
        )
        .await?;
        if dates_moved {
            super::invitations::follow_composition(txn, &after, "moved", now).await?;
            hooks.moved(txn, &before, &after, now).await?;
            hooks.dated(txn, &after, now).await?;
        }
        Ok(id)
    })
    .await
}

/// Refuses to open a meeting earlier than `policy.open_window_days` before its first day.
fn check_opening(
    meeting: &meeting::Model,
    today: NaiveDate,
    policy: &Policy,
) -> Result<(), ApiError> {
    let Some(start) = meeting.starts_on else {
        return Err(ApiError::GuardFailed {
            guard: "openingWindow".to_owned(),
            reason: format!("the {} has no dates yet: it cannot open", meeting.code),
        });
    };
    let earliest = start - Days::new(policy.open_window_days);
    if today < earliest {
        return Err(ApiError::GuardFailed {
            guard: "openingWindow".to_owned(),
            reason: format!(
                "the {} starts on {start}: it can open from {earliest}",
                meeting.code
            ),
        });
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn set_status(
    db: &Db,
    hooks: &MeetingHooks,
    who: &Identity,
    id: i32,
    expected_version: i32,
    to: MeetingStatus,
    policy: &Policy,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let input = json!({ "op": "setMeetingStatus", "id": id, "expectedVersion": expected_version,
        "to": to.as_str() });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let before = locked(txn, id, expected_version).await?;
        let from = status_of(&before)?;
        if !from.next().contains(&to) {
            return Err(ApiError::InvalidTransition {
                message: format!("a {} meeting cannot become {}", from.as_str(), to.as_str()),
                state: before.status.clone(),
                allowed: from.next().iter().map(|s| s.as_str().to_owned()).collect(),
            });
        }
        if to == MeetingStatus::InSession {
            check_opening(&before, now.date_naive(), policy)?;
        }
        let mut changes = unchanged();
        changes.status = Set(to.as_str().to_owned());
        let after = bump(
            txn,
            changes,
            &before,
            |after| Event::MeetingStatusChanged {
                from: from.as_str().to_owned(),
                to: to.as_str().to_owned(),
                version: after.version,
                status: after.status.clone(),
            },
            now,
        )
        .await?;
        if to.is_closed() {
            hooks.closed(txn, &after, now).await?;
        }
        Ok(id)
    })
    .await
}
