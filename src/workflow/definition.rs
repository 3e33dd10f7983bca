//! A workflow definition: named states, events and transitions, each with
//! the roles allowed to fire it, guards and effects. Pure data and logic:
//! unit-testable without a database.

use std::collections::BTreeSet;

/// Who fires an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The account (token subject); `system` for the engine's own timers.
    pub subject: String,
    /// The actor's role, as the definition's transitions name roles.
    pub role: String,
}

/// What a guard decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardKind {
    /// Who may act (the caller acts for the subject's own party): checked
    /// with the roles, before versions and state, and refused as forbidden.
    Authorization,
    /// A rule of the domain, checked once the move is otherwise possible.
    Rule,
}

/// A named check on a transition: `Err(reason)` refuses it.
pub struct Guard<C> {
    pub name: &'static str,
    pub kind: GuardKind,
    pub check: fn(context: &C, actor: &Actor) -> Result<(), String>,
}

/// `from --event--> to`, for the roles listed, when every guard agrees.
pub struct Transition<C> {
    /// The states it leaves from; empty for a creation event.
    pub from: Vec<&'static str>,
    pub event: &'static str,
    pub to: &'static str,
    pub roles: Vec<&'static str>,
    pub guards: Vec<Guard<C>>,
    /// Named effects the domain runs in the same transaction.
    pub effects: Vec<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateDef {
    pub name: &'static str,
    pub is_final: bool,
}

/// Why an event may not fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The actor's role may not fire this event at all.
    Forbidden { event: String, roles: Vec<String> },
    /// The role may, but an authorization guard says not on this subject.
    NotYours { guard: String, reason: String },
    /// Not from this state (or no such event).
    InvalidTransition {
        state: String,
        event: String,
        allowed: Vec<String>,
    },
    /// A guard said no.
    GuardFailed { guard: String, reason: String },
}

/// A workflow definition: a name, a version, states and transitions.
pub struct Definition<C> {
    pub name: &'static str,
    pub version: i32,
    pub states: Vec<StateDef>,
    pub transitions: Vec<Transition<C>>,
}

impl<C> Definition<C> {
    pub fn is_final(&self, state: &str) -> bool {
        self.states.iter().any(|s| s.name == state && s.is_final)
    }

    /// The events that can fire from `state`, whoever fires them.
    pub fn allowed_events(&self, state: &str) -> Vec<String> {
        let events: BTreeSet<&str> = self
            .transitions
            .iter()
            .filter(|t| t.from.contains(&state))
            .map(|t| t.event)
            .collect();
        events.into_iter().map(str::to_owned).collect()
    }

    /// Whether `role` may fire `event` at all (from some state).
    pub fn role_may(&self, event: &str, role: &str) -> Result<(), Refusal> {
        let candidates: Vec<&Transition<C>> = self
            .transitions
            .iter()
            .filter(|t| t.event == event)
            .collect();
        if candidates.is_empty() || candidates.iter().any(|t| t.roles.contains(&role)) {
            return Ok(());
        }
        let roles: BTreeSet<&str> = candidates
            .iter()
            .flat_map(|t| t.roles.iter().copied())
            .collect();
        Err(Refusal::Forbidden {
            event: event.to_owned(),
            roles: roles.into_iter().map(str::to_owned).collect(),
        })
    }

    /// Whether `actor` may fire `event` on this subject: its role, then the
    /// authorization guards. Checked before versions and state, so that a
    /// caller who may not act learns nothing else.
    pub fn authorize(&self, event: &str, actor: &Actor, context: &C) -> Result<(), Refusal> {
        self.role_may(event, &actor.role)?;
        let guards = self
            .transitions
            .iter()
            .filter(|t| t.event == event && t.roles.contains(&actor.role.as_str()))
            .flat_map(|t| t.guards.iter())
            .filter(|g| g.kind == GuardKind::Authorization);
        for guard in guards {
            (guard.check)(context, actor).map_err(|reason| Refusal::NotYours {
                guard: guard.name.to_owned(),
                reason,
            })?;
        }
        Ok(())
    }

    /// The transition `event` takes from `state` (`None` for creation), if
    /// `actor` may fire it and every guard agrees.
    pub fn plan(
        &self,
        state: Option<&str>,
        event: &str,
        actor: &Actor,
        context: &C,
    ) -> Result<&Transition<C>, Refusal> {
        self.authorize(event, actor, context)?;
        let transition = self
            .transitions
            .iter()
            .filter(|t| t.event == event)
            .find(|t| match state {
                None => t.from.is_empty(),
                Some(s) => t.from.contains(&s),
            })
            .ok_or_else(|| Refusal::InvalidTransition {
                state: state.unwrap_or("(none)").to_owned(),
                event: event.to_owned(),
                allowed: state.map(|s| self.allowed_events(s)).unwrap_or_default(),
            })?;
        if !transition.roles.contains(&actor.role.as_str()) {
            return Err(Refusal::Forbidden {
                event: event.to_owned(),
                roles: transition.roles.iter().map(|r| (*r).to_owned()).collect(),
            });
        }
        for guard in transition
            .guards
            .iter()
            .filter(|g| g.kind == GuardKind::Rule)
        {
            (guard.check)(context, actor).map_err(|reason| Refusal::GuardFailed {
                guard: guard.name.to_owned(),
                reason,
            })?;
        }
        Ok(transition)
    }

