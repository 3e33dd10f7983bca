//! Reading work plans: who sees drafts, the list, and the progress report
//! to a meeting (a constant number of statements whatever its size).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::{
    meeting, objective_rating, position, topic, topic_placement, work_plan, work_plan_objective,
    workflow_instance,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::definition::{NAME, PUBLISHED};
use super::model::{Rating, WorkPlanState};
use crate::db::Db;
use crate::error::ApiError;
use crate::meetings::model::MeetingKind;
use crate::paging::{PageArgs, Window, fetch};
use crate::topics::model::{PlacementOutcome, PlacementPurpose};

/// Which work plans a reader sees: published ones, and drafts of the groups
/// they lead (the President's office sees every draft).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sight {
    All,
    PublishedOr(Vec<i32>),
}

impl Sight {
    /// Whether a plan of `position_id` in `state` is visible.
    pub fn sees(&self, position_id: i32, state: &str) -> bool {
        match self {
            Self::All => true,
            Self::PublishedOr(led) => state == PUBLISHED || led.contains(&position_id),
        }
    }

    fn condition(&self) -> Condition {
        let published = work_plan::Column::Id.in_subquery(
            Query::select()
                .column(workflow_instance::Column::Id)
                .from(workflow_instance::Entity)
                .and_where(workflow_instance::Column::Definition.eq(NAME))
                .and_where(workflow_instance::Column::State.eq(PUBLISHED))
                .to_owned(),
        );
        match self {
            Self::All => Condition::all(),
            Self::PublishedOr(led) if led.is_empty() => Condition::all().add(published),
            Self::PublishedOr(led) => Condition::any()
                .add(published)
                .add(work_plan::Column::PositionId.is_in(led.iter().copied())),
        }
    }
}

/// Which work plans to list.
#[derive(Clone, Debug, Default)]
pub struct WorkPlanQuery {
    pub position_id: Option<i32>,
    pub states: Vec<WorkPlanState>,
    /// Only plans whose period covers this day.
    pub active_on: Option<NaiveDate>,
}

/// One page of the work plans the reader sees (latest period first).
pub async fn list(
    db: &Db,
    sight: &Sight,
    query: &WorkPlanQuery,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<work_plan::Model>), ApiError> {
    let mut cond = sight.condition();
    if let Some(id) = query.position_id {
        cond = cond.add(work_plan::Column::PositionId.eq(id));
    }
    if !query.states.is_empty() {
        let states: Vec<&str> = query.states.iter().map(|s| s.as_str()).collect();
        cond = cond.add(
            work_plan::Column::Id.in_subquery(
                Query::select()
                    .column(workflow_instance::Column::Id)
                    .from(workflow_instance::Entity)
                    .and_where(workflow_instance::Column::Definition.eq(NAME))
                    .and_where(workflow_instance::Column::State.is_in(states))
                    .to_owned(),
            ),
        );
    }
    if let Some(day) = query.active_on {
        cond = cond
            .add(work_plan::Column::StartsOn.lte(day))
            .add(work_plan::Column::EndsOn.gte(day));
    }
    let select = work_plan::Entity::find()
        .filter(cond)
        .order_by_desc(work_plan::Column::StartsOn)
        .order_by_asc(work_plan::Column::PositionId)
        .order_by_asc(work_plan::Column::Id);
    fetch(&db.conn, select, args).await
}

/// An objective as the report shows it: with its latest rating by the period's end.
#[derive(Clone, Debug)]
pub struct ReportedObjective {
    pub objective: work_plan_objective::Model,
    pub rating: Option<objective_rating::Model>,
}

/// One thematic area of the report.
#[derive(Clone, Debug)]
pub struct ReportArea {
    pub position: position::Model,
    pub plans: Vec<work_plan::Model>,
    pub objectives: Vec<ReportedObjective>,
    /// Topics of this area discussed by all in the period.
    pub topics: Vec<topic::Model>,
}

impl ReportArea {
    /// How many objectives have each latest rating (`None`: not rated yet).
    pub fn counts(&self) -> Vec<(Option<Rating>, usize)> {
        let mut out: Vec<(Option<Rating>, usize)> = Rating::ALL
            .iter()
            .map(|r| (Some(*r), 0))
            .chain(std::iter::once((None, 0)))
            .collect();
        for o in &self.objectives {
            let rating = o
                .rating
                .as_ref()
                .and_then(|r| crate::vocabulary::stored::<Rating>(&r.rating).ok());
            if let Some(slot) = out.iter_mut().find(|(r, _)| *r == rating) {
                slot.1 += 1;
            }
        }
        out
    }
}

/// The progress report to a meeting.
#[derive(Clone, Debug)]
pub struct Report {
    pub meeting: meeting::Model,
    /// The day after the previous Meeting of States Parties or Review Conference ended.
    pub starts_on: NaiveDate,
    /// The meeting's last day.
    pub ends_on: NaiveDate,
    pub areas: Vec<ReportArea>,
    /// Topics without an area discussed by all in the period.
    pub general_topics: Vec<topic::Model>,
}

/// The kinds of meeting the committee reports progress to.
const REPORTED_TO: [MeetingKind; 2] = [MeetingKind::Msp, MeetingKind::ReviewConference];

