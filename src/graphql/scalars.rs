//! Custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, `YYYY-MM-DD` (ISO 8601).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// The dates the server accepts: the Convention's era, with room on both sides.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

fn parse_date(value: &Value) -> Option<NaiveDate> {
    match value {
        Value::String(s) if s.len() == 10 => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| (EARLIEST..=LATEST).contains(d)),
        _ => None,
    }
}

/// Refuses an instant outside the dates the server accepts.
pub fn check_instant(
    name: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), crate::error::ApiError> {
    if (EARLIEST..=LATEST).contains(&at.date_naive()) {
        Ok(())
    } else {
        Err(crate::error::ApiError::bad_input(format!(
            "`{name}` must fall between {EARLIEST} and {LATEST}"
        )))
    }
}

/// A calendar date, `YYYY-MM-DD` (ISO 8601).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        parse_date(&value).map(Date).ok_or_else(|| {
            InputValueError::custom(format!(
                "expected a date as YYYY-MM-DD, from {EARLIEST} to {LATEST}"
            ))
        })
    }

    fn is_valid(value: &Value) -> bool {
        parse_date(value).is_some()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

/// The longest note, in characters.
pub const NOTE_MAX: usize = 2_000;
/// The longest name (a city, a title), in characters.
pub const NAME_MAX: usize = 200;
/// The longest search text, in characters.
pub const SEARCH_MAX: usize = 100;

/// `text`, if it has at most `max` characters; BAD_USER_INPUT naming `name` otherwise.
pub fn bounded(
    name: &str,
    text: Option<String>,
    max: usize,
) -> Result<Option<String>, crate::error::ApiError> {
    match text {
        Some(t) if t.chars().count() > max => Err(crate::error::ApiError::bad_input(format!(
            "`{name}` has at most {max} characters"
        ))),
        other => Ok(other),
    }
}
