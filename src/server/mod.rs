//! The transports: the router and the state every handler shares, the
//! schema's roots, GraphQL over HTTP and over WebSocket, the subscription
//! roots, authentication, the pages. The only place that knows [`AppState`];
//! the domains and the toolkits below never import it.

pub mod app;
pub mod authenticate;
pub mod calendar;
pub mod http;
pub mod listener;
pub mod multiplex;
pub mod record;
pub mod report;
pub mod request;
pub mod schema;
pub mod state;
pub mod subscriptions;
pub mod web;
pub mod ws;

pub use schema::{CcmSchema, build_schema};
pub use state::{AppState, StartError};
