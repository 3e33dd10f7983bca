//! The committee's query root.

use async_graphql::{Context, Enum, InputObject, Object};

use super::model::{RegionalGroup, StateRelation};
use super::service::{self, MandateQuery, StateQuery, StateSort};
use super::types::{Committee, Mandate, Organization, Position, State, today};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::eager::Eager;
use crate::graphql::loaders::get;
use crate::graphql::pagination::{self, OrderDirection, Page, PageArgs};
use crate::graphql::scalars::{Date, SEARCH_MAX, bounded};
use crate::meetings::loaders::MeetingLoader;

/// Which States to list.
#[derive(InputObject, Default)]
pub struct StateFilter {
    /// Only States of this UN regional group.
    regional_group: Option<RegionalGroup>,
    /// Only States in a regional group (true) or in none (false: the Holy
    /// See, the Cook Islands, Niue).
    has_regional_group: Option<bool>,
    /// Only States with this relation to the Convention on `relationAsOf`.
    relation: Option<StateRelation>,
    /// The date `relation` is judged on (default today).
    relation_as_of: Option<Date>,
    /// Case-insensitive search in the name and the ISO code.
    search: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum StateOrderField {
    #[default]
    Name,
    Code,
    DepositedOn,
    EntryIntoForceOn,
}

/// How to order States (ties broken by code; missing dates last).
#[derive(InputObject, Default)]
pub struct StateOrder {
    #[graphql(default)]
    field: StateOrderField,
    #[graphql(default)]
    direction: OrderDirection,
}

/// Which mandates to list.
#[derive(InputObject, Default)]
pub struct MandateFilter {
    /// A position code, e.g. `UNIVERSALIZATION`.
    position: Option<String>,
    /// An ISO 3166 alpha-3 code.
    state: Option<String>,
    /// Only mandates that run on this date.
    active_at: Option<Date>,
}

#[derive(Default)]
pub struct CommitteeQuery;

#[Object]
impl CommitteeQuery {
    /// The committee's composition on a date (default today): each position
    /// that existed then, with the mandates that ran on that date.
    async fn committee(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> Result<Committee, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let as_of = as_of.map_or_else(|| today(ctx), |d| d.0);
        let mut positions = Vec::new();
        let all = direct(ctx, service::positions(db)).await?;
        let meeting_ids: Vec<i32> = all
            .iter()
            .flat_map(|p| [p.introduced_at_meeting_id, p.retired_at_meeting_id])
            .flatten()
            .collect();
        let meetings = get::<MeetingLoader, i32>(ctx)
            .load_many(meeting_ids)
            .await?;
        let ended_by = |id: Option<i32>| {
            id.and_then(|id| meetings.get(&id))
                .and_then(|m| m.ends_on)
                .is_some_and(|end| end <= as_of)
        };
        for position in all {
            let introduced = position.introduced_at_meeting_id.is_none()
                || ended_by(position.introduced_at_meeting_id);
            let retired = ended_by(position.retired_at_meeting_id);
            if introduced && !retired {
                positions.push(position);
            }
        }
        Ok(Committee {
            as_of,
            positions,
            organizations: direct(ctx, service::organizations(db)).await?,
        })
    }

    /// Every position of the committee, in order.
    async fn positions(&self, ctx: &Context<'_>) -> Result<Vec<Eager<Position>>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        Ok(direct(ctx, service::positions(db))
            .await?
            .into_iter()
            .map(|p| Eager(Position::from(p)))
            .collect())
    }

    /// One position by its code, e.g. `VICTIM_ASSISTANCE`.
    async fn position(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> Result<Option<Position>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        Ok(direct(ctx, service::position_by_code(db, &code))
            .await?
            .map(Position::from))
    }

    /// States that signed the Convention or deposited an instrument.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn states(
        &self,
        ctx: &Context<'_>,
        filter: Option<StateFilter>,
        order_by: Option<StateOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<State>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let order = order_by.unwrap_or_default();
        let relation_on = filter.relation_as_of.map_or_else(|| today(ctx), |d| d.0);
        let query = StateQuery {
            regional_group: filter.regional_group,
            has_regional_group: filter.has_regional_group,
            relation: filter.relation.map(|r| (r, relation_on)),
            search: bounded("search", filter.search, SEARCH_MAX)?,
        };
        let sort = match order.field {
            StateOrderField::Name => StateSort::Name,
            StateOrderField::Code => StateSort::Code,
            StateOrderField::DepositedOn => StateSort::DepositedOn,
            StateOrderField::EntryIntoForceOn => StateSort::EntryIntoForceOn,
        };
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(
            ctx,
            service::list_states(db, &query, sort, order.direction.into(), &args),
        )
        .await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(State::from).collect(),
        ))
    }

    /// One State by its ISO 3166 alpha-3 code.
    async fn state(&self, ctx: &Context<'_>, code: String) -> Result<Option<State>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        Ok(direct(ctx, service::state_by_code(db, &code))
            .await?
            .map(State::from))
    }

    /// Mandates, latest first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn mandates(
        &self,
        ctx: &Context<'_>,
        filter: Option<MandateFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Mandate>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let query = MandateQuery {
            position_code: filter.position,
            state_code: filter.state,
            active_on: filter.active_at.map(|d| d.0),
        };
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(ctx, service::list_mandates(db, &query, &args)).await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(Mandate::from).collect(),
        ))
    }

    /// The observer organizations and the Implementation Support Unit.
    async fn organizations(&self, ctx: &Context<'_>) -> Result<Vec<Organization>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        Ok(direct(ctx, service::organizations(db))
            .await?
            .into_iter()
            .map(Organization)
            .collect())
    }
}
