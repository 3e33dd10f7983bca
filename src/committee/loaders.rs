//! Batched loads of the committee's rows for nested fields.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use entity::{mandate, state};
use sea_orm::ConnectionTrait;

use super::service::{self, MandateColumns, MandateParent};
use crate::db::{Columns, Db, Projected, Projection};
use crate::error::ApiError;
use crate::paging::Window;

/// A State's columns, in the entity's order, for reads that select some of
/// them: a page of mandates names up to a hundred States, of which it shows
/// a name and a group.
impl Projected for state::Entity {
    const COLUMNS: &'static [&'static str] = &[
        "iso3",
        "name",
        "un_regional_group",
        "signed_on",
        "deposited_on",
        "deposit_kind",
        "entry_into_force_on",
        "withdrawal_effective_on",
        "source",
    ];
    const ALWAYS: usize = 1;
}

/// Which columns of a State a read selects.
pub type StateColumns = Projection<state::Entity>;

/// A State and the columns to read of it.
pub type StateKey = (String, StateColumns);

/// States by ISO code, each batch reading the columns its keys ask for.
pub struct StateLoader(pub Db);

impl Loader<StateKey> for StateLoader {
    /// Shared: a page names the same State many times, and each mandate's
    /// `state` answers with it.
    type Value = Arc<state::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[StateKey],
    ) -> Result<HashMap<StateKey, Arc<state::Model>>, ApiError> {
        let mut by_columns: HashMap<StateColumns, Vec<sea_orm::Value>> = HashMap::new();
        for (code, columns) in keys {
            by_columns
                .entry(*columns)
                .or_default()
                .push(code.as_str().into());
        }
        let backend = self.0.backend();
        let mut out = HashMap::new();
        for (columns, codes) in by_columns {
            // Written out rather than built: a page of mandates names up to a
            // hundred States, and a built `IN` list copies each code thrice.
            let codes_list = match backend {
                sea_orm::DatabaseBackend::Postgres => (1..=codes.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => vec!["?"; codes.len()].join(", "),
            };
            let sql = format!(
                "SELECT {} FROM states WHERE iso3 IN ({codes_list})",
                columns.select_list("")
            );
            let stmt = sea_orm::Statement::from_sql_and_values(backend, sql, codes);
            for row in self.0.conn.query_all_raw(stmt).await? {
                let state = state_row(&row, columns)?;
                out.insert((state.iso3.clone(), columns), Arc::new(state));
            }
        }
        Ok(out)
    }
}

/// A State read by [`StateLoader`], its columns by position (see `db::Columns`).
fn state_row(
    row: &sea_orm::QueryResult,
    columns: StateColumns,
) -> Result<state::Model, sea_orm::DbErr> {
    let mut c = Columns::selected(row, columns);
    Ok(state::Model {
        iso3: c.get("iso3")?,
        name: c.get("name")?,
        un_regional_group: c.nullable("un_regional_group")?,
        signed_on: c.nullable("signed_on")?,
        deposited_on: c.nullable("deposited_on")?,
        deposit_kind: c.nullable("deposit_kind")?,
        entry_into_force_on: c.nullable("entry_into_force_on")?,
        withdrawal_effective_on: c.nullable("withdrawal_effective_on")?,
        source: c.get("source")?,
    })
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

/// A window of a position's or a State's mandates, with the columns its
/// selection reads.
pub struct MandatePageLoader(pub Db);

/// A page of [`MandatePageLoader`]: whose, which rows, which columns.
pub type MandatePageKey = (MandateParent, Window, MandateColumns);

impl Loader<MandatePageKey> for MandatePageLoader {
    type Value = Vec<mandate::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[MandatePageKey],
    ) -> Result<HashMap<MandatePageKey, Self::Value>, ApiError> {
        let mut by_window: HashMap<(Window, MandateColumns), Vec<MandateParent>> = HashMap::new();
        for (parent, window, columns) in keys {
            by_window
                .entry((*window, *columns))
                .or_default()
                .push(parent.clone());
        }
        let mut out = HashMap::new();
        for ((window, columns), parents) in by_window {
            let pages = service::mandate_pages(&self.0, &parents, window, columns).await?;
            for (parent, rows) in pages {
                out.insert((parent, window, columns), rows);
            }
        }
        Ok(out)
    }
}

crate::from_db!(
    StateLoader,
    HoldersLoader,
    MandateCountLoader,
    MandatePageLoader
);
