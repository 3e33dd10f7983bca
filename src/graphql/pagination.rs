//! Relay connections over an ordered list: opaque offset cursors, the window
//! that `first`/`after`/`last`/`before` select, and `totalCount`.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Enum, OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::Order;

use crate::error::ApiError;

/// The largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: u64 = 20;

/// An opaque cursor: the position of an edge in its ordered list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetCursor(pub u64);

impl CursorType for OffsetCursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|e| e.to_string())?;
        let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
        text.strip_prefix("offset:")
            .and_then(|n| n.parse().ok())
            .map(OffsetCursor)
            .ok_or_else(|| "not a cursor".to_owned())
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("offset:{}", self.0))
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

/// The pagination arguments of a connection field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// The slice of the list one page covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub offset: u64,
    pub limit: u64,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    fn count(value: Option<i32>, name: &str) -> Result<Option<u64>, ApiError> {
        match value {
            None => Ok(None),
            Some(n) if n < 0 => Err(ApiError::bad_input(format!(
                "`{name}` must not be negative"
            ))),
            Some(n) if n as u64 > MAX_PAGE => Err(ApiError::bad_input(format!(
                "`{name}` must be at most {MAX_PAGE}"
            ))),
            Some(n) => Ok(Some(n as u64)),
        }
    }

    fn cursor(value: &Option<String>, name: &str) -> Result<Option<u64>, ApiError> {
        value
            .as_deref()
            .map(|c| {
                OffsetCursor::decode_cursor(c)
                    .map(|c| c.0)
                    .map_err(|_| ApiError::bad_input(format!("`{name}` is not a valid cursor")))
            })
            .transpose()
    }

    /// Checks the arguments without knowing the list's length.
    pub fn validate(&self) -> Result<(), ApiError> {
        Self::count(self.first, "first")?;
        Self::count(self.last, "last")?;
        Self::cursor(&self.after, "after")?;
        Self::cursor(&self.before, "before")?;
        Ok(())
    }

    /// The window of a list of `total` nodes these arguments select
    /// (the Relay algorithm over offsets).
    pub fn window(&self, total: u64) -> Result<Window, ApiError> {
        let first = Self::count(self.first, "first")?;
        let last = Self::count(self.last, "last")?;
        let after = Self::cursor(&self.after, "after")?;
        let before = Self::cursor(&self.before, "before")?;
        let mut start = after.map_or(0, |a| a.saturating_add(1)).min(total);
        let mut end = before.map_or(total, |b| b.min(total)).max(start);
        match (first, last) {
            (None, None) => end = end.min(start.saturating_add(DEFAULT_PAGE)),
            (first, last) => {
                if let Some(first) = first {
                    end = end.min(start.saturating_add(first));
                }
                if let Some(last) = last {
                    start = start.max(end.saturating_sub(last));
                }
            }
        }
        Ok(Window {
            offset: start,
            limit: end - start,
        })
    }
}

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

/// One page of `select` (already filtered and ordered) and the list's length.
pub async fn fetch<E>(
    conn: &sea_orm::DatabaseConnection,
    select: sea_orm::Select<E>,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<E::Model>), ApiError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::{PaginatorTrait, QuerySelect};
    args.validate()?;
    let total = select.clone().count(conn).await?;
    let window = args.window(total)?;
    if window.limit == 0 {
        return Ok((total, window, Vec::new()));
    }
    let rows = select
        .offset(window.offset)
        .limit(window.limit)
        .all(conn)
        .await?;
    Ok((total, window, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(n: u64) -> Option<String> {
        Some(OffsetCursor(n).encode_cursor())
    }

    #[test]
    fn first_and_after_walk_forward() {
        let args = PageArgs::new(Some(10), cursor(9), None, None);
        assert_eq!(
            args.window(25).expect("ok"),
            Window {
                offset: 10,
                limit: 10
            }
        );
        let args = PageArgs::new(Some(10), cursor(19), None, None);
        assert_eq!(
            args.window(25).expect("ok"),
            Window {
                offset: 20,
                limit: 5
            }
        );
    }

    #[test]
    fn last_and_before_walk_back() {
        let args = PageArgs::new(None, None, Some(10), cursor(20));
        assert_eq!(
            args.window(25).expect("ok"),
            Window {
                offset: 10,
                limit: 10
            }
        );
        let args = PageArgs::new(None, None, Some(10), None);
        assert_eq!(
            args.window(25).expect("ok"),
            Window {
                offset: 15,
                limit: 10
            }
        );
        let args = PageArgs::new(None, None, Some(10), cursor(3));
        assert_eq!(
            args.window(25).expect("ok"),
            Window {
                offset: 0,
                limit: 3
            }
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(PageArgs::new(Some(-1), None, None, None).window(5).is_err());
        assert!(
            PageArgs::new(Some(101), None, None, None)
                .window(5)
                .is_err()
        );
        assert!(
            PageArgs::new(None, Some("nope".into()), None, None)
                .window(5)
                .is_err()
        );
    }
}
