//! The action plans' GraphQL types and queries.

use async_graphql::{Context, Object};
use entity::{action_plan, action_plan_action};
use sea_orm::{EntityTrait, QueryOrder};

use crate::committee::types::load_meeting;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::loaders::get;
use crate::meetings::types::Meeting;

crate::group_loader!(
    /// The actions of each plan, by number.
    ActionsLoader: action_plan_action by PlanCode (plan_code: String) order Number
);

/// An action plan of the Convention.
pub struct ActionPlan(pub action_plan::Model);

#[Object]
impl ActionPlan {
    /// A short code (`LAP`).
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The first year it covers.
    async fn from_year(&self) -> i32 {
        self.0.from_year
    }

    /// The last year it covers.
    async fn to_year(&self) -> i32 {
        self.0.to_year
    }

    /// The meeting that adopted it.
    async fn adopted_at(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        let Some(code) = &self.0.adopted_at else {
            return Ok(None);
        };
        let db = ctx.data_unchecked::<Db>();
        let found = direct(ctx, crate::meetings::service::meeting_by_code(db, code)).await?;
        load_meeting(ctx, found.map(|m| m.id)).await
    }

    async fn source(&self) -> &str {
        &self.0.source
    }

    /// Its actions, by number: those the sources establish (the Lausanne
    /// Action Plan's known numbers are 10-37 and 43-46; see the README).
    async fn actions(&self, ctx: &Context<'_>) -> Result<Vec<PlanAction>, ApiError> {
        Ok(get::<ActionsLoader, String>(ctx)
            .load_one(self.0.code.clone())
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(PlanAction)
            .collect())
    }

    /// One action by its number; null when the plan has no such action.
    async fn action(&self, ctx: &Context<'_>, number: i32) -> Result<Option<PlanAction>, ApiError> {
        Ok(get::<ActionsLoader, String>(ctx)
            .load_one(self.0.code.clone())
            .await?
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.number == number)
            .map(PlanAction))
    }
}

/// A numbered action of an action plan.
pub struct PlanAction(pub action_plan_action::Model);

#[Object]
impl PlanAction {
    /// Its number in the plan ("Action 10").
    async fn number(&self) -> i32 {
        self.0.number
    }

    /// Its thematic area, as the coordinators' work plans give it.
    async fn area(&self) -> &str {
        &self.0.area
    }

    /// Its text, only where a source quotes it (see `source`); null otherwise.
    async fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }

    /// Its indicators, where a source gives them.
    async fn indicators(&self) -> Option<&str> {
        self.0.indicators.as_deref()
    }

    /// Where its number, area and text come from.
    async fn source(&self) -> &str {
        &self.0.source
    }
}

#[derive(Default)]
pub struct PlansQuery;

#[Object]
impl PlansQuery {
    /// The Convention's action plans, latest first.
    async fn action_plans(&self, ctx: &Context<'_>) -> Result<Vec<ActionPlan>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let rows = direct(ctx, async {
            Ok::<_, ApiError>(
                action_plan::Entity::find()
                    .order_by_desc(action_plan::Column::FromYear)
                    .all(&db.conn)
                    .await?,
            )
        })
        .await?;
        Ok(rows.into_iter().map(ActionPlan).collect())
    }

    /// One action plan by its code (`LAP`).
    async fn action_plan(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> Result<Option<ActionPlan>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let code = code.trim().to_ascii_uppercase();
        let found = direct(ctx, async {
            Ok::<_, ApiError>(action_plan::Entity::find_by_id(code).one(&db.conn).await?)
        })
        .await?;
        Ok(found.map(ActionPlan))
    }
}
