//! The nomination workflow, as data: states and transitions, each with the
//! roles that may fire it, its guards (small named functions of the loaded
//! context) and the inputs they need, its effects and its timers. Adding a
//! transition edits this file only; the compiler names what the others
//! must handle (an input to load, an effect to run, a timer to set).

use std::str::FromStr;

use crate::committee::model::StateRelation;
use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::workflow::{Actor, Definition, Guard, GuardKind, Named, Spec, StateDef, Transition};

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

/// The nomination workflow's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NominationEvent {
    Propose,
    ProposeRenewal,
    Submit,
    OpenConsultation,
    Endorse,
    ReturnForRevision,
    PlaceOnAgenda,
    Select,
    Decline,
    Withdraw,
    Lapse,
}

impl Named for NominationEvent {
    fn name(self) -> &'static str {
        match self {
            Self::Propose => "propose",
            Self::ProposeRenewal => "proposeRenewal",
            Self::Submit => "submit",
            Self::OpenConsultation => "openConsultation",
            Self::Endorse => "endorse",
            Self::ReturnForRevision => "returnForRevision",
            Self::PlaceOnAgenda => "placeOnAgenda",
            Self::Select => "select",
            Self::Decline => "decline",
            Self::Withdraw => "withdraw",
            Self::Lapse => "lapse",
        }
    }
}

/// What a guard reads that is loaded only for the moves whose guards need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    /// The nominee's relation to the Convention on the meeting's date.
    NomineeRelation,
    /// Other open nominations of the State for the seat at the meeting.
    OpenDuplicates,
    /// The consultation's tally against the position's policy.
    ConsultationTally,
    /// Whether a seat is free for the whole term.
    SeatFree,
}

/// What a move does besides moving, in its transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Put it on the deciding meeting's nominations item (through `meetings`).
    AttachToAgenda,
    /// Designate the mandate (through `committee`), and set its renewal timer.
    CreateMandate,
    /// Record the decision on its agenda item (through `meetings`).
    RecordDecision,
}

impl Named for Effect {
    fn name(self) -> &'static str {
        match self {
            Self::AttachToAgenda => "attachToAgenda",
            Self::CreateMandate => "createMandate",
            Self::RecordDecision => "recordDecision",
        }
    }
}

/// The timers a move sets or cancels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Lapse when the consultation's deadline passes (if one is given).
    LapseAtDeadline,
    /// Lapse when the deciding meeting ends.
    LapseAtMeetingEnd,
    /// Cancel a pending lapse: the state it guarded is left.
    CancelLapse,
}

impl Named for Timer {
    fn name(self) -> &'static str {
        match self {
            Self::LapseAtDeadline => "lapseAtDeadline",
            Self::LapseAtMeetingEnd => "lapseAtMeetingEnd",
            Self::CancelLapse => "cancelLapse",
        }
    }
}

/// The nomination workflow's types.
pub struct Nominations;

impl Spec for Nominations {
    type Context = NominationContext;
    type Event = NominationEvent;
    type Input = Input;
    type Effect = Effect;
    type Timer = Timer;
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
    needs: &[Input],
    check: fn(&NominationContext, &Actor) -> Result<(), String>,
) -> Guard<Nominations> {
    Guard {
        name,
        kind: GuardKind::Rule,
        needs: needs.to_vec(),
        check,
    }
}

/// A delegation acts for its own State only: an authorization, refused as FORBIDDEN.
fn own_state_only() -> Guard<Nominations> {
    Guard {
        name: "ownState",
        kind: GuardKind::Authorization,
        needs: Vec::new(),
        check: own_state,
    }
}

fn state_party_guard() -> Guard<Nominations> {
    guard("stateParty", &[Input::NomineeRelation], state_party)
}

fn no_duplicate_guard() -> Guard<Nominations> {
    guard("noDuplicate", &[Input::OpenDuplicates], no_duplicate)
}

fn in_session() -> Guard<Nominations> {
    guard("meetingInSession", &[], meeting_in_session)
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

static CURRENT: std::sync::LazyLock<Definition<Nominations>> = std::sync::LazyLock::new(definition);

/// The definition every move runs, built once.
pub fn current() -> &'static Definition<Nominations> {
    &CURRENT
}

