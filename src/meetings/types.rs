//! The meetings' GraphQL types.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone};
use entity::{agenda_item, decision, invitation, meeting, meeting_session};

use super::loaders::{
    AgendaLoader, DecisionsLoader, InvitationsLoader, ItemDecisionsLoader, MeetingLoader,
    NumberLoader, SessionLoader,
};
use super::model::{
    AgendaItemKind, Attendance, Capacity, DecisionKind, MeetingKind, MeetingStatus, SessionFormat,
};
use crate::action_points::graphql::{
    FollowUpLoader, ItemActionPointsLoader, MeetingActionPointsLoader,
};
use crate::action_points::types::ActionPoint;
use crate::committee::loaders::{OrganizationLoader, PositionByCodeLoader};
use crate::committee::types::{Organization, Position, State, load_state, selected_state};
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::scalars::Date;
use crate::minutes::types::Minutes;
use crate::topics::types::{Topic, TopicPlacement};
use crate::vocabulary::stored;

async fn optional_state(
    ctx: &Context<'_>,
    code: &Option<String>,
) -> Result<Option<State>, ApiError> {
    match code {
        Some(code) => selected_state(ctx, code).await,
        None => Ok(None),
    }
}

/// A Meeting of States Parties, Review Conference, committee or intersessional meeting.
pub struct Meeting(pub meeting::Model);

impl crate::graphql::eager::ReadyFields for Meeting {
    const READY: &'static [&'static str] = &[
        "id",
        "code",
        "kind",
        "ordinal",
        "year",
        "startsOn",
        "endsOn",
        "city",
        "status",
        "version",
        "source",
        "startTime",
        "endTime",
        "timeZone",
        "startsAt",
        "endsAt",
        "venue",
        "format",
        "closed",
        "sequence",
        "agendaAdoptedAt",
    ];
}

#[Object]
impl Meeting {
    pub async fn id(&self) -> ID {
        GlobalId::Meeting(self.0.id).encode()
    }

