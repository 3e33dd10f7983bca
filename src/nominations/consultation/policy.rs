//! The broad-based consultation policy (data, per position) and the live
//! tally: observers' views are shown, never counted; the nominee's own view is
//! not counted unless the position's policy says so.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// When a consultation counts as broad-based.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsultationPolicy {
    /// Responses needed from States Parties.
    pub min_responses: usize,
    /// Regional groups those responses must come from.
    pub min_regional_groups: usize,
    /// Whether a standing objection blocks endorsement.
    pub objections_block: bool,
    /// Whether the nominee's own response counts toward the policy.
    pub count_nominee: bool,
}

impl Default for ConsultationPolicy {
    fn default() -> Self {
        Self {
            min_responses: 10,
            min_regional_groups: 4,
            objections_block: true,
            count_nominee: false,
        }
    }
}

impl ConsultationPolicy {
    /// The policy a position sets, or the default.
    pub fn of(stored: Option<&serde_json::Value>) -> Self {
        stored
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
}

/// Who gave a response, as the tally sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Responder {
    /// A State Party other than the nominee.
    StateParty,
    /// The nominee State itself.
    Nominee,
    /// An observer organization.
    Observer,
    /// A State that is not (or no longer) a State Party: never counted.
    NotAParty,
}

/// One standing response, as the tally sees it.
#[derive(Clone, Debug)]
pub struct Counted {
    pub state: Option<String>,
    pub regional_group: Option<String>,
    pub stance: String,
    pub responder: Responder,
}

/// The consultation so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub responses: usize,
    pub by_stance: BTreeMap<String, usize>,
    pub by_regional_group: BTreeMap<String, usize>,
    pub standing_objections: Vec<String>,
    pub observer_views: usize,
    /// Whether the nominee's own response stands (and is not counted).
    pub nominee_view: bool,
    /// Why the policy is not met; empty when it is.
    pub unmet: Vec<String>,
}

impl Tally {
    pub fn policy_met(&self) -> bool {
        self.unmet.is_empty()
    }
}

pub fn tally(policy: &ConsultationPolicy, responses: &[Counted]) -> Tally {
    let mut t = Tally::default();
    let mut groups = BTreeSet::new();
    for r in responses {
        match r.responder {
            Responder::Observer => {
                t.observer_views += 1;
                continue;
            }
            Responder::Nominee if !policy.count_nominee => {
                t.nominee_view = true;
                continue;
            }
            Responder::NotAParty => continue,
            Responder::Nominee | Responder::StateParty => {}
        }
        t.responses += 1;
        *t.by_stance.entry(r.stance.clone()).or_default() += 1;
        if let Some(group) = &r.regional_group {
            groups.insert(group.clone());
            *t.by_regional_group.entry(group.clone()).or_default() += 1;
        }
        if r.stance == "OBJECTION" {
            t.standing_objections.extend(r.state.clone());
        }
    }
    if t.responses < policy.min_responses {
        t.unmet.push(format!(
            "{} from States Parties, {} needed",
            counted(t.responses, "response", "responses"),
            policy.min_responses
        ));
    }
    if groups.len() < policy.min_regional_groups {
        t.unmet.push(format!(
            "responses from {}, {} needed",
            counted(groups.len(), "regional group", "regional groups"),
            policy.min_regional_groups
        ));
    }
    if policy.objections_block && !t.standing_objections.is_empty() {
        t.unmet.push(format!(
            "standing objection from {}",
            t.standing_objections.join(", ")
        ));
    }
    t
}

/// "1 response", "2 responses".
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(state: &str, group: &str, stance: &str) -> Counted {
        Counted {
            state: Some(state.into()),
            regional_group: Some(group.into()),
            stance: stance.into(),
            responder: Responder::StateParty,
        }
    }

    #[test]
    fn the_default_policy_needs_ten_responses_from_four_groups_and_no_objection() {
        let policy = ConsultationPolicy::default();
        let groups = [
            "AFRICAN",
            "ASIA_PACIFIC",
            "EASTERN_EUROPEAN",
            "WESTERN_EUROPEAN_OTHERS",
        ];
        let mut responses: Vec<Counted> = (0..10)
            .map(|i| r(&format!("S{i:02}"), groups[i % 4], "SUPPORT"))
            .collect();
        assert!(tally(&policy, &responses).policy_met());
        responses[0].stance = "OBJECTION".into();
        let t = tally(&policy, &responses);
        assert!(!t.policy_met());
        assert_eq!(t.standing_objections, ["S00"]);
        let three_groups: Vec<Counted> = (0..12)
            .map(|i| r(&format!("S{i}"), groups[i % 3], "SUPPORT"))
            .collect();
        assert_eq!(tally(&policy, &three_groups).unmet.len(), 1);
    }

    #[test]
    fn the_nominees_own_view_does_not_count_unless_the_policy_says_so() {
        let mut own = r("NOR", "WESTERN_EUROPEAN_OTHERS", "SUPPORT");
        own.responder = Responder::Nominee;
        let t = tally(&ConsultationPolicy::default(), std::slice::from_ref(&own));
        assert_eq!(t.responses, 0);
        assert!(t.nominee_view);
        assert_eq!(t.unmet[0], "0 responses from States Parties, 10 needed");
        let lenient = ConsultationPolicy {
            count_nominee: true,
            ..ConsultationPolicy::default()
        };
        let t = tally(&lenient, &[own]);
        assert_eq!(t.responses, 1);
        assert_eq!(t.unmet[0], "1 response from States Parties, 10 needed");
    }

    #[test]
    fn a_position_can_set_its_own_policy() {
        let p = ConsultationPolicy::of(Some(&serde_json::json!({ "minResponses": 2 })));
        assert_eq!(p.min_responses, 2);
        assert_eq!(p.min_regional_groups, 4);
    }
}