/// The nomination workflow, version 1. Read top to bottom: from, event,
/// to, roles, guards, effects, timers.
pub fn definition() -> Definition<Nominations> {
    use Effect::*;
    use NominationEvent::*;
    use Timer::*;
    let t = |from: &[&'static str],
             event: NominationEvent,
             to: &'static str,
             roles: &[&'static str],
             guards: Vec<Guard<Nominations>>,
             effects: &[Effect],
             timers: &[Timer]| Transition {
        from: from.to_vec(),
        event,
        to,
        roles: roles.to_vec(),
        guards,
        effects: effects.to_vec(),
        timers: timers.to_vec(),
    };
    let state = |name, is_final| StateDef { name, is_final };
    Definition {
        name: NAME,
        version: 1,
        states: vec![
            state("DRAFT", false),
            state("SUBMITTED", false),
            state("IN_CONSULTATION", false),
            state("ENDORSED", false),
            state("ON_AGENDA", false),
            state("SELECTED", true),
            state("NOT_SELECTED", true),
            state("WITHDRAWN", true),
            state("LAPSED", true),
        ],
        transitions: vec![
            t(
                &[],
                Propose,
                "DRAFT",
                &DELEGATIONS,
                vec![own_state_only(), state_party_guard(), no_duplicate_guard()],
                &[],
                &[],
            ),
            t(
                &[],
                ProposeRenewal,
                "ENDORSED",
                &["COORDINATOR", "DELEGATE", "PRESIDENCY", "ADMIN", SYSTEM],
                vec![
                    own_state_only(),
                    guard("renewable", &[], renewable),
                    state_party_guard(),
                    no_duplicate_guard(),
                ],
                &[],
                &[],
            ),
            t(
                &["DRAFT"],
                Submit,
                "SUBMITTED",
                &["COORDINATOR", "DELEGATE", "ADMIN"],
                vec![own_state_only(), state_party_guard(), no_duplicate_guard()],
                &[],
                &[],
            ),
            t(
                &["SUBMITTED"],
                OpenConsultation,
                "IN_CONSULTATION",
                &PRESIDENCY,
                vec![],
                &[],
                &[LapseAtDeadline],
            ),
            t(
                &["IN_CONSULTATION"],
                Endorse,
                "ENDORSED",
                &PRESIDENCY,
                vec![guard(
                    "consultationPolicy",
                    &[Input::ConsultationTally],
                    consultation_policy,
                )],
                &[],
                &[CancelLapse],
            ),
            t(
                &["IN_CONSULTATION"],
                ReturnForRevision,
                "DRAFT",
                &PRESIDENCY,
                vec![],
                &[],
                &[CancelLapse],
            ),
            t(
                &["ENDORSED"],
                PlaceOnAgenda,
                "ON_AGENDA",
                &PRESIDENCY,
                vec![guard(
                    "meetingTakesNominations",
                    &[],
                    meeting_takes_nominations,
                )],
                &[AttachToAgenda],
                &[LapseAtMeetingEnd],
            ),
            t(
                &["ON_AGENDA"],
                Select,
                "SELECTED",
                &PRESIDENCY,
                vec![
                    in_session(),
                    state_party_guard(),
                    guard("seatFree", &[Input::SeatFree], seat_free),
                ],
                &[CreateMandate, RecordDecision],
                &[CancelLapse],
            ),
            t(
                &["ON_AGENDA"],
                Decline,
                "NOT_SELECTED",
                &PRESIDENCY,
                vec![in_session()],
                &[RecordDecision],
                &[CancelLapse],
            ),
            t(
                &OPEN,
                Withdraw,
                "WITHDRAWN",
                &DELEGATIONS,
                vec![own_state_only()],
                &[],
                &[CancelLapse],
            ),
            t(
                &["IN_CONSULTATION", "ON_AGENDA"],
                Lapse,
                "LAPSED",
                &[SYSTEM],
                vec![],
                &[],
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
