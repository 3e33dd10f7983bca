//! The work plans' GraphQL types: working groups, plans, objectives,
//! activities, ratings and the progress report; their batched loads.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, FixedOffset, NaiveDate};
use entity::{
    action_plan_action, objective_action, objective_rating, work_plan, work_plan_activity,
    work_plan_objective, workflow_instance,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::chart::{self, Bar};
use super::definition::current;
use super::model::{ActivityStatus, Rating, WorkPlanState};
use super::read::{Report, ReportArea, ReportedObjective, Sight};
use crate::auth::{Caller, Role};
use crate::clock::SharedClock;
use crate::committee::types::{Mandate, Position, load_position};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::scalars::Date;
use crate::graphql::workflow::{InstanceLoader, WorkflowStep, steps};
use crate::meetings::types::Meeting;
use crate::plans::graphql::{ActionPlan, PlanAction};
use crate::topics::types::Topic;
use crate::vocabulary::stored;

crate::key_loader!(
    /// Action plans by code.
    ActionPlanLoader: action_plan by Code (code: String)
);

crate::key_loader!(
    /// Work plans by id.
    WorkPlanLoader: work_plan by Id (id: i64)
);

crate::group_loader!(
    /// Each plan's objectives, in order.
    ObjectivesLoader: work_plan_objective by WorkPlanId (work_plan_id: i64) order Ordinal
);

crate::group_loader!(
    /// Each objective's activities, in the order planned.
    ActivitiesLoader: work_plan_activity by ObjectiveId (objective_id: i32) order Id
);

crate::group_loader!(
    /// Each objective's ratings, in the order recorded.
    RatingsLoader: objective_rating by ObjectiveId (objective_id: i32) order Id
);

crate::group_loader!(
    /// Each working group's plans, earliest period first.
    GroupPlansLoader: work_plan by PositionId (position_id: i32) order StartsOn
);

crate::group_loader!(
    /// The topics of each thematic area, oldest first.
    AreaTopicsLoader: topic by AreaPositionId (area_position_id: Option<i32>) order Id
);

/// The actions each objective is linked to, by number (two statements).
pub struct ObjectiveActionsLoader(pub Db);

impl Loader<i32> for ObjectiveActionsLoader {
    type Value = Vec<action_plan_action::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let links = objective_action::Entity::find()
            .filter(objective_action::Column::ObjectiveId.is_in(keys.iter().copied()))
            .all(&self.0.conn)
            .await?;
        let actions = action_plan_action::Entity::find()
            .filter(action_plan_action::Column::Id.is_in(links.iter().map(|l| l.action_id)))
            .all(&self.0.conn)
            .await?;
        let mut out: HashMap<i32, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for link in links {
            if let Some(a) = actions.iter().find(|a| a.id == link.action_id) {
                out.entry(link.objective_id).or_default().push(a.clone());
            }
        }
        for list in out.values_mut() {
            list.sort_by_key(|a| a.number);
        }
        Ok(out)
    }
}

/// The positions whose seats each State holds on a day (one statement per day asked).
pub struct SeatsLoader(pub Db);

impl Loader<(String, NaiveDate)> for SeatsLoader {
    type Value = Vec<i32>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(String, NaiveDate)],
    ) -> Result<HashMap<(String, NaiveDate), Self::Value>, ApiError> {
        let mut out = HashMap::new();
        for key in keys {
            let seats = crate::committee::service::seats_held(&self.0.conn, &key.0, key.1).await?;
            out.insert(key.clone(), seats);
        }
        Ok(out)
    }
}

