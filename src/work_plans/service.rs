//! Writing work plans: drafting one (with objectives linked to the action
//! plan in force, and their activities), adding objectives and activities,
//! an activity's status, an objective's dated rating, publishing. Each is one
//! transaction behind `workflow::idempotency`; each checks the caller's role
//! first, then that the caller leads the plan's working group today
//! (`definition::leads_the_group`, the one rule), then the plan's version.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{
    action_plan, action_plan_action, objective_action, objective_rating, position, work_plan,
    work_plan_activity, work_plan_objective,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::definition::{self, Input, NAME, WorkPlanContext, WorkPlanEvent, WorkPlans};
use super::model::{
    ACTIONS_MAX, ActivityStatus, PARTS_MAX, PERIOD_MAX_DAYS, Rating, TEXT_MAX, WorkPlanState,
};
use crate::auth::Identity;
use crate::bounds::{NOTE_MAX, accepts};
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::workflow::idempotency::{self, Done, Keyed};
use crate::workflow::store::{self, Step};
use crate::workflow::{Authorized, WorkflowError};

/// The caller's role may write work plans at all: checked before anything is looked up.
fn authorize(
    event: WorkPlanEvent,
    who: &Identity,
) -> Result<Authorized<'static, WorkPlans>, ApiError> {
    definition::current()
        .authorize(event, &who.actor())
        .map_err(|r| WorkflowError::Refused(r).into())
}

fn text(name: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > TEXT_MAX {
        return Err(ApiError::bad_input(format!(
            "`{name}` has 1 to {TEXT_MAX} characters"
        )));
    }
    Ok(value.to_owned())
}

fn date(name: &str, d: NaiveDate) -> Result<NaiveDate, ApiError> {
    if accepts(d) {
        Ok(d)
    } else {
        Err(ApiError::bad_input(format!("`{name}` is out of range")))
    }
}

/// An activity to plan.
#[derive(Clone, Debug)]
pub struct NewActivity {
    pub text: String,
    pub due_on: Option<NaiveDate>,
}

impl NewActivity {
    fn checked(self) -> Result<Self, ApiError> {
        Ok(Self {
            text: text("activity text", &self.text)?,
            due_on: self.due_on.map(|d| date("dueOn", d)).transpose()?,
        })
    }
}

/// An objective to add, linked to actions of the action plan in force.
#[derive(Clone, Debug)]
pub struct NewObjective {
    pub text: String,
    /// The actions' numbers ("Action 10" is 10).
    pub actions: Vec<i32>,
    pub activities: Vec<NewActivity>,
}

impl NewObjective {
    fn checked(self) -> Result<Self, ApiError> {
        if self.actions.is_empty() || self.actions.len() > ACTIONS_MAX {
            return Err(ApiError::bad_input(format!(
                "an objective links to 1 to {ACTIONS_MAX} actions of the action plan"
            )));
        }
        if self.activities.len() > PARTS_MAX {
            return Err(ApiError::bad_input(format!(
                "at most {PARTS_MAX} activities at once"
            )));
        }
        let mut actions = self.actions;
        actions.sort_unstable();
        actions.dedup();
        Ok(Self {
            text: text("objective text", &self.text)?,
            actions,
            activities: self
                .activities
                .into_iter()
                .map(NewActivity::checked)
                .collect::<Result<_, _>>()?,
        })
    }

    fn json(&self) -> serde_json::Value {
        json!({ "text": self.text, "actions": self.actions,
            "activities": self.activities.iter()
                .map(|a| json!({ "text": a.text, "dueOn": a.due_on })).collect::<Vec<_>>() })
    }
}

/// The action plan in force on a date: the latest whose years cover it.
async fn plan_in_force(txn: &WriteTxn, on: NaiveDate) -> Result<action_plan::Model, ApiError> {
    action_plan::Entity::find()
        .filter(action_plan::Column::FromYear.lte(on.year()))
        .filter(action_plan::Column::ToYear.gte(on.year()))
        .order_by_desc(action_plan::Column::FromYear)
        .one(&**txn)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input(format!(
                "no action plan of the Convention is in force in {}: a work plan's objectives link to one",
                on.year()
            ))
        })
}

