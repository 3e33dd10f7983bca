//! Persistence of workflow instances. Every function that changes an
//! instance takes the caller's transaction: the instance, its history entry
//! and its event-log entry commit together or not at all.
//!
//! A firing's event-log entry is handed to the caller ([`Fired::report`]),
//! which appends it in the same transaction, where its order among the
//! transaction's other entries is the one subscribers should see (the log
//! keeps the order in which a transaction appended its entries).

use chrono::{DateTime, Utc};
use entity::{workflow_history, workflow_instance};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::definition::{Actor, Authorized, Definition, Named, Refusal, Spec};
use crate::events::{self, Event, Topic};

/// Why firing an event failed.
#[derive(Debug)]
pub enum WorkflowError {
    /// The instance is not at the version the caller saw.
    Conflict {
        current: i32,
    },
    Refused(Refusal),
    Db(DbErr),
}

impl From<DbErr> for WorkflowError {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

impl From<Refusal> for WorkflowError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

/// What a firing did.
#[derive(Debug)]
pub struct Fired<S: Spec> {
    pub instance: workflow_instance::Model,
    pub from: Option<String>,
    pub to: String,
    pub event: S::Event,
    /// The effects the transition names, for the caller to run before commit.
    pub effects: Vec<S::Effect>,
    /// The timers the transition sets or cancels, for the caller to apply.
    pub timers: Vec<S::Timer>,
    /// The event-log entry reporting it, for the caller to append.
    pub report: Report,
}

/// The event-log entry reporting a firing. The caller appends it in the
/// firing's transaction; a transaction that commits without it loses the
/// subscribers' update.
#[derive(Debug)]
pub struct Report {
    topic: Topic,
    scope: Option<Topic>,
    event: Event,
    at: DateTime<Utc>,
}

impl Report {
    /// Appends the entry.
    pub async fn append<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        events::append(conn, &self.topic, self.scope.as_ref(), &self.event, self.at).await?;
        Ok(())
    }
}

