//! The minutes' workflow definition: every transition, its roles, guards,
//! effects and timers, in one place.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};

use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::workflow::{Actor, Definition, Guard, GuardKind, Named, Spec, StateDef, Transition};

/// The definition's name (its instances' topics are `minutes:ID`).
pub const NAME: &str = "minutes";

pub const DRAFT: &str = "DRAFT";
pub const CIRCULATED: &str = "CIRCULATED";
pub const APPROVED: &str = "APPROVED";
pub const PUBLISHED: &str = "PUBLISHED";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinutesEvent {
    Draft,
    Circulate,
    ReturnToDraft,
    Approve,
    Publish,
}

impl Named for MinutesEvent {
    fn name(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Circulate => "circulate",
            Self::ReturnToDraft => "returnToDraft",
            Self::Approve => "approve",
            Self::Publish => "publish",
        }
    }
}

/// What a guard needs loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// Whether any item has a text.
    Texts,
    /// The meeting that approves them.
    Approving,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Record "approved as a correct record" on the approving meeting's approval item.
    RecordApproval,
}

impl Named for Effect {
    fn name(self) -> &'static str {
        "recordApproval"
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Close the comments when their deadline passes (when one is given).
    CommentsDeadline,
    /// Cancel a pending comments deadline.
    CancelCommentsDeadline,
}

impl Named for Timer {
    fn name(self) -> &'static str {
        match self {
            Self::CommentsDeadline => "commentsDeadline",
            Self::CancelCommentsDeadline => "cancelCommentsDeadline",
        }
    }
}

/// A meeting, as the guards see it.
#[derive(Clone, Debug)]
pub struct MeetingFacts {
    pub id: i32,
    pub code: String,
    pub kind: MeetingKind,
    pub status: MeetingStatus,
    pub starts_on: Option<NaiveDate>,
}

/// What the guards look at.
#[derive(Clone, Debug)]
pub struct MinutesContext {
    /// The meeting they record.
    pub recorded: MeetingFacts,
    pub has_text: bool,
    pub approving: Option<MeetingFacts>,
    pub comments_due: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

pub struct Minutes;

impl Spec for Minutes {
    type Context = MinutesContext;
    type Event = MinutesEvent;
    type Input = Input;
    type Effect = Effect;
    type Timer = Timer;
}

/// The roles that write the minutes: the ISU (with the President's office) and administrators.
const WRITERS: [&str; 2] = ["PRESIDENCY", "ADMIN"];

fn committee_meeting(ctx: &MinutesContext, _: &Actor) -> Result<(), String> {
    if ctx.recorded.kind == MeetingKind::CoordinationCommittee {
        Ok(())
    } else {
        Err(format!(
            "the {} is not a committee meeting: minutes are kept for committee meetings",
            ctx.recorded.code
        ))
    }
}

fn meeting_started(ctx: &MinutesContext, _: &Actor) -> Result<(), String> {
    if ctx.recorded.status.has_started() {
        Ok(())
    } else {
        Err(format!(
            "the {} is {}: minutes are drafted once the meeting is in session",
            ctx.recorded.code,
            ctx.recorded.status.as_str()
        ))
    }
}

fn text_written(ctx: &MinutesContext, _: &Actor) -> Result<(), String> {
    if ctx.has_text {
        Ok(())
    } else {
        Err("no agenda item has a text yet: write the minutes before circulating them".to_owned())
    }
}

fn later_meeting_in_session(ctx: &MinutesContext, _: &Actor) -> Result<(), String> {
    let Some(approving) = &ctx.approving else {
        return Err("name the committee meeting that approves them".to_owned());
    };
    if approving.id == ctx.recorded.id {
        return Err(format!(
            "minutes are approved at a later meeting, not at the {} they record",
            approving.code
        ));
    }
    if approving.kind != MeetingKind::CoordinationCommittee {
        return Err(format!("the {} is not a committee meeting", approving.code));
    }
    let later = match (approving.starts_on, ctx.recorded.starts_on) {
        (Some(a), Some(r)) => a > r,
        _ => false,
    };
    if !later {
        return Err(format!(
            "the {} is not later than the {} the minutes record",
            approving.code, ctx.recorded.code
        ));
    }
    if approving.status != MeetingStatus::InSession {
        return Err(format!(
            "the {} is {}: minutes are approved while it is in session",
            approving.code,
            approving.status.as_str()
        ));
    }
    Ok(())
}

fn comments_closed(ctx: &MinutesContext, _: &Actor) -> Result<(), String> {
    match ctx.comments_due {
        Some(due) if due > ctx.now => Err(format!(
            "comments are open until {}: approve them after",
            due.to_rfc3339()
        )),
        _ => Ok(()),
    }
}

fn build() -> Definition<Minutes> {
    let state = |name, is_final| StateDef { name, is_final };
    let guard = |name, needs: &[Input], check| Guard {
        name,
        kind: GuardKind::Rule,
        needs: needs.to_vec(),
        check,
    };
    let t = |from: &[&'static str], event, to, guards, effects, timers| Transition {
        from: from.to_vec(),
        event,
        to,
        roles: WRITERS.to_vec(),
        guards,
        effects,
        timers,
    };
    Definition {
        name: NAME,
        version: 1,
        states: vec![
            state(DRAFT, false),
            state(CIRCULATED, false),
            state(APPROVED, false),
            state(PUBLISHED, true),
        ],
        transitions: vec![
            t(
                &[],
                MinutesEvent::Draft,
                DRAFT,
                vec![
                    guard("committeeMeeting", &[], committee_meeting),
                    guard("meetingStarted", &[], meeting_started),
                ],
                vec![],
                vec![],
            ),
            t(
                &[DRAFT],
                MinutesEvent::Circulate,
                CIRCULATED,
                vec![guard("textWritten", &[Input::Texts], text_written)],
                vec![],
                vec![Timer::CommentsDeadline],
            ),
            t(
                &[CIRCULATED],
                MinutesEvent::ReturnToDraft,
                DRAFT,
                vec![],
                vec![],
                vec![Timer::CancelCommentsDeadline],
            ),
            t(
                &[CIRCULATED],
                MinutesEvent::Approve,
                APPROVED,
                vec![
                    guard(
                        "laterCommitteeMeetingInSession",
                        &[Input::Approving],
                        later_meeting_in_session,
                    ),
                    guard("commentsClosed", &[], comments_closed),
                ],
                vec![Effect::RecordApproval],
                vec![],
            ),
            t(
                &[APPROVED],
                MinutesEvent::Publish,
                PUBLISHED,
                vec![],
                vec![],
                vec![],
            ),
        ],
    }
}

static CURRENT: LazyLock<Definition<Minutes>> = LazyLock::new(build);

/// The minutes' definition, built once.
pub fn current() -> &'static Definition<Minutes> {
    &CURRENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_valid() {
        assert_eq!(current().validate(), Ok(()));
        let mermaid = current().mermaid();
        assert!(mermaid.contains("CIRCULATED --> DRAFT: returnToDraft"));
        assert!(mermaid.contains(
            "CIRCULATED --> APPROVED: approve [laterCommitteeMeetingInSession, commentsClosed]"
        ));
    }
}
