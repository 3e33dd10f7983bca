//! Any workflow definition, for people and tools: its states, its
//! transitions (roles, guards, effects, timers) and its Mermaid diagram.

use async_graphql::{Object, SimpleObject};

use crate::error::ApiError;
use crate::graphql::loaders::get;
use crate::workflow::Described;

crate::key_loader!(
    /// Workflow instances by id.
    InstanceLoader: workflow_instance by Id (id: i64)
);

crate::group_loader!(
    /// The history of each instance, oldest first.
    HistoryLoader: workflow_history by InstanceId (instance_id: i64) order Seq
);

/// An instance's moves, oldest first (batched across the request).
pub async fn steps(
    ctx: &async_graphql::Context<'_>,
    instance_id: i64,
) -> Result<Vec<WorkflowStep>, ApiError> {
    Ok(get::<HistoryLoader, i64>(ctx)
        .load_one(instance_id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(WorkflowStep)
        .collect())
}

/// A workflow definition, for people and tools.
pub struct Workflow(pub Described);

#[Object]
impl Workflow {
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn states(&self) -> Vec<WorkflowState> {
        self.0
            .states
            .iter()
            .map(|s| WorkflowState {
                name: s.name.to_owned(),
                is_final: s.is_final,
            })
            .collect()
    }

    async fn transitions(&self) -> Vec<WorkflowTransition> {
        self.0
            .transitions
            .iter()
            .map(|t| WorkflowTransition {
                from: t.from.clone(),
                event: t.event.clone(),
                to: t.to.clone(),
                roles: t.roles.clone(),
                guards: t.guards.clone(),
                effects: t.effects.clone(),
                timers: t.timers.clone(),
            })
            .collect()
    }

    /// The definition as a Mermaid `stateDiagram-v2`.
    async fn mermaid(&self) -> &str {
        &self.0.mermaid
    }
}

#[derive(SimpleObject)]
pub struct WorkflowState {
    pub name: String,
    pub is_final: bool,
}

#[derive(SimpleObject)]
pub struct WorkflowTransition {
    /// The states it leaves from; empty for a creation event.
    pub from: Vec<String>,
    pub event: String,
    pub to: String,
    pub roles: Vec<String>,
    pub guards: Vec<String>,
    pub effects: Vec<String>,
    /// The timers the move sets or cancels.
    pub timers: Vec<String>,
}

/// One move of a workflow instance (minutes, a topic, a work plan), as the
/// history stores it.
pub struct WorkflowStep(pub entity::workflow_history::Model);

#[Object]
impl WorkflowStep {
    async fn seq(&self) -> i32 {
        self.0.seq
    }

    async fn from(&self) -> Option<&str> {
        self.0.from_state.as_deref()
    }

    async fn event(&self) -> &str {
        &self.0.event
    }

    async fn to(&self) -> &str {
        &self.0.to_state
    }

    async fn actor(&self) -> &str {
        &self.0.actor
    }

    async fn at(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.0.at
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}
