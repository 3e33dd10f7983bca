//! The effects a transition names, run in its transaction. Each writes
//! through the domain that owns the table: the agenda through `meetings`,
//! mandates through `committee`; the nomination's own row here.

use chrono::{DateTime, Utc};
use entity::nomination;
use sea_orm::{ActiveModelTrait, Set};

use super::aggregate::Loaded;
use super::commands::Move;
use super::definition::{Effect, NominationState, Nominations};
use crate::committee::mandates::{self, Designation};
use crate::config::Policy;
use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::meetings::agenda;
use crate::workflow::Fired;

/// Runs `fired`'s effects and saves what they change on the nomination;
/// returns the nomination's row as the move leaves it.
pub async fn run(
    txn: &WriteTxn,
    loaded: &Loaded,
    fired: &Fired<Nominations>,
    mv: &Move,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<nomination::Model, ApiError> {
    let n = &loaded.nomination;
    let mut changes: nomination::ActiveModel = n.clone().into();
    // The row is written only when a move changes it (the instance keeps
    // its own version and time).
    let mut changed = false;
    if let Some(deadline) = mv.deadline {
        changes.consultation_deadline = Set(Some(deadline.fixed_offset()));
        changed = true;
    }
    if fired
        .to
        .parse::<NominationState>()
        .is_ok_and(NominationState::is_final)
    {
        changes.open_seat = Set(None);
        changed = true;
    }
    for effect in &fired.effects {
        match effect {
            Effect::AttachToAgenda => {
                let item = agenda::nominations_item(txn, loaded.meeting.id, mv.agenda_item_id, now)
                    .await?;
                changes.agenda_item_id = Set(Some(item.id));
                changed = true;
            }
            Effect::CreateMandate => {
                let created = mandates::designate(
                    txn,
                    Designation {
                        position: &loaded.position,
                        state: &n.state_iso3,
                        starts_on: n.term_starts_on,
                        ends_on: n.term_ends_on,
                        designated_at: &loaded.meeting,
                        renews: n.renews_mandate_id,
                        nomination_id: Some(n.id),
                    },
                    now,
                )
                .await?;
                changes.mandate_id = Set(Some(created.id));
                changed = true;
                if loaded.position.renewable {
                    super::schedule::renewal_due(txn, &created, policy, now).await?;
                }
            }
            Effect::RecordDecision => {
                let Some(item_id) = n.agenda_item_id else {
                    continue;
                };
                let verdict = if fired.to == NominationState::Selected.as_str() {
                    "selected"
                } else {
                    "not selected"
                };
                let line = format!(
                    "{} {verdict} for {} ({} to {})",
                    n.state_iso3, loaded.position.name, n.term_starts_on, n.term_ends_on
                );
                agenda::record_decision(txn, item_id, &line, n.id, now).await?;
            }
        }
    }
    if !changed {
        return Ok(n.clone());
    }
    changes.updated_at = Set(now.fixed_offset());
    Ok(changes.update(&**txn).await?)
}