    /// Checks the definition itself: every state named exists, final states
    /// have no way out, every state is reachable from a creation event.
    pub fn validate(&self) -> Result<(), String> {
        let names: BTreeSet<&str> = self.states.iter().map(|s| s.name).collect();
        for t in &self.transitions {
            for s in t.from.iter().chain(std::iter::once(&t.to)) {
                if !names.contains(s) {
                    return Err(format!("{} names unknown state {s}", t.event));
                }
            }
            if let Some(f) = t.from.iter().find(|f| self.is_final(f)) {
                return Err(format!("{} leaves final state {f}", t.event));
            }
        }
        let mut reached: BTreeSet<&str> = self
            .transitions
            .iter()
            .filter(|t| t.from.is_empty())
            .map(|t| t.to)
            .collect();
        loop {
            let next: BTreeSet<&str> = self
                .transitions
                .iter()
                .filter(|t| t.from.iter().any(|f| reached.contains(f)))
                .map(|t| t.to)
                .collect();
            let before = reached.len();
            reached.extend(next);
            if reached.len() == before {
                break;
            }
        }
        if let Some(s) = names.iter().find(|s| !reached.contains(*s)) {
            return Err(format!("state {s} cannot be reached"));
        }
        Ok(())
    }

    /// The definition as a Mermaid `stateDiagram-v2`.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        for t in &self.transitions {
            let label = if t.guards.is_empty() {
                t.event.to_owned()
            } else {
                let guards: Vec<&str> = t.guards.iter().map(|g| g.name).collect();
                format!("{} [{}]", t.event, guards.join(", "))
            };
            if t.from.is_empty() {
                out.push_str(&format!("    [*] --> {}: {label}\n", t.to));
            }
            for from in &t.from {
                out.push_str(&format!("    {from} --> {}: {label}\n", t.to));
            }
        }
        for s in self.states.iter().filter(|s| s.is_final) {
            out.push_str(&format!("    {} --> [*]\n", s.name));
        }
        out
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A small definition for engine tests: a door that can be locked.
    pub fn door() -> Definition<bool> {
        fn unlocked_only(locked: &bool, _: &Actor) -> Result<(), String> {
            if *locked {
                Err("the key is lost".into())
            } else {
                Ok(())
            }
        }
        Definition {
            name: "door",
            version: 1,
            states: vec![
                StateDef {
                    name: "CLOSED",
                    is_final: false,
                },
                StateDef {
                    name: "OPEN",
                    is_final: false,
                },
                StateDef {
                    name: "WALLED_UP",
                    is_final: true,
                },
            ],
            transitions: vec![
                Transition {
                    from: vec![],
                    event: "build",
                    to: "CLOSED",
                    roles: vec!["MASON"],
                    guards: vec![],
                    effects: vec![],
                },
                Transition {
                    from: vec!["CLOSED"],
                    event: "open",
                    to: "OPEN",
                    roles: vec!["USER", "MASON"],
                    guards: vec![Guard {
                        name: "unlocked",
                        kind: GuardKind::Rule,
                        check: unlocked_only,
                    }],
                    effects: vec![],
                },
                Transition {
                    from: vec!["OPEN"],
                    event: "close",
                    to: "CLOSED",
                    roles: vec!["USER", "MASON"],
                    guards: vec![],
                    effects: vec![],
                },
                Transition {
                    from: vec!["CLOSED", "OPEN"],
                    event: "wallUp",
                    to: "WALLED_UP",
                    roles: vec!["MASON"],
                    guards: vec![],
                    effects: vec!["bricks"],
                },
            ],
        }
    }

    fn actor(role: &str) -> Actor {
        Actor {
            subject: "someone".into(),
            role: role.into(),
        }
    }

    #[test]
    fn the_door_definition_is_valid() {
        assert_eq!(door().validate(), Ok(()));
    }

    #[test]
    fn plans_are_refused_for_each_reason() {
        let d = door();
        assert!(
            d.plan(Some("CLOSED"), "open", &actor("USER"), &false)
                .is_ok()
        );
        assert!(matches!(
            d.plan(Some("CLOSED"), "wallUp", &actor("USER"), &false),
            Err(Refusal::Forbidden { .. })
        ));
        assert_eq!(
            d.plan(Some("CLOSED"), "close", &actor("USER"), &false)
                .err(),
            Some(Refusal::InvalidTransition {
                state: "CLOSED".into(),
                event: "close".into(),
                allowed: vec!["open".into(), "wallUp".into()],
            })
        );
        assert_eq!(
            d.plan(Some("CLOSED"), "open", &actor("USER"), &true).err(),
            Some(Refusal::GuardFailed {
                guard: "unlocked".into(),
                reason: "the key is lost".into()
            })
        );
        assert!(matches!(
            d.plan(Some("WALLED_UP"), "open", &actor("MASON"), &false),
            Err(Refusal::InvalidTransition { .. })
        ));
    }

    #[test]
    fn renders_mermaid() {
        let m = door().mermaid();
        assert!(m.starts_with("stateDiagram-v2\n"));
        assert!(m.contains("    [*] --> CLOSED: build\n"));
        assert!(m.contains("    CLOSED --> OPEN: open [unlocked]\n"));
        assert!(m.contains("    WALLED_UP --> [*]\n"));
    }
}
