//! The GraphQL surface of time: vacancies, calls for nominations, and the
//! timers themselves (for administrators).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, FixedOffset, Utc};
use entity::call;

use super::calls::{self, Reason, Vacancy as VacancyRow};
use super::graphql::identity;
use super::types::Nomination;
use crate::auth::Role;
use crate::clock::SharedClock;
use crate::committee::types::{Mandate, Position, load_meeting};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::enum_name;
use crate::meetings::types::Meeting;
use crate::workflow::timers;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum VacancyReason {
    /// The mandate's term ends at the meeting.
    TermEnds,
    /// The holder's withdrawal from the Convention takes effect by then.
    Withdrawal,
}

/// A seat that becomes free at a meeting.
pub struct Vacancy(VacancyRow);

#[Object]
impl Vacancy {
    async fn position(&self) -> Position {
        Position(self.0.position.clone())
    }

    async fn seat(&self) -> i32 {
        self.0.seat
    }

    /// The mandate that frees it.
    async fn ending_mandate(&self) -> Mandate {
        Mandate(self.0.mandate.clone())
    }

    async fn reason(&self) -> VacancyReason {
        match self.0.reason {
            Reason::TermEnds => VacancyReason::TermEnds,
            Reason::Withdrawal => VacancyReason::Withdrawal,
        }
    }

    /// Open nominations for the position at this meeting.
    async fn nominees(&self) -> Vec<Nomination> {
        self.0.nominees.iter().cloned().map(Nomination).collect()
    }
}

/// A call for nominations for a meeting's vacancies.
pub struct Call(call::Model);

#[Object]
impl Call {
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Meeting, ApiError> {
        load_meeting(ctx, Some(self.0.meeting_id))
            .await?
            .ok_or(ApiError::Internal)
    }

    async fn deadline(&self) -> DateTime<FixedOffset> {
        self.0.deadline
    }

