//! The committee's reference data: States and their dates with the
//! Convention, observers and the Implementation Support Unit, positions,
//! Meetings of States Parties and Review Conferences, and the mandates of the
//! published compositions and presidencies.
//!
//! The data lives in readable CSV files under `data/` (each row cites its
//! source) and is compiled into the binary. Loading is idempotent: rows that
//! are already present are left alone, missing ones are added, all in one
//! transaction.

pub mod compositions;
mod dates;
mod rows;

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{mandate, meeting, meeting_session, organization, position, state};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

pub use dates::entry_into_force;
use rows::{MandateRow, MeetingRow, OrganizationRow, PositionRow, StateRow, parse};

use crate::db::Db;

const STATES_CSV: &str = include_str!("../../data/states.csv");
const ORGANIZATIONS_CSV: &str = include_str!("../../data/organizations.csv");
const MEETINGS_CSV: &str = include_str!("../../data/meetings.csv");
const POSITIONS_CSV: &str = include_str!("../../data/positions.csv");
const MANDATES_CSV: &str = include_str!("../../data/mandates.csv");

static KNOWN_STATES: std::sync::LazyLock<HashSet<String>> = std::sync::LazyLock::new(|| {
    parse::<StateRow>(STATES_CSV)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.iso3)
        .collect()
});

static KNOWN_ORGANIZATIONS: std::sync::LazyLock<HashSet<String>> = std::sync::LazyLock::new(|| {
    parse::<OrganizationRow>(ORGANIZATIONS_CSV)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.code)
        .collect()
});

/// Whether `code` names a State of the reference data (one that signed or joined).
pub fn known_state(code: &str) -> bool {
    KNOWN_STATES.contains(code)
}

/// Whether `code` names an organization of the reference data.
pub fn known_organization(code: &str) -> bool {
    KNOWN_ORGANIZATIONS.contains(code)
}

/// How many rows of each kind a load added.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub states: usize,
    pub organizations: usize,
    pub meetings: usize,
    pub positions: usize,
    pub mandates: usize,
}

impl LoadReport {
    pub fn total(&self) -> usize {
        self.states + self.organizations + self.meetings + self.positions + self.mandates
    }
}

/// Loads whatever reference rows are missing, in one transaction (callers
/// that may run beside other processes use [`prepare`], which takes the lock).
/// `today` decides the initial status of each meeting (concluded, in session, planned).
pub async fn load(db: &Db, today: NaiveDate) -> Result<LoadReport, DbErr> {
    let txn = db.conn.begin().await?;
    let mut report = LoadReport {
        states: load_states(&txn).await?,
        organizations: load_organizations(&txn).await?,
        meetings: load_meetings(&txn, today).await?,
        ..LoadReport::default()
    };
    report.positions = load_positions(&txn).await?;
    report.mandates = load_mandates(&txn).await? + compositions::load(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

/// What to load when preparing a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loading {
    /// Nothing: only migrate.
    Nothing,
    /// The reference data, into an empty database (a server's start).
    IntoEmpty,
    /// Whatever reference rows are missing (`seed`).
    Missing,
}

/// Migrates and loads, one process at a time (see `db::StartupLock`).
pub async fn prepare(
    db: &Db,
    config: &crate::config::DatabaseConfig,
    loading: Loading,
    today: NaiveDate,
) -> Result<LoadReport, DbErr> {
    let lock = crate::db::StartupLock::acquire(config).await?;
    let result = async {
        db.migrate().await?;
        let wanted = match loading {
            Loading::Nothing => false,
            Loading::IntoEmpty => is_empty(db).await?,
            Loading::Missing => true,
        };
        if wanted {
            load(db, today).await
        } else {
            Ok(LoadReport::default())
        }
    }
    .await;
    lock.release().await;
    result
}

/// Whether the database holds no reference data yet.
async fn is_empty(db: &Db) -> Result<bool, DbErr> {
    Ok(state::Entity::find().one(&db.conn).await?.is_none())
}

pub(crate) fn bad_data(what: &str, detail: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("reference data {what}: {detail}"))
}

async fn load_states(txn: &DatabaseTransaction) -> Result<usize, DbErr> {
    let rows: Vec<StateRow> = parse(STATES_CSV).map_err(|e| bad_data("states.csv", e))?;
    let existing: HashSet<String> = state::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|s| s.iso3)
        .collect();
    let mut added = Vec::new();
    for row in rows.into_iter().filter(|r| !existing.contains(&r.iso3)) {
        let entry_into_force_on = row.ratified_on.map(entry_into_force);
        added.push(state::ActiveModel {
            iso3: Set(row.iso3),
            name: Set(row.name),
            un_regional_group: Set(row.un_regional_group),
            signed_on: Set(row.signed_on),
            deposited_on: Set(row.ratified_on),
            deposit_kind: Set(row.how),
            entry_into_force_on: Set(entry_into_force_on),
            withdrawal_effective_on: Set(row.withdrawal_effective_on),
            source: Set(row.source),
        });
    }
    let count = added.len();
    if count > 0 {
        state::Entity::insert_many(added).exec(txn).await?;
    }
    Ok(count)
}