/// Which work plans this reader sees.
pub async fn sight(ctx: &Context<'_>) -> Result<Sight, ApiError> {
    let Some(who) = ctx
        .data_opt::<Caller>()
        .and_then(Caller::identity)
        .filter(|w| !w.expired())
    else {
        return Ok(Sight::PublishedOr(Vec::new()));
    };
    match (who.role, &who.state) {
        (Role::Admin | Role::Presidency, _) => Ok(Sight::All),
        (Role::Coordinator, Some(state)) => {
            let today = ctx.data_unchecked::<SharedClock>().today();
            let led = get::<SeatsLoader, (String, NaiveDate)>(ctx)
                .load_one((state.clone(), today))
                .await?
                .unwrap_or_default();
            Ok(Sight::PublishedOr(led))
        }
        _ => Ok(Sight::PublishedOr(Vec::new())),
    }
}

async fn instance(ctx: &Context<'_>, id: i64) -> Result<workflow_instance::Model, ApiError> {
    get::<InstanceLoader, i64>(ctx)
        .load_one(id)
        .await?
        .ok_or_else(|| ApiError::broken("a work plan has its workflow instance"))
}

/// The plans among `rows` this reader sees, in their order.
pub async fn visible(
    ctx: &Context<'_>,
    rows: Vec<work_plan::Model>,
) -> Result<Vec<WorkPlan>, ApiError> {
    let sight = sight(ctx).await?;
    let instances = get::<InstanceLoader, i64>(ctx)
        .load_many(rows.iter().map(|r| r.id))
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            instances
                .get(&r.id)
                .is_some_and(|i| sight.sees(r.position_id, &i.state))
        })
        .map(WorkPlan)
        .collect())
}

/// A work plan by id, if this reader sees it.
pub async fn load_plan(ctx: &Context<'_>, id: i64) -> Result<Option<WorkPlan>, ApiError> {
    let row = get::<WorkPlanLoader, i64>(ctx).load_one(id).await?;
    Ok(visible(ctx, row.into_iter().collect()).await?.pop())
}

/// A working group's work plan for a period.
pub struct WorkPlan(pub work_plan::Model);

/// Each field resolved with the fields that wait (see `graphql::eager`).
impl crate::graphql::eager::ReadyFields for WorkPlan {}

#[Object]
impl WorkPlan {
    pub async fn id(&self) -> ID {
        GlobalId::WorkPlan(self.0.id).encode()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Its working group (a thematic position).
    async fn position(&self, ctx: &Context<'_>) -> Result<Position, ApiError> {
        load_position(ctx, self.0.position_id).await
    }

    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }

    async fn ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }

    async fn state(&self, ctx: &Context<'_>) -> Result<WorkPlanState, ApiError> {
        stored(&instance(ctx, self.0.id).await?.state)
    }

    /// Pass it as `expectedVersion` to change the plan or its parts.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The events its state allows (`workflow(name: "workPlan")` says who may fire them).
    async fn allowed_events(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        Ok(current().allowed_events(&instance(ctx, self.0.id).await?.state))
    }

    /// The action plan its objectives link to.
    async fn action_plan(&self, ctx: &Context<'_>) -> Result<Option<ActionPlan>, ApiError> {
        use sea_orm::EntityTrait;
        let db = ctx.data_unchecked::<Db>();
        Ok(
            entity::action_plan::Entity::find_by_id(self.0.plan_code.clone())
                .one(&db.conn)
                .await?
                .map(ActionPlan),
        )
    }

    async fn objectives(&self, ctx: &Context<'_>) -> Result<Vec<Objective>, ApiError> {
        Ok(get::<ObjectivesLoader, i64>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Objective)
            .collect())
    }

    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    async fn published_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.published_at
    }

    async fn updated_at(&self) -> DateTime<FixedOffset> {
        self.0.updated_at
    }

    /// Its workflow moves (drafted, published), oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<WorkflowStep>, ApiError> {
        steps(ctx, self.0.id).await
    }
}

/// An objective of a work plan, linked to actions of the action plan.
pub struct Objective(pub work_plan_objective::Model);

async fn ratings_of(ctx: &Context<'_>, id: i32) -> Result<Vec<objective_rating::Model>, ApiError> {
    Ok(get::<RatingsLoader, i32>(ctx)
        .load_one(id)
        .await?
        .unwrap_or_default())
}