    async fn opened_by(&self) -> &str {
        &self.0.opened_by
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn opened_at(&self) -> DateTime<FixedOffset> {
        self.0.created_at
    }

    /// The meeting's vacancies, each with its nominees so far.
    async fn vacancies(&self, ctx: &Context<'_>) -> Result<Vec<Vacancy>, ApiError> {
        Ok(meeting_vacancies(ctx, self.0.meeting_id)
            .await?
            .into_iter()
            .map(Vacancy)
            .collect())
    }

    /// The vacancies still without a nominee.
    async fn uncovered(&self, ctx: &Context<'_>) -> Result<Vec<Vacancy>, ApiError> {
        let all = meeting_vacancies(ctx, self.0.meeting_id).await?;
        Ok(calls::uncovered(&all)
            .into_iter()
            .cloned()
            .map(Vacancy)
            .collect())
    }

    /// Nominations for the meeting proposed while the call was open.
    async fn nominations(&self, ctx: &Context<'_>) -> Result<Vec<Nomination>, ApiError> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let db = ctx.data_unchecked::<Db>();
        let rows = direct(
            ctx,
            entity::nomination::Entity::find()
                .filter(entity::nomination::Column::DecidingMeetingId.eq(self.0.meeting_id))
                .order_by_asc(entity::nomination::Column::Id)
                .all(&db.conn),
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter(|n| calls::under_call(&self.0, n.created_at.into()))
            .map(Nomination)
            .collect())
    }
}

async fn meeting_vacancies(
    ctx: &Context<'_>,
    meeting_id: i32,
) -> Result<Vec<VacancyRow>, ApiError> {
    let db = ctx.data_unchecked::<Db>();
    let Some(m) = direct(ctx, crate::meetings::service::meeting_by_id(db, meeting_id)).await?
    else {
        return Err(ApiError::NotFound("no such meeting".to_owned()));
    };
    direct(ctx, calls::vacancies(&db.conn, &m)).await
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimerStatus {
    Pending,
    Fired,
    Dropped,
    Cancelled,
}

/// A durable timer.
#[derive(SimpleObject)]
pub struct Timer {
    pub target: String,
    pub subject_id: String,
    pub event: String,
    pub due_at: DateTime<FixedOffset>,
    pub status: String,
    /// What firing it did, or why it was dropped.
    pub outcome: Option<String>,
    /// The replica that fired it.
    pub fired_by: Option<String>,
    pub fired_at: Option<DateTime<FixedOffset>>,
}

#[derive(Default)]
pub struct TimeQuery;

#[Object]
impl TimeQuery {
    /// The seats that become free at a meeting: mandates ending there, holders
    /// whose withdrawal from the Convention takes effect by then.
    async fn vacancies(&self, ctx: &Context<'_>, meeting_id: ID) -> Result<Vec<Vacancy>, ApiError> {
        let id = GlobalId::meeting(&meeting_id)?;
        Ok(meeting_vacancies(ctx, id)
            .await?
            .into_iter()
            .map(Vacancy)
            .collect())
    }

    /// The calls for nominations for a meeting.
    async fn calls(&self, ctx: &Context<'_>, meeting_id: ID) -> Result<Vec<Call>, ApiError> {
        let id = GlobalId::meeting(&meeting_id)?;
        let db = ctx.data_unchecked::<Db>();
        Ok(direct(ctx, calls::calls(&db.conn, id))
            .await?
            .into_iter()
            .map(Call)
            .collect())
    }

    /// Timers, latest due first: pending ones and recent firings (administrators
    /// and the President's office).
    async fn timers(
        &self,
        ctx: &Context<'_>,
        statuses: Option<Vec<TimerStatus>>,
        #[graphql(default = 50)] limit: i32,
    ) -> Result<Vec<Timer>, ApiError> {
        let who = identity(ctx)?;
        if !matches!(who.role, Role::Admin | Role::Presidency) {
            return Err(ApiError::Forbidden(
                "timers are for administrators".to_owned(),
            ));
        }
        if !(1..=500).contains(&limit) {
            return Err(ApiError::bad_input("`limit` is between 1 and 500"));
        }
        let statuses: Vec<String> = statuses
            .unwrap_or_default()
            .into_iter()
            .map(|s| enum_name(s).to_owned())
            .collect();
        let db = ctx.data_unchecked::<Db>();
        let rows = direct(ctx, timers::list(&db.conn, &statuses, limit as u64)).await?;
        Ok(rows
            .into_iter()
            .map(|t| Timer {
                target: t.target,
                subject_id: t.subject_id.to_string(),
                event: t.event,
                due_at: t.due_at,
                status: t.status,
                outcome: t.outcome,
                fired_by: t.fired_by,
                fired_at: t.fired_at,
            })
            .collect())
    }
}

#[derive(InputObject)]
pub struct OpenCallInput {
    pub meeting_id: ID,
    /// When nominations close.
    pub deadline: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(Default)]
pub struct TimeMutation;

#[Object]
impl TimeMutation {
    /// Opens a call for nominations for a meeting's vacancies (President's office).
    async fn open_call(&self, ctx: &Context<'_>, input: OpenCallInput) -> Result<Call, ApiError> {
        let who = identity(ctx)?;
        if !matches!(who.role, Role::Admin | Role::Presidency) {
            return Err(ApiError::Forbidden(
                "calls are opened by the President's office".to_owned(),
            ));
        }
        let db = ctx.data_unchecked::<Db>();
        let meeting = GlobalId::meeting(&input.meeting_id)?;
        let now = ctx.data_unchecked::<SharedClock>().now();
        let id =
            calls::open_call(db, &who.subject, meeting, input.deadline, input.note, now).await?;
        let found = calls::calls(&db.conn, meeting)
            .await
            .map_err(ApiError::from)?;
        found
            .into_iter()
            .find(|c| c.id == id)
            .map(Call)
            .ok_or(ApiError::Internal)
    }
}
