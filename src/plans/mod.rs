//! The working groups' plans: the action plans of the Convention (reference
//! data: each plan's numbered actions, with the thematic area the
//! coordinators' work plans give them, and their text only where a source
//! quotes it). The numbering here is what work plans' objectives will link to.

pub mod graphql;

pub use graphql::PlansQuery;