/// The latest of ratings: by the day rated, then the order recorded.
fn latest(ratings: Vec<objective_rating::Model>) -> Option<objective_rating::Model> {
    ratings.into_iter().max_by_key(|r| (r.rated_on, r.id))
}

#[Object]
impl Objective {
    pub async fn id(&self) -> ID {
        GlobalId::Objective(self.0.id).encode()
    }

    /// 1 for the plan's first objective.
    async fn ordinal(&self) -> i32 {
        self.0.ordinal
    }

    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The actions of the action plan it is guided by, by number.
    async fn actions(&self, ctx: &Context<'_>) -> Result<Vec<PlanAction>, ApiError> {
        Ok(get::<ObjectiveActionsLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(PlanAction)
            .collect())
    }

    async fn activities(&self, ctx: &Context<'_>) -> Result<Vec<Activity>, ApiError> {
        Ok(get::<ActivitiesLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Activity)
            .collect())
    }

    /// Every rating, in the order recorded.
    async fn ratings(&self, ctx: &Context<'_>) -> Result<Vec<ObjectiveRating>, ApiError> {
        Ok(ratings_of(ctx, self.0.id)
            .await?
            .into_iter()
            .map(ObjectiveRating)
            .collect())
    }

    /// The latest rating (by the day it speaks of); null before the first.
    async fn latest_rating(&self, ctx: &Context<'_>) -> Result<Option<ObjectiveRating>, ApiError> {
        Ok(latest(ratings_of(ctx, self.0.id).await?).map(ObjectiveRating))
    }
}

/// An activity planned under an objective.
pub struct Activity(pub work_plan_activity::Model);

#[Object]
impl Activity {
    pub async fn id(&self) -> ID {
        GlobalId::Activity(self.0.id).encode()
    }

    async fn text(&self) -> &str {
        &self.0.text
    }

    /// When it is planned for.
    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Date)
    }

    async fn status(&self) -> Result<ActivityStatus, ApiError> {
        stored(&self.0.status)
    }
}

/// A dated rating of an objective's progress.
pub struct ObjectiveRating(pub objective_rating::Model);

#[Object]
impl ObjectiveRating {
    async fn rating(&self) -> Result<Rating, ApiError> {
        stored(&self.0.rating)
    }

    /// The rating's words ("On track").
    async fn label(&self) -> Result<&'static str, ApiError> {
        Ok(chart::label(Some(stored(&self.0.rating)?)))
    }

    async fn note(&self) -> &str {
        &self.0.note
    }

    /// The day it speaks of.
    async fn rated_on(&self) -> Date {
        Date(self.0.rated_on)
    }

    async fn rated_by(&self) -> &str {
        &self.0.rated_by
    }
}

/// A thematic position as a working group, led by its holders on the day.
pub struct WorkingGroup(pub entity::position::Model);

#[Object]
impl WorkingGroup {
    async fn position(&self) -> Position {
        Position::from(self.0.clone())
    }

    /// Who leads it today: the mandates holding its seats.
    async fn holders(&self, ctx: &Context<'_>) -> Result<Vec<Mandate>, ApiError> {
        let today = ctx.data_unchecked::<SharedClock>().today();
        Ok(get::<crate::committee::loaders::HoldersLoader, _>(ctx)
            .load_one((self.0.id, today))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Mandate::from)
            .collect())
    }

    /// The plan whose period covers today, or else the latest (as this reader sees them).
    async fn current_work_plan(&self, ctx: &Context<'_>) -> Result<Option<WorkPlan>, ApiError> {
        let today = ctx.data_unchecked::<SharedClock>().today();
        let plans = visible(ctx, self.plans(ctx).await?).await?;
        let covering = plans
            .iter()
            .rposition(|p| p.0.starts_on <= today && today <= p.0.ends_on);
        let mut plans = plans;
        Ok(match covering {
            Some(i) => Some(plans.swap_remove(i)),
            None => plans.pop(),
        })
    }

    /// Its plans, latest period first (drafts only for those who lead it).
    async fn work_plans(&self, ctx: &Context<'_>) -> Result<Vec<WorkPlan>, ApiError> {
        let mut plans = visible(ctx, self.plans(ctx).await?).await?;
        plans.reverse();
        Ok(plans)
    }

    /// The topics raised in its area, oldest first.
    async fn topics(&self, ctx: &Context<'_>) -> Result<Vec<Topic>, ApiError> {
        Ok(get::<AreaTopicsLoader, Option<i32>>(ctx)
            .load_one(Some(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Topic)
            .collect())
    }
}