/// The actions an objective names, each checked against the plan's numbering.
async fn actions_of(
    txn: &WriteTxn,
    plan: &str,
    numbers: &[i32],
) -> Result<Vec<action_plan_action::Model>, ApiError> {
    let known = action_plan_action::Entity::find()
        .filter(action_plan_action::Column::PlanCode.eq(plan))
        .order_by_asc(action_plan_action::Column::Number)
        .all(&**txn)
        .await?;
    let mut found = Vec::with_capacity(numbers.len());
    for n in numbers {
        match known.iter().find(|a| a.number == *n) {
            Some(a) => found.push(a.clone()),
            None => {
                return Err(ApiError::bad_input(format!(
                    "the {plan} has no Action {n}: its known actions are {}",
                    ranges(known.iter().map(|a| a.number))
                )));
            }
        }
    }
    Ok(found)
}

/// `10-37, 43-46` for a sorted run of numbers.
fn ranges(numbers: impl Iterator<Item = i32>) -> String {
    let mut out: Vec<(i32, i32)> = Vec::new();
    for n in numbers {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => out.push((n, n)),
        }
    }
    out.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes an objective, its links and its activities.
async fn insert_objective(
    txn: &WriteTxn,
    plan: &work_plan::Model,
    ordinal: i32,
    objective: &NewObjective,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let actions = actions_of(txn, &plan.plan_code, &objective.actions).await?;
    let row = work_plan_objective::ActiveModel {
        work_plan_id: Set(plan.id),
        ordinal: Set(ordinal),
        text: Set(objective.text.clone()),
        ..Default::default()
    }
    .insert(&**txn)
    .await?;
    for a in actions {
        objective_action::ActiveModel {
            objective_id: Set(row.id),
            action_id: Set(a.id),
            ..Default::default()
        }
        .insert(&**txn)
        .await?;
    }
    for a in &objective.activities {
        insert_activity(txn, row.id, a, now).await?;
    }
    Ok(())
}

async fn insert_activity(
    txn: &WriteTxn,
    objective_id: i32,
    a: &NewActivity,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    Ok(work_plan_activity::ActiveModel {
        objective_id: Set(objective_id),
        text: Set(a.text.clone()),
        due_on: Set(a.due_on),
        status: Set(ActivityStatus::Planned.as_str().to_owned()),
        updated_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(&**txn)
    .await?
    .id)
}

/// Whoever asks, as the rule sees them: the plan's group and the actor's seats today.
async fn context(
    txn: &WriteTxn,
    who: &Identity,
    position: &position::Model,
    today: NaiveDate,
) -> Result<WorkPlanContext, ApiError> {
    let seats = match &who.state {
        Some(state) => crate::committee::service::seats_held(&**txn, state, today).await?,
        None => Vec::new(),
    };
    Ok(WorkPlanContext {
        position_id: position.id,
        position_code: position.code.clone(),
        seats,
        objectives: 0,
    })
}

async fn position_of(txn: &WriteTxn, id: i32) -> Result<position::Model, ApiError> {
    position::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::broken("a work plan's position exists"))
}

/// Refuses a caller who does not lead the plan's working group today.
async fn check_leads(
    txn: &WriteTxn,
    who: &Identity,
    plan: &work_plan::Model,
    now: DateTime<Utc>,
) -> Result<WorkPlanContext, ApiError> {
    let position = position_of(txn, plan.position_id).await?;
    let ctx = context(txn, who, &position, now.date_naive()).await?;
    definition::leads_the_group(&ctx, &who.actor()).map_err(ApiError::Forbidden)?;
    Ok(ctx)
}

