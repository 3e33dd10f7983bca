//! The codes of the States and organizations the reference data knows,
//! read from the shipped files (no database): what a token may name.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::rows::{OrganizationRow, StateRow, parse};
use super::{ORGANIZATIONS_CSV, STATES_CSV};

static KNOWN_STATES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    parse::<StateRow>(STATES_CSV)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.iso3)
        .collect()
});

static KNOWN_ORGANIZATIONS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    parse::<OrganizationRow>(ORGANIZATIONS_CSV)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.code)
        .collect()
});

/// Whether `code` names a State of the reference data (one that signed or joined).
pub fn known_state(code: &str) -> bool {
    KNOWN_STATES.contains(code)
}

/// Whether `code` names an organization of the reference data.
pub fn known_organization(code: &str) -> bool {
    KNOWN_ORGANIZATIONS.contains(code)
}
