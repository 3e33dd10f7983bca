//! Holdings attested by sources (`compositions.csv`) and the periods for
//! which the records are complete (`records.csv`).
//!
//! A row whose appointing and ending meetings are both given is a known term:
//! from the close of the one to the close of the other. Otherwise a source
//! only shows the State in the seat on its evidence date: the holding is
//! loaded for the period between the Meetings of States Parties or Review
//! Conferences around that date (a bound given by the row replaces the
//! inferred one), marked as attested, and never extended past that period.

use std::sync::LazyLock;

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{meeting, position};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::bad_data;
use super::rows::{CompositionRow, RecordsRow, Spec, parse};
use crate::meetings::model::MeetingKind;

const COMPOSITIONS_CSV: &str = include_str!("../../data/compositions.csv");
const RECORDS_CSV: &str = include_str!("../../data/records.csv");

static RECORDS: LazyLock<Vec<RecordsRow>> =
    LazyLock::new(|| parse(RECORDS_CSV).unwrap_or_default());

/// Whether the records name every holder of the committee on `date`: inside
/// a period `records.csv` lists, or after `today` (what the workflow records
/// is then the whole record). An empty seat outside them is unknown, not vacant.
pub fn complete_on(date: NaiveDate, today: NaiveDate) -> bool {
    date > today || RECORDS.iter().any(|r| r.from <= date && date < r.until)
}

/// The period a row covers: its start, end, and whether it is only attested.
fn period(
    row: &CompositionRow,
    closes: &[(String, NaiveDate)],
) -> Result<(NaiveDate, NaiveDate, bool), DbErr> {
    let close = |code: &String| {
        closes
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, d)| *d)
            .ok_or_else(|| bad_data("compositions.csv", format!("unknown meeting {code}")))
    };
    let before = closes
        .iter()
        .rev()
        .find(|(_, d)| *d < row.evidence_date)
        .map(|(_, d)| *d);
    let after = closes
        .iter()
        .find(|(_, d)| *d >= row.evidence_date)
        .map(|(_, d)| *d);
    let start = match &row.appointed_at {
        Some(code) => close(code)?,
        None => before.ok_or_else(|| bad_data("compositions.csv", "no meeting before"))?,
    };
    let end = match &row.term_ends_at {
        Some(code) => close(code)?,
        None => after.ok_or_else(|| bad_data("compositions.csv", "no meeting after"))?,
    };
    if end <= start {
        return Err(bad_data(
            "compositions.csv",
            format!(
                "{} {} ends before it starts",
                row.position_code, row.state_iso3
            ),
        ));
    }
    let attested = row.appointed_at.is_none() || row.term_ends_at.is_none();
    Ok((start, end, attested))
}

/// The holdings the sources attest, as mandates to hold, in file order.
pub(super) async fn specs(
    txn: &DatabaseTransaction,
    positions: &HashMap<String, position::Model>,
) -> Result<Vec<Spec>, DbErr> {
    let rows: Vec<CompositionRow> =
        parse(COMPOSITIONS_CSV).map_err(|e| bad_data("compositions.csv", e))?;
    let meetings = meeting::Entity::find()
        .filter(meeting::Column::Kind.is_in([
            MeetingKind::Msp.as_str(),
            MeetingKind::ReviewConference.as_str(),
        ]))
        .filter(meeting::Column::EndsOn.is_not_null())
        .order_by_asc(meeting::Column::EndsOn)
        .all(txn)
        .await?;
    let closes: Vec<(String, NaiveDate)> = meetings
        .iter()
        .filter_map(|m| Some((m.code.clone(), m.ends_on?)))
        .collect();
    let id_of = |code: &Option<String>| {
        code.as_ref()
            .and_then(|c| meetings.iter().find(|m| m.code == *c))
            .map(|m| m.id)
    };
    let mut specs = Vec::with_capacity(rows.len());
    for row in rows {
        let position = positions.get(&row.position_code).ok_or_else(|| {
            bad_data(
                "compositions.csv",
                format!("unknown position {}", row.position_code),
            )
        })?;
        let (start, end, attested) = period(&row, &closes)?;
        specs.push(Spec {
            key: None,
            position_id: position.id,
            position: position.code.clone(),
            seats: position.seats,
            state_iso3: row.state_iso3.clone(),
            seat: None,
            starts_on: start,
            ends_on: Some(end),
            designated_at: id_of(&row.appointed_at),
            ends_at: id_of(&row.term_ends_at),
            renews: None,
            attested_on: attested.then_some(row.evidence_date),
            source: row.source.clone(),
        });
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn closes() -> Vec<(String, NaiveDate)> {
        [
            ("1RC", "2015-09-11"),
            ("6MSP", "2016-09-07"),
            ("7MSP", "2017-09-06"),
            ("8MSP", "2018-09-05"),
        ]
        .into_iter()
        .map(|(c, x)| (c.to_owned(), d(x)))
        .collect()
    }

    fn row(appointed: Option<&str>, ends: Option<&str>, evidence: &str) -> CompositionRow {
        CompositionRow {
            position_code: "UNIVERSALIZATION".into(),
            state_iso3: "PAN".into(),
            appointed_at: appointed.map(str::to_owned),
            term_ends_at: ends.map(str::to_owned),
            evidence_date: d(evidence),
            source: String::new(),
        }
    }

    #[test]
    fn an_attested_holding_covers_the_period_between_the_meetings_around_its_date() {
        let (start, end, attested) = period(&row(None, None, "2018-03-01"), &closes()).expect("ok");
        assert_eq!(
            (start, end, attested),
            (d("2017-09-06"), d("2018-09-05"), true)
        );
        // A date on a meeting's last day belongs to the period that meeting closes.
        let (start, end, _) =
            period(&row(None, Some("8MSP"), "2018-09-05"), &closes()).expect("ok");
        assert_eq!((start, end), (d("2017-09-06"), d("2018-09-05")));
    }

    #[test]
    fn a_row_with_both_meetings_is_a_known_term() {
        let (start, end, attested) =
            period(&row(Some("6MSP"), Some("8MSP"), "2017-01-01"), &closes()).expect("ok");
        assert_eq!(
            (start, end, attested),
            (d("2016-09-07"), d("2018-09-05"), false)
        );
    }

    #[test]
    fn the_records_are_complete_where_a_full_composition_was_published() {
        let today = d("2026-11-27");
        assert!(complete_on(d("2014-12-01"), today));
        assert!(complete_on(d("2018-03-01"), today));
        assert!(!complete_on(d("2020-06-01"), today));
        assert!(
            complete_on(d("2027-06-01"), today),
            "the future is the workflow's record"
        );
    }
}
