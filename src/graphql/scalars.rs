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
        Value::String(iso_date(self.0))
    }
}

/// `YYYY-MM-DD`, written digit by digit: a nested read formats hundreds of
/// dates, and chrono's `format` parses its format string for each. Years
/// outside 0..=9999 (which the bounds never store) go through chrono.
fn iso_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    let year = date.year();
    let Ok(year) = u32::try_from(year) else {
        return date.format("%Y-%m-%d").to_string();
    };
    if year > 9999 {
        return date.format("%Y-%m-%d").to_string();
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut out = String::with_capacity(10);
    out.extend([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        '-',
        digit(date.month() / 10),
        digit(date.month()),
        '-',
        digit(date.day() / 10),
        digit(date.day()),
    ]);
    out
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        let mut date = NaiveDate::from_ymd_opt(-3, 1, 1).expect("date");
        let end = NaiveDate::from_ymd_opt(10_002, 12, 31).expect("date");
        while date <= end {
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
            date += chrono::Duration::days(7);
        }
        for (y, m, d) in [
            (2008, 5, 30),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 12, 31),
            (2026, 2, 28),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
        }
    }
}
