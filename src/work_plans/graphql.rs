//! The work plans' query and mutation roots.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::model::{ActivityStatus, Rating, WorkPlanState};
use super::read::{self, WorkPlanQuery};
use super::service::{self, NewActivity, NewObjective, NewPlan, NewRating};
use super::types::{ProgressReport, WorkPlan, WorkingGroup, load_plan, sight};
use crate::auth::identity;
use crate::clock::SharedClock;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::idempotency::settle;
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::{self, Page, PageArgs};
use crate::graphql::scalars::Date;

#[derive(InputObject)]
pub struct ActivityInput {
    pub text: String,
    /// When it is planned for.
    pub due_on: Option<Date>,
}

impl From<ActivityInput> for NewActivity {
    fn from(a: ActivityInput) -> Self {
        Self {
            text: a.text,
            due_on: a.due_on.map(|d| d.0),
        }
    }
}

#[derive(InputObject)]
pub struct ObjectiveInput {
    pub text: String,
    /// The numbers of the actions of the action plan in force that guide it
    /// (`[10, 11]`): each must exist in that plan.
    pub actions: Vec<i32>,
    #[graphql(default)]
    pub activities: Vec<ActivityInput>,
}

impl From<ObjectiveInput> for NewObjective {
    fn from(o: ObjectiveInput) -> Self {
        Self {
            text: o.text,
            actions: o.actions,
            activities: o.activities.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(InputObject)]
pub struct CreateWorkPlanInput {
    /// The working group: a coordinator's position code (`UNIVERSALIZATION`).
    pub position: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub title: String,
    #[graphql(default)]
    pub objectives: Vec<ObjectiveInput>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AddWorkPlanObjectiveInput {
    pub work_plan_id: ID,
    /// The plan's version you saw; a stale one gets CONFLICT.
    pub expected_version: i32,
    pub objective: ObjectiveInput,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AddWorkPlanActivityInput {
    pub objective_id: ID,
    /// The plan's version you saw.
    pub expected_version: i32,
    pub activity: ActivityInput,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct SetWorkPlanActivityStatusInput {
    pub activity_id: ID,
    /// The plan's version you saw.
    pub expected_version: i32,
    pub status: ActivityStatus,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RateObjectiveInput {
    pub objective_id: ID,
    /// The plan's version you saw.
    pub expected_version: i32,
    pub rating: Rating,
    pub note: String,
    /// The day it speaks of (default today).
    pub rated_on: Option<Date>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct PublishWorkPlanInput {
    pub work_plan_id: ID,
    pub expected_version: i32,
    pub idempotency_key: Option<String>,
}

/// Which work plans to list.
#[derive(InputObject, Default)]
pub struct WorkPlanFilter {
    /// A working group's position code.
    pub position: Option<String>,
    pub states: Option<Vec<WorkPlanState>>,
    /// Only plans whose period covers this day.
    pub active_on: Option<Date>,
}

#[derive(Default)]
pub struct WorkPlansQuery;

#[Object]
impl WorkPlansQuery {
    /// Every thematic position as a working group, in the committee's order.
    async fn working_groups(&self, ctx: &Context<'_>) -> Result<Vec<WorkingGroup>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let positions = direct(ctx, crate::committee::service::positions(db)).await?;
        Ok(positions
            .into_iter()
            .filter(|p| p.kind == "COORDINATOR")
            .map(WorkingGroup)
            .collect())
    }

    /// One working group by its position's code.
    async fn working_group(
        &self,
        ctx: &Context<'_>,
        position: String,
    ) -> Result<Option<WorkingGroup>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let found = direct(
            ctx,
            crate::committee::service::position_by_code(db, &position),
        )
        .await?;
        Ok(found.filter(|p| p.kind == "COORDINATOR").map(WorkingGroup))
    }

    /// Work plans, latest period first: published ones, and drafts for those
    /// who lead the group (and the President's office).
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn work_plans(
        &self,
        ctx: &Context<'_>,
        filter: Option<WorkPlanFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<WorkPlan>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let position_id = match &filter.position {
            Some(code) => Some(
                direct(ctx, crate::committee::service::position_by_code(db, code))
                    .await?
                    .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?
                    .id,
            ),
            None => None,
        };
        let query = WorkPlanQuery {
            position_id,
            states: filter.states.unwrap_or_default(),
            active_on: filter.active_on.map(|d| d.0),
        };
        let sight = sight(ctx).await?;
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(ctx, read::list(db, &sight, &query, &args)).await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(WorkPlan).collect(),
        ))
    }

    /// A work plan by ID: null when there is none or it is a draft of a
    /// group the reader does not lead.
    async fn work_plan(&self, ctx: &Context<'_>, id: ID) -> Result<Option<WorkPlan>, ApiError> {
        load_plan(ctx, GlobalId::work_plan(&id)?).await
    }

    /// The progress report to a meeting: per thematic area, the published
    /// work plans of the period with their objectives' latest ratings, and
    /// the topics discussed by all.
    async fn progress_report(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> Result<Option<ProgressReport>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let id = GlobalId::meeting(&meeting_id)?;
        let report = direct(ctx, read::report(&db.conn, id)).await?;
        Ok(report.map(ProgressReport))
    }
}

fn now(ctx: &Context<'_>) -> DateTime<Utc> {
    ctx.data_unchecked::<SharedClock>().now()
}

async fn reload(ctx: &Context<'_>, id: i64) -> Result<WorkPlan, ApiError> {
    load_plan(ctx, id)
        .await?
        .ok_or_else(|| ApiError::broken("a work plan just written can be read back"))
}

#[derive(Default)]
pub struct WorkPlansMutation;

#[Object]
impl WorkPlansMutation {
    /// Drafts a working group's work plan for a period: its coordinators
    /// (of States holding its seats today) or the President's office.
    async fn create_work_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkPlanInput,
    ) -> Result<WorkPlan, ApiError> {
        let who = identity(ctx)?;
        let new = NewPlan {
            position: input.position,
            starts_on: input.starts_on.0,
            ends_on: input.ends_on.0,
            title: input.title,
            objectives: input.objectives.into_iter().map(Into::into).collect(),
        };
        let db = ctx.data_unchecked::<Db>();
        let done =
            service::create(db, who, new, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Adds an objective to a draft.
    async fn add_work_plan_objective(
        &self,
        ctx: &Context<'_>,
        input: AddWorkPlanObjectiveInput,
    ) -> Result<WorkPlan, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = service::add_objective(
            db,
            who,
            GlobalId::work_plan(&input.work_plan_id)?,
            input.expected_version,
            input.objective.into(),
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Adds an activity under an objective.
    async fn add_work_plan_activity(
        &self,
        ctx: &Context<'_>,
        input: AddWorkPlanActivityInput,
    ) -> Result<WorkPlan, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = service::add_activity(
            db,
            who,
            GlobalId::objective(&input.objective_id)?,
            input.expected_version,
            input.activity.into(),
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Sets an activity's status: PLANNED, DONE or DROPPED.
    async fn set_work_plan_activity_status(
        &self,
        ctx: &Context<'_>,
        input: SetWorkPlanActivityStatusInput,
    ) -> Result<WorkPlan, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = service::set_activity(
            db,
            who,
            GlobalId::activity(&input.activity_id)?,
            input.expected_version,
            input.status,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Rates an objective's progress, with a dated note.
    async fn rate_objective(
        &self,
        ctx: &Context<'_>,
        input: RateObjectiveInput,
    ) -> Result<WorkPlan, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let new = NewRating {
            objective_id: GlobalId::objective(&input.objective_id)?,
            rating: input.rating,
            note: input.note,
            rated_on: input.rated_on.map(|d| d.0),
        };
        let done = service::rate(
            db,
            who,
            new,
            input.expected_version,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// DRAFT → PUBLISHED: visible to all.
    async fn publish_work_plan(
        &self,
        ctx: &Context<'_>,
        input: PublishWorkPlanInput,
    ) -> Result<WorkPlan, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = service::publish(
            db,
            who,
            GlobalId::work_plan(&input.work_plan_id)?,
            input.expected_version,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }
}
