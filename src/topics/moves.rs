//! Moving topics: raising one (with its documents), firing an event, adding
//! a document. Each is one transaction behind `workflow::idempotency`: the
//! caller's role is authorised once, before anything is looked up; the
//! guards' inputs the transition names are loaded; the engine checks the
//! authorization guards, the version, the state and the rules; the effects
//! the transition names run before commit.

use chrono::{DateTime, Utc};
use entity::{agenda_item, meeting, position, topic, topic_document, topic_placement};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::definition::{
    self, Effect, Input, MeetingFacts, NAME, Party, TopicContext, TopicEvent, Topics,
};
use super::model::{
    DESCRIPTION_MAX, DOCUMENTS_MAX, DiscussionOutcome, DocumentKind, PlacementOutcome,
    PlacementPurpose, TITLE_MAX, check_language, check_symbol, check_url,
};
use crate::auth::{Identity, Role};
use crate::bounds::{NOTE_MAX, bounded};
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::meetings::agenda::{self, Decided};
use crate::meetings::model::{AgendaItemKind, DECISION_MAX, DecisionKind};
use crate::vocabulary::stored;
use crate::workflow::idempotency::{self, Done, Keyed};
use crate::workflow::store::{self, Step};
use crate::workflow::{Actor, Authorized, Named, WorkflowError};

fn party_of(who: &Identity) -> Party {
    Party {
        role: who.role.as_str().to_owned(),
        state: who.state.clone(),
        organization: who.organization.clone(),
    }
}

fn authorize(event: TopicEvent, actor: &Actor) -> Result<Authorized<'static, Topics>, ApiError> {
    definition::current()
        .authorize(event, actor)
        .map_err(|r| WorkflowError::Refused(r).into())
}

fn facts(m: &meeting::Model) -> Result<MeetingFacts, ApiError> {
    Ok(MeetingFacts {
        code: m.code.clone(),
        kind: stored(&m.kind)?,
        status: stored(&m.status)?,
    })
}

fn required(name: &str, text: &str, max: usize) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(ApiError::bad_input(format!(
            "`{name}` has 1 to {max} characters"
        )));
    }
    Ok(text.to_owned())
}

/// A background document to link.
#[derive(Clone, Debug)]
pub struct NewDocument {
    pub title: String,
    pub kind: DocumentKind,
    pub symbol: Option<String>,
    pub language: String,
    pub url: String,
}

impl NewDocument {
    /// The document with every field checked and normalised.
    fn checked(self) -> Result<Self, ApiError> {
        Ok(Self {
            title: required("title", &self.title, TITLE_MAX)?,
            kind: self.kind,
            symbol: self
                .symbol
                .filter(|s| !s.trim().is_empty())
                .map(|s| check_symbol(&s))
                .transpose()
                .map_err(ApiError::bad_input)?,
            language: check_language(&self.language).map_err(ApiError::bad_input)?,
            url: check_url(&self.url).map_err(ApiError::bad_input)?,
        })
    }

    fn json(&self) -> serde_json::Value {
        json!({ "title": self.title, "kind": self.kind.as_str(), "symbol": self.symbol,
            "language": self.language, "url": self.url })
    }
}

fn check_documents(documents: Vec<NewDocument>) -> Result<Vec<NewDocument>, ApiError> {
    if documents.len() > DOCUMENTS_MAX {
        return Err(ApiError::bad_input(format!(
            "at most {DOCUMENTS_MAX} documents at once"
        )));
    }
    let documents: Vec<NewDocument> = documents
        .into_iter()
        .map(NewDocument::checked)
        .collect::<Result<_, _>>()?;
    let mut symbols: Vec<&str> = documents
        .iter()
        .filter_map(|d| d.symbol.as_deref())
        .collect();
    symbols.sort_unstable();
    if let Some(w) = symbols.windows(2).find(|w| w[0] == w[1]) {
        return Err(duplicate_symbol(w[0]));
    }
    Ok(documents)
}

fn duplicate_symbol(symbol: &str) -> ApiError {
    ApiError::Conflict {
        message: format!(
            "the document {symbol} is already linked to a topic: one symbol, one document"
        ),
        current_version: None,
    }
}