async fn load_organizations(txn: &DatabaseTransaction) -> Result<usize, DbErr> {
    let rows: Vec<OrganizationRow> =
        parse(ORGANIZATIONS_CSV).map_err(|e| bad_data("organizations.csv", e))?;
    let existing: HashSet<String> = organization::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|o| o.code)
        .collect();
    let mut count = 0;
    // Row order matters: a host is listed before the organization it hosts.
    for row in rows.into_iter().filter(|r| !existing.contains(&r.code)) {
        organization::ActiveModel {
            code: Set(row.code),
            name: Set(row.name),
            kind: Set(row.kind),
            hosted_by: Set(row.hosted_by),
            since_year: Set(row.since_year),
            source: Set(row.source),
        }
        .insert(txn)
        .await?;
        count += 1;
    }
    Ok(count)
}

/// The status a reference meeting has on `today`.
fn status_on(
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> &'static str {
    match (starts_on, ends_on) {
        (_, Some(end)) if end < today => "CONCLUDED",
        (Some(start), _) if start <= today => "IN_SESSION",
        _ => "PLANNED",
    }
}

async fn load_meetings(txn: &DatabaseTransaction, today: NaiveDate) -> Result<usize, DbErr> {
    let rows: Vec<MeetingRow> = parse(MEETINGS_CSV).map_err(|e| bad_data("meetings.csv", e))?;
    // "2RC.1" and "2RC.2" are the two parts of one meeting, "2RC".
    let mut grouped: Vec<(String, Vec<MeetingRow>)> = Vec::new();
    for row in rows {
        let code = row.code.split('.').next().unwrap_or(&row.code).to_owned();
        match grouped.iter_mut().find(|(c, _)| *c == code) {
            Some((_, parts)) => parts.push(row),
            None => grouped.push((code, vec![row])),
        }
    }
    let existing: HashSet<String> = meeting::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.code)
        .collect();
    let now = Utc::now().fixed_offset();
    let mut count = 0;
    for (code, parts) in grouped.into_iter().filter(|(c, _)| !existing.contains(c)) {
        let first = &parts[0];
        let starts_on = parts.iter().filter_map(|p| p.starts_on).min();
        let ends_on = parts.iter().filter_map(|p| p.ends_on).max();
        let located = parts.iter().find(|p| p.city.is_some()).unwrap_or(first);
        let sources: Vec<&str> = parts.iter().map(|p| p.source.as_str()).collect();
        let inserted = meeting::ActiveModel {
            code: Set(code.clone()),
            kind: Set(first.kind.clone()),
            ordinal: Set(first.ordinal),
            year: Set(first.year),
            starts_on: Set(starts_on),
            ends_on: Set(ends_on),
            city: Set(located.city.clone()),
            country_iso3: Set(located.country_iso3.clone()),
            presiding_state_iso3: Set(first.president_state_iso3.clone()),
            status: Set(status_on(starts_on, ends_on, today).to_owned()),
            version: Set(1),
            source: Set(sources.join(" | ")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        for (index, part) in parts.iter().enumerate() {
            let (Some(part_start), Some(part_end)) = (part.starts_on, part.ends_on) else {
                continue;
            };
            meeting_session::ActiveModel {
                meeting_id: Set(inserted.id),
                part: Set(index as i32 + 1),
                starts_on: Set(part_start),
                ends_on: Set(part_end),
                city: Set(part.city.clone()),
                country_iso3: Set(part.country_iso3.clone()),
                format: Set(part.city.is_none().then(|| "VIRTUAL".to_owned())),
                source: Set(part.source.clone()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
        count += 1;
    }
    Ok(count)
}

async fn meeting_ids(txn: &DatabaseTransaction) -> Result<HashMap<String, i32>, DbErr> {
    Ok(meeting::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.code, m.id))
        .collect())
}

fn meeting_id(ids: &HashMap<String, i32>, code: &Option<String>) -> Result<Option<i32>, DbErr> {
    code.as_ref()
        .map(|c| {
            ids.get(c)
                .copied()
                .ok_or_else(|| bad_data("meeting", format!("unknown meeting code {c}")))
        })
        .transpose()
}

async fn load_positions(txn: &DatabaseTransaction) -> Result<usize, DbErr> {
    let rows: Vec<PositionRow> = parse(POSITIONS_CSV).map_err(|e| bad_data("positions.csv", e))?;
    let existing: HashSet<String> = position::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    let meetings = meeting_ids(txn).await?;
    let mut count = 0;
    for row in rows.into_iter().filter(|r| !existing.contains(&r.code)) {
        position::ActiveModel {
            code: Set(row.code),
            name: Set(row.name),
            kind: Set(row.kind),
            seats: Set(row.seats),
            term_years: Set(row.term_years),
            renewable: Set(row.renewable),
            introduced_at_meeting_id: Set(meeting_id(&meetings, &row.introduced_at)?),
            retired_at_meeting_id: Set(None),
            sort_order: Set(row.sort_order),
            consultation_policy: Set(None),
            source: Set(row.source),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        count += 1;
    }
    Ok(count)
}

async fn load_mandates(txn: &DatabaseTransaction) -> Result<usize, DbErr> {
    let rows: Vec<MandateRow> = parse(MANDATES_CSV).map_err(|e| bad_data("mandates.csv", e))?;
    let meetings = meeting_ids(txn).await?;
    let positions: HashMap<String, i32> = position::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.code, p.id))
        .collect();
    let now = Utc::now().fixed_offset();
    let mut ids_by_key: HashMap<String, i32> = HashMap::new();
    let mut count = 0;
    for row in rows {
        let position_id = *positions.get(&row.position).ok_or_else(|| {
            bad_data("mandates.csv", format!("unknown position {}", row.position))
        })?;
        let found = mandate::Entity::find()
            .filter(mandate::Column::PositionId.eq(position_id))
            .filter(mandate::Column::StateIso3.eq(row.state_iso3.as_str()))
            .filter(mandate::Column::StartsOn.eq(row.starts_on))
            .one(txn)
            .await?;
        let id = match found {
            Some(existing) => existing.id,
            None => {
                let renews = row
                    .renews
                    .as_ref()
                    .map(|key| {
                        ids_by_key.get(key).copied().ok_or_else(|| {
                            bad_data("mandates.csv", format!("{} renews unknown {key}", row.key))
                        })
                    })
                    .transpose()?;
                count += 1;
                mandate::ActiveModel {
                    position_id: Set(position_id),
                    state_iso3: Set(row.state_iso3.clone()),
                    seat: Set(row.seat),
                    starts_on: Set(row.starts_on),
                    ends_on: Set(row.ends_on),
                    designated_at_meeting_id: Set(meeting_id(&meetings, &row.designated_at)?),
                    ends_at_meeting_id: Set(meeting_id(&meetings, &row.ends_at)?),
                    renews_mandate_id: Set(renews),
                    nomination_id: Set(None),
                    attested_on: Set(None),
                    source: Set(row.source.clone()),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?
                .id
            }
        };
        ids_by_key.insert(row.key, id);
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_file_parses() {
        let states: Vec<StateRow> = parse(STATES_CSV).expect("states");
        assert_eq!(states.len(), 125);
        let meetings: Vec<MeetingRow> = parse(MEETINGS_CSV).expect("meetings");
        assert_eq!(meetings.len(), 17);
        let positions: Vec<PositionRow> = parse(POSITIONS_CSV).expect("positions");
        assert_eq!(positions.len(), 12);
        let mandates: Vec<MandateRow> = parse(MANDATES_CSV).expect("mandates");
        assert_eq!(mandates.len(), 65);
        let organizations: Vec<OrganizationRow> = parse(ORGANIZATIONS_CSV).expect("organizations");
        assert_eq!(organizations.len(), 6);
    }

    #[test]
    fn thirty_instruments_entered_into_force_on_the_first_of_august_2010() {
        let states: Vec<StateRow> = parse(STATES_CSV).expect("states");
        let first = NaiveDate::from_ymd_opt(2010, 8, 1).expect("date");
        let count = states
            .iter()
            .filter_map(|s| s.ratified_on)
            .filter(|d| entry_into_force(*d) == first)
            .count();
        assert_eq!(count, 30);
    }

    #[test]
    fn meeting_status_follows_its_dates() {
        let d = |s: &str| NaiveDate::from_str(s).expect("date");
        use std::str::FromStr;
        let today = d("2024-09-11");
        assert_eq!(
            status_on(Some(d("2023-09-11")), Some(d("2023-09-14")), today),
            "CONCLUDED"
        );
        assert_eq!(
            status_on(Some(d("2024-09-10")), Some(d("2024-09-13")), today),
            "IN_SESSION"
        );
        assert_eq!(
            status_on(Some(d("2025-09-16")), Some(d("2025-09-19")), today),
            "PLANNED"
        );
        assert_eq!(status_on(None, None, today), "PLANNED");
    }
}
