//! The committee's reference data: States and their dates with the
//! Convention, observers and the Implementation Support Unit, positions,
//! Meetings of States Parties and Review Conferences, and the mandates of the
//! published compositions and presidencies.
//!
//! The data lives in readable CSV files under `data/` (each row cites its
//! source) and is compiled into the binary. At every start the database is
//! reconciled with it, in one transaction: what is new is added, what the
//! data corrects is corrected in place, reference mandates it no longer
//! holds are retired; rows the workflow created are never touched. On a
//! database that already held reference data (an upgrade), each change is
//! logged and announced on `committeeUpdates` as `REFERENCE_CORRECTED`.

pub mod codes;
pub mod compositions;
mod dates;
mod mandates;
mod rows;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    action_plan, action_plan_action, meeting, meeting_session, organization, position, state,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

pub use dates::entry_into_force;
use rows::{ActionPlanRow, ActionRow, MeetingRow, OrganizationRow, PositionRow, StateRow, parse};

use crate::db::Db;
use crate::events::{self, Event, Topic};

pub(crate) const STATES_CSV: &str = include_str!("../../data/states.csv");
pub(crate) const ORGANIZATIONS_CSV: &str = include_str!("../../data/organizations.csv");
const MEETINGS_CSV: &str = include_str!("../../data/meetings.csv");
const POSITIONS_CSV: &str = include_str!("../../data/positions.csv");
pub(crate) const MANDATES_CSV: &str = include_str!("../../data/mandates.csv");
const ACTION_PLANS_CSV: &str = include_str!("../../data/action-plans.csv");
/// The actions of each plan, by the plan's code (what `LAP-NOTES.md` says is
/// known of the Lausanne Action Plan's numbering: no text is invented).
const ACTIONS_CSV: [(&str, &str); 1] =
    [("LAP", include_str!("../../data/lausanne-action-plan.csv"))];

/// How many rows of each kind a load added, and how many it corrected or retired.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub states: usize,
    pub organizations: usize,
    pub meetings: usize,
    pub positions: usize,
    pub mandates: usize,
    pub corrected: usize,
    pub retired: usize,
}

impl LoadReport {
    /// Rows added.
    pub fn total(&self) -> usize {
        self.states + self.organizations + self.meetings + self.positions + self.mandates
    }
}

/// What a reconciliation changed in rows that were there before.
struct Change {
    change: &'static str,
    table: &'static str,
    key: String,
    fields: Vec<String>,
}

/// The changes of one reconciliation, announced once it is done.
#[derive(Default)]
pub(crate) struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, change: &'static str, table: &'static str, key: &str, fields: &[&str]) {
        self.0.push(Change {
            change,
            table,
            key: key.to_owned(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        });
    }

    pub(crate) fn added(&mut self, table: &'static str, key: &str) {
        self.push("ADDED", table, key, &[]);
    }

    pub(crate) fn corrected(&mut self, table: &'static str, key: &str, fields: &[&str]) {
        self.push("CORRECTED", table, key, fields);
    }

    pub(crate) fn retired(&mut self, table: &'static str, key: &str) {
        self.push("RETIRED", table, key, &[]);
    }

    fn count(&self, change: &str) -> usize {
        self.0.iter().filter(|c| c.change == change).count()
    }
}

