//! The meetings' query root.

use async_graphql::{Context, ID, InputObject, Object};

use super::model::{MeetingKind, MeetingStatus};
use super::service::{self, DecisionQuery, MeetingQuery};
use super::types::{Decision, Meeting};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::{self, OrderDirection, Page, PageArgs};
use crate::graphql::scalars::{Date, SEARCH_MAX, bounded};

/// Which meetings to list.
#[derive(InputObject, Default)]
pub struct MeetingFilter {
    /// Only meetings of these kinds.
    kinds: Option<Vec<MeetingKind>>,
    /// Only meetings with these statuses.
    statuses: Option<Vec<MeetingStatus>>,
    /// Only meetings held in this year or later.
    year_from: Option<i32>,
    /// Only meetings held in this year or earlier.
    year_to: Option<i32>,
}

/// Which decisions to list.
#[derive(InputObject, Default)]
pub struct DecisionFilter {
    /// Only decisions of meetings of these kinds.
    meeting_kinds: Option<Vec<MeetingKind>>,
    /// Only the decisions of this meeting.
    meeting_id: Option<ID>,
    /// Recorded on or after this day.
    from: Option<Date>,
    /// Recorded on or before this day.
    to: Option<Date>,
    /// Words the decision's text contains (case-insensitive).
    search: Option<String>,
}

#[derive(Default)]
pub struct MeetingsQuery;

#[Object]
impl MeetingsQuery {
    /// Meetings in date order (oldest first; `direction: DESC` for the latest first).
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        filter: Option<MeetingFilter>,
        direction: Option<OrderDirection>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Meeting>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let query = MeetingQuery {
            kinds: filter.kinds.unwrap_or_default(),
            statuses: filter.statuses.unwrap_or_default(),
            year_from: filter.year_from,
            year_to: filter.year_to,
        };
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(
            ctx,
            service::list_meetings(db, &query, direction.unwrap_or_default().into(), &args),
        )
        .await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(Meeting).collect(),
        ))
    }

    /// One meeting, by its ID or by its code (`10MSP`, `2RC`): give exactly one.
    async fn meeting(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> Result<Option<Meeting>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let found = match (id, code) {
            (Some(id), None) => {
                direct(ctx, service::meeting_by_id(db, GlobalId::meeting(&id)?)).await?
            }
            (None, Some(code)) => direct(ctx, service::meeting_by_code(db, &code)).await?,
            _ => return Err(ApiError::bad_input("give exactly one of `id` and `code`")),
        };
        Ok(found.map(Meeting))
    }

    /// The decision register: every decision recorded on an agenda item,
    /// across meetings (the nomination workflow's included), latest first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn decisions(
        &self,
        ctx: &Context<'_>,
        filter: Option<DecisionFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Decision>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let query = DecisionQuery {
            meeting_kinds: filter.meeting_kinds.unwrap_or_default(),
            meeting_id: filter
                .meeting_id
                .as_deref()
                .map(|id| GlobalId::meeting(id))
                .transpose()?,
            from: filter.from.map(|d| d.0),
            to: filter.to.map(|d| d.0),
            search: bounded("search", filter.search, SEARCH_MAX)?,
        };
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(ctx, service::list_decisions(db, &query, &args)).await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(Decision).collect(),
        ))
    }
}
