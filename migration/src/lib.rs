//! Schema migrations. One step per schema change; a landed step is never edited.
//! This crate does not import `entity`: old steps must not change when today's
//! entities do.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_committee;
mod m20261126_000002_workflow;
mod m20261126_000003_timers;
mod m20261127_000004_records;
mod m20261203_000005_month;
mod m20261203_000006_action_plans;
mod m20261203_000007_topics_and_work_plans;
mod m20261204_000008_event_log_commit_order;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_committee::Migration),
            Box::new(m20261126_000002_workflow::Migration),
            Box::new(m20261126_000003_timers::Migration),
            Box::new(m20261127_000004_records::Migration),
            Box::new(m20261203_000005_month::Migration),
            Box::new(m20261203_000006_action_plans::Migration),
            Box::new(m20261203_000007_topics_and_work_plans::Migration),
            Box::new(m20261204_000008_event_log_commit_order::Migration),
        ]
    }
}
