//! The topics' vocabulary.

use async_graphql::Enum;

/// Where a topic is in its workflow.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TopicState {
    /// Raised by a member of the committee or an observer.
    Proposed,
    /// On a committee meeting's agenda.
    UnderConsideration,
    /// The committee deemed it relevant: to be scheduled for discussion by all.
    Accepted,
    Declined,
    /// On the agenda of a meeting for discussion by all.
    Scheduled,
    Discussed,
    Closed,
    Withdrawn,
}

crate::names!(TopicState {
    Proposed = "PROPOSED",
    UnderConsideration = "UNDER_CONSIDERATION",
    Accepted = "ACCEPTED",
    Declined = "DECLINED",
    Scheduled = "SCHEDULED",
    Discussed = "DISCUSSED",
    Closed = "CLOSED",
    Withdrawn = "WITHDRAWN",
});

/// Why a topic is on a meeting's agenda.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PlacementPurpose {
    /// For the committee's consideration.
    Consideration,
    /// For discussion by all.
    Discussion,
}

crate::names!(PlacementPurpose {
    Consideration = "CONSIDERATION",
    Discussion = "DISCUSSION",
});

/// What a meeting made of a topic when it took it up.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DiscussionOutcome {
    Conclusions,
    Recommendation,
    ReferredToWorkingGroup,
    /// To be scheduled again (the topic returns to ACCEPTED).
    CarriedOver,
}

/// How a topic's time on a meeting's agenda ended.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PlacementOutcome {
    Accepted,
    Declined,
    Conclusions,
    Recommendation,
    ReferredToWorkingGroup,
    CarriedOver,
    /// The meeting was postponed.
    Postponed,
    /// The meeting was cancelled.
    Cancelled,
    /// The meeting concluded without taking the item.
    NotReached,
    Withdrawn,
}

crate::names!(PlacementOutcome {
    Accepted = "ACCEPTED",
    Declined = "DECLINED",
    Conclusions = "CONCLUSIONS",
    Recommendation = "RECOMMENDATION",
    ReferredToWorkingGroup = "REFERRED_TO_WORKING_GROUP",
    CarriedOver = "CARRIED_OVER",
    Postponed = "POSTPONED",
    Cancelled = "CANCELLED",
    NotReached = "NOT_REACHED",
    Withdrawn = "WITHDRAWN",
});

impl From<DiscussionOutcome> for PlacementOutcome {
    fn from(o: DiscussionOutcome) -> Self {
        match o {
            DiscussionOutcome::Conclusions => Self::Conclusions,
            DiscussionOutcome::Recommendation => Self::Recommendation,
            DiscussionOutcome::ReferredToWorkingGroup => Self::ReferredToWorkingGroup,
            DiscussionOutcome::CarriedOver => Self::CarriedOver,
        }
    }
}

/// A background document's kind.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    NonPaper,
    WorkingPaper,
    ConceptNote,
    Report,
}

crate::names!(DocumentKind {
    NonPaper = "NON_PAPER",
    WorkingPaper = "WORKING_PAPER",
    ConceptNote = "CONCEPT_NOTE",
    Report = "REPORT",
});

/// The longest title of a topic or a document, in characters.
pub const TITLE_MAX: usize = 300;
/// The longest description of a topic, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;
/// The most documents one request adds.
pub const DOCUMENTS_MAX: usize = 20;

/// Checks an official document symbol: `CCM/` then two to six parts of
/// letters, digits, dots and hyphens (`CCM/MSP/2024/WP.3`,
/// `CCM/CONF/2020/5`). The symbol as given, trimmed.
pub fn check_symbol(symbol: &str) -> Result<String, String> {
    let symbol = symbol.trim();
    let bad = || {
        format!(
            "`{symbol}` is not a document symbol: CCM/ then parts of letters, digits, dots and hyphens separated by slashes (CCM/MSP/2024/WP.3)"
        )
    };
    if symbol.len() > 60 {
        return Err(bad());
    }
    let Some(rest) = symbol.strip_prefix("CCM/") else {
        return Err(bad());
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let part_ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && p.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
    };
    if !(2..=6).contains(&parts.len()) || !parts.iter().all(part_ok) {
        return Err(bad());
    }
    Ok(symbol.to_owned())
}

/// Checks a document's link: an absolute http(s) URL.
pub fn check_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() > 2_000 || url.chars().any(char::is_whitespace) {
        return Err(format!("`{url}` is not an http(s) link"));
    }
    Ok(url.to_owned())
}

/// Checks a language tag: two or three letters (`en`, `fr`, `es`, `ar`).
pub fn check_language(language: &str) -> Result<String, String> {
    let language = language.trim().to_ascii_lowercase();
    if (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(language)
    } else {
        Err(format!(
            "`{language}` is not a language code (en, fr, es, ar, ...)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_checked() {
        assert_eq!(
            check_symbol(" CCM/MSP/2024/WP.3 ").as_deref(),
            Ok("CCM/MSP/2024/WP.3")
        );
        assert!(check_symbol("CCM/CONF/2020/5").is_ok());
        for bad in [
            "",
            "CCM",
            "CCM/",
            "CCM/MSP",
            "XYZ/MSP/2024",
            "CCM//2024",
            "CCM/MSP/20 24",
            "CCM/MSP/.3",
        ] {
            assert!(check_symbol(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_and_languages_are_checked() {
        assert!(check_url("https://www.clusterconvention.org/x").is_ok());
        assert!(check_url("javascript:alert(1)").is_err());
        assert!(check_language("EN").is_ok());
        assert!(check_language("english").is_err());
    }
}
