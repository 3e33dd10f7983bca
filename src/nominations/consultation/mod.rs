//! Broad-based consultations: the standing responses of nominations and their
//! tally, and recording or withdrawing a response. A State responds only
//! through its own delegation and only while it is a State Party; observers
//! record views.

pub mod policy;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{consultation_response, nomination, position, state};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use self::policy::{ConsultationPolicy, Counted, Responder, Tally, tally};
use super::aggregate::{self, Loaded};
use super::definition::{self, NominationState};
use crate::auth::{Identity, Role};
use crate::committee::model::StateRelation;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::workflow::idempotency::{self, Done, Keyed};

/// The standing responses of a nomination and their tally.
pub type Standing = (Vec<consultation_response::Model>, Tally);

/// What a tally needs to know of a nomination.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Consulted {
    pub id: i64,
    pub position_id: i32,
    /// The nominee State (its own view is not counted unless the policy says so).
    pub nominee: String,
}

impl From<&nomination::Model> for Consulted {
    fn from(n: &nomination::Model) -> Self {
        Self {
            id: n.id,
            position_id: n.position_id,
            nominee: n.state_iso3.clone(),
        }
    }
}

/// The consultations of several nominations, judged on `today`, in three statements.
pub async fn consultations<C: ConnectionTrait>(
    conn: &C,
    nominations: &[Consulted],
    today: NaiveDate,
) -> Result<HashMap<i64, Standing>, ApiError> {
    let responses = consultation_response::Entity::find()
        .filter(consultation_response::Column::NominationId.is_in(nominations.iter().map(|n| n.id)))
        .filter(consultation_response::Column::WithdrawnAt.is_null())
        .order_by_asc(consultation_response::Column::Id)
        .all(conn)
        .await?;
    let codes: BTreeSet<String> = responses
        .iter()
        .filter_map(|r| r.state_iso3.clone())
        .collect();
    let states: HashMap<String, state::Model> = state::Entity::find()
        .filter(state::Column::Iso3.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.iso3.clone(), s))
        .collect();
    let positions: HashMap<i32, position::Model> = position::Entity::find()
        .filter(position::Column::Id.is_in(nominations.iter().map(|n| n.position_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut out = HashMap::new();
    for n in nominations {
        let mine: Vec<consultation_response::Model> = responses
            .iter()
            .filter(|r| r.nomination_id == n.id)
            .cloned()
            .collect();
        let counted: Vec<Counted> = mine
            .iter()
            .map(|r| {
                let s = r.state_iso3.as_ref().and_then(|c| states.get(c));
                let responder = match (&r.state_iso3, s) {
                    (None, _) => Responder::Observer,
                    (Some(code), _) if *code == n.nominee => Responder::Nominee,
                    (Some(_), Some(s))
                        if StateRelation::of(s, today) == StateRelation::StateParty =>
                    {
                        Responder::StateParty
                    }
                    (Some(_), _) => Responder::NotAParty,
                };
                Counted {
                    state: r.state_iso3.clone(),
                    regional_group: s.and_then(|s| s.un_regional_group.clone()),
                    stance: r.stance.clone(),
                    responder,
                }
            })
            .collect();
        let policy = ConsultationPolicy::of(
            positions
                .get(&n.position_id)
                .and_then(|p| p.consultation_policy.as_ref()),
        );
        out.insert(n.id, (mine, tally(&policy, &counted)));
    }
    Ok(out)
}

/// The consultation of one nomination.
pub async fn consultation<C: ConnectionTrait>(
    conn: &C,
    nomination: &nomination::Model,
    today: NaiveDate,
) -> Result<Standing, ApiError> {
    consultations(conn, &[Consulted::from(nomination)], today)
        .await?
        .remove(&nomination.id)
        .ok_or_else(|| {
            tracing::error!(
                nomination = nomination.id,
                "no tally for a loaded nomination"
            );
            ApiError::Internal
        })
}

/// Who responds, as what.
enum Respondent {
    State(String),
    Observer(String),
}

fn respondent(identity: &Identity) -> Result<Respondent, ApiError> {
    match (identity.role, &identity.state, &identity.organization) {
        (Role::Coordinator | Role::Delegate, Some(code), _) => Ok(Respondent::State(code.clone())),
        (Role::Observer, _, Some(org)) => Ok(Respondent::Observer(org.clone())),
        (Role::Observer, _, None) => Err(ApiError::Forbidden(
            "an observer's token must name its organization".to_owned(),
        )),
        _ => Err(ApiError::Forbidden(
            "responses come from States' delegations and observers".to_owned(),
        )),
    }
}

async fn in_consultation(txn: &WriteTxn, nomination_id: i64) -> Result<Loaded, ApiError> {
    let loaded = aggregate::load(&**txn, nomination_id, true).await?;
    if loaded.instance.state != NominationState::InConsultation.as_str() {
        return Err(ApiError::InvalidTransition {
            message: "responses are taken while the nomination is in consultation".to_owned(),
            state: loaded.instance.state.clone(),
            allowed: definition::current().allowed_events(&loaded.instance.state),
        });
    }
    Ok(loaded)
}

/// Closes the responder's standing responses on a nomination; how many.
async fn close_standing(
    txn: &WriteTxn,
    nomination_id: i64,
    who: &Respondent,
    identity: &Identity,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    let mut update = consultation_response::Entity::update_many()
        .col_expr(
            consultation_response::Column::WithdrawnAt,
            now.fixed_offset().into(),
        )
        .filter(consultation_response::Column::NominationId.eq(nomination_id))
        .filter(consultation_response::Column::WithdrawnAt.is_null());
    update = match who {
        Respondent::State(code) => {
            update.filter(consultation_response::Column::StateIso3.eq(code.clone()))
        }
        Respondent::Observer(_) => update
            .filter(consultation_response::Column::StateIso3.is_null())
            .filter(consultation_response::Column::RecordedBy.eq(identity.subject.clone())),
    };
    Ok(update.exec(&**txn).await?.rows_affected)
}

/// A response to record.
pub struct Response {
    pub nomination_id: i64,
    pub stance: String,
    pub note: Option<String>,
}

/// Records (or replaces) the caller's response in a nomination's consultation.
pub async fn respond(
    db: &Db,
    identity: &Identity,
    response: Response,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let who = respondent(identity)?;
    let request = Keyed {
        actor: &identity.subject,
        key,
        input: json!({ "op": "respond", "id": response.nomination_id,
                       "stance": response.stance, "note": response.note }),
    };
    let done = idempotency::run(db, request, now, async |txn| {
        let loaded = in_consultation(txn, response.nomination_id).await?;
        match &who {
            Respondent::State(code) => {
                let relation = state::Entity::find_by_id(code.clone())
                    .one(&**txn)
                    .await?
                    .map(|s| StateRelation::of(&s, now.date_naive()));
                if relation != Some(StateRelation::StateParty) {
                    return Err(ApiError::GuardFailed {
                        guard: "stateParty".to_owned(),
                        reason: format!(
                            "{code} is not a State Party on {}: only States Parties respond in a consultation",
                            now.date_naive()
                        ),
                    });
                }
            }
            Respondent::Observer(org) => {
                if entity::organization::Entity::find_by_id(org.clone())
                    .one(&**txn)
                    .await?
                    .is_none()
                {
                    return Err(ApiError::bad_input(format!("unknown organization `{org}`")));
                }
            }
        }
        super::commands::ensure_account(db, txn, identity, now).await?;
        close_standing(txn, response.nomination_id, &who, identity, now).await?;
        let (kind, state_code, organization) = match &who {
            Respondent::State(code) => ("STATE", Some(code.clone()), None),
            Respondent::Observer(org) => ("OBSERVER", None, Some(org.clone())),
        };
        consultation_response::ActiveModel {
            nomination_id: Set(response.nomination_id),
            responder_kind: Set(kind.to_owned()),
            state_iso3: Set(state_code.clone()),
            organization_code: Set(organization.clone()),
            stance: Set(response.stance.clone()),
            note: Set(response.note.clone()),
            recorded_by: Set(identity.subject.clone()),
            recorded_at: Set(now.fixed_offset()),
            withdrawn_at: Set(None),
            ..Default::default()
        }
        .insert(&**txn)
        .await?;
        events::append(
            &**txn,
            &Topic::nomination(response.nomination_id),
            Some(&Topic::Meeting(loaded.meeting.id)),
            &Event::ConsultationResponse {
                state: state_code,
                organization,
                stance: Some(response.stance.clone()),
                note: response.note.clone(),
                by: None,
            },
            now,
        )
        .await?;
        Ok(response.nomination_id)
    })
    .await;
    super::commands::account_stored(db, identity, done)
}

/// Withdraws the caller's standing response (an objection, say).
pub async fn withdraw_response(
    db: &Db,
    identity: &Identity,
    nomination_id: i64,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let who = respondent(identity)?;
    let request = Keyed {
        actor: &identity.subject,
        key,
        input: json!({ "op": "withdrawResponse", "id": nomination_id }),
    };
    idempotency::run(db, request, now, async |txn| {
        let loaded = in_consultation(txn, nomination_id).await?;
        if close_standing(txn, nomination_id, &who, identity, now).await? == 0 {
            return Err(ApiError::NotFound(
                "you have no standing response on this nomination".to_owned(),
            ));
        }
        let (state, organization) = match &who {
            Respondent::State(code) => (Some(code.clone()), None),
            Respondent::Observer(org) => (None, Some(org.clone())),
        };
        events::append(
            &**txn,
            &Topic::nomination(nomination_id),
            Some(&Topic::Meeting(loaded.meeting.id)),
            &Event::ConsultationResponseWithdrawn {
                state,
                organization,
                by: identity.subject.clone(),
            },
            now,
        )
        .await?;
        Ok(nomination_id)
    })
    .await
}
