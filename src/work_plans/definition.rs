//! The work plan workflow, as data: a working group's plan is drafted by
//! those who lead the group on the day (the coordinators of its position, or
//! the President's office) and published by them once it has objectives.

use std::sync::LazyLock;

use crate::workflow::{Actor, Definition, Guard, GuardKind, Named, Spec, StateDef, Transition};

/// The definition's name (its instances' topics are `workPlan:ID`).
pub const NAME: &str = "workPlan";

pub const DRAFT: &str = "DRAFT";
pub const PUBLISHED: &str = "PUBLISHED";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkPlanEvent {
    Draft,
    Publish,
}

impl Named for WorkPlanEvent {
    fn name(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Publish => "publish",
        }
    }
}

/// What a guard needs loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// The positions whose seats the actor's State holds today.
    Seats,
    /// How many objectives the plan has.
    Objectives,
}

/// Work plans have no effects or timers of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nothing {}

impl Named for Nothing {
    fn name(self) -> &'static str {
        match self {}
    }
}

/// What the guards look at.
#[derive(Clone, Debug, Default)]
pub struct WorkPlanContext {
    /// The plan's position (its working group).
    pub position_id: i32,
    pub position_code: String,
    /// The positions the actor's State holds a seat of today.
    pub seats: Vec<i32>,
    pub objectives: usize,
}

pub struct WorkPlans;

impl Spec for WorkPlans {
    type Context = WorkPlanContext;
    type Event = WorkPlanEvent;
    type Input = Input;
    type Effect = Nothing;
    type Timer = Nothing;
}

/// Who may write work plans at all (the group's coordinators, the President's office).
pub const WRITERS: [&str; 3] = ["COORDINATOR", "PRESIDENCY", "ADMIN"];

/// The one rule of who leads a working group: a coordinator of a State
/// holding a seat of its position on the day; the President's office.
pub fn leads_the_group(ctx: &WorkPlanContext, actor: &Actor) -> Result<(), String> {
    match actor.role.as_str() {
        "PRESIDENCY" | "ADMIN" => Ok(()),
        "COORDINATOR" if ctx.seats.contains(&ctx.position_id) => Ok(()),
        _ => Err(format!(
            "the {} working group's plan is written by the coordinators holding its seats today, or by the President's office",
            ctx.position_code
        )),
    }
}

fn has_objectives(ctx: &WorkPlanContext, _: &Actor) -> Result<(), String> {
    if ctx.objectives > 0 {
        Ok(())
    } else {
        Err("a work plan is published with at least one objective".to_owned())
    }
}

fn build() -> Definition<WorkPlans> {
    let guard = |name, kind, needs: &[Input], check| Guard {
        name,
        kind,
        needs: needs.to_vec(),
        check,
    };
    let leads = || {
        guard(
            "leadsTheGroup",
            GuardKind::Authorization,
            &[Input::Seats],
            leads_the_group,
        )
    };
    Definition {
        name: NAME,
        version: 1,
        states: vec![
            StateDef {
                name: DRAFT,
                is_final: false,
            },
            StateDef {
                name: PUBLISHED,
                is_final: true,
            },
        ],
        transitions: vec![
            Transition {
                from: vec![],
                event: WorkPlanEvent::Draft,
                to: DRAFT,
                roles: WRITERS.to_vec(),
                guards: vec![leads()],
                effects: vec![],
                timers: vec![],
            },
            Transition {
                from: vec![DRAFT],
                event: WorkPlanEvent::Publish,
                to: PUBLISHED,
                roles: WRITERS.to_vec(),
                guards: vec![
                    leads(),
                    guard(
                        "hasObjectives",
                        GuardKind::Rule,
                        &[Input::Objectives],
                        has_objectives,
                    ),
                ],
                effects: vec![],
                timers: vec![],
            },
        ],
    }
}

static CURRENT: LazyLock<Definition<WorkPlans>> = LazyLock::new(build);

/// The work plans' definition, built once.
pub fn current() -> &'static Definition<WorkPlans> {
    &CURRENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_valid() {
        assert_eq!(current().validate(), Ok(()));
        assert!(
            current()
                .mermaid()
                .contains("DRAFT --> PUBLISHED: publish [leadsTheGroup, hasObjectives]")
        );
    }

    #[test]
    fn only_the_groups_coordinators_lead_it() {
        let ctx = WorkPlanContext {
            position_id: 5,
            position_code: "UNIVERSALIZATION".into(),
            seats: vec![7],
            objectives: 1,
        };
        let actor = |role: &str| Actor {
            subject: "x".into(),
            role: role.into(),
        };
        assert!(leads_the_group(&ctx, &actor("COORDINATOR")).is_err());
        assert!(leads_the_group(&ctx, &actor("PRESIDENCY")).is_ok());
        let mine = WorkPlanContext {
            seats: vec![5],
            ..ctx
        };
        assert!(leads_the_group(&mine, &actor("COORDINATOR")).is_ok());
        assert!(leads_the_group(&mine, &actor("DELEGATE")).is_err());
    }
}