/// Links documents to a topic: a symbol already linked is a CONFLICT (the
/// unique index says the same to a concurrent request).
async fn link_documents(
    txn: &WriteTxn,
    topic_id: i64,
    documents: &[NewDocument],
    who: &Identity,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let symbols: Vec<String> = documents.iter().filter_map(|d| d.symbol.clone()).collect();
    if !symbols.is_empty()
        && let Some(taken) = topic_document::Entity::find()
            .filter(topic_document::Column::Symbol.is_in(symbols))
            .one(&**txn)
            .await?
    {
        return Err(duplicate_symbol(
            taken.symbol.as_deref().unwrap_or_default(),
        ));
    }
    for d in documents {
        topic_document::ActiveModel {
            topic_id: Set(topic_id),
            title: Set(d.title.clone()),
            kind: Set(d.kind.as_str().to_owned()),
            symbol: Set(d.symbol.clone()),
            language: Set(d.language.clone()),
            url: Set(d.url.clone()),
            added_by: Set(who.subject.clone()),
            added_at: Set(now.fixed_offset()),
            ..Default::default()
        }
        .insert(&**txn)
        .await?;
        events::append(
            &**txn,
            &Topic::instance(NAME, topic_id),
            None,
            &Event::TopicDocumentAdded {
                topic_id,
                title: d.title.clone(),
                kind: d.kind.as_str().to_owned(),
                symbol: d.symbol.clone(),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// A topic to raise.
#[derive(Clone, Debug)]
pub struct NewTopic {
    pub title: String,
    pub description: String,
    /// A thematic position's code.
    pub area: Option<String>,
    pub documents: Vec<NewDocument>,
}

/// Raises a topic (PROPOSED), with its documents.
pub async fn propose(
    db: &Db,
    who: &Identity,
    new: NewTopic,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let actor = who.actor();
    let authorized = authorize(TopicEvent::Propose, &actor)?;
    let title = required("title", &new.title, TITLE_MAX)?;
    let description = required("description", &new.description, DESCRIPTION_MAX)?;
    let documents = check_documents(new.documents)?;
    let area = new.area.map(|a| a.trim().to_ascii_uppercase());
    let input = json!({ "op": "proposeTopic", "title": title, "description": description,
        "area": area, "documents": documents.iter().map(NewDocument::json).collect::<Vec<_>>() });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let area_id = match &area {
            None => None,
            Some(code) => {
                let p = position::Entity::find()
                    .filter(position::Column::Code.eq(code.as_str()))
                    .one(&**txn)
                    .await?
                    .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
                if p.kind != "COORDINATOR" {
                    return Err(ApiError::bad_input(format!(
                        "{} is not a thematic area: name a coordinator's position",
                        p.code
                    )));
                }
                Some(p.id)
            }
        };
        let mut ctx = TopicContext {
            actor: party_of(who),
            ..Default::default()
        };
        if authorized.needs().contains(&Input::Seat)
            && let Some(state) = &who.state
        {
            ctx.holds_seat =
                !crate::committee::service::seats_held(&**txn, state, now.date_naive())
                    .await?
                    .is_empty();
        }
        ctx.proposer = ctx.actor.clone();
        let fired = store::create(
            &**txn,
            definition::current(),
            &authorized,
            &ctx,
            Step {
                scope: None,
                note: None,
                payload: None,
                at: now,
            },
        )
        .await?;
        fired.report.append(&**txn).await?;
        let id = fired.instance.id;
        topic::ActiveModel {
            id: Set(id),
            title: Set(title.clone()),
            description: Set(description.clone()),
            area_position_id: Set(area_id),
            proposer: Set(who.subject.clone()),
            proposer_role: Set(who.role.as_str().to_owned()),
            proposer_state_iso3: Set(who.state.clone()),
            proposer_organization: Set(who.organization.clone()),
            created_at: Set(now.fixed_offset()),
            updated_at: Set(now.fixed_offset()),
        }
        .insert(&**txn)
        .await?;
        link_documents(txn, id, &documents, who, now).await?;
        Ok(id)
    })
    .await
}

/// Adds a background document to a topic: its proposer or the President's office.
pub async fn add_document(
    db: &Db,
    who: &Identity,
    topic_id: i64,
    document: NewDocument,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let mut documents = check_documents(vec![document])?;
    let input = json!({ "op": "addTopicDocument", "topic": topic_id,
        "document": documents[0].json() });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let row = topic_row(txn, topic_id).await?;
        let committee = matches!(who.role, Role::Presidency | Role::Admin);
        let ctx = TopicContext {
            proposer: proposer(&row),
            actor: party_of(who),
            ..Default::default()
        };
        if !committee && definition::is_proposer(&ctx, &who.actor()).is_err() {
            return Err(ApiError::Forbidden(
                "documents are added by whoever raised the topic or by the President's office"
                    .to_owned(),
            ));
        }
        link_documents(txn, topic_id, &std::mem::take(&mut documents), who, now).await?;
        Ok(topic_id)
    })
    .await
}