/// Compiles the progress report to a meeting: per thematic area, the
/// published work plans whose period overlaps the report's, their
/// objectives with the latest rating by the meeting's last day, and the
/// topics discussed by all in the period. Eight statements whatever its size.
pub async fn report<C: ConnectionTrait>(
    conn: &C,
    meeting_id: i32,
) -> Result<Option<Report>, ApiError> {
    let Some(m) = meeting::Entity::find_by_id(meeting_id).one(conn).await? else {
        return Ok(None);
    };
    let Some(first_day) = m.starts_on else {
        return Err(ApiError::bad_input(format!(
            "the {} has no dates yet: a progress report covers the period up to a meeting",
            m.code
        )));
    };
    let ends_on = m.ends_on.unwrap_or(first_day);
    let kinds: Vec<&str> = REPORTED_TO.iter().map(|k| k.as_str()).collect();
    let previous = meeting::Entity::find()
        .filter(meeting::Column::Kind.is_in(kinds))
        .filter(meeting::Column::Id.ne(m.id))
        .filter(meeting::Column::StartsOn.lt(first_day))
        .order_by_desc(meeting::Column::StartsOn)
        .one(conn)
        .await?;
    let starts_on = previous
        .and_then(|p| p.ends_on.or(p.starts_on))
        .and_then(|d| d.succ_opt())
        .unwrap_or(first_day - chrono::Days::new(365));
    let positions = position::Entity::find()
        .filter(position::Column::Kind.eq("COORDINATOR"))
        .order_by_asc(position::Column::SortOrder)
        .all(conn)
        .await?;
    let plans = work_plan::Entity::find()
        .filter(Sight::PublishedOr(Vec::new()).condition())
        .filter(work_plan::Column::StartsOn.lte(ends_on))
        .filter(work_plan::Column::EndsOn.gte(starts_on))
        .order_by_asc(work_plan::Column::StartsOn)
        .all(conn)
        .await?;
    let objectives = work_plan_objective::Entity::find()
        .filter(work_plan_objective::Column::WorkPlanId.is_in(plans.iter().map(|p| p.id)))
        .order_by_asc(work_plan_objective::Column::WorkPlanId)
        .order_by_asc(work_plan_objective::Column::Ordinal)
        .all(conn)
        .await?;
    let ratings = objective_rating::Entity::find()
        .filter(objective_rating::Column::ObjectiveId.is_in(objectives.iter().map(|o| o.id)))
        .filter(objective_rating::Column::RatedOn.lte(ends_on))
        .all(conn)
        .await?;
    let mut latest: HashMap<i32, objective_rating::Model> = HashMap::new();
    for r in ratings {
        let newer = latest
            .get(&r.objective_id)
            .is_none_or(|l| (r.rated_on, r.id) > (l.rated_on, l.id));
        if newer {
            latest.insert(r.objective_id, r);
        }
    }
    let discussed: Vec<&str> = [
        PlacementOutcome::Conclusions,
        PlacementOutcome::Recommendation,
        PlacementOutcome::ReferredToWorkingGroup,
    ]
    .iter()
    .map(|o| o.as_str())
    .collect();
    let placements = topic_placement::Entity::find()
        .filter(topic_placement::Column::Purpose.eq(PlacementPurpose::Discussion.as_str()))
        .filter(topic_placement::Column::Outcome.is_in(discussed))
        .filter(
            topic_placement::Column::MeetingId.in_subquery(
                Query::select()
                    .column(meeting::Column::Id)
                    .from(meeting::Entity)
                    .and_where(meeting::Column::StartsOn.gte(starts_on))
                    .and_where(meeting::Column::StartsOn.lte(ends_on))
                    .to_owned(),
            ),
        )
        .all(conn)
        .await?;
    let topics = topic::Entity::find()
        .filter(topic::Column::Id.is_in(placements.iter().map(|p| p.topic_id)))
        .order_by_asc(topic::Column::Id)
        .all(conn)
        .await?;
    let mut by_plan: BTreeMap<i64, Vec<ReportedObjective>> = BTreeMap::new();
    for o in objectives {
        let rating = latest.remove(&o.id);
        by_plan
            .entry(o.work_plan_id)
            .or_default()
            .push(ReportedObjective {
                objective: o,
                rating,
            });
    }
    let mut areas = Vec::new();
    for p in positions {
        let mine: Vec<work_plan::Model> = plans
            .iter()
            .filter(|w| w.position_id == p.id)
            .cloned()
            .collect();
        let area_topics: Vec<topic::Model> = topics
            .iter()
            .filter(|t| t.area_position_id == Some(p.id))
            .cloned()
            .collect();
        if mine.is_empty() && area_topics.is_empty() {
            continue;
        }
        let objectives = mine
            .iter()
            .flat_map(|w| by_plan.remove(&w.id).unwrap_or_default())
            .collect();
        areas.push(ReportArea {
            position: p,
            plans: mine,
            objectives,
            topics: area_topics,
        });
    }
    let general_topics = topics
        .into_iter()
        .filter(|t| t.area_position_id.is_none())
        .collect();
    Ok(Some(Report {
        meeting: m,
        starts_on,
        ends_on,
        areas,
        general_topics,
    }))
}
