//! Batched loads of workflow instances and histories for nominations.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;

use super::consultation::{self, Consulted, Standing};
use crate::db::Db;
use crate::error::ApiError;
pub use crate::graphql::workflow::{HistoryLoader, InstanceLoader};

/// The consultation (standing responses and tally) of each nomination,
/// judged on a date. The key carries what the tally needs of the nomination,
/// which its GraphQL object already holds: no statement reloads it.
pub struct ConsultationLoader(pub Db);

impl Loader<(Consulted, NaiveDate)> for ConsultationLoader {
    type Value = Standing;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(Consulted, NaiveDate)],
    ) -> Result<HashMap<(Consulted, NaiveDate), Self::Value>, ApiError> {
        let mut out = HashMap::new();
        let mut dates: Vec<NaiveDate> = keys.iter().map(|k| k.1).collect();
        dates.sort();
        dates.dedup();
        for date in dates {
            let wanted: Vec<Consulted> = keys
                .iter()
                .filter(|k| k.1 == date)
                .map(|k| k.0.clone())
                .collect();
            let mut found = consultation::consultations(&self.0.conn, &wanted, date).await?;
            for subject in wanted {
                if let Some(value) = found.remove(&subject.id) {
                    out.insert((subject, date), value);
                }
            }
        }
        Ok(out)
    }
}

crate::key_loader!(
    /// Nominations by id.
    NominationLoader: nomination by Id (id: i64)
);

crate::from_db!(ConsultationLoader);