fn proposer(row: &topic::Model) -> Party {
    Party {
        role: row.proposer_role.clone(),
        state: row.proposer_state_iso3.clone(),
        organization: row.proposer_organization.clone(),
    }
}

async fn topic_row(txn: &WriteTxn, id: i64) -> Result<topic::Model, ApiError> {
    topic::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such topic".to_owned()))
}

/// The placement a topic is on now (none once it left every agenda).
async fn open_placement(
    txn: &WriteTxn,
    topic_id: i64,
) -> Result<Option<topic_placement::Model>, ApiError> {
    Ok(topic_placement::Entity::find()
        .filter(topic_placement::Column::TopicId.eq(topic_id))
        .filter(topic_placement::Column::EndedAt.is_null())
        .order_by_desc(topic_placement::Column::Id)
        .one(&**txn)
        .await?)
}

async fn meeting_row(txn: &WriteTxn, id: i32) -> Result<meeting::Model, ApiError> {
    meeting::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))
}

/// A move of a topic.
#[derive(Clone, Debug)]
pub struct Move {
    pub topic_id: i64,
    pub expected_version: i32,
    pub event: TopicEvent,
    /// For `placeForConsideration` and `schedule`: the meeting.
    pub meeting_id: Option<i32>,
    /// For `discuss` and `carryOver`: what the meeting made of it.
    pub outcome: Option<DiscussionOutcome>,
    /// A note; the reason of a decline; the text of an outcome; the follow-up of a closing.
    pub text: Option<String>,
}

/// Fires an event on a topic for a caller.
pub async fn fire(
    db: &Db,
    who: &Identity,
    mv: Move,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let actor = who.actor();
    let authorized = authorize(mv.event, &actor)?;
    let text = bounded("text", mv.text.clone(), DECISION_MAX.min(NOTE_MAX * 2))?
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let input = json!({ "op": mv.event.name(), "topic": mv.topic_id,
        "expectedVersion": mv.expected_version, "meeting": mv.meeting_id,
        "outcome": mv.outcome.map(|o| PlacementOutcome::from(o).as_str()), "text": text });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let row = topic_row(txn, mv.topic_id).await?;
        let mut ctx = TopicContext {
            proposer: proposer(&row),
            actor: party_of(who),
            has_text: text.is_some(),
            ..Default::default()
        };
        let mut named = None;
        let mut current = None;
        for input in authorized.needs() {
            match input {
                Input::Seat => {}
                Input::Named => {
                    if let Some(id) = mv.meeting_id {
                        let m = meeting_row(txn, id).await?;
                        ctx.named = Some(facts(&m)?);
                        named = Some(m);
                    }
                }
                Input::Current => {
                    if let Some(p) = open_placement(txn, row.id).await? {
                        ctx.current = Some(facts(&meeting_row(txn, p.meeting_id).await?)?);
                        current = Some(p);
                    }
                }
            }
        }
        let outcome = match (mv.event, mv.outcome) {
            (TopicEvent::Discuss, Some(DiscussionOutcome::CarriedOver)) => {
                return Err(ApiError::bad_input(
                    "a topic carried over is not discussed: record the outcome CARRIED_OVER with carryOver",
                ));
            }
            (TopicEvent::Discuss, Some(o)) => Some(PlacementOutcome::from(o)),
            (TopicEvent::Discuss, None) => {
                return Err(ApiError::bad_input("name the discussion's outcome"));
            }
            (TopicEvent::CarryOver, _) => Some(PlacementOutcome::CarriedOver),
            (TopicEvent::Accept, _) => Some(PlacementOutcome::Accepted),
            (TopicEvent::Decline, _) => Some(PlacementOutcome::Declined),
            (TopicEvent::Withdraw, _) => Some(PlacementOutcome::Withdrawn),
            _ => None,
        };
        let made = Made {
            row: &row,
            named: named.as_ref(),
            current,
            outcome,
            text: text.clone(),
            by: who.subject.clone(),
        };
        run(txn, &authorized, mv.expected_version, &ctx, made, now).await?;
        Ok(row.id)
    })
    .await
}

