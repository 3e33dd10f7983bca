//! Work plans (filled in below).
pub const NAME: &str = "workPlan";
