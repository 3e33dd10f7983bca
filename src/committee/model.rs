//! The committee's vocabulary: closed sets of values, stored as their names.

use async_graphql::Enum;
use chrono::NaiveDate;
use entity::state;

/// A UN regional group.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegionalGroup {
    African,
    AsiaPacific,
    EasternEuropean,
    LatinAmericanCaribbean,
    WesternEuropeanOthers,
}

/// How a State bound itself to the Convention.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DepositKind {
    Ratification,
    Accession,
}

/// A State's relation to the Convention on a given date.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StateRelation {
    /// Neither signed nor deposited an instrument by then.
    None,
    /// Signed, no instrument deposited.
    Signatory,
    /// Instrument deposited; the Convention not yet in force for it (Article 17).
    AwaitingEntryIntoForce,
    /// Bound by the Convention.
    StateParty,
    /// Its withdrawal has taken effect (Article 20).
    Withdrawn,
}

impl StateRelation {
    /// The relation of `state` to the Convention on `on`.
    pub fn of(state: &state::Model, on: NaiveDate) -> Self {
        let reached = |d: Option<NaiveDate>| d.is_some_and(|d| d <= on);
        if reached(state.withdrawal_effective_on) {
            Self::Withdrawn
        } else if reached(state.entry_into_force_on) {
            Self::StateParty
        } else if reached(state.deposited_on) {
            Self::AwaitingEntryIntoForce
        } else if reached(state.signed_on) {
            Self::Signatory
        } else {
            Self::None
        }
    }
}

/// The kind of a seat on the committee.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PositionKind {
    President,
    PresidentDesignate,
    OutgoingPresident,
    Coordinator,
}

/// What an organization is to the committee.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrganizationKind {
    /// Invited to the Coordination Committee as an observer (ICRC, UN, CMC).
    CommitteeObserver,
    /// Observer at Meetings of States Parties (Rule 1.2 of the Rules of Procedure).
    MspObserver,
    /// The Implementation Support Unit, which assists the committee.
    SupportUnit,
}

crate::names!(RegionalGroup {
    African = "AFRICAN",
    AsiaPacific = "ASIA_PACIFIC",
    EasternEuropean = "EASTERN_EUROPEAN",
    LatinAmericanCaribbean = "LATIN_AMERICAN_CARIBBEAN",
    WesternEuropeanOthers = "WESTERN_EUROPEAN_OTHERS",
});

crate::names!(DepositKind {
    Ratification = "RATIFICATION",
    Accession = "ACCESSION",
});

crate::names!(StateRelation {
    None = "NONE",
    Signatory = "SIGNATORY",
    AwaitingEntryIntoForce = "AWAITING_ENTRY_INTO_FORCE",
    StateParty = "STATE_PARTY",
    Withdrawn = "WITHDRAWN",
});

crate::names!(PositionKind {
    President = "PRESIDENT",
    PresidentDesignate = "PRESIDENT_DESIGNATE",
    OutgoingPresident = "OUTGOING_PRESIDENT",
    Coordinator = "COORDINATOR",
});

crate::names!(OrganizationKind {
    CommitteeObserver = "COMMITTEE_OBSERVER",
    MspObserver = "MSP_OBSERVER",
    SupportUnit = "SUPPORT_UNIT",
});

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn lithuania() -> state::Model {
        state::Model {
            iso3: "LTU".into(),
            name: "Lithuania".into(),
            un_regional_group: Some("EASTERN_EUROPEAN".into()),
            signed_on: Some(d("2008-12-03")),
            deposited_on: Some(d("2011-03-24")),
            deposit_kind: Some("RATIFICATION".into()),
            entry_into_force_on: Some(d("2011-09-01")),
            withdrawal_effective_on: Some(d("2025-03-06")),
            source: String::new(),
        }
    }

    #[test]
    fn lithuania_is_a_state_party_until_its_withdrawal_takes_effect() {
        let ltu = lithuania();
        assert_eq!(
            StateRelation::of(&ltu, d("2008-12-02")),
            StateRelation::None
        );
        assert_eq!(
            StateRelation::of(&ltu, d("2010-01-01")),
            StateRelation::Signatory
        );
        assert_eq!(
            StateRelation::of(&ltu, d("2011-06-01")),
            StateRelation::AwaitingEntryIntoForce
        );
        assert_eq!(
            StateRelation::of(&ltu, d("2025-03-05")),
            StateRelation::StateParty
        );
        assert_eq!(
            StateRelation::of(&ltu, d("2025-03-06")),
            StateRelation::Withdrawn
        );
    }
}
