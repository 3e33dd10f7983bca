//! The topic workflow, as data: a topic raised by a member of the committee,
//! considered at a committee meeting, accepted ("the Coordination Committee
//! deems it relevant") or declined there, scheduled for discussion by all at
//! a meeting of the States Parties, discussed, and closed. Every transition,
//! its roles, guards, effects, in one place.

use std::sync::LazyLock;

use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::workflow::{Actor, Definition, Guard, GuardKind, Named, Spec, StateDef, Transition};

/// The definition's name (its instances' topics are `topic:ID`).
pub const NAME: &str = "topic";

/// The account the engine uses when a meeting's change moves a topic.
pub const SYSTEM: &str = "SYSTEM";

pub const PROPOSED: &str = "PROPOSED";
pub const UNDER_CONSIDERATION: &str = "UNDER_CONSIDERATION";
pub const ACCEPTED: &str = "ACCEPTED";
pub const DECLINED: &str = "DECLINED";
pub const SCHEDULED: &str = "SCHEDULED";
pub const DISCUSSED: &str = "DISCUSSED";
pub const CLOSED: &str = "CLOSED";
pub const WITHDRAWN: &str = "WITHDRAWN";

/// Every state, in the order a topic goes through them.
pub const STATES: [&str; 8] = [
    PROPOSED,
    UNDER_CONSIDERATION,
    ACCEPTED,
    DECLINED,
    SCHEDULED,
    DISCUSSED,
    CLOSED,
    WITHDRAWN,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopicEvent {
    Propose,
    PlaceForConsideration,
    Accept,
    Decline,
    Schedule,
    Discuss,
    CarryOver,
    Unschedule,
    SetAside,
    Withdraw,
    Close,
}

impl Named for TopicEvent {
    fn name(self) -> &'static str {
        match self {
            Self::Propose => "propose",
            Self::PlaceForConsideration => "placeForConsideration",
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Schedule => "schedule",
            Self::Discuss => "discuss",
            Self::CarryOver => "carryOver",
            Self::Unschedule => "unschedule",
            Self::SetAside => "setAside",
            Self::Withdraw => "withdraw",
            Self::Close => "close",
        }
    }
}

/// What a guard needs loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// Whether the actor's State holds a seat on the committee today.
    Seat,
    /// The meeting the move names (to place or schedule the topic on).
    Named,
    /// The meeting whose agenda the topic is on now.
    Current,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// An agenda item of its own kind on the named meeting, linked to the topic.
    PlaceOnAgenda,
    /// The outcome recorded as a decision of the meeting the topic is on.
    RecordOutcome,
    /// The topic leaves the meeting it was on (its item too, where the
    /// meeting is still open and nothing was decided on it).
    Release,
}

impl Named for Effect {
    fn name(self) -> &'static str {
        match self {
            Self::PlaceOnAgenda => "placeOnAgenda",
            Self::RecordOutcome => "recordOutcome",
            Self::Release => "release",
        }
    }
}

/// Topics set no timers: meetings' changes move them, through the meeting hooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoTimer {}

impl Named for NoTimer {
    fn name(self) -> &'static str {
        match self {}
    }
}

/// A meeting, as the guards see it.
#[derive(Clone, Debug)]
pub struct MeetingFacts {
    pub code: String,
    pub kind: MeetingKind,
    pub status: MeetingStatus,
}

/// Who raised the topic (on a creation: who raises it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub role: String,
    pub state: Option<String>,
    pub organization: Option<String>,
}

/// What the guards look at.
#[derive(Clone, Debug, Default)]
pub struct TopicContext {
    pub proposer: Party,
    /// The party the actor acts for.
    pub actor: Party,
    /// Whether the actor's State holds a seat today (for `propose`).
    pub holds_seat: bool,
    pub named: Option<MeetingFacts>,
    pub current: Option<MeetingFacts>,
    /// Whether the move gives a reason, an outcome's text or a follow-up.
    pub has_text: bool,
}

pub struct Topics;

impl Spec for Topics {
    type Context = TopicContext;
    type Event = TopicEvent;
    type Input = Input;
    type Effect = Effect;
    type Timer = NoTimer;
}

/// The President's office (with the ISU) and administrators run the committee's business.
const COMMITTEE: [&str; 2] = ["PRESIDENCY", "ADMIN"];
/// Who may raise a topic: the committee's members and its observers.
const RAISERS: [&str; 5] = ["COORDINATOR", "DELEGATE", "PRESIDENCY", "OBSERVER", "ADMIN"];

fn member_of_committee(ctx: &TopicContext, actor: &Actor) -> Result<(), String> {
    match actor.role.as_str() {
        "COORDINATOR" | "DELEGATE" if ctx.holds_seat => Ok(()),
        "COORDINATOR" | "DELEGATE" => Err(format!(
            "{} holds no seat on the Coordination Committee today: topics are raised by its members",
            ctx.actor.state.as_deref().unwrap_or("your State")
        )),
        "OBSERVER" if ctx.actor.organization.is_some() => Ok(()),
        "OBSERVER" => Err("an observer raises topics for its organisation".to_owned()),
        _ => Ok(()),
    }
}

