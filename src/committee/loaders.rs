//! Batched loads of the committee's rows for nested fields.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use entity::{mandate, state};

use super::service::{self, MandateParent};
use crate::db::Db;
use crate::error::ApiError;
use crate::paging::Window;

crate::key_loader!(
    /// States by ISO code.
    StateLoader: state by Iso3 (iso3: String) decoded by StateRow
);

/// A State read by [`StateLoader`]: its columns by position, in the
/// entity's order, which is the order sea-orm selects them in (see
/// `db::Columns`). A page of mandates names up to a hundred States.
pub struct StateRow(state::Model);

impl sea_orm::FromQueryResult for StateRow {
    fn from_query_result(row: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        debug_assert!(pre.is_empty(), "a loader's rows are not nested");
        let mut c = crate::db::Columns::new(row);
        Ok(Self(state::Model {
            iso3: c.get("iso3")?,
            name: c.get("name")?,
            un_regional_group: c.nullable("un_regional_group")?,
            signed_on: c.nullable("signed_on")?,
            deposited_on: c.nullable("deposited_on")?,
            deposit_kind: c.nullable("deposit_kind")?,
            entry_into_force_on: c.nullable("entry_into_force_on")?,
            withdrawal_effective_on: c.nullable("withdrawal_effective_on")?,
            source: c.get("source")?,
        }))
    }
}

impl From<StateRow> for state::Model {
    fn from(StateRow(state): StateRow) -> Self {
        state
    }
}

crate::key_loader!(
    /// Organizations by code.
    OrganizationLoader: organization by Code (code: String)
);

crate::key_loader!(
    /// Positions by id.
    PositionLoader: position by Id (id: i32)
);

crate::key_loader!(
    /// Positions by code.
    PositionByCodeLoader: position by Code (code: String)
);

crate::key_loader!(
    /// Mandates by id.
    MandateLoader: mandate by Id (id: i32)
);

/// The mandates of a position active on a date.
pub struct HoldersLoader(pub Db);

impl Loader<(i32, NaiveDate)> for HoldersLoader {
    type Value = Vec<mandate::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(i32, NaiveDate)],
    ) -> Result<HashMap<(i32, NaiveDate), Self::Value>, ApiError> {
        let mut by_date: HashMap<NaiveDate, Vec<i32>> = HashMap::new();
        for (position, date) in keys {
            by_date.entry(*date).or_default().push(*position);
        }
        let mut out: HashMap<(i32, NaiveDate), Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (date, positions) in by_date {
            for row in service::holders(&self.0, &positions, date).await? {
                out.entry((row.position_id, date)).or_default().push(row);
            }
        }
        Ok(out)
    }
}

/// How many mandates a position or a State has.
pub struct MandateCountLoader(pub Db);

impl Loader<MandateParent> for MandateCountLoader {
    type Value = u64;
    type Error = ApiError;

    async fn load(&self, keys: &[MandateParent]) -> Result<HashMap<MandateParent, u64>, ApiError> {
        service::mandate_counts(&self.0, keys).await
    }
}

/// A window of a position's or a State's mandates.
pub struct MandatePageLoader(pub Db);

impl Loader<(MandateParent, Window)> for MandatePageLoader {
    type Value = Vec<mandate::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(MandateParent, Window)],
    ) -> Result<HashMap<(MandateParent, Window), Self::Value>, ApiError> {
        let mut by_window: HashMap<Window, Vec<MandateParent>> = HashMap::new();
        for (parent, window) in keys {
            by_window.entry(*window).or_default().push(parent.clone());
        }
        let mut out = HashMap::new();
        for (window, parents) in by_window {
            for (parent, rows) in service::mandate_pages(&self.0, &parents, window).await? {
                out.insert((parent, window), rows);
            }
        }
        Ok(out)
    }
}

crate::from_db!(HoldersLoader, MandateCountLoader, MandatePageLoader);