/// One step, as it is stored (the actor is the authorised one).
pub struct Step {
    /// A wider subject the event-log entry also concerns (see `events::log::Filter`).
    pub scope: Option<Topic>,
    pub note: Option<String>,
    pub payload: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    definition: &str,
    instance: &workflow_instance::Model,
    from: Option<&str>,
    event: &str,
    actor: &Actor,
    step: &Step,
) -> Result<Report, DbErr> {
    workflow_history::ActiveModel {
        instance_id: Set(instance.id),
        seq: Set(instance.version),
        from_state: Set(from.map(str::to_owned)),
        event: Set(event.to_owned()),
        to_state: Set(instance.state.clone()),
        actor: Set(actor.subject.clone()),
        actor_role: Set(actor.role.clone()),
        at: Set(step.at.fixed_offset()),
        note: Set(step.note.clone()),
        payload: Set(step.payload.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let topic = Topic::Instance {
        definition: definition.to_owned(),
        id: instance.id,
    };
    crate::telemetry_metrics::transition(definition, event);
    let event = Event::Transition {
        instance_id: instance.id,
        definition: definition.to_owned(),
        from: from.map(str::to_owned),
        event: event.to_owned(),
        to: instance.state.clone(),
        version: instance.version,
        actor: actor.subject.clone(),
        role: actor.role.clone(),
        note: step.note.clone(),
        at: step.at.to_rfc3339(),
    };
    Ok(Report {
        topic,
        scope: step.scope.clone(),
        event,
        at: step.at,
    })
}

/// Creates an instance with an authorised creation event (a transition with no `from`).
pub async fn create<C: ConnectionTrait, S: Spec>(
    conn: &C,
    definition: &Definition<S>,
    authorized: &Authorized<'_, S>,
    context: &S::Context,
    step: Step,
) -> Result<Fired<S>, WorkflowError> {
    let transition = definition.plan(authorized, None, context)?;
    let event = transition.event.name();
    let instance = workflow_instance::ActiveModel {
        definition: Set(definition.name.to_owned()),
        definition_version: Set(definition.version),
        state: Set(transition.to.to_owned()),
        version: Set(1),
        created_at: Set(step.at.fixed_offset()),
        updated_at: Set(step.at.fixed_offset()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let report = record(
        conn,
        definition.name,
        &instance,
        None,
        event,
        authorized.actor(),
        &step,
    )
    .await?;
    Ok(Fired {
        instance,
        from: None,
        to: transition.to.to_owned(),
        event: transition.event,
        effects: transition.effects.clone(),
        timers: transition.timers.clone(),
        report,
    })
}

pub async fn load<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<workflow_instance::Model>, DbErr> {
    workflow_instance::Entity::find_by_id(id).one(conn).await
}

/// Fires an authorised event on `instance`, which the caller saw at
/// `expected_version`: the authorization guards first, then the version (a
/// stale one is a conflict; so is losing a race to another firing), then
/// the state and the rules.
pub async fn fire<C: ConnectionTrait, S: Spec>(
    conn: &C,
    definition: &Definition<S>,
    authorized: &Authorized<'_, S>,
    instance: &workflow_instance::Model,
    expected_version: i32,
    context: &S::Context,
    step: Step,
) -> Result<Fired<S>, WorkflowError> {
    if instance.definition != definition.name || instance.definition_version != definition.version {
        return Err(WorkflowError::Db(DbErr::Custom(format!(
            "instance {} runs {} v{}, not {} v{}",
            instance.id,
            instance.definition,
            instance.definition_version,
            definition.name,
            definition.version
        ))));
    }
    definition.check_authorization(authorized, context)?;
    if instance.version != expected_version {
        return Err(WorkflowError::Conflict {
            current: instance.version,
        });
    }
    let transition = definition.check_rules(authorized, Some(&instance.state), context)?;
    let updated = workflow_instance::Entity::update_many()
        .col_expr(workflow_instance::Column::State, Expr::value(transition.to))
        .col_expr(
            workflow_instance::Column::Version,
            Expr::value(expected_version + 1),
        )
        .col_expr(
            workflow_instance::Column::UpdatedAt,
            Expr::value(step.at.fixed_offset()),
        )
        .filter(workflow_instance::Column::Id.eq(instance.id))
        .filter(workflow_instance::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        let current = load(conn, instance.id)
            .await?
            .map_or(expected_version + 1, |i| i.version);
        return Err(WorkflowError::Conflict { current });
    }
    let moved = workflow_instance::Model {
        state: transition.to.to_owned(),
        version: expected_version + 1,
        updated_at: step.at.fixed_offset(),
        ..instance.clone()
    };
    let report = record(
        conn,
        definition.name,
        &moved,
        Some(&instance.state),
        transition.event.name(),
        authorized.actor(),
        &step,
    )
    .await?;
    Ok(Fired {
        instance: moved,
        from: Some(instance.state.clone()),
        to: transition.to.to_owned(),
        event: transition.event,
        effects: transition.effects.clone(),
        timers: transition.timers.clone(),
        report,
    })
}

/// The history of an instance, oldest first.
pub async fn history<C: ConnectionTrait>(
    conn: &C,
    instance_id: i64,
) -> Result<Vec<workflow_history::Model>, DbErr> {
    workflow_history::Entity::find()
        .filter(workflow_history::Column::InstanceId.eq(instance_id))
        .order_by_asc(workflow_history::Column::Seq)
        .all(conn)
        .await
}

/// Replays a history against its definition: the state it ends in, or what is wrong with it.
pub fn replay<S: Spec>(
    definition: &Definition<S>,
    history: &[workflow_history::Model],
) -> Result<String, String> {
    let mut state: Option<&str> = None;
    for (i, step) in history.iter().enumerate() {
        if step.seq != i as i32 + 1 {
            return Err(format!("entry {i} has seq {}", step.seq));
        }
        if step.from_state.as_deref() != state {
            return Err(format!(
                "entry {} starts from {:?}, not {state:?}",
                step.seq, step.from_state
            ));
        }
        let known = definition.transitions.iter().any(|t| {
            t.event.name() == step.event
                && t.to == step.to_state
                && match state {
                    None => t.from.is_empty(),
                    Some(s) => t.from.contains(&s),
                }
        });
        if !known {
            return Err(format!(
                "entry {} is no transition of {}",
                step.seq, definition.name
            ));
        }
        state = Some(&step.to_state);
    }
    state
        .map(str::to_owned)
        .ok_or_else(|| "empty history".to_owned())
}
