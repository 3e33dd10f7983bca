//! Relay connections over a page of an ordered list (see `crate::paging`):
//! edges with opaque offset cursors, `pageInfo` and `totalCount`.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Enum, OutputType, SimpleObject};
use sea_orm::Order;

pub use crate::paging::{DEFAULT_PAGE, MAX_PAGE, PageArgs, Window};

/// An opaque cursor: the position of an edge in its ordered list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetCursor(pub u64);

impl CursorType for OffsetCursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        crate::paging::decode_cursor(s)
            .map(OffsetCursor)
            .ok_or_else(|| "not a cursor".to_owned())
    }

    fn encode_cursor(&self) -> String {
        crate::paging::encode_cursor(self.0)
    }
}

/// The direction of an ordering.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

impl From<OrderDirection> for Order {
    fn from(d: OrderDirection) -> Self {
        match d {
            OrderDirection::Asc => Order::Asc,
            OrderDirection::Desc => Order::Desc,
        }
    }
}

/// Extra fields of every connection.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct ConnectionFields {
    /// How many nodes the whole list has, across all pages.
    pub total_count: i64,
}

pub type Page<N> = Connection<OffsetCursor, N, ConnectionFields>;

/// Builds the connection for `nodes`, the window `window` of a list of `total`.
pub fn connection<N: OutputType>(window: Window, total: u64, nodes: Vec<N>) -> Page<N> {
    let end = window.offset + nodes.len() as u64;
    let mut page = Connection::with_additional_fields(
        window.offset > 0,
        end < total,
        ConnectionFields {
            total_count: total as i64,
        },
    );
    page.edges.extend(
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| Edge::new(OffsetCursor(window.offset + i as u64), node)),
    );
    page
}

/// Query complexity of a connection field: its child's complexity times the page size.
pub fn complexity(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.or(last).map_or(DEFAULT_PAGE as usize, |n| {
        n.clamp(0, MAX_PAGE as i32) as usize
    });
    size.max(1) * child.max(1)
}