impl WorkingGroup {
    async fn plans(&self, ctx: &Context<'_>) -> Result<Vec<work_plan::Model>, ApiError> {
        Ok(get::<GroupPlansLoader, i32>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }
}

/// The President's progress report to a meeting.
pub struct ProgressReport(pub Report);

#[Object]
impl ProgressReport {
    async fn meeting(&self) -> Meeting {
        Meeting(self.0.meeting.clone())
    }

    /// The first day of the period reported on (the day after the previous
    /// Meeting of States Parties or Review Conference ended).
    async fn period_starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }

    /// The meeting's last day.
    async fn period_ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }

    /// Each thematic area with published plans or topics discussed in the period.
    async fn areas(&self) -> Vec<ProgressArea> {
        self.0.areas.iter().cloned().map(ProgressArea).collect()
    }

    /// Topics without an area discussed by all in the period.
    async fn general_topics(&self) -> Vec<Topic> {
        self.0.general_topics.iter().cloned().map(Topic).collect()
    }

    /// Objectives by latest rating per area, as an SVG drawn by the server:
    /// patterns, counts and a legend, readable without colour.
    async fn chart_svg(&self) -> String {
        let bars: Vec<Bar> = self
            .0
            .areas
            .iter()
            .map(|a| Bar {
                label: a.position.name.clone(),
                counts: a.counts(),
            })
            .collect();
        chart::svg(&bars)
    }
}

/// One thematic area of the progress report.
pub struct ProgressArea(pub ReportArea);

/// How many objectives have one latest rating.
#[derive(async_graphql::SimpleObject)]
pub struct RatingCount {
    /// Null for objectives not rated yet.
    pub rating: Option<Rating>,
    pub label: String,
    pub count: i32,
}

#[Object]
impl ProgressArea {
    async fn position(&self) -> Position {
        Position::from(self.0.position.clone())
    }

    async fn work_plans(&self) -> Vec<WorkPlan> {
        self.0.plans.iter().cloned().map(WorkPlan).collect()
    }

    /// The objectives of its plans with their latest rating by the period's end.
    async fn objectives(&self) -> Vec<ReportObjective> {
        self.0
            .objectives
            .iter()
            .cloned()
            .map(ReportObjective)
            .collect()
    }

    async fn counts(&self) -> Vec<RatingCount> {
        self.0
            .counts()
            .into_iter()
            .map(|(rating, count)| RatingCount {
                rating,
                label: chart::label(rating).to_owned(),
                count: count as i32,
            })
            .collect()
    }

    /// Its topics discussed by all in the period.
    async fn topics(&self) -> Vec<Topic> {
        self.0.topics.iter().cloned().map(Topic).collect()
    }
}

/// An objective in the report.
pub struct ReportObjective(pub ReportedObjective);

#[Object]
impl ReportObjective {
    async fn objective(&self) -> Objective {
        Objective(self.0.objective.clone())
    }

    /// Its latest rating by the period's end; null when not rated by then.
    async fn rating(&self) -> Option<ObjectiveRating> {
        self.0.rating.clone().map(ObjectiveRating)
    }
}

crate::from_db!(ObjectiveActionsLoader, SeatsLoader);
