//! The bounds every input is held to, declared once: the dates the server
//! accepts and the longest texts. Services apply them where a value enters,
//! so the GraphQL layer and any other caller get the same answer.

use chrono::{Datelike, NaiveDate};

use crate::error::ApiError;

/// The first date the server accepts: the Convention's era, with room on both sides.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// The last date the server accepts.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// The longest note, in characters.
pub const NOTE_MAX: usize = 2_000;
/// The longest name (a city, a title), in characters.
pub const NAME_MAX: usize = 200;
/// The longest search text, in characters.
pub const SEARCH_MAX: usize = 100;

/// `text`, if it has at most `max` characters; BAD_USER_INPUT naming `name` otherwise.
pub fn bounded(name: &str, text: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match text {
        Some(t) if t.chars().count() > max => Err(ApiError::bad_input(format!(
            "`{name}` has at most {max} characters"
        ))),
        other => Ok(other),
    }
}

/// Whether `date` falls in the dates the server accepts.
pub fn accepts(date: NaiveDate) -> bool {
    (EARLIEST..=LATEST).contains(&date)
}

/// Refuses a year outside the dates the server accepts.
pub fn check_year(name: &str, year: i32) -> Result<(), ApiError> {
    if (EARLIEST.year()..=LATEST.year()).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::bad_input(format!(
            "`{name}` is between {} and {}",
            EARLIEST.format("%Y"),
            LATEST.format("%Y")
        )))
    }
}

/// Refuses an instant outside the dates the server accepts.
pub fn check_instant(name: &str, at: chrono::DateTime<chrono::Utc>) -> Result<(), ApiError> {
    if accepts(at.date_naive()) {
        Ok(())
    } else {
        Err(ApiError::bad_input(format!(
            "`{name}` must fall between {EARLIEST} and {LATEST}"
        )))
    }
}
