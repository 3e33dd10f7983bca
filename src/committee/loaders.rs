//! Batched loads of the committee's rows for nested fields.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use entity::{mandate, position, state};
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
        let mut by_columns: HashMap<StateColumns, Vec<&str>> = HashMap::new();
        for (code, columns) in keys {
            by_columns.entry(*columns).or_default().push(code);
        }
        let mut out = HashMap::new();
        for (columns, codes) in by_columns {
            for state in states_by_code(&self.0, &codes, columns).await? {
                out.insert((state.iso3.clone(), columns), Arc::new(state));
            }
        }
        Ok(out)
    }
}

/// The States of `codes`, with `columns` read: one statement.
async fn states_by_code(
    db: &Db,
    codes: &[&str],
    columns: StateColumns,
) -> Result<Vec<state::Model>, ApiError> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.backend();
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
    let values: Vec<sea_orm::Value> = codes.iter().map(|code| (*code).into()).collect();
    let stmt = sea_orm::Statement::from_sql_and_values(backend, sql, values);
    let rows = db.conn.query_all_raw(stmt).await?;
    rows.iter()
        .map(|row| Ok(state_row(row, columns)?))
        .collect()
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
/// selection reads, and the States and positions of its mandates when the
/// selection shows them: a page of twenty then answers each mandate's
/// `state` and `position` from the page (one statement for the States of
/// every page of the batch, one for their positions), without a load per
/// mandate.
pub struct MandatePageLoader(pub Db);

/// What a page's selection shows of the rows its mandates name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shown {
    /// Their States, with these columns.
    pub states: Option<StateColumns>,
    /// Their positions.
    pub positions: bool,
}

/// A mandate of a page, with its State and position when the page's
/// selection shows them.
#[derive(Clone)]
pub struct PageMandate {
    pub mandate: Arc<mandate::Model>,
    pub state: Option<Arc<state::Model>>,
    pub position: Option<Arc<position::Model>>,
}

/// A page of [`MandatePageLoader`]: whose, which rows, which columns, and
/// what else it shows.
pub type MandatePageKey = (MandateParent, Window, MandateColumns, Shown);

impl Loader<MandatePageKey> for MandatePageLoader {
    /// Shared by everyone who asked for the page.
    type Value = Arc<[PageMandate]>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[MandatePageKey],
    ) -> Result<HashMap<MandatePageKey, Self::Value>, ApiError> {
        let mut by_window: HashMap<(Window, MandateColumns), Vec<MandateParent>> = HashMap::new();
        for (parent, window, columns, _) in keys {
            by_window
                .entry((*window, *columns))
                .or_default()
                .push(parent.clone());
        }
        let mut pages: HashMap<_, Vec<Arc<mandate::Model>>> = HashMap::new();
        for ((window, columns), parents) in by_window {
            let read = service::mandate_pages(&self.0, &parents, window, columns).await?;
            for (parent, rows) in read {
                let rows = rows.into_iter().map(Arc::new).collect();
                pages.insert((parent, window, columns), rows);
            }
        }
        let page_of = |(parent, window, columns, _): &MandatePageKey| {
            pages.get(&(parent.clone(), *window, *columns))
        };
        // What the pages show: one statement for the States of each set of
        // columns, one for the positions.
        let mut shown_states: HashMap<StateColumns, Vec<&str>> = HashMap::new();
        let mut shown_positions: Vec<i32> = Vec::new();
        for key in keys {
            let (Some(rows), shown) = (page_of(key), key.3) else {
                continue;
            };
            if let Some(columns) = shown.states {
                let codes = shown_states.entry(columns).or_default();
                codes.extend(rows.iter().map(|row| row.state_iso3.as_str()));
            }
            if shown.positions {
                shown_positions.extend(rows.iter().map(|row| row.position_id));
            }
        }
        let mut states: HashMap<StateColumns, HashMap<String, Arc<state::Model>>> = HashMap::new();
        for (columns, mut codes) in shown_states {
            codes.sort_unstable();
            codes.dedup();
            let read = states_by_code(&self.0, &codes, columns).await?;
            states.insert(
                columns,
                read.into_iter()
                    .map(|state| (state.iso3.clone(), Arc::new(state)))
                    .collect(),
            );
        }
        let mut positions: HashMap<i32, Arc<position::Model>> = HashMap::new();
        if !shown_positions.is_empty() {
            shown_positions.sort_unstable();
            shown_positions.dedup();
            // The statement `PositionLoader` runs.
            let read = PositionLoader(self.0.clone())
                .load(&shown_positions)
                .await?;
            positions.extend(read.into_iter().map(|(id, p)| (id, Arc::new(p))));
        }
        let mut out = HashMap::new();
        for key in keys {
            let Some(rows) = page_of(key) else {
                continue;
            };
            let shown = key.3;
            let states = shown.states.and_then(|columns| states.get(&columns));
            let page: Arc<[PageMandate]> = rows
                .iter()
                .map(|row| PageMandate {
                    state: states.and_then(|states| states.get(&row.state_iso3).cloned()),
                    position: shown
                        .positions
                        .then(|| positions.get(&row.position_id).cloned())
                        .flatten(),
                    mandate: row.clone(),
                })
                .collect();
            out.insert(key.clone(), page);
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
