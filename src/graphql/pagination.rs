//! Relay connections over a page of an ordered list (see `crate::paging`):
//! edges with opaque offset cursors, `pageInfo` and `totalCount`.

use std::borrow::Cow;

use async_graphql::connection::{CursorType, PageInfo};
use async_graphql::parser::types::Field;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{Enum, Object, OutputType, TypeName};
use sea_orm::Order;

use super::eager::{Eager, EagerList, ReadyFields, answers_at_once};

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

/// A page of a list: a Relay connection, named after its nodes
/// (`MandateConnection`). Its edges and nodes are resolved eagerly (see
/// `graphql::eager`): a page of twenty is forty objects.
pub struct Page<N> {
    edges: Vec<PageEdge<N>>,
    has_previous_page: bool,
    has_next_page: bool,
    total_count: i64,
}

impl<N: OutputType> TypeName for Page<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

#[Object(name_type)]
impl<N: ContainerType + ReadyFields> Page<N> {
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.encode_cursor()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.encode_cursor()),
        }
    }

    /// A list of edges.
    async fn edges(&self) -> EagerList<&PageEdge<N>> {
        EagerList(self.edges.iter().map(Eager).collect())
    }

    /// A list of nodes.
    async fn nodes(&self) -> EagerList<&N> {
        EagerList(self.edges.iter().map(|edge| Eager(&edge.node)).collect())
    }

    /// How many nodes the whole list has, across all pages.
    async fn total_count(&self) -> i64 {
        self.total_count
    }
}

/// One node of a page with its cursor (`MandateEdge`).
pub struct PageEdge<N> {
    cursor: OffsetCursor,
    node: N,
}

impl<N: OutputType> TypeName for PageEdge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// An edge in a connection.
#[Object(name_type)]
impl<N: ContainerType + ReadyFields> PageEdge<N> {
    /// The item at the end of the edge
    async fn node(&self) -> Eager<&N> {
        Eager(&self.node)
    }

    /// A cursor for use in pagination
    async fn cursor(&self) -> String {
        self.cursor.encode_cursor()
    }
}

impl<N: ReadyFields> ReadyFields for PageEdge<N> {
    const READY: &'static [&'static str] = &["cursor"];

    /// Its node too, when the node answers its selection at once.
    fn ready(&self, field: &Field) -> bool {
        match field.name.node.as_str() {
            "node" => answers_at_once(&self.node, field),
            name => Self::READY.contains(&name),
        }
    }
}

/// Builds the connection for `nodes`, the window `window` of a list of `total`.
pub fn connection<N>(window: Window, total: u64, nodes: Vec<N>) -> Page<N> {
    let end = window.offset + nodes.len() as u64;
    Page {
        has_previous_page: window.offset > 0,
        has_next_page: end < total,
        total_count: total as i64,
        edges: nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| PageEdge {
                cursor: OffsetCursor(window.offset + i as u64),
                node,
            })
            .collect(),
    }
}

/// Query complexity of a connection field: its child's complexity times the page size.
pub fn complexity(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.or(last).map_or(DEFAULT_PAGE as usize, |n| {
        n.clamp(0, MAX_PAGE as i32) as usize
    });
    size.max(1) * child.max(1)
}
