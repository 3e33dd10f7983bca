//! sea-orm entities, one module per table. No GraphQL here: a column must not
//! become public API by accident.

pub mod account;
pub mod action_plan;
pub mod action_plan_action;
pub mod action_point;
pub mod agenda_item;
pub mod call;
pub mod consultation_response;
pub mod decision;
pub mod event_log;
pub mod idempotency_key;
pub mod invitation;
pub mod mandate;
pub mod meeting;
pub mod meeting_session;
pub mod minutes;
pub mod minutes_revision;
pub mod nomination;
pub mod objective_action;
pub mod objective_rating;
pub mod organization;
pub mod position;
pub mod standing_invitation;
pub mod state;
pub mod timer;
pub mod topic;
pub mod topic_document;
pub mod topic_placement;
pub mod work_plan;
pub mod work_plan_activity;
pub mod work_plan_objective;
pub mod workflow_history;
pub mod workflow_instance;
