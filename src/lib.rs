//! ccm-committee: the GraphQL server of the Coordination Committee of the
//! Convention on Cluster Munitions.

pub mod app;
pub mod clock;
pub mod committee;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod meetings;
pub mod reference;
pub mod telemetry;