/// Reconciles the database with the shipped reference data, in one write
/// transaction (callers that may run beside other processes use
/// [`prepare`], which takes the lock), at `now` by the server's clock, whose
/// day decides the initial status
/// of each meeting added (concluded, in session, planned).
pub async fn load(db: &Db, now: DateTime<Utc>) -> Result<LoadReport, DbErr> {
    let today = now.date_naive();
    let upgrade = !is_empty(db).await?;
    let txn = db.begin_write().await?;
    let mut changes = Changes::default();
    let mut report = LoadReport {
        states: load_states(&txn, &mut changes).await?,
        organizations: load_organizations(&txn, &mut changes).await?,
        meetings: load_meetings(&txn, today, now, &mut changes).await?,
        ..LoadReport::default()
    };
    report.positions = load_positions(&txn, &mut changes).await?;
    let positions: HashMap<String, position::Model> = position::Entity::find()
        .all(&*txn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let meetings = meeting_ids(&txn).await?;
    report.mandates = mandates::reconcile(&txn, &positions, &meetings, &mut changes, now).await?;
    load_action_plans(&txn, &mut changes).await?;
    report.corrected = changes.count("CORRECTED");
    report.retired = changes.count("RETIRED");
    if upgrade {
        for change in &changes.0 {
            tracing::info!(
                change = change.change,
                table = change.table,
                key = %change.key,
                fields = ?change.fields,
                "reference data reconciled"
            );
            let event = Event::ReferenceCorrected {
                change: change.change.to_owned(),
                table: change.table.to_owned(),
                key: change.key.clone(),
                fields: change.fields.clone(),
            };
            events::append(&*txn, &Topic::Committee, None, &event, now).await?;
        }
    }
    txn.commit().await?;
    Ok(report)
}

/// What to load when preparing a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loading {
    /// Nothing: only migrate.
    Nothing,
    /// The reference data, reconciled with what the database holds (a
    /// server's start; `seed`).
    Reconcile,
}

