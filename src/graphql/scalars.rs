//! Custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, `YYYY-MM-DD` (ISO 8601).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

pub use crate::bounds::{EARLIEST, LATEST, NAME_MAX, NOTE_MAX, SEARCH_MAX, bounded, check_instant};

fn parse_date(value: &Value) -> Option<NaiveDate> {
    match value {
        Value::String(s) if s.len() == 10 => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| crate::bounds::accepts(*d)),
        _ => None,
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
