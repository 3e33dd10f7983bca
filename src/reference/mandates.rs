//! The reference mandates (presidencies and designates from `mandates.csv`,
//! holdings the sources attest from `compositions.csv`), reconciled with the
//! database: what the shipped data adds is inserted, what it corrects is
//! corrected in place, what it no longer holds is retired. Mandates the
//! workflow created (from a selection: they carry their nomination) are
//! never touched, and a reference mandate that workflow rows point at (a
//! renewal, a renewal's nomination) is corrected in place, never deleted.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{mandate, nomination, position};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
};

use super::rows::{MandateRow, Spec, parse};
use super::{Changes, MANDATES_CSV, bad_data};

/// Whether [a, a_end) and [b, b_end) share a day (an open end runs on).
fn overlap(a: NaiveDate, a_end: Option<NaiveDate>, b: NaiveDate, b_end: Option<NaiveDate>) -> bool {
    a_end.is_none_or(|e| b < e) && b_end.is_none_or(|e| a < e)
}

fn presidencies(
    positions: &HashMap<String, position::Model>,
    meetings: &HashMap<String, i32>,
) -> Result<Vec<Spec>, DbErr> {
    let rows: Vec<MandateRow> = parse(MANDATES_CSV).map_err(|e| bad_data("mandates.csv", e))?;
    let meeting = |code: &Option<String>| super::meeting_id(meetings, code);
    rows.into_iter()
        .map(|row| {
            let position = positions.get(&row.position).ok_or_else(|| {
                bad_data("mandates.csv", format!("unknown position {}", row.position))
            })?;
            Ok(Spec {
                key: Some(row.key),
                position_id: position.id,
                position: position.code.clone(),
                seats: position.seats,
                state_iso3: row.state_iso3,
                seat: Some(row.seat),
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                designated_at: meeting(&row.designated_at)?,
                ends_at: meeting(&row.ends_at)?,
                renews: row.renews,
                attested_on: None,
                source: row.source,
            })
        })
        .collect()
}

/// Every reference mandate the data holds, with its seat: the presidencies
/// first, then each attested holding not already a known term of the same
/// State (rows that repeat a known term are not held twice); a holding takes
/// the lowest seat free of every other holder, the workflow's included.
async fn wanted(
    txn: &DatabaseTransaction,
    positions: &HashMap<String, position::Model>,
    meetings: &HashMap<String, i32>,
    workflow: &[mandate::Model],
) -> Result<Vec<Spec>, DbErr> {
    let mut specs = presidencies(positions, meetings)?;
    for spec in super::compositions::specs(txn, positions).await? {
        let known = specs.iter().any(|s| {
            s.position_id == spec.position_id
                && s.state_iso3 == spec.state_iso3
                && overlap(s.starts_on, s.ends_on, spec.starts_on, spec.ends_on)
        });
        if !known {
            specs.push(spec);
        }
    }
    for i in 0..specs.len() {
        if specs[i].seat.is_some() {
            continue;
        }
        let spec = &specs[i];
        let taken: HashSet<i32> = specs[..i]
            .iter()
            .filter(|s| s.position_id == spec.position_id)
            .filter(|s| overlap(s.starts_on, s.ends_on, spec.starts_on, spec.ends_on))
            .filter_map(|s| s.seat)
            .chain(
                workflow
                    .iter()
                    .filter(|m| m.position_id == spec.position_id)
                    .filter(|m| overlap(m.starts_on, m.ends_on, spec.starts_on, spec.ends_on))
                    .map(|m| m.seat),
            )
            .collect();
        let seat = (1..=spec.seats)
            .find(|s| !taken.contains(s))
            .ok_or_else(|| {
                bad_data(
                    "compositions.csv",
                    format!(
                        "no free seat for {} from {} in position {}",
                        spec.state_iso3, spec.starts_on, spec.position_id
                    ),
                )
            })?;
        specs[i].seat = Some(seat);
    }
    Ok(specs)
}

/// The fields of `row` that differ from `spec` (with `renews` resolved).
fn differences(row: &mandate::Model, spec: &Spec, renews: Option<i32>) -> Vec<&'static str> {
    super::differing(&[
        ("seat", Some(row.seat) != spec.seat),
        ("startsOn", row.starts_on != spec.starts_on),
        ("endsOn", row.ends_on != spec.ends_on),
        (
            "designatedAt",
            row.designated_at_meeting_id != spec.designated_at,
        ),
        ("endsAt", row.ends_at_meeting_id != spec.ends_at),
        ("renews", row.renews_mandate_id != renews),
        ("attestedOn", row.attested_on != spec.attested_on),
        ("source", row.source != spec.source),
    ])
}

