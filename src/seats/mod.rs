//! Seats: which become free at a meeting (vacancies) and the calls for
//! nominations that cover them, with the warning sent as a call's deadline
//! nears.

pub mod calls;
pub mod graphql;
pub mod vacancies;

pub use graphql::{SeatsMutation, SeatsQuery};