/// What a move works with once its guards' inputs are loaded.
struct Made<'a> {
    row: &'a topic::Model,
    named: Option<&'a meeting::Model>,
    current: Option<topic_placement::Model>,
    outcome: Option<PlacementOutcome>,
    text: Option<String>,
    by: String,
}

/// Fires an authorised event and runs the effects its transition names.
async fn run(
    txn: &WriteTxn,
    authorized: &Authorized<'_, Topics>,
    expected_version: i32,
    ctx: &TopicContext,
    made: Made<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let instance = store::load(&**txn, made.row.id)
        .await?
        .ok_or_else(|| ApiError::broken("a topic has its workflow instance"))?;
    let scope = made
        .named
        .map(|m| m.id)
        .or(made.current.as_ref().map(|p| p.meeting_id));
    let fired = store::fire(
        &**txn,
        definition::current(),
        authorized,
        &instance,
        expected_version,
        ctx,
        Step {
            scope: scope.map(Topic::Meeting),
            note: made.text.clone(),
            payload: made.outcome.map(|o| json!({ "outcome": o.as_str() })),
            at: now,
        },
    )
    .await?;
    // Before the effects: their own entries (an agenda change) follow it.
    fired.report.append(&**txn).await?;
    for effect in &fired.effects {
        match effect {
            Effect::PlaceOnAgenda => {
                let m = made
                    .named
                    .ok_or_else(|| ApiError::broken("a placement names its meeting"))?;
                place(txn, made.row, m, &fired.to, now).await?;
            }
            Effect::RecordOutcome => {
                let placement = made
                    .current
                    .clone()
                    .ok_or_else(|| ApiError::broken("an outcome has its placement"))?;
                let outcome = made
                    .outcome
                    .ok_or_else(|| ApiError::broken("an outcome is named"))?;
                record_outcome(
                    txn,
                    made.row,
                    placement,
                    outcome,
                    made.text.clone(),
                    &made.by,
                    now,
                )
                .await?;
            }
            Effect::Release => {
                let outcome = made
                    .outcome
                    .ok_or_else(|| ApiError::broken("a release says why"))?;
                let placement = match &made.current {
                    Some(p) => Some(p.clone()),
                    None => open_placement(txn, made.row.id).await?,
                };
                if let Some(p) = placement {
                    release(txn, p, outcome, made.text.clone(), now).await?;
                }
            }
        }
    }
    let mut touched: topic::ActiveModel = made.row.clone().into();
    touched.updated_at = Set(now.fixed_offset());
    touched.update(&**txn).await?;
    Ok(())
}

/// Puts the topic on a meeting's agenda: an item of its own kind, and the placement.
async fn place(
    txn: &WriteTxn,
    row: &topic::Model,
    m: &meeting::Model,
    to: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (purpose, kind, title) = if to == definition::SCHEDULED {
        (
            PlacementPurpose::Discussion,
            AgendaItemKind::DiscussionByAll,
            format!("For discussion by all: {}", row.title),
        )
    } else {
        (
            PlacementPurpose::Consideration,
            AgendaItemKind::TopicConsideration,
            format!("Topic proposed for discussion by all: {}", row.title),
        )
    };
    let title: String = title.chars().take(500).collect();
    let item = agenda::place_item(txn, m.id, &title, kind, now).await?;
    topic_placement::ActiveModel {
        topic_id: Set(row.id),
        meeting_id: Set(m.id),
        agenda_item_id: Set(Some(item.id)),
        purpose: Set(purpose.as_str().to_owned()),
        placed_at: Set(now.fixed_offset()),
        outcome: Set(None),
        outcome_text: Set(None),
        decision_id: Set(None),
        ended_at: Set(None),
        ..Default::default()
    }
    .insert(&**txn)
    .await?;
    Ok(())
}