    /// A short code, e.g. `10MSP` or `2RC`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn kind(&self) -> Result<MeetingKind, ApiError> {
        stored(&self.0.kind)
    }

    /// Its number in its series (the 10 of the 10MSP).
    async fn ordinal(&self) -> Option<i32> {
        self.0.ordinal
    }

    async fn year(&self) -> i32 {
        self.0.year
    }

    /// The first day of its first session; null when not established.
    async fn starts_on(&self) -> Option<Date> {
        self.0.starts_on.map(Date)
    }

    /// The last day of its last session; null when not established.
    async fn ends_on(&self) -> Option<Date> {
        self.0.ends_on.map(Date)
    }

    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    /// The host country.
    async fn country(&self, ctx: &Context<'_>) -> Result<Option<State>, ApiError> {
        optional_state(ctx, &self.0.country_iso3).await
    }

    /// The State that presides over it.
    async fn presiding_state(&self, ctx: &Context<'_>) -> Result<Option<State>, ApiError> {
        optional_state(ctx, &self.0.presiding_state_iso3).await
    }

    async fn status(&self) -> Result<MeetingStatus, ApiError> {
        stored(&self.0.status)
    }

    /// Increases with every change; pass it back to change the meeting.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The parts it sat in (the 2RC sat in 2020 and 2021).
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<MeetingSession>, ApiError> {
        Ok(get::<SessionLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(MeetingSession)
            .collect())
    }

    /// Its agenda, in order.
    async fn agenda(&self, ctx: &Context<'_>) -> Result<Vec<AgendaItem>, ApiError> {
        Ok(get::<AgendaLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(AgendaItem)
            .collect())
    }

    async fn source(&self) -> &str {
        &self.0.source
    }

    /// A committee meeting's order among the committee meetings of its
    /// calendar year (the 6th of 2016), cancelled ones left out; null for
    /// other meetings and for meetings without dates.
    async fn number(&self, ctx: &Context<'_>) -> Result<Option<i32>, ApiError> {
        if self.0.kind != MeetingKind::CoordinationCommittee.as_str() || self.0.starts_on.is_none()
        {
            return Ok(None);
        }
        get::<NumberLoader, i32>(ctx).load_one(self.0.id).await
    }

    /// The hour it starts (`HH:MM`, in `timeZone`).
    async fn start_time(&self) -> Option<&str> {
        self.0.start_time.as_deref()
    }

    /// The hour it ends (`HH:MM`, in `timeZone`).
    async fn end_time(&self) -> Option<&str> {
        self.0.end_time.as_deref()
    }

    /// The IANA time zone of its hours (`Europe/Zurich`).
    async fn time_zone(&self) -> Option<&str> {
        self.0.time_zone.as_deref()
    }

    /// When it starts, with its time zone's offset on that day.
    async fn starts_at(&self) -> Option<DateTime<FixedOffset>> {
        instant(&self.0, self.0.starts_on, self.0.start_time.as_deref())
    }

    /// When it ends, with its time zone's offset on that day.
    async fn ends_at(&self) -> Option<DateTime<FixedOffset>> {
        instant(&self.0, self.0.ends_on, self.0.end_time.as_deref())
    }

    /// Where it is held ("Permanent Mission of the Philippines, Geneva").
    async fn venue(&self) -> Option<&str> {
        self.0.venue.as_deref()
    }

    /// In person, virtual or hybrid.
    async fn format(&self) -> Result<Option<SessionFormat>, ApiError> {
        self.0.format.as_deref().map(stored).transpose()
    }

    /// A closed meeting's public record names no State in the minutes' texts
    /// the ISU marks non-attributable.
    async fn closed(&self) -> bool {
        self.0.closed
    }

    /// Raised whenever its dates or hours move (the calendar feed's `SEQUENCE`).
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }

    /// When its agenda was adopted, if it has been.
    async fn agenda_adopted_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.agenda_adopted_at
    }

    /// Who is invited to a committee meeting: members (by position), observers,
    /// the secretariat and those invited to assist, with their attendance.
    async fn invitations(&self, ctx: &Context<'_>) -> Result<Vec<Invitation>, ApiError> {
        let mut rows = get::<InvitationsLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|r| (capacity_rank(&r.capacity), r.party.clone()));
        Ok(rows.into_iter().map(Invitation).collect())
    }

    /// The decisions recorded on its agenda items, in the order recorded.
    async fn decisions(&self, ctx: &Context<'_>) -> Result<Vec<Decision>, ApiError> {
        Ok(get::<DecisionsLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Decision)
            .collect())
    }

    /// The action points it added.
    async fn action_points(&self, ctx: &Context<'_>) -> Result<Vec<ActionPoint>, ApiError> {
        Ok(get::<MeetingActionPointsLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ActionPoint)
            .collect())
    }

    /// Its minutes: null when an invitee asks and there are none yet;
    /// FORBIDDEN for anyone else unless published.
    async fn minutes(&self, ctx: &Context<'_>) -> Result<Option<Minutes>, ApiError> {
        crate::minutes::graphql::of_meeting(ctx, self.0.id).await
    }

    /// The topics on its agenda: for the committee's consideration at a
    /// committee meeting, for discussion by all at any other meeting;
    /// with what came of each, oldest first.
    async fn topics(&self, ctx: &Context<'_>) -> Result<Vec<TopicPlacement>, ApiError> {
        crate::topics::types::of_meeting(ctx, self.0.id).await
    }
}

fn capacity_rank(capacity: &str) -> u8 {
    match capacity {
        "MEMBER" => 0,
        "OBSERVER" => 1,
        "SECRETARIAT" => 2,
        _ => 3,
    }
}

