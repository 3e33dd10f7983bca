//! The nomination workflow, as data: states, transitions, the roles that may
//! fire each, and the guards (small named functions of the loaded context).

use crate::committee::model::StateRelation;
use crate::workflow::{Actor, Definition, Guard, StateDef, Transition};

pub const NAME: &str = "nomination";

/// The account the engine uses for what time does (lapses).
pub const SYSTEM: &str = "SYSTEM";

/// Everything a guard may look at, loaded in the firing's transaction.
#[derive(Clone, Debug, Default)]
pub struct NominationContext {
    /// The nominee State.
    pub nominee: String,
    /// The State the actor acts for (coordinators and delegates).
    pub actor_state: Option<String>,
    /// The nominee's relation to the Convention on the deciding meeting's date.
    pub nominee_relation: Option<StateRelation>,
    /// The deciding meeting's kind and status.
    pub meeting_kind: String,
    pub meeting_status: String,
    pub meeting_code: String,
    /// Other open nominations of the same State for the same position and term.
    pub open_duplicates: usize,
    /// Why the broad-based consultation policy is not met (None: it is).
    pub consultation_unmet: Option<String>,
    /// Whether a seat of the position is free for the whole term.
    pub seat_free: bool,
    /// For a renewal: why the mandate cannot be renewed, if it cannot.
    pub renewal_refused: Option<String>,
}

fn own_state(ctx: &NominationContext, actor: &Actor) -> Result<(), String> {
    match actor.role.as_str() {
        "COORDINATOR" | "DELEGATE" if ctx.actor_state.as_deref() != Some(ctx.nominee.as_str()) => {
            Err(format!(
                "a delegation acts for its own State only, and this nomination is {}'s",
                ctx.nominee
            ))
        }
        _ => Ok(()),
    }
}

fn state_party(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    match ctx.nominee_relation {
        Some(StateRelation::StateParty) => Ok(()),
        other => Err(format!(
            "{} is not a State Party in force on the date of the {} ({})",
            ctx.nominee,
            ctx.meeting_code,
            other.map_or("unknown", crate::graphql::loaders::enum_name)
        )),
    }
}

fn no_duplicate(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    if ctx.open_duplicates == 0 {
        Ok(())
    } else {
        Err(format!(
            "{} already has an open nomination for this position and term",
            ctx.nominee
        ))
    }
}

fn consultation_policy(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    ctx.consultation_unmet.clone().map_or(Ok(()), Err)
}

fn meeting_takes_nominations(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    let decides = matches!(ctx.meeting_kind.as_str(), "MSP" | "REVIEW_CONFERENCE");
    let open = matches!(ctx.meeting_status.as_str(), "PLANNED" | "IN_SESSION");
    if decides && open {
        Ok(())
    } else {
        Err(format!(
            "the {} cannot take nominations: it must be a Meeting of States Parties or a Review Conference, planned or in session (it is {})",
            ctx.meeting_code, ctx.meeting_status
        ))
    }
}

fn meeting_in_session(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    if ctx.meeting_status == "IN_SESSION" {
        Ok(())
    } else {
        Err(format!(
            "the {} is not in session (it is {})",
            ctx.meeting_code, ctx.meeting_status
        ))
    }
}

fn seat_free(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    if ctx.seat_free {
        Ok(())
    } else {
        Err("no seat of the position is free for the whole term".to_owned())
    }
}

fn renewable(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    ctx.renewal_refused.clone().map_or(Ok(()), Err)
}

fn guard(
    name: &'static str,
    check: fn(&NominationContext, &Actor) -> Result<(), String>,
) -> Guard<NominationContext> {
    Guard { name, check }
}

const DELEGATIONS: [&str; 4] = ["COORDINATOR", "DELEGATE", "PRESIDENCY", "ADMIN"];
const PRESIDENCY: [&str; 2] = ["PRESIDENCY", "ADMIN"];

/// The open (non-final) states.
pub const OPEN: [&str; 5] = [
    "DRAFT",
    "SUBMITTED",
    "IN_CONSULTATION",
    "ENDORSED",
    "ON_AGENDA",
];