/// Takes the plan at the version the caller saw (the next version), or CONFLICT.
async fn claim(
    txn: &WriteTxn,
    plan: &work_plan::Model,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    let updated = work_plan::Entity::update_many()
        .col_expr(
            work_plan::Column::Version,
            Expr::col(work_plan::Column::Version).add(1),
        )
        .col_expr(work_plan::Column::UpdatedAt, now.fixed_offset().into())
        .filter(work_plan::Column::Id.eq(plan.id))
        .filter(work_plan::Column::Version.eq(expected_version))
        .exec(&**txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict {
            message: format!(
                "the work plan changed since you saw it: it is at version {}",
                plan.version
            ),
            current_version: Some(plan.version),
        });
    }
    Ok(expected_version + 1)
}

async fn plan_row(txn: &WriteTxn, id: i64) -> Result<work_plan::Model, ApiError> {
    work_plan::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such work plan".to_owned()))
}

async fn objective_row(
    txn: &WriteTxn,
    id: i32,
) -> Result<(work_plan_objective::Model, work_plan::Model), ApiError> {
    let objective = work_plan_objective::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such objective".to_owned()))?;
    let plan = plan_row(txn, objective.work_plan_id).await?;
    Ok((objective, plan))
}

async fn changed(
    txn: &WriteTxn,
    plan_id: i64,
    change: &str,
    version: i32,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    events::append(
        &**txn,
        &Topic::instance(NAME, plan_id),
        None,
        &Event::WorkPlanChanged {
            work_plan_id: plan_id,
            change: change.to_owned(),
            version,
        },
        now,
    )
    .await?;
    Ok(())
}

async fn state_of(txn: &WriteTxn, plan_id: i64) -> Result<WorkPlanState, ApiError> {
    let instance = store::load(&**txn, plan_id)
        .await?
        .ok_or_else(|| ApiError::broken("a work plan has its workflow instance"))?;
    crate::vocabulary::stored(&instance.state)
}

/// A work plan to draft.
#[derive(Clone, Debug)]
pub struct NewPlan {
    /// The working group: a coordinator's position code.
    pub position: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub title: String,
    pub objectives: Vec<NewObjective>,
}

/// Drafts a work plan (DRAFT) for a working group and a period.
pub async fn create(
    db: &Db,
    who: &Identity,
    new: NewPlan,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let authorized = authorize(WorkPlanEvent::Draft, who)?;
    let title = text("title", &new.title)?;
    let (starts_on, ends_on) = (
        date("startsOn", new.starts_on)?,
        date("endsOn", new.ends_on)?,
    );
    if ends_on <= starts_on || (ends_on - starts_on).num_days() > PERIOD_MAX_DAYS {
        return Err(ApiError::bad_input(
            "a work plan's period ends after it starts, within three years",
        ));
    }
    if new.objectives.len() > PARTS_MAX {
        return Err(ApiError::bad_input(format!(
            "at most {PARTS_MAX} objectives at once"
        )));
    }
    let objectives: Vec<NewObjective> = new
        .objectives
        .into_iter()
        .map(NewObjective::checked)
        .collect::<Result<_, _>>()?;
    let code = new.position.trim().to_ascii_uppercase();
    let input = json!({ "op": "createWorkPlan", "position": code, "startsOn": starts_on,
        "endsOn": ends_on, "title": title,
        "objectives": objectives.iter().map(NewObjective::json).collect::<Vec<_>>() });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let position = position::Entity::find()
            .filter(position::Column::Code.eq(code.as_str()))
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
        if position.kind != "COORDINATOR" {
            return Err(ApiError::bad_input(format!(
                "{} is not a working group: name a coordinator's position",
                position.code
            )));
        }
        let ctx = context(txn, who, &position, now.date_naive()).await?;
        let plan = plan_in_force(txn, starts_on).await?;
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
        let row = work_plan::ActiveModel {
            id: Set(fired.instance.id),
            position_id: Set(position.id),
            starts_on: Set(starts_on),
            ends_on: Set(ends_on),
            title: Set(title.clone()),
            plan_code: Set(plan.code.clone()),
            version: Set(1),
            created_by: Set(who.subject.clone()),
            created_at: Set(now.fixed_offset()),
            updated_at: Set(now.fixed_offset()),
            published_at: Set(None),
        }
        .insert(&**txn)
        .await?;
        for (i, objective) in objectives.iter().enumerate() {
            insert_objective(txn, &row, i as i32 + 1, objective, now).await?;
        }
        fired.report.append(&**txn).await?;
        Ok(row.id)
    })
    .await
}

