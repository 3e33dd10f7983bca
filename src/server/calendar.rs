//! `GET /calendar.ics`: every meeting as an iCalendar (RFC 5545) event,
//! built with the `icalendar` crate. Each meeting has a stable `UID`; its
//! start and end are in its own time zone where it has hours (with the
//! `VTIMEZONE` the standard asks for), whole days otherwise; `SEQUENCE` is
//! raised whenever it moves, so subscribed calendars follow the change.
//! `?kinds=COORDINATION_COMMITTEE,MSP` keeps some kinds only.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use entity::meeting;
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, EventStatus};

use super::AppState;
use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::vocabulary::Unknown;

#[derive(serde::Deserialize)]
pub struct Params {
    kinds: Option<String>,
}

/// 1st, 2nd, 3rd, 4th, 11th, 21st...
pub fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, r) if r != 11 => "st",
        (2, r) if r != 12 => "nd",
        (3, r) if r != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn title(m: &meeting::Model, number: Option<i32>) -> String {
    match m.kind.parse::<MeetingKind>() {
        Ok(MeetingKind::CoordinationCommittee) => match (number, m.starts_on) {
            (Some(n), Some(d)) => format!(
                "{} Coordination Committee meeting of {} ({})",
                ordinal(i64::from(n)),
                d.year(),
                m.code
            ),
            _ => format!("Coordination Committee meeting ({})", m.code),
        },
        Ok(MeetingKind::Msp) => format!("Meeting of States Parties ({})", m.code),
        Ok(MeetingKind::ReviewConference) => format!("Review Conference ({})", m.code),
        Ok(MeetingKind::Intersessional) => format!("Intersessional meeting ({})", m.code),
        Ok(MeetingKind::InformalConsultation) => format!("Informal consultation ({})", m.code),
        Err(Unknown(_)) => m.code.clone(),
    }
}

fn hour(text: Option<&str>) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text?, "%H:%M").ok()
}

/// The zone a meeting's hours are in, when it has hours.
fn zoned(m: &meeting::Model) -> Option<(Tz, NaiveTime)> {
    Some((
        m.time_zone.as_deref()?.parse().ok()?,
        hour(m.start_time.as_deref())?,
    ))
}

fn event(m: &meeting::Model, number: Option<i32>) -> icalendar::Event {
    let mut e = icalendar::Event::new();
    e.uid(&format!("meeting-{}@ccm-committee", m.id))
        .summary(&title(m, number))
        .sequence(m.sequence.max(0) as u32)
        .timestamp(m.updated_at.with_timezone(&Utc))
        .last_modified(m.updated_at.with_timezone(&Utc));
    let place: Vec<&str> = [m.venue.as_deref(), m.city.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !place.is_empty() {
        e.location(&place.join(", "));
    }
    match (m.starts_on, zoned(m)) {
        (Some(day), Some((zone, start))) => {
            let end_day = m.ends_on.unwrap_or(day);
            let end = hour(m.end_time.as_deref())
                .map(|t| end_day.and_time(t))
                .unwrap_or_else(|| day.and_time(start) + Duration::hours(2));
            e.starts(CalendarDateTime::WithTimezone {
                date_time: day.and_time(start),
                tzid: zone.name().to_owned(),
            });
            e.ends(CalendarDateTime::WithTimezone {
                date_time: end,
                tzid: zone.name().to_owned(),
            });
        }
        (Some(day), None) => {
            let last = m.ends_on.unwrap_or(day);
            e.starts(day);
            e.ends(last + Duration::days(1));
        }
        (None, _) => {}
    }
    match m.status.parse::<MeetingStatus>() {
        Ok(MeetingStatus::Cancelled) => {
            e.status(EventStatus::Cancelled);
        }
        Ok(MeetingStatus::Planned | MeetingStatus::InSession) => {
            e.status(EventStatus::Confirmed);
        }
        _ => {}
    }
    e.done()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
}

/// The offset of `zone` at `at`: total seconds, whether daylight saving, its abbreviation.
fn offset_at(zone: Tz, at: DateTime<Utc>) -> (i32, bool, String) {
    let o = zone.offset_from_utc_datetime(&at.naive_utc());
    (
        o.fix().local_minus_utc(),
        o.dst_offset() != chrono::TimeDelta::zero(),
        o.abbreviation().unwrap_or("").to_owned(),
    )
}

/// A `VTIMEZONE` for `zone` covering `years`: its offset at the start and
/// every change within them (found hour by hour, then to the minute).
fn vtimezone(zone: Tz, years: (i32, i32)) -> String {
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", zone.name());
    let Some(start) = Utc.with_ymd_and_hms(years.0, 1, 1, 0, 0, 0).single() else {
        return out + "END:VTIMEZONE\r\n";
    };
    let Some(end) = Utc.with_ymd_and_hms(years.1 + 1, 1, 1, 0, 0, 0).single() else {
        return out + "END:VTIMEZONE\r\n";
    };
    let mut component = |kind: &str, at: DateTime<Utc>, from: i32, to: (i32, bool, String)| {
        let local = at.naive_utc() + Duration::seconds(i64::from(from));
        out.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n{}END:{kind}\r\n",
            local.format("%Y%m%dT%H%M%S"),
            offset_text(from),
            offset_text(to.0),
            if to.2.is_empty() || to.2.starts_with(['+', '-']) {
                String::new()
            } else {
                format!("TZNAME:{}\r\n", to.2)
            }
        ));
    };
    let first = offset_at(zone, start);
    component(
        if first.1 { "DAYLIGHT" } else { "STANDARD" },
        start,
        first.0,
        first.clone(),
    );
    let mut before = first;
    let mut at = start;
    while at < end {
        let next = at + Duration::hours(1);
        let now = offset_at(zone, next);
        if now.0 != before.0 {
            let mut exact = at;
            while offset_at(zone, exact).0 == before.0 && exact < next {
                exact += Duration::minutes(1);
            }
            component(
                if now.1 { "DAYLIGHT" } else { "STANDARD" },
                exact,
                before.0,
                now.clone(),
            );
        }
        before = now;
        at = next;
    }
    out + "END:VTIMEZONE\r\n"
}

