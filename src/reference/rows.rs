//! The rows of the reference CSV files, as written.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// Parses a CSV document with a header row; empty cells become `None`.
pub fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Vec<T>, csv::Error> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect()
}

fn empty_as_none<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(de)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

#[derive(Debug, Deserialize)]
pub struct StateRow {
    pub iso3: String,
    pub name: String,
    #[serde(deserialize_with = "empty_as_none")]
    pub un_regional_group: Option<String>,
    #[allow(dead_code)]
    pub status: String,
    #[serde(deserialize_with = "empty_as_none")]
    pub signed_on: Option<NaiveDate>,
    #[serde(deserialize_with = "empty_as_none")]
    pub ratified_on: Option<NaiveDate>,
    #[serde(deserialize_with = "empty_as_none")]
    pub how: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub withdrawal_effective_on: Option<NaiveDate>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct OrganizationRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[serde(deserialize_with = "empty_as_none")]
    pub hosted_by: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub since_year: Option<i32>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct MeetingRow {
    pub code: String,
    pub kind: String,
    #[serde(deserialize_with = "empty_as_none")]
    pub ordinal: Option<i32>,
    pub year: i32,
    #[serde(deserialize_with = "empty_as_none")]
    pub starts_on: Option<NaiveDate>,
    #[serde(deserialize_with = "empty_as_none")]
    pub ends_on: Option<NaiveDate>,
    #[serde(deserialize_with = "empty_as_none")]
    pub city: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub country_iso3: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub president_state_iso3: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct PositionRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub seats: i32,
    pub term_years: i32,
    pub renewable: bool,
    #[serde(deserialize_with = "empty_as_none")]
    pub introduced_at: Option<String>,
    pub sort_order: i32,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct MandateRow {
    pub key: String,
    pub position: String,
    pub state_iso3: String,
    pub seat: i32,
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "empty_as_none")]
    pub ends_on: Option<NaiveDate>,
    #[serde(deserialize_with = "empty_as_none")]
    pub designated_at: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub ends_at: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub renews: Option<String>,
    pub source: String,
}

/// A holding attested by a source (`compositions.csv`).
#[derive(Debug, Deserialize)]
pub struct CompositionRow {
    pub position_code: String,
    pub state_iso3: String,
    #[serde(deserialize_with = "empty_as_none")]
    pub appointed_at: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub term_ends_at: Option<String>,
    pub evidence_date: NaiveDate,
    pub source: String,
}

/// A period for which the committee's records are complete (`records.csv`).
#[derive(Debug, Deserialize)]
pub struct RecordsRow {
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// Read only by people: every row of the reference data cites its source.
    #[allow(dead_code)]
    pub source: String,
}

/// A mandate the shipped data holds.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Its key in `mandates.csv` (compositions have none).
    pub key: Option<String>,
    pub position_id: i32,
    /// Its position's code.
    pub position: String,
    /// How many seats its position has.
    pub seats: i32,
    pub state_iso3: String,
    /// The seat the data gives; otherwise the lowest free one.
    pub seat: Option<i32>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub designated_at: Option<i32>,
    pub ends_at: Option<i32>,
    /// The key of the mandate it renews.
    pub renews: Option<String>,
    pub attested_on: Option<NaiveDate>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct ActionPlanRow {
    pub code: String,
    pub name: String,
    pub from_year: i32,
    pub to_year: i32,
    #[serde(deserialize_with = "empty_as_none")]
    pub adopted_at: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct ActionRow {
    pub action_number: i32,
    pub area: String,
    #[serde(deserialize_with = "empty_as_none")]
    pub text: Option<String>,
    #[serde(deserialize_with = "empty_as_none")]
    pub indicators: Option<String>,
    pub source: String,
}
