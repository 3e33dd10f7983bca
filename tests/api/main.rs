//! One integration test binary: every test starts the real server on a
//! random port against a fresh SQLite file or PostgreSQL database and talks
//! HTTP to it.

mod helpers;
mod ws;

mod attacks;
mod audit;
mod batching;
mod browser;
mod cli;
mod committee;
mod eager;
mod engine;
mod event_log;
mod fuzz;
mod hostile;
mod http;
mod live;
mod mandates;
mod meetings;
mod metrics;
mod month;
mod multiplex;
mod nodes;
mod nominations;
mod plans;
mod races;
mod replicas;
mod rounds;
mod schema_sdl;
mod second_workflow;
mod states;
mod time;
mod topics;
mod upgrade;
mod ws_defences;