pub fn is_proposer(ctx: &TopicContext, actor: &Actor) -> Result<(), String> {
    let same = match actor.role.as_str() {
        "ADMIN" => true,
        "COORDINATOR" | "DELEGATE" => {
            ctx.actor.state.is_some() && ctx.actor.state == ctx.proposer.state
        }
        "OBSERVER" => {
            ctx.actor.organization.is_some() && ctx.actor.organization == ctx.proposer.organization
        }
        "PRESIDENCY" => ctx.proposer.role == "PRESIDENCY",
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err("only whoever raised the topic withdraws it".to_owned())
    }
}

fn committee_meeting_open(ctx: &TopicContext, _: &Actor) -> Result<(), String> {
    let Some(m) = &ctx.named else {
        return Err("name the committee meeting that considers it".to_owned());
    };
    if m.kind != MeetingKind::CoordinationCommittee {
        return Err(format!(
            "the {} is not a committee meeting: the committee considers topics at its own meetings",
            m.code
        ));
    }
    if m.status.is_closed() {
        return Err(format!("the {} is {}", m.code, m.status.as_str()));
    }
    Ok(())
}

fn considering_meeting_in_session(ctx: &TopicContext, _: &Actor) -> Result<(), String> {
    match &ctx.current {
        Some(m) if m.status == MeetingStatus::InSession => Ok(()),
        Some(m) => Err(format!(
            "the {} is {}: the committee decides on a topic while the meeting that considers it is in session",
            m.code,
            m.status.as_str()
        )),
        None => Err("the topic is on no meeting's agenda".to_owned()),
    }
}

fn for_discussion_by_all(ctx: &TopicContext, _: &Actor) -> Result<(), String> {
    let Some(m) = &ctx.named else {
        return Err("name the meeting that discusses it".to_owned());
    };
    if m.kind == MeetingKind::CoordinationCommittee {
        return Err(format!(
            "the {} is a committee meeting: a topic for discussion by all goes to a Meeting of States Parties, a Review Conference, an intersessional meeting or an informal consultation",
            m.code
        ));
    }
    Ok(())
}

fn meeting_not_closed(ctx: &TopicContext, _: &Actor) -> Result<(), String> {
    match &ctx.named {
        Some(m) if m.status.is_closed() => Err(format!(
            "the {} is {}: a topic is scheduled on a meeting still to come or in session",
            m.code,
            m.status.as_str()
        )),
        _ => Ok(()),
    }
}

fn discussing_meeting_in_session(ctx: &TopicContext, _: &Actor) -> Result<(), String> {
    match &ctx.current {
        Some(m) if m.status == MeetingStatus::InSession => Ok(()),
        Some(m) => Err(format!(
            "the {} is {}: an outcome is recorded while the meeting takes the item",
            m.code,
            m.status.as_str()
        )),
        None => Err("the topic is on no meeting's agenda".to_owned()),
    }
}

fn text_given(ctx: &TopicContext, _: &Actor) -> Result<(), String> {
    if ctx.has_text {
        Ok(())
    } else {
        Err("say it: this move needs a text".to_owned())
    }
}

