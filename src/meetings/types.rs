//! The meetings' GraphQL types.

use async_graphql::{Context, ID, Object};
use entity::{agenda_item, meeting, meeting_session};

use super::loaders::{AgendaLoader, MeetingLoader, SessionLoader};
use super::model::{AgendaItemKind, MeetingKind, MeetingStatus, SessionFormat};
use crate::committee::types::{State, load_state};
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::scalars::Date;
use crate::vocabulary::stored;

async fn optional_state(
    ctx: &Context<'_>,
    code: &Option<String>,
) -> Result<Option<State>, ApiError> {
    match code {
        Some(code) => load_state(ctx, code).await,
        None => Ok(None),
    }
}

/// A Meeting of States Parties, Review Conference, committee or intersessional meeting.
pub struct Meeting(pub meeting::Model);

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

    async fn version(&self) -> i32 {
        self.0.version
    }
}
