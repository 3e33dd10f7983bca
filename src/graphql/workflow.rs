//! Any workflow definition, for people and tools: its states, its
//! transitions (roles, guards, effects, timers) and its Mermaid diagram.

use async_graphql::{Object, SimpleObject};

use crate::workflow::Described;

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