fn build() -> Definition<Topics> {
    let state = |name, is_final| StateDef { name, is_final };
    let rule = |name, needs: &[Input], check| Guard {
        name,
        kind: GuardKind::Rule,
        needs: needs.to_vec(),
        check,
    };
    let who = |name, needs: &[Input], check| Guard {
        name,
        kind: GuardKind::Authorization,
        needs: needs.to_vec(),
        check,
    };
    let t =
        |from: &[&'static str], event, to, roles: &[&'static str], guards, effects| Transition {
            from: from.to_vec(),
            event,
            to,
            roles: roles.to_vec(),
            guards,
            effects,
            timers: vec![],
        };
    Definition {
        name: NAME,
        version: 1,
        states: vec![
            state(PROPOSED, false),
            state(UNDER_CONSIDERATION, false),
            state(ACCEPTED, false),
            state(DECLINED, true),
            state(SCHEDULED, false),
            state(DISCUSSED, false),
            state(CLOSED, true),
            state(WITHDRAWN, true),
        ],
        transitions: vec![
            t(
                &[],
                TopicEvent::Propose,
                PROPOSED,
                &RAISERS,
                vec![who(
                    "memberOfCommittee",
                    &[Input::Seat],
                    member_of_committee,
                )],
                vec![],
            ),
            t(
                &[PROPOSED],
                TopicEvent::PlaceForConsideration,
                UNDER_CONSIDERATION,
                &COMMITTEE,
                vec![rule(
                    "committeeMeetingOpen",
                    &[Input::Named],
                    committee_meeting_open,
                )],
                vec![Effect::PlaceOnAgenda],
            ),
            t(
                &[UNDER_CONSIDERATION],
                TopicEvent::Accept,
                ACCEPTED,
                &COMMITTEE,
                vec![rule(
                    "consideringMeetingInSession",
                    &[Input::Current],
                    considering_meeting_in_session,
                )],
                vec![Effect::RecordOutcome],
            ),
            t(
                &[UNDER_CONSIDERATION],
                TopicEvent::Decline,
                DECLINED,
                &COMMITTEE,
                vec![
                    rule(
                        "consideringMeetingInSession",
                        &[Input::Current],
                        considering_meeting_in_session,
                    ),
                    rule("reasonGiven", &[], text_given),
                ],
                vec![Effect::RecordOutcome],
            ),
            t(
                &[ACCEPTED],
                TopicEvent::Schedule,
                SCHEDULED,
                &COMMITTEE,
                vec![
                    rule("forDiscussionByAll", &[Input::Named], for_discussion_by_all),
                    rule("meetingNotConcluded", &[Input::Named], meeting_not_closed),
                ],
                vec![Effect::PlaceOnAgenda],
            ),
            t(
                &[SCHEDULED],
                TopicEvent::Discuss,
                DISCUSSED,
                &COMMITTEE,
                vec![
                    rule(
                        "discussingMeetingInSession",
                        &[Input::Current],
                        discussing_meeting_in_session,
                    ),
                    rule("outcomeStated", &[], text_given),
                ],
                vec![Effect::RecordOutcome],
            ),
            t(
                &[SCHEDULED],
                TopicEvent::CarryOver,
                ACCEPTED,
                &COMMITTEE,
                vec![rule(
                    "discussingMeetingInSession",
                    &[Input::Current],
                    discussing_meeting_in_session,
                )],
                vec![Effect::RecordOutcome],
            ),
            t(
                &[SCHEDULED],
                TopicEvent::Unschedule,
                ACCEPTED,
                &[SYSTEM],
                vec![],
                vec![Effect::Release],
            ),
            t(
                &[UNDER_CONSIDERATION],
                TopicEvent::SetAside,
                PROPOSED,
                &[SYSTEM],
                vec![],
                vec![Effect::Release],
            ),
            t(
                &[PROPOSED, UNDER_CONSIDERATION, ACCEPTED, SCHEDULED],
                TopicEvent::Withdraw,
                WITHDRAWN,
                &RAISERS,
                vec![who("proposer", &[], is_proposer)],
                vec![Effect::Release],
            ),
            t(
                &[DISCUSSED],
                TopicEvent::Close,
                CLOSED,
                &COMMITTEE,
                vec![rule("followUpStated", &[], text_given)],
                vec![],
            ),
        ],
    }
}

static CURRENT: LazyLock<Definition<Topics>> = LazyLock::new(build);

/// The topics' definition, built once.
pub fn current() -> &'static Definition<Topics> {
    &CURRENT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: &str) -> Actor {
        Actor {
            subject: "someone".into(),
            role: role.into(),
        }
    }

    #[test]
    fn the_definition_is_valid() {
        assert_eq!(current().validate(), Ok(()));
        let mermaid = current().mermaid();
        assert!(mermaid.contains("SCHEDULED --> ACCEPTED: carryOver [discussingMeetingInSession]"));
        assert!(mermaid.contains("[*] --> PROPOSED: propose [memberOfCommittee]"));
        assert_eq!(current().states.len(), STATES.len());
    }

    #[test]
    fn only_the_proposer_withdraws() {
        let ctx = TopicContext {
            proposer: Party {
                role: "COORDINATOR".into(),
                state: Some("PHL".into()),
                organization: None,
            },
            actor: Party {
                role: "COORDINATOR".into(),
                state: Some("NOR".into()),
                organization: None,
            },
            ..Default::default()
        };
        assert!(is_proposer(&ctx, &actor("COORDINATOR")).is_err());
        assert!(is_proposer(&ctx, &actor("ADMIN")).is_ok());
        let mine = TopicContext {
            actor: ctx.proposer.clone(),
            ..ctx
        };
        assert!(is_proposer(&mine, &actor("DELEGATE")).is_ok());
    }

    #[test]
    fn a_committee_meeting_is_not_for_discussion_by_all() {
        let ctx = TopicContext {
            named: Some(MeetingFacts {
                code: "CC-2026-03".into(),
                kind: MeetingKind::CoordinationCommittee,
                status: MeetingStatus::Planned,
            }),
            ..Default::default()
        };
        assert!(for_discussion_by_all(&ctx, &actor("PRESIDENCY")).is_err());
        assert!(meeting_not_closed(&ctx, &actor("PRESIDENCY")).is_ok());
    }
}