/// Migrates and loads, one process at a time (see `db::StartupLock`).
pub async fn prepare(
    db: &Db,
    config: &crate::config::DatabaseConfig,
    loading: Loading,
    now: DateTime<Utc>,
) -> Result<LoadReport, DbErr> {
    let lock = crate::db::StartupLock::acquire(config).await?;
    let result = async {
        db.migrate().await?;
        let wanted = loading != Loading::Nothing;
        if wanted {
            load(db, now).await
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

/// Names the fields where `pairs` differ (each a name, whether it differs).
pub(crate) fn differing(pairs: &[(&'static str, bool)]) -> Vec<&'static str> {
    pairs
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| *name)
        .collect()
}

async fn load_states(txn: &DatabaseTransaction, changes: &mut Changes) -> Result<usize, DbErr> {
    let rows: Vec<StateRow> = parse(STATES_CSV).map_err(|e| bad_data("states.csv", e))?;
    let existing: HashMap<String, state::Model> = state::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.iso3.clone(), s))
        .collect();
    let mut added = Vec::new();
    for row in rows {
        let wanted = state::Model {
            entry_into_force_on: row.ratified_on.map(entry_into_force),
            iso3: row.iso3,
            name: row.name,
            un_regional_group: row.un_regional_group,
            signed_on: row.signed_on,
            deposited_on: row.ratified_on,
            deposit_kind: row.how,
            withdrawal_effective_on: row.withdrawal_effective_on,
            source: row.source,
        };
        match existing.get(&wanted.iso3) {
            None => {
                changes.added("state", &wanted.iso3);
                added.push(state::ActiveModel::from(wanted));
            }
            Some(found) if *found != wanted => {
                let fields = differing(&[
                    ("name", found.name != wanted.name),
                    (
                        "regionalGroup",
                        found.un_regional_group != wanted.un_regional_group,
                    ),
                    ("signedOn", found.signed_on != wanted.signed_on),
                    ("depositedOn", found.deposited_on != wanted.deposited_on),
                    ("depositKind", found.deposit_kind != wanted.deposit_kind),
                    (
                        "entryIntoForceOn",
                        found.entry_into_force_on != wanted.entry_into_force_on,
                    ),
                    (
                        "withdrawalEffectiveOn",
                        found.withdrawal_effective_on != wanted.withdrawal_effective_on,
                    ),
                    ("source", found.source != wanted.source),
                ]);
                changes.corrected("state", &wanted.iso3, &fields);
                state::ActiveModel::from(wanted)
                    .reset_all()
                    .update(txn)
                    .await?;
            }
            Some(_) => {}
        }
    }
    let count = added.len();
    if count > 0 {
        state::Entity::insert_many(added).exec(txn).await?;
    }
    Ok(count)
}

/// The action plans and their actions: added, or corrected in place.
async fn load_action_plans(txn: &DatabaseTransaction, changes: &mut Changes) -> Result<(), DbErr> {
    let plans: Vec<ActionPlanRow> =
        parse(ACTION_PLANS_CSV).map_err(|e| bad_data("action-plans.csv", e))?;
    for row in plans {
        let wanted = action_plan::Model {
            code: row.code,
            name: row.name,
            from_year: row.from_year,
            to_year: row.to_year,
            adopted_at: row.adopted_at,
            source: row.source,
        };
        match action_plan::Entity::find_by_id(wanted.code.clone())
            .one(txn)
            .await?
        {
            None => {
                changes.added("actionPlan", &wanted.code);
                action_plan::ActiveModel::from(wanted).insert(txn).await?;
            }
            Some(found) if found != wanted => {
                let fields = differing(&[
                    ("name", found.name != wanted.name),
                    ("fromYear", found.from_year != wanted.from_year),
                    ("toYear", found.to_year != wanted.to_year),
                    ("adoptedAt", found.adopted_at != wanted.adopted_at),
                    ("source", found.source != wanted.source),
                ]);
                changes.corrected("actionPlan", &wanted.code, &fields);
                action_plan::ActiveModel::from(wanted)
                    .reset_all()
                    .update(txn)
                    .await?;
            }
            Some(_) => {}
        }
    }
    for (plan, csv) in ACTIONS_CSV {
        let rows: Vec<ActionRow> = parse(csv).map_err(|e| bad_data(plan, e))?;
        let existing: HashMap<i32, action_plan_action::Model> = action_plan_action::Entity::find()
            .filter(action_plan_action::Column::PlanCode.eq(plan))
            .all(txn)
            .await?
            .into_iter()
            .map(|a| (a.number, a))
            .collect();
        for row in rows {
            let key = format!("{plan} {}", row.action_number);
            match existing.get(&row.action_number) {
                None => {
                    changes.added("action", &key);
                    action_plan_action::ActiveModel {
                        plan_code: Set(plan.to_owned()),
                        number: Set(row.action_number),
                        area: Set(row.area),
                        text: Set(row.text),
                        indicators: Set(row.indicators),
                        source: Set(row.source),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                }
                Some(found)
                    if (&found.area, &found.text, &found.indicators, &found.source)
                        != (&row.area, &row.text, &row.indicators, &row.source) =>
                {
                    let fields = differing(&[
                        ("area", found.area != row.area),
                        ("text", found.text != row.text),
                        ("indicators", found.indicators != row.indicators),
                        ("source", found.source != row.source),
                    ]);
                    changes.corrected("action", &key, &fields);
                    let mut changed: action_plan_action::ActiveModel = found.clone().into();
                    changed.area = Set(row.area);
                    changed.text = Set(row.text);
                    changed.indicators = Set(row.indicators);
                    changed.source = Set(row.source);
                    changed.update(txn).await?;
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

async fn load_organizations(
    txn: &DatabaseTransaction,
    changes: &mut Changes,
) -> Result<usize, DbErr> {
    let rows: Vec<OrganizationRow> =
        parse(ORGANIZATIONS_CSV).map_err(|e| bad_data("organizations.csv", e))?;
    let existing: HashMap<String, organization::Model> = organization::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|o| (o.code.clone(), o))
        .collect();
    let mut count = 0;
    // Row order matters: a host is listed before the organization it hosts.
    for row in rows {
        let wanted = organization::Model {
            code: row.code,
            name: row.name,
            kind: row.kind,
            hosted_by: row.hosted_by,
            since_year: row.since_year,
            source: row.source,
        };
        match existing.get(&wanted.code) {
            None => {
                changes.added("organization", &wanted.code);
                organization::ActiveModel::from(wanted).insert(txn).await?;
                count += 1;
            }
            Some(found) if *found != wanted => {
                let fields = differing(&[
                    ("name", found.name != wanted.name),
                    ("kind", found.kind != wanted.kind),
                    ("hostedBy", found.hosted_by != wanted.hosted_by),
                    ("sinceYear", found.since_year != wanted.since_year),
                    ("source", found.source != wanted.source),
                ]);
                changes.corrected("organization", &wanted.code, &fields);
                organization::ActiveModel::from(wanted)
                    .reset_all()
                    .update(txn)
                    .await?;
            }
            Some(_) => {}
        }
    }
    Ok(count)
}

/// A session of a reference meeting, as the data gives it.
struct Session {
    part: i32,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    city: Option<String>,
    country_iso3: Option<String>,
    format: Option<String>,
    source: String,
}

async fn insert_sessions(
    txn: &DatabaseTransaction,
    meeting_id: i32,
    sessions: &[Session],
) -> Result<(), DbErr> {
    for session in sessions {
        meeting_session::ActiveModel {
            meeting_id: Set(meeting_id),
            part: Set(session.part),
            starts_on: Set(session.starts_on),
            ends_on: Set(session.ends_on),
            city: Set(session.city.clone()),
            country_iso3: Set(session.country_iso3.clone()),
            format: Set(session.format.clone()),
            source: Set(session.source.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
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

async fn load_meetings(
    txn: &DatabaseTransaction,
    today: NaiveDate,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<usize, DbErr> {
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
    let existing: HashMap<String, meeting::Model> = meeting::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.code.clone(), m))
        .collect();
    let now = now.fixed_offset();
    let mut count = 0;
    for (code, parts) in grouped {
        let first = &parts[0];
        let starts_on = parts.iter().filter_map(|p| p.starts_on).min();
        let ends_on = parts.iter().filter_map(|p| p.ends_on).max();
        let located = parts.iter().find(|p| p.city.is_some()).unwrap_or(first);
        let sources: Vec<&str> = parts.iter().map(|p| p.source.as_str()).collect();
        let source = sources.join(" | ");
        // The parts the data gives dates for, as sessions.
        let sessions: Vec<Session> = parts
            .iter()
            .enumerate()
            .filter_map(|(index, part)| {
                Some(Session {
                    part: index as i32 + 1,
                    starts_on: part.starts_on?,
                    ends_on: part.ends_on?,
                    city: part.city.clone(),
                    country_iso3: part.country_iso3.clone(),
                    format: part.city.is_none().then(|| "VIRTUAL".to_owned()),
                    source: part.source.clone(),
                })
            })
            .collect();
        if let Some(found) = existing.get(&code) {
            // A meeting scheduled through the API is the workflow's, not the data's.
            if found.source == crate::meetings::model::SCHEDULED_THROUGH_THE_API {
                continue;
            }
            let fields = differing(&[
                ("kind", found.kind != first.kind),
                ("ordinal", found.ordinal != first.ordinal),
                ("year", found.year != first.year),
                ("startsOn", found.starts_on != starts_on),
                ("endsOn", found.ends_on != ends_on),
                ("city", found.city != located.city),
                ("country", found.country_iso3 != located.country_iso3),
                (
                    "presidingState",
                    found.presiding_state_iso3 != first.president_state_iso3,
                ),
                ("source", found.source != source),
            ]);
            let mut fields = fields;
            let stored: Vec<meeting_session::Model> = meeting_session::Entity::find()
                .filter(meeting_session::Column::MeetingId.eq(found.id))
                .order_by_asc(meeting_session::Column::Part)
                .all(txn)
                .await?;
            let same_sessions = stored.len() == sessions.len()
                && stored.iter().zip(&sessions).all(|(s, w)| {
                    (
                        s.part,
                        s.starts_on,
                        s.ends_on,
                        &s.city,
                        &s.country_iso3,
                        &s.format,
                        &s.source,
                    ) == (
                        w.part,
                        w.starts_on,
                        w.ends_on,
                        &w.city,
                        &w.country_iso3,
                        &w.format,
                        &w.source,
                    )
                });
            if !same_sessions {
                meeting_session::Entity::delete_many()
                    .filter(meeting_session::Column::MeetingId.eq(found.id))
                    .exec(txn)
                    .await?;
                insert_sessions(txn, found.id, &sessions).await?;
                fields.push("sessions");
            }
            if !fields.is_empty() {
                let mut update: meeting::ActiveModel = found.clone().into();
                update.kind = Set(first.kind.clone());
                update.ordinal = Set(first.ordinal);
                update.year = Set(first.year);
                update.starts_on = Set(starts_on);
                update.ends_on = Set(ends_on);
                update.city = Set(located.city.clone());
                update.country_iso3 = Set(located.country_iso3.clone());
                update.presiding_state_iso3 = Set(first.president_state_iso3.clone());
                update.source = Set(source);
                // Clients that saw the meeting hold its version: it changed.
                update.version = Set(found.version + 1);
                update.updated_at = Set(now);
                update.update(txn).await?;
                changes.corrected("meeting", &code, &fields);
            }
            continue;
        }
        changes.added("meeting", &code);
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
            source: Set(source),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        insert_sessions(txn, inserted.id, &sessions).await?;
        count += 1;
    }
    Ok(count)
}

pub(crate) async fn meeting_ids(txn: &DatabaseTransaction) -> Result<HashMap<String, i32>, DbErr> {
    Ok(meeting::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.code, m.id))
        .collect())
}

pub(crate) fn meeting_id(
    ids: &HashMap<String, i32>,
    code: &Option<String>,
) -> Result<Option<i32>, DbErr> {
    code.as_ref()
        .map(|c| {
            ids.get(c)
                .copied()
                .ok_or_else(|| bad_data("meeting", format!("unknown meeting code {c}")))
        })
        .transpose()
}

async fn load_positions(txn: &DatabaseTransaction, changes: &mut Changes) -> Result<usize, DbErr> {
    let rows: Vec<PositionRow> = parse(POSITIONS_CSV).map_err(|e| bad_data("positions.csv", e))?;
    let existing: HashMap<String, position::Model> = position::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let meetings = meeting_ids(txn).await?;
    let mut count = 0;
    for row in rows {
        let introduced = meeting_id(&meetings, &row.introduced_at)?;
        if let Some(found) = existing.get(&row.code) {
            let fields = differing(&[
                ("name", found.name != row.name),
                ("kind", found.kind != row.kind),
                ("seats", found.seats != row.seats),
                ("termYears", found.term_years != row.term_years),
                ("renewable", found.renewable != row.renewable),
                ("introducedAt", found.introduced_at_meeting_id != introduced),
                ("sortOrder", found.sort_order != row.sort_order),
                ("source", found.source != row.source),
            ]);
            if !fields.is_empty() {
                // The consultation policy is the committee's, set through the API: kept.
                let mut update: position::ActiveModel = found.clone().into();
                update.name = Set(row.name);
                update.kind = Set(row.kind);
                update.seats = Set(row.seats);
                update.term_years = Set(row.term_years);
                update.renewable = Set(row.renewable);
                update.introduced_at_meeting_id = Set(introduced);
                update.sort_order = Set(row.sort_order);
                update.source = Set(row.source);
                update.update(txn).await?;
                changes.corrected("position", &row.code, &fields);
            }
            continue;
        }
        changes.added("position", &row.code);
        position::ActiveModel {
            code: Set(row.code),
            name: Set(row.name),
            kind: Set(row.kind),
            seats: Set(row.seats),
            term_years: Set(row.term_years),
            renewable: Set(row.renewable),
            introduced_at_meeting_id: Set(introduced),
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
        let mandates: Vec<rows::MandateRow> = parse(MANDATES_CSV).expect("mandates");
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