/// How a mandate is named in the log and in `REFERENCE_CORRECTED` updates.
fn describe(state: &str, position: &str, starts_on: NaiveDate) -> String {
    format!("{state} {position} from {starts_on}")
}

/// Reconciles the reference mandates; returns how many were added.
pub(super) async fn reconcile(
    txn: &DatabaseTransaction,
    positions: &HashMap<String, position::Model>,
    meetings: &HashMap<String, i32>,
    changes: &mut Changes,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let all = mandate::Entity::find().all(txn).await?;
    let (workflow, mut reference): (Vec<mandate::Model>, Vec<mandate::Model>) =
        all.into_iter().partition(|m| m.nomination_id.is_some());
    // Reference mandates the workflow points at: never deleted.
    let mut pointed: HashSet<i32> = workflow
        .iter()
        .filter_map(|m| m.renews_mandate_id)
        .collect();
    pointed.extend(
        nomination::Entity::find()
            .filter(nomination::Column::RenewsMandateId.is_not_null())
            .all(txn)
            .await?
            .into_iter()
            .filter_map(|n| n.renews_mandate_id),
    );
    let specs = wanted(txn, positions, meetings, &workflow).await?;
    let mut ids_by_key: HashMap<String, i32> = HashMap::new();
    let mut added = 0;
    for spec in &specs {
        let renews = spec
            .renews
            .as_ref()
            .map(|key| {
                ids_by_key
                    .get(key)
                    .copied()
                    .ok_or_else(|| bad_data("mandates.csv", format!("renews unknown {key}")))
            })
            .transpose()?;
        // The same holding: the same State in the same position, over the
        // same start or at least an overlapping period.
        let same = |m: &mandate::Model| {
            m.position_id == spec.position_id && m.state_iso3 == spec.state_iso3
        };
        let found = reference
            .iter()
            .position(|m| same(m) && m.starts_on == spec.starts_on)
            .or_else(|| {
                reference.iter().position(|m| {
                    same(m) && overlap(m.starts_on, m.ends_on, spec.starts_on, spec.ends_on)
                })
            });
        let id = match found {
            Some(index) => {
                let row = reference.swap_remove(index);
                let fields = differences(&row, spec, renews);
                if !fields.is_empty() {
                    let mut update: mandate::ActiveModel = row.clone().into();
                    update.seat = Set(spec.seat.unwrap_or(row.seat));
                    update.starts_on = Set(spec.starts_on);
                    update.ends_on = Set(spec.ends_on);
                    update.designated_at_meeting_id = Set(spec.designated_at);
                    update.ends_at_meeting_id = Set(spec.ends_at);
                    update.renews_mandate_id = Set(renews);
                    update.attested_on = Set(spec.attested_on);
                    update.source = Set(spec.source.clone());
                    update.update(txn).await?;
                    changes.corrected(
                        "mandate",
                        &describe(&spec.state_iso3, &spec.position, spec.starts_on),
                        &fields,
                    );
                }
                row.id
            }
            None => {
                let inserted = mandate::ActiveModel {
                    position_id: Set(spec.position_id),
                    state_iso3: Set(spec.state_iso3.clone()),
                    seat: Set(spec.seat.unwrap_or(1)),
                    starts_on: Set(spec.starts_on),
                    ends_on: Set(spec.ends_on),
                    designated_at_meeting_id: Set(spec.designated_at),
                    ends_at_meeting_id: Set(spec.ends_at),
                    renews_mandate_id: Set(renews),
                    nomination_id: Set(None),
                    attested_on: Set(spec.attested_on),
                    source: Set(spec.source.clone()),
                    created_at: Set(now.fixed_offset()),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                added += 1;
                changes.added(
                    "mandate",
                    &describe(&spec.state_iso3, &spec.position, spec.starts_on),
                );
                inserted.id
            }
        };
        if let Some(key) = &spec.key {
            ids_by_key.insert(key.clone(), id);
        }
    }
    // What the data no longer holds: retired, unless the workflow points at it.
    for row in reference {
        let position = positions
            .values()
            .find(|p| p.id == row.position_id)
            .map_or("?", |p| p.code.as_str());
        let what = describe(&row.state_iso3, position, row.starts_on);
        if pointed.contains(&row.id) {
            tracing::warn!(mandate = row.id, %what, "a reference mandate the data no longer holds is kept: the workflow points at it");
            continue;
        }
        mandate::Entity::update_many()
            .col_expr(
                mandate::Column::RenewsMandateId,
                sea_orm::sea_query::Expr::value(Option::<i32>::None),
            )
            .filter(mandate::Column::RenewsMandateId.eq(row.id))
            .filter(mandate::Column::NominationId.is_null())
            .exec(txn)
            .await?;
        mandate::Entity::delete_by_id(row.id).exec(txn).await?;
        changes.retired("mandate", &what);
    }
    Ok(added)
}
