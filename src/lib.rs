//! ccm-committee: the GraphQL server of the Coordination Committee of the
//! Convention on Cluster Munitions.

pub mod action_points;
pub mod auth;
pub mod bounds;
pub mod clock;
pub mod committee;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod graphql;
pub mod markdown;
pub mod meetings;
pub mod minutes;
pub mod nominations;
pub mod paging;
pub mod plans;
pub mod reference;
pub mod seats;
pub mod server;
pub mod telemetry;
pub mod telemetry_metrics;
pub mod topics;
pub mod vocabulary;
pub mod work_plans;
pub mod workflow;
