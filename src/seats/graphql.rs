//! The GraphQL surface of seats: vacancies and calls for nominations.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, FixedOffset, Utc};
use entity::call;

use super::calls;
use super::vacancies::{self, Reason, Vacancy as VacancyRow};
use crate::auth::{PRESIDENCY, require};
use crate::clock::SharedClock;
use crate::committee::types::{Mandate, Position, load_meeting};
use crate::config::Policy;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::ids::GlobalId;
use crate::graphql::scalars::{NOTE_MAX, bounded, check_instant};
use crate::meetings::types::Meeting;
use crate::nominations::types::Nomination;

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
        Position::from(self.0.position.clone())
    }

    async fn seat(&self) -> i32 {
        self.0.seat
    }

    /// The mandate that frees it.
    async fn ending_mandate(&self) -> Mandate {
        Mandate::from(self.0.mandate.clone())
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
            .ok_or_else(|| ApiError::broken("a call's meeting exists"))
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
    #[graphql(complexity = "crate::graphql::SQL_PER_ITEM + child_complexity")]
    async fn vacancies(&self, ctx: &Context<'_>) -> Result<Vec<Vacancy>, ApiError> {
        Ok(meeting_vacancies(ctx, self.0.meeting_id)
            .await?
            .into_iter()
            .map(Vacancy)
            .collect())
    }

    /// The vacancies still without a nominee.
    #[graphql(complexity = "crate::graphql::SQL_PER_ITEM + child_complexity")]
    async fn uncovered(&self, ctx: &Context<'_>) -> Result<Vec<Vacancy>, ApiError> {
        let all = meeting_vacancies(ctx, self.0.meeting_id).await?;
        Ok(vacancies::uncovered(&all)
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
    direct(ctx, vacancies::vacancies(&db.conn, &m)).await
}

#[derive(Default)]
pub struct SeatsQuery;

#[Object]
impl SeatsQuery {
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
}

#[derive(InputObject)]
pub struct OpenCallInput {
    pub meeting_id: ID,
    /// When nominations close.
    pub deadline: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(Default)]
pub struct SeatsMutation;

#[Object]
impl SeatsMutation {
    /// Opens a call for nominations for a meeting's vacancies (President's office).
    async fn open_call(&self, ctx: &Context<'_>, input: OpenCallInput) -> Result<Call, ApiError> {
        let who = require(
            ctx,
            &PRESIDENCY,
            "calls are opened by the President's office",
        )?;
        let db = ctx.data_unchecked::<Db>();
        let policy = ctx.data_unchecked::<Policy>();
        let meeting = GlobalId::meeting(&input.meeting_id)?;
        check_instant("deadline", input.deadline)?;
        let now = ctx.data_unchecked::<SharedClock>().now();
        let id = calls::open_call(
            db,
            &who.subject,
            meeting,
            input.deadline,
            bounded("note", input.note, NOTE_MAX)?,
            policy,
            now,
        )
        .await?;
        let found = calls::calls(&db.conn, meeting)
            .await
            .map_err(ApiError::from)?;
        found
            .into_iter()
            .find(|c| c.id == id)
            .map(Call)
            .ok_or_else(|| ApiError::broken("an opened call can be read back"))
    }
}