/// The feed's text for `meetings` (their numbers given for committee meetings).
pub fn feed(meetings: &[meeting::Model], numbers: &std::collections::HashMap<i32, i32>) -> String {
    let mut calendar = Calendar::new();
    calendar.name("Convention on Cluster Munitions: meetings");
    let mut zones: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    for m in meetings {
        calendar.push(event(m, numbers.get(&m.id).copied()));
        if let (Some((zone, _)), Some(day)) = (zoned(m), m.starts_on) {
            let last = m.ends_on.unwrap_or(day).year();
            let span = zones
                .entry(zone.name().to_owned())
                .or_insert((day.year(), last));
            span.0 = span.0.min(day.year());
            span.1 = span.1.max(last);
        }
    }
    let text = calendar.done().to_string();
    let timezones: String = zones
        .iter()
        .filter_map(|(name, years)| Some(vtimezone(name.parse().ok()?, *years)))
        .collect();
    // The zones go before the events, right after the calendar's own properties.
    match text.find("BEGIN:VEVENT") {
        Some(at) => format!("{}{timezones}{}", &text[..at], &text[at..]),
        None => text,
    }
}

/// A page's answer when reading failed: 503 with Retry-After when the
/// database cannot be reached, 500 otherwise (never the error's text).
pub fn failure(e: &crate::error::ApiError) -> Response {
    match e {
        crate::error::ApiError::Unavailable { retry_after_secs } => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, retry_after_secs.to_string())],
            "the database cannot be reached: retry shortly\n",
        )
            .into_response(),
        other => {
            tracing::error!(code = other.code(), "a page could not be built");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

pub async fn calendar(State(app): State<AppState>, Query(params): Query<Params>) -> Response {
    let mut kinds = Vec::new();
    for kind in params.kinds.iter().flat_map(|k| k.split(',')) {
        match kind.trim().parse::<MeetingKind>() {
            Ok(k) if kinds.contains(&k) => {}
            Ok(k) => kinds.push(k),
            Err(Unknown(other)) => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("`{other}` is not a meeting kind\n"),
                )
                    .into_response();
            }
        }
    }
    let meetings = match crate::meetings::service::calendar(&app.db, &kinds).await {
        Ok(m) => m,
        Err(e) => return failure(&e),
    };
    let ids: Vec<i32> = meetings.iter().map(|m| m.id).collect();
    let numbers = match crate::meetings::service::committee_numbers(&app.db, &ids).await {
        Ok(n) => n,
        Err(e) => return failure(&e),
    };
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        feed(&meetings, &numbers),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zurich_changes_twice_a_year() {
        let text = vtimezone("Europe/Zurich".parse().expect("zone"), (2026, 2026));
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST"), "{text}");
        assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100"), "{text}");
    }
}
