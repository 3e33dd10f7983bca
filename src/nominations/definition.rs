//! The nomination workflow, as data: states, transitions, the roles that may
//! fire each, and the guards (small named functions of the loaded context).

use std::str::FromStr;

use crate::committee::model::StateRelation;
use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::workflow::{Actor, Definition, Guard, GuardKind, StateDef, Transition};

pub const NAME: &str = "nomination";

/// The account the engine uses for what time does (lapses).
pub const SYSTEM: &str = "SYSTEM";

/// Where a nomination is in its workflow (stored by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NominationState {
    Draft,
    Submitted,
    InConsultation,
    Endorsed,
    OnAgenda,
    Selected,
    NotSelected,
    Withdrawn,
    Lapsed,
}

impl NominationState {
    pub const ALL: [Self; 9] = [
        Self::Draft,
        Self::Submitted,
        Self::InConsultation,
        Self::Endorsed,
        Self::OnAgenda,
        Self::Selected,
        Self::NotSelected,
        Self::Withdrawn,
        Self::Lapsed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Submitted => "SUBMITTED",
            Self::InConsultation => "IN_CONSULTATION",
            Self::Endorsed => "ENDORSED",
            Self::OnAgenda => "ON_AGENDA",
            Self::Selected => "SELECTED",
            Self::NotSelected => "NOT_SELECTED",
            Self::Withdrawn => "WITHDRAWN",
            Self::Lapsed => "LAPSED",
        }
    }

    /// Whether the nomination is over.
    pub fn is_final(self) -> bool {
        !OPEN.contains(&self.as_str())
    }
}

impl FromStr for NominationState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("unknown nomination state `{text}`"))
    }
}

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
    pub meeting_kind: MeetingKind,
    pub meeting_status: MeetingStatus,
    pub meeting_code: String,
    /// Other open nominations of the same State for the same position at the same meeting.
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
            other.map_or("unknown", StateRelation::as_str)
        )),
    }
}

fn no_duplicate(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    if ctx.open_duplicates == 0 {
        Ok(())
    } else {
        Err(format!(
            "{} already has an open nomination for this position at the {}",
            ctx.nominee, ctx.meeting_code
        ))
    }
}

fn consultation_policy(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    ctx.consultation_unmet.clone().map_or(Ok(()), Err)
}

fn meeting_takes_nominations(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    crate::meetings::model::takes_nominations(ctx.meeting_kind, ctx.meeting_status)
        .map_err(|why| format!("the {} {why}", ctx.meeting_code))
}

fn meeting_in_session(ctx: &NominationContext, _: &Actor) -> Result<(), String> {
    if ctx.meeting_status == MeetingStatus::InSession {
        Ok(())
    } else {
        Err(format!(
            "the {} is not in session (it is {})",
            ctx.meeting_code,
            ctx.meeting_status.as_str()
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
    Guard {
        name,
        kind: GuardKind::Rule,
        check,
    }
}

/// A delegation acts for its own State only: an authorization, refused as FORBIDDEN.
fn own_state_only() -> Guard<NominationContext> {
    Guard {
        name: "ownState",
        kind: GuardKind::Authorization,
        check: own_state,
    }
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
                    own_state_only(),
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
                    own_state_only(),
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
                    own_state_only(),
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
                vec![own_state_only()],
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
