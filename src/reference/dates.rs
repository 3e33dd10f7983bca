//! Entry into force under Article 17 of the Convention.

use chrono::{Datelike, NaiveDate};

/// The deposit of the thirtieth instrument of ratification (16 February 2010).
pub const FIRST_THIRTY_CUTOFF: NaiveDate = match NaiveDate::from_ymd_opt(2010, 2, 16) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// The Convention's own entry into force: the first day of the sixth month
/// after the month in which the thirtieth instrument was deposited.
const CONVENTION_IN_FORCE: NaiveDate = match NaiveDate::from_ymd_opt(2010, 8, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// The date the Convention entered into force for a State that deposited its
/// instrument on `deposited` (Article 17): 1 August 2010 for the first thirty
/// instruments; otherwise the first day of the sixth month after the month of
/// deposit (Vanuatu: deposited 5 September 2025, in force 1 March 2026).
pub fn entry_into_force(deposited: NaiveDate) -> NaiveDate {
    if deposited <= FIRST_THIRTY_CUTOFF {
        return CONVENTION_IN_FORCE;
    }
    let months = deposited.year() * 12 + deposited.month0() as i32 + 6;
    NaiveDate::from_ymd_opt(months / 12, (months % 12) as u32 + 1, 1).unwrap_or(deposited)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn vanuatu_enters_into_force_on_the_first_of_march_2026() {
        assert_eq!(entry_into_force(d(2025, 9, 5)), d(2026, 3, 1));
    }

    #[test]
    fn the_first_thirty_share_the_conventions_own_date() {
        assert_eq!(entry_into_force(d(2008, 12, 3)), d(2010, 8, 1));
        assert_eq!(entry_into_force(d(2010, 2, 16)), d(2010, 8, 1));
    }

    #[test]
    fn a_deposit_late_in_the_year_rolls_into_the_next() {
        assert_eq!(entry_into_force(d(2010, 2, 17)), d(2010, 8, 1));
        assert_eq!(entry_into_force(d(2010, 7, 31)), d(2011, 1, 1));
        assert_eq!(entry_into_force(d(2011, 12, 1)), d(2012, 6, 1));
    }
}