/// A day and an `HH:MM` hour in the meeting's time zone, as an instant.
fn instant(
    m: &meeting::Model,
    day: Option<chrono::NaiveDate>,
    hour: Option<&str>,
) -> Option<DateTime<FixedOffset>> {
    let zone: chrono_tz::Tz = m.time_zone.as_deref()?.parse().ok()?;
    let time = NaiveTime::parse_from_str(hour?, "%H:%M").ok()?;
    let local = day?.and_time(time);
    zone.from_local_datetime(&local)
        .earliest()
        .map(|t| t.fixed_offset())
}

/// A party invited to a committee meeting, and whether it came.
pub struct Invitation(pub invitation::Model);

#[Object]
impl Invitation {
    pub async fn id(&self) -> ID {
        GlobalId::Invitation(self.0.id).encode()
    }

    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        Ok(get::<MeetingLoader, i32>(ctx)
            .load_one(self.0.meeting_id)
            .await?
            .map(Meeting))
    }

    async fn capacity(&self) -> Result<Capacity, ApiError> {
        stored(&self.0.capacity)
    }

    /// The invited State, if a State is invited.
    async fn state(&self, ctx: &Context<'_>) -> Result<Option<State>, ApiError> {
        optional_state(ctx, &self.0.state_iso3).await
    }

    /// The invited organisation, if one is invited.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>, ApiError> {
        match &self.0.organization_code {
            Some(code) => Ok(get::<OrganizationLoader, String>(ctx)
                .load_one(code.clone())
                .await?
                .map(Organization)),
            None => Ok(None),
        }
    }

    /// A named guest's name.
    async fn guest_name(&self) -> Option<&str> {
        self.0.guest_name.as_deref()
    }

    async fn guest_affiliation(&self) -> Option<&str> {
        self.0.guest_affiliation.as_deref()
    }

    /// A member's positions on the meeting's date.
    async fn positions(&self, ctx: &Context<'_>) -> Result<Vec<Position>, ApiError> {
        let codes: Vec<String> =
            serde_json::from_value(self.0.positions.clone()).unwrap_or_default();
        let found = get::<PositionByCodeLoader, String>(ctx)
            .load_many(codes.iter().cloned())
            .await?;
        Ok(codes
            .iter()
            .filter_map(|c| found.get(c).cloned().map(Position::from))
            .collect())
    }

    /// Why an invited party was called upon.
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }

    /// Whether it comes from a standing invitation for a period.
    async fn standing(&self) -> bool {
        self.0.standing_id.is_some()
    }

    /// PRESENT, APOLOGIES_RECEIVED or ABSENT; null before the meeting (unless apologies came).
    async fn attendance(&self) -> Result<Option<Attendance>, ApiError> {
        self.0.attendance.as_deref().map(stored).transpose()
    }

    /// The delegates who attended, by name.
    async fn delegates(&self) -> Vec<String> {
        serde_json::from_value(self.0.delegates.clone()).unwrap_or_default()
    }

    async fn apologies_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.apologies_at
    }

    /// How the party reads in the record ("Philippines", "ICRC", a guest's name).
    async fn label(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(match (&self.0.state_iso3, &self.0.organization_code) {
            (Some(code), _) => load_state(ctx, code)
                .await?
                .map_or_else(|| code.clone(), |s| s.0.name.clone()),
            (None, Some(code)) => code.clone(),
            (None, None) => match (&self.0.guest_name, &self.0.guest_affiliation) {
                (Some(n), Some(a)) => format!("{n} ({a})"),
                (Some(n), None) => n.clone(),
                _ => String::new(),
            },
        })
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A decision a meeting recorded on one of its agenda items.
pub struct Decision(pub decision::Model);

/// Each field resolved with the fields that wait (see `graphql::eager`).
impl crate::graphql::eager::ReadyFields for Decision {}

#[Object]
impl Decision {
    pub async fn id(&self) -> ID {
        GlobalId::Decision(self.0.id).encode()
    }

    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        Ok(get::<MeetingLoader, i32>(ctx)
            .load_one(self.0.meeting_id)
            .await?
            .map(Meeting))
    }

    async fn agenda_item(&self, ctx: &Context<'_>) -> Result<Option<AgendaItem>, ApiError> {
        Ok(get::<super::loaders::AgendaItemLoader, i32>(ctx)
            .load_one(self.0.agenda_item_id)
            .await?
            .map(AgendaItem))
    }

    async fn kind(&self) -> Result<DecisionKind, ApiError> {
        stored(&self.0.kind)
    }

    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The nomination it decided, for the nomination workflow's decisions.
    async fn nomination_id(&self) -> Option<ID> {
        self.0
            .nomination_id
            .map(|n| GlobalId::Nomination(n).encode())
    }

    /// The account that recorded it (`system` for the workflow's own).
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }

    async fn recorded_at(&self) -> DateTime<FixedOffset> {
        self.0.recorded_at
    }
}