/// The decision a meeting records for an outcome, in the register's words.
fn decision_for(
    title: &str,
    outcome: PlacementOutcome,
    text: Option<&str>,
) -> (DecisionKind, String) {
    let with = |s: String| match text {
        Some(t) => format!("{s}: {t}"),
        None => format!("{s}."),
    };
    match outcome {
        PlacementOutcome::Accepted => (
            DecisionKind::Agreed,
            with(format!(
                "The Coordination Committee deemed the topic \u{201c}{title}\u{201d} relevant, to be placed on the agenda for discussion by all"
            )),
        ),
        PlacementOutcome::Declined => (
            DecisionKind::Agreed,
            with(format!(
                "The Coordination Committee decided not to place the topic \u{201c}{title}\u{201d} on the agenda for discussion by all"
            )),
        ),
        PlacementOutcome::Recommendation => (
            DecisionKind::Agreed,
            with(format!("Recommendation on \u{201c}{title}\u{201d}")),
        ),
        PlacementOutcome::ReferredToWorkingGroup => (
            DecisionKind::Requested,
            with(format!(
                "\u{201c}{title}\u{201d} was referred to a working group"
            )),
        ),
        PlacementOutcome::CarriedOver => (
            DecisionKind::Deferred,
            with(format!(
                "The discussion of \u{201c}{title}\u{201d} was carried over"
            )),
        ),
        _ => (
            DecisionKind::TookNote,
            with(format!("Conclusions on \u{201c}{title}\u{201d}")),
        ),
    }
}

/// Records what the meeting made of the topic, as its decision on the topic's item.
async fn record_outcome(
    txn: &WriteTxn,
    row: &topic::Model,
    placement: topic_placement::Model,
    outcome: PlacementOutcome,
    text: Option<String>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let item = match placement.agenda_item_id {
        Some(id) => agenda_item::Entity::find_by_id(id).one(&**txn).await?,
        None => None,
    }
    .ok_or_else(|| ApiError::broken("a topic on an agenda has its item"))?;
    let (kind, line) = decision_for(&row.title, outcome, text.as_deref());
    let decided = Decided {
        kind,
        text: line,
        nomination_id: None,
        by: by.to_owned(),
    };
    let decision = agenda::record(txn, item, decided, now).await?;
    let mut ended: topic_placement::ActiveModel = placement.into();
    ended.outcome = Set(Some(outcome.as_str().to_owned()));
    ended.outcome_text = Set(text);
    ended.decision_id = Set(Some(decision.id));
    ended.ended_at = Set(Some(now.fixed_offset()));
    ended.update(&**txn).await?;
    Ok(())
}

/// Ends a placement without a decision: the item leaves an open meeting's agenda.
async fn release(
    txn: &WriteTxn,
    placement: topic_placement::Model,
    outcome: PlacementOutcome,
    text: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let left = match placement.agenda_item_id {
        Some(item) => agenda::take_off_item(txn, item, now).await?,
        None => false,
    };
    let mut ended: topic_placement::ActiveModel = placement.into();
    if left {
        ended.agenda_item_id = Set(None);
    }
    ended.outcome = Set(Some(outcome.as_str().to_owned()));
    ended.outcome_text = Set(text);
    ended.ended_at = Set(Some(now.fixed_offset()));
    ended.update(&**txn).await?;
    Ok(())
}

/// What a meeting's change does to a topic on its agenda: the engine's own
/// move (`unschedule` or `setAside`), in the meeting change's transaction.
pub(super) async fn follow_meeting(
    txn: &WriteTxn,
    placement: topic_placement::Model,
    outcome: PlacementOutcome,
    why: String,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = topic_row(txn, placement.topic_id).await?;
    let instance = store::load(&**txn, row.id)
        .await?
        .ok_or_else(|| ApiError::broken("a topic has its workflow instance"))?;
    let event = match instance.state.as_str() {
        definition::SCHEDULED => TopicEvent::Unschedule,
        definition::UNDER_CONSIDERATION => TopicEvent::SetAside,
        _ => return Ok(()),
    };
    let actor = Actor {
        subject: "system".to_owned(),
        role: definition::SYSTEM.to_owned(),
    };
    let authorized = authorize(event, &actor)?;
    let ctx = TopicContext {
        proposer: proposer(&row),
        ..Default::default()
    };
    let made = Made {
        row: &row,
        named: None,
        current: Some(placement),
        outcome: Some(outcome),
        text: Some(why),
        by: actor.subject.clone(),
    };
    run(txn, &authorized, instance.version, &ctx, made, now).await
}