/// The nomination workflow, version 1. Read top to bottom.
pub fn definition() -> Definition<NominationContext> {
    let t = |from: &[&'static str],
             event: &'static str,
             to: &'static str,
             roles: &[&'static str],
             guards: Vec<Guard<NominationContext>>,
             effects: &[&'static str]| Transition {
        from: from.to_vec(),
        event,
        to,
        roles: roles.to_vec(),
        guards,
        effects: effects.to_vec(),
    };
    Definition {
        name: NAME,
        version: 1,
        states: vec![
            StateDef {
                name: "DRAFT",
                is_final: false,
            },
            StateDef {
                name: "SUBMITTED",
                is_final: false,
            },
            StateDef {
                name: "IN_CONSULTATION",
                is_final: false,
            },
            StateDef {
                name: "ENDORSED",
                is_final: false,
            },
            StateDef {
                name: "ON_AGENDA",
                is_final: false,
            },
            StateDef {
                name: "SELECTED",
                is_final: true,
            },
            StateDef {
                name: "NOT_SELECTED",
                is_final: true,
            },
            StateDef {
                name: "WITHDRAWN",
                is_final: true,
            },
            StateDef {
                name: "LAPSED",
                is_final: true,
            },
        ],
        transitions: vec![
            t(
                &[],
                "propose",
                "DRAFT",
                &DELEGATIONS,
                vec![
                    guard("ownState", own_state),
                    guard("stateParty", state_party),
                    guard("noDuplicate", no_duplicate),
                ],
                &[],
            ),
            t(
                &[],
                "proposeRenewal",
                "ENDORSED",
                &["COORDINATOR", "DELEGATE", "PRESIDENCY", "ADMIN", SYSTEM],
                vec![
                    guard("ownState", own_state),
                    guard("renewable", renewable),
                    guard("stateParty", state_party),
                    guard("noDuplicate", no_duplicate),
                ],
                &[],
            ),
            t(
                &["DRAFT"],
                "submit",
                "SUBMITTED",
                &["COORDINATOR", "DELEGATE", "ADMIN"],
                vec![
                    guard("ownState", own_state),
                    guard("stateParty", state_party),
                    guard("noDuplicate", no_duplicate),
                ],
                &[],
            ),
            t(
                &["SUBMITTED"],
                "openConsultation",
                "IN_CONSULTATION",
                &PRESIDENCY,
                vec![],
                &[],
            ),
            t(
                &["IN_CONSULTATION"],
                "endorse",
                "ENDORSED",
                &PRESIDENCY,
                vec![guard("consultationPolicy", consultation_policy)],
                &[],
            ),
            t(
                &["IN_CONSULTATION"],
                "returnForRevision",
                "DRAFT",
                &PRESIDENCY,
                vec![],
                &[],
            ),
            t(
                &["ENDORSED"],
                "placeOnAgenda",
                "ON_AGENDA",
                &PRESIDENCY,
                vec![guard("meetingTakesNominations", meeting_takes_nominations)],
                &["attachToAgenda"],
            ),
            t(
                &["ON_AGENDA"],
                "select",
                "SELECTED",
                &PRESIDENCY,
                vec![
                    guard("meetingInSession", meeting_in_session),
                    guard("stateParty", state_party),
                    guard("seatFree", seat_free),
                ],
                &["createMandate", "recordDecision"],
            ),
            t(
                &["ON_AGENDA"],
                "decline",
                "NOT_SELECTED",
                &PRESIDENCY,
                vec![guard("meetingInSession", meeting_in_session)],
                &["recordDecision"],
            ),
            t(
                &OPEN,
                "withdraw",
                "WITHDRAWN",
                &DELEGATIONS,
                vec![guard("ownState", own_state)],
                &[],
            ),
            t(
                &["IN_CONSULTATION", "ON_AGENDA"],
                "lapse",
                "LAPSED",
                &[SYSTEM],
                vec![],
                &[],
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nomination_workflow_is_valid() {
        assert_eq!(definition().validate(), Ok(()));
    }

    #[test]
    fn a_delegate_acts_for_its_own_state_only() {
        let ctx = NominationContext {
            nominee: "NOR".into(),
            actor_state: Some("SWE".into()),
            nominee_relation: Some(StateRelation::StateParty),
            ..Default::default()
        };
        let actor = Actor {
            subject: "d".into(),
            role: "DELEGATE".into(),
        };
        assert!(own_state(&ctx, &actor).is_err());
        let presidency = Actor {
            subject: "p".into(),
            role: "PRESIDENCY".into(),
        };
        assert!(own_state(&ctx, &presidency).is_ok());
    }

    #[test]
    fn a_signatory_is_refused() {
        let ctx = NominationContext {
            nominee: "AGO".into(),
            nominee_relation: Some(StateRelation::Signatory),
            meeting_code: "14MSP".into(),
            ..Default::default()
        };
        let actor = Actor {
            subject: "p".into(),
            role: "PRESIDENCY".into(),
        };
        assert!(
            state_party(&ctx, &actor)
                .expect_err("refused")
                .contains("not a State Party")
        );
    }
}