/// Adds an objective to a draft.
pub async fn add_objective(
    db: &Db,
    who: &Identity,
    plan_id: i64,
    expected_version: i32,
    objective: NewObjective,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    authorize(WorkPlanEvent::Draft, who)?;
    let objective = objective.checked()?;
    let input = json!({ "op": "addWorkPlanObjective", "plan": plan_id,
        "expectedVersion": expected_version, "objective": objective.json() });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let plan = plan_row(txn, plan_id).await?;
        check_leads(txn, who, &plan, now).await?;
        if state_of(txn, plan.id).await? != WorkPlanState::Draft {
            return Err(ApiError::InvalidTransition {
                message:
                    "a published work plan's objectives are fixed: rate them, and add activities"
                        .to_owned(),
                state: WorkPlanState::Published.as_str().to_owned(),
                allowed: Vec::new(),
            });
        }
        let version = claim(txn, &plan, expected_version, now).await?;
        let ordinal = work_plan_objective::Entity::find()
            .filter(work_plan_objective::Column::WorkPlanId.eq(plan.id))
            .count(&**txn)
            .await? as i32
            + 1;
        insert_objective(txn, &plan, ordinal, &objective, now).await?;
        changed(txn, plan.id, "objectiveAdded", version, now).await?;
        Ok(plan.id)
    })
    .await
}

/// Adds an activity under an objective (a draft's or a published plan's).
pub async fn add_activity(
    db: &Db,
    who: &Identity,
    objective_id: i32,
    expected_version: i32,
    activity: NewActivity,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    authorize(WorkPlanEvent::Draft, who)?;
    let activity = activity.checked()?;
    let input = json!({ "op": "addWorkPlanActivity", "objective": objective_id,
        "expectedVersion": expected_version, "text": activity.text, "dueOn": activity.due_on });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let (objective, plan) = objective_row(txn, objective_id).await?;
        check_leads(txn, who, &plan, now).await?;
        let version = claim(txn, &plan, expected_version, now).await?;
        insert_activity(txn, objective.id, &activity, now).await?;
        changed(txn, plan.id, "activityAdded", version, now).await?;
        Ok(plan.id)
    })
    .await
}

/// Sets an activity's status.
pub async fn set_activity(
    db: &Db,
    who: &Identity,
    activity_id: i32,
    expected_version: i32,
    status: ActivityStatus,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    authorize(WorkPlanEvent::Draft, who)?;
    let input = json!({ "op": "setWorkPlanActivityStatus", "activity": activity_id,
        "expectedVersion": expected_version, "status": status.as_str() });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let activity = work_plan_activity::Entity::find_by_id(activity_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such activity".to_owned()))?;
        let (_, plan) = objective_row(txn, activity.objective_id).await?;
        check_leads(txn, who, &plan, now).await?;
        let version = claim(txn, &plan, expected_version, now).await?;
        let mut changes: work_plan_activity::ActiveModel = activity.into();
        changes.status = Set(status.as_str().to_owned());
        changes.updated_at = Set(now.fixed_offset());
        changes.update(&**txn).await?;
        changed(txn, plan.id, "activity", version, now).await?;
        Ok(plan.id)
    })
    .await
}

/// A rating of an objective's progress.
#[derive(Clone, Debug)]
pub struct NewRating {
    pub objective_id: i32,
    pub rating: Rating,
    pub note: String,
    /// The day it speaks of (default today; never in the future).
    pub rated_on: Option<NaiveDate>,
}