/// One part of a meeting.
pub struct MeetingSession(pub meeting_session::Model);

#[Object]
impl MeetingSession {
    /// 1 for the first part, 2 for the second...
    async fn part(&self) -> i32 {
        self.0.part
    }

    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }

    async fn ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }

    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    async fn country(&self, ctx: &Context<'_>) -> Result<Option<State>, ApiError> {
        optional_state(ctx, &self.0.country_iso3).await
    }

    /// How it met, where established.
    async fn format(&self) -> Result<Option<SessionFormat>, ApiError> {
        self.0.format.as_deref().map(stored).transpose()
    }

    async fn source(&self) -> &str {
        &self.0.source
    }
}

/// An item on a meeting's agenda.
pub struct AgendaItem(pub agenda_item::Model);

#[Object]
impl AgendaItem {
    pub async fn id(&self) -> ID {
        GlobalId::AgendaItem(self.0.id).encode()
    }

    async fn meeting(&self, ctx: &Context<'_>) -> Result<Meeting, ApiError> {
        get::<MeetingLoader, i32>(ctx)
            .load_one(self.0.meeting_id)
            .await?
            .map(Meeting)
            .ok_or_else(|| ApiError::broken("a referenced row exists"))
    }

    /// Its place on the agenda (1 first).
    async fn order(&self) -> i32 {
        self.0.item_order
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn kind(&self) -> Result<AgendaItemKind, ApiError> {
        stored(&self.0.kind)
    }

    /// What the meeting decided on it, once it has.
    async fn decision(&self) -> Option<&str> {
        self.0.decision.as_deref()
    }

    async fn decided_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.0.decided_at
    }

    /// One of a committee meeting's standing items.
    async fn standing(&self) -> bool {
        self.0.standing
    }

    /// The decisions recorded on it, in order.
    async fn decisions(&self, ctx: &Context<'_>) -> Result<Vec<Decision>, ApiError> {
        Ok(get::<ItemDecisionsLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Decision)
            .collect())
    }

    /// The action points added on it; on a committee meeting's follow-up
    /// item, every action point of earlier meetings still open and those
    /// closed at this meeting (derived, never copied).
    async fn action_points(&self, ctx: &Context<'_>) -> Result<Vec<ActionPoint>, ApiError> {
        let rows = if self.0.kind == AgendaItemKind::ActionPointsFollowUp.as_str() {
            get::<FollowUpLoader, i32>(ctx)
                .load_one(self.0.meeting_id)
                .await?
        } else {
            get::<ItemActionPointsLoader, i32>(ctx)
                .load_one(self.0.id)
                .await?
        };
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(ActionPoint)
            .collect())
    }

    /// The topic this item puts before the meeting, for items the topic workflow placed.
    async fn topic(&self, ctx: &Context<'_>) -> Result<Option<Topic>, ApiError> {
        crate::topics::types::of_item(ctx, self.0.id).await
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}
