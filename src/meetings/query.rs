//! The meetings' query root.

use async_graphql::{Context, ID, InputObject, Object};

use super::model::{MeetingKind, MeetingStatus};
use super::service::{self, MeetingQuery};
use super::types::Meeting;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::{self, OrderDirection, Page, PageArgs};

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
}