/// Rates an objective, with a dated note (the latest rating counts).
pub async fn rate(
    db: &Db,
    who: &Identity,
    new: NewRating,
    expected_version: i32,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    authorize(WorkPlanEvent::Draft, who)?;
    let note = new.note.trim().to_owned();
    if note.is_empty() || note.chars().count() > NOTE_MAX {
        return Err(ApiError::bad_input(format!(
            "a rating has a note of 1 to {NOTE_MAX} characters"
        )));
    }
    let rated_on = date("ratedOn", new.rated_on.unwrap_or(now.date_naive()))?;
    if rated_on > now.date_naive() {
        return Err(ApiError::bad_input("`ratedOn` is not in the future"));
    }
    let input = json!({ "op": "rateObjective", "objective": new.objective_id,
        "expectedVersion": expected_version, "rating": new.rating.as_str(), "note": note,
        "ratedOn": rated_on });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let (objective, plan) = objective_row(txn, new.objective_id).await?;
        check_leads(txn, who, &plan, now).await?;
        let version = claim(txn, &plan, expected_version, now).await?;
        objective_rating::ActiveModel {
            objective_id: Set(objective.id),
            rating: Set(new.rating.as_str().to_owned()),
            note: Set(note.clone()),
            rated_on: Set(rated_on),
            rated_by: Set(who.subject.clone()),
            recorded_at: Set(now.fixed_offset()),
            ..Default::default()
        }
        .insert(&**txn)
        .await?;
        changed(txn, plan.id, "rated", version, now).await?;
        Ok(plan.id)
    })
    .await
}

/// DRAFT → PUBLISHED: visible to all from now on.
pub async fn publish(
    db: &Db,
    who: &Identity,
    plan_id: i64,
    expected_version: i32,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i64>, ApiError> {
    let authorized = authorize(WorkPlanEvent::Publish, who)?;
    let input = json!({ "op": "publishWorkPlan", "plan": plan_id,
        "expectedVersion": expected_version });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let plan = plan_row(txn, plan_id).await?;
        let position = position_of(txn, plan.position_id).await?;
        let mut ctx = context(txn, who, &position, now.date_naive()).await?;
        // The authorization guard first: a caller who does not lead the
        // group learns nothing of the plan's version or state.
        definition::current()
            .check_authorization(&authorized, &ctx)
            .map_err(WorkflowError::Refused)?;
        if plan.version != expected_version {
            return Err(ApiError::Conflict {
                message: format!(
                    "the work plan changed since you saw it: it is at version {}",
                    plan.version
                ),
                current_version: Some(plan.version),
            });
        }
        if authorized.needs().contains(&Input::Objectives) {
            ctx.objectives = work_plan_objective::Entity::find()
                .filter(work_plan_objective::Column::WorkPlanId.eq(plan.id))
                .count(&**txn)
                .await? as usize;
        }
        let instance = store::load(&**txn, plan.id)
            .await?
            .ok_or_else(|| ApiError::broken("a work plan has its workflow instance"))?;
        let version = instance.version;
        let fired = store::fire(
            &**txn,
            definition::current(),
            &authorized,
            &instance,
            version,
            &ctx,
            Step {
                scope: None,
                note: None,
                payload: None,
                at: now,
            },
        )
        .await?;
        claim(txn, &plan, expected_version, now).await?;
        let mut published: work_plan::ActiveModel = plan.clone().into();
        published.published_at = Set(Some(now.fixed_offset()));
        published.update(&**txn).await?;
        fired.report.append(&**txn).await?;
        Ok(plan.id)
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_read_as_people_write_them() {
        assert_eq!(
            super::ranges([10, 11, 12, 37, 43, 44].into_iter()),
            "10-12, 37, 43-44"
        );
        assert_eq!(super::ranges(std::iter::empty()), "");
    }
}
