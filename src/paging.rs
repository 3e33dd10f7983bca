//! Pages of ordered lists, without GraphQL: the arguments a client gives
//! (`first`/`after`/`last`/`before`), opaque offset cursors, the window they
//! select, and fetching one page with the list's length. Services page with
//! this; `graphql::pagination` turns a page into a Relay connection.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: u64 = 20;

/// The cursor of the edge at `offset` in its ordered list.
pub fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// The offset a cursor names, if it is one.
pub fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("offset:")?.parse().ok()
}

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
                decode_cursor(c)
                    .ok_or_else(|| ApiError::bad_input(format!("`{name}` is not a valid cursor")))
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

/// A case-insensitive `LIKE` pattern for "contains `text`" (compare it with
/// the lowercased column, escaping with `\\`).
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(n: u64) -> Option<String> {
        Some(encode_cursor(n))
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
