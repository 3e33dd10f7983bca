//! A workflow definition: named states and transitions, each saying
//! everything about itself in one place: the event (typed per definition),
//! where it leaves from and goes to, the roles allowed to fire it, its
//! guards and the inputs they need loaded, its effects and the timers it
//! sets or cancels. Pure data and logic: unit-testable without a database.
//! A new workflow declares a [`Spec`] and a [`Definition`]; no engine file
//! changes.

use std::collections::BTreeSet;
use std::fmt::Debug;

/// A name the engine stores and shows (an event, an effect, a timer).
pub trait Named: Copy + Eq + Debug + Send + Sync + 'static {
    fn name(self) -> &'static str;
}

/// The types one workflow gives its transitions.
pub trait Spec: 'static {
    /// What guards look at, loaded in the move's transaction.
    type Context;
    /// The workflow's events.
    type Event: Named;
    /// What a guard needs loaded before it can decide (the domain loads
    /// only what the transition's guards name).
    type Input: Copy + Eq + Ord + Debug + Send + Sync + 'static;
    /// What a transition does besides moving, in the same transaction.
    type Effect: Named;
    /// A timer a transition sets or cancels.
    type Timer: Named;
}

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
pub struct Guard<S: Spec> {
    pub name: &'static str,
    pub kind: GuardKind,
    /// What it reads of the context, which the domain must load.
    pub needs: Vec<S::Input>,
    pub check: fn(context: &S::Context, actor: &Actor) -> Result<(), String>,
}

/// `from --event--> to`, for the roles listed, when every guard agrees.
pub struct Transition<S: Spec> {
    /// The states it leaves from; empty for a creation event.
    pub from: Vec<&'static str>,
    pub event: S::Event,
    pub to: &'static str,
    pub roles: Vec<&'static str>,
    pub guards: Vec<Guard<S>>,
    /// What the domain runs in the same transaction.
    pub effects: Vec<S::Effect>,
    /// The timers the move sets or cancels.
    pub timers: Vec<S::Timer>,
}

impl<S: Spec> Transition<S> {
    /// What its guards need loaded.
    pub fn needs(&self) -> BTreeSet<S::Input> {
        self.guards
            .iter()
            .flat_map(|g| g.needs.iter().copied())
            .collect()
    }
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

/// A workflow definition: a name, a version, states and transitions (one
/// transition per event, from any number of states).
pub struct Definition<S: Spec> {
    pub name: &'static str,
    pub version: i32,
    pub states: Vec<StateDef>,
    pub transitions: Vec<Transition<S>>,
}

/// An event whose role check passed: what the engine needs to fire it. Only
/// [`Definition::authorize`] makes one, so a move is authorised exactly once.
pub struct Authorized<'d, S: Spec> {
    pub(super) transition: &'d Transition<S>,
    pub(super) actor: Actor,
}

impl<S: Spec> Authorized<'_, S> {
    pub fn event(&self) -> S::Event {
        self.transition.event
    }

    /// What the transition's guards need loaded.
    pub fn needs(&self) -> BTreeSet<S::Input> {
        self.transition.needs()
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// A definition as plain data, for people and tools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    pub name: String,
    pub version: i32,
    pub states: Vec<StateDef>,
    pub transitions: Vec<DescribedTransition>,
    pub mermaid: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribedTransition {
    pub from: Vec<String>,
    pub event: String,
    pub to: String,
    pub roles: Vec<String>,
    pub guards: Vec<String>,
    pub effects: Vec<String>,
    pub timers: Vec<String>,
}

fn owned(names: &[&'static str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

impl<S: Spec> Definition<S> {
    pub fn is_final(&self, state: &str) -> bool {
        self.states.iter().any(|s| s.name == state && s.is_final)
    }

    /// The transition an event takes.
    pub fn transition(&self, event: S::Event) -> Option<&Transition<S>> {
        self.transitions.iter().find(|t| t.event == event)
    }

    /// The event a stored name names.
    pub fn event_named(&self, name: &str) -> Option<S::Event> {
        self.transitions
            .iter()
            .map(|t| t.event)
            .find(|e| e.name() == name)
    }

    /// The events that can fire from `state`, whoever fires them.
    pub fn allowed_events(&self, state: &str) -> Vec<String> {
        let events: BTreeSet<&str> = self
            .transitions
            .iter()
            .filter(|t| t.from.contains(&state))
            .map(|t| t.event.name())
            .collect();
        events.into_iter().map(str::to_owned).collect()
    }

    /// Whether `actor`'s role may fire `event`: checked once per move, before
    /// anything is looked up, so that a caller who may not act learns nothing.
    pub fn authorize(&self, event: S::Event, actor: &Actor) -> Result<Authorized<'_, S>, Refusal> {
        let transition = self
            .transition(event)
            .ok_or_else(|| Refusal::InvalidTransition {
                state: "(any)".to_owned(),
                event: event.name().to_owned(),
                allowed: Vec::new(),
            })?;
        if !transition.roles.contains(&actor.role.as_str()) {
            return Err(Refusal::Forbidden {
                event: event.name().to_owned(),
                roles: owned(&transition.roles),
            });
        }
        Ok(Authorized {
            transition,
            actor: actor.clone(),
        })
    }

    /// Whether an authorised event may fire from `state` (`None` for
    /// creation) on this subject: the authorization guards first (refused as
    /// forbidden, before anything else is said), then the state, then the
    /// rules.
    pub fn plan<'d>(
        &self,
        authorized: &Authorized<'d, S>,
        state: Option<&str>,
        context: &S::Context,
    ) -> Result<&'d Transition<S>, Refusal> {
        self.check_authorization(authorized, context)?;
        self.check_rules(authorized, state, context)
    }

    /// The authorization guards of an authorised event, on this subject.
    pub fn check_authorization(
        &self,
        authorized: &Authorized<'_, S>,
        context: &S::Context,
    ) -> Result<(), Refusal> {
        let transition = authorized.transition;
        for guard in transition
            .guards
            .iter()
            .filter(|g| g.kind == GuardKind::Authorization)
        {
            (guard.check)(context, &authorized.actor).map_err(|reason| Refusal::NotYours {
                guard: guard.name.to_owned(),
                reason,
            })?;
        }
        Ok(())
    }

    /// The state and the rules of an authorised event.
    pub fn check_rules<'d>(
        &self,
        authorized: &Authorized<'d, S>,
        state: Option<&str>,
        context: &S::Context,
    ) -> Result<&'d Transition<S>, Refusal> {
        let transition = authorized.transition;
        let leaves = match state {
            None => transition.from.is_empty(),
            Some(s) => transition.from.contains(&s),
        };
        if !leaves {
            return Err(Refusal::InvalidTransition {
                state: state.unwrap_or("(none)").to_owned(),
                event: transition.event.name().to_owned(),
                allowed: state.map(|s| self.allowed_events(s)).unwrap_or_default(),
            });
        }
        for guard in transition
            .guards
            .iter()
            .filter(|g| g.kind == GuardKind::Rule)
        {
            (guard.check)(context, &authorized.actor).map_err(|reason| Refusal::GuardFailed {
                guard: guard.name.to_owned(),
                reason,
            })?;
        }
        Ok(transition)
    }

    /// Checks the definition itself: one transition per event, every state
    /// named exists, final states have no way out, every state is reachable
    /// from a creation event.
    pub fn validate(&self) -> Result<(), String> {
        let mut events = BTreeSet::new();
        for t in &self.transitions {
            if !events.insert(t.event.name()) {
                return Err(format!("{} has two transitions", t.event.name()));
            }
        }
        let names: BTreeSet<&str> = self.states.iter().map(|s| s.name).collect();
        for t in &self.transitions {
            for s in t.from.iter().chain(std::iter::once(&t.to)) {
                if !names.contains(s) {
                    return Err(format!("{} names unknown state {s}", t.event.name()));
                }
            }
            if let Some(f) = t.from.iter().find(|f| self.is_final(f)) {
                return Err(format!("{} leaves final state {f}", t.event.name()));
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
            let event = t.event.name();
            let label = if t.guards.is_empty() {
                event.to_owned()
            } else {
                let guards: Vec<&str> = t.guards.iter().map(|g| g.name).collect();
                format!("{event} [{}]", guards.join(", "))
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

    /// The definition as plain data.
    pub fn describe(&self) -> Described {
        Described {
            name: self.name.to_owned(),
            version: self.version,
            states: self.states.clone(),
            transitions: self
                .transitions
                .iter()
                .map(|t| DescribedTransition {
                    from: owned(&t.from),
                    event: t.event.name().to_owned(),
                    to: t.to.to_owned(),
                    roles: owned(&t.roles),
                    guards: t.guards.iter().map(|g| g.name.to_owned()).collect(),
                    effects: t.effects.iter().map(|e| e.name().to_owned()).collect(),
                    timers: t.timers.iter().map(|e| e.name().to_owned()).collect(),
                })
                .collect(),
            mermaid: self.mermaid(),
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A small definition for engine tests: a door that can be locked.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum DoorEvent {
        Build,
        Open,
        Close,
        WallUp,
    }

    impl Named for DoorEvent {
        fn name(self) -> &'static str {
            match self {
                Self::Build => "build",
                Self::Open => "open",
                Self::Close => "close",
                Self::WallUp => "wallUp",
            }
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Bricks {
        Bricks,
    }

    impl Named for Bricks {
        fn name(self) -> &'static str {
            "bricks"
        }
    }

    pub struct Door;

    impl Spec for Door {
        type Context = bool;
        type Event = DoorEvent;
        type Input = ();
        type Effect = Bricks;
        type Timer = Bricks;
    }

    pub fn door() -> Definition<Door> {
        fn unlocked_only(locked: &bool, _: &Actor) -> Result<(), String> {
            if *locked {
                Err("the key is lost".into())
            } else {
                Ok(())
            }
        }
        let state = |name, is_final| StateDef { name, is_final };
        let t = |from: &[&'static str], event, to, roles: &[&'static str], guards, effects| {
            Transition {
                from: from.to_vec(),
                event,
                to,
                roles: roles.to_vec(),
                guards,
                effects,
                timers: vec![],
            }
        };
        Definition {
            name: "door",
            version: 1,
            states: vec![
                state("CLOSED", false),
                state("OPEN", false),
                state("WALLED_UP", true),
            ],
            transitions: vec![
                t(&[], DoorEvent::Build, "CLOSED", &["MASON"], vec![], vec![]),
                t(
                    &["CLOSED"],
                    DoorEvent::Open,
                    "OPEN",
                    &["USER", "MASON"],
                    vec![Guard {
                        name: "unlocked",
                        kind: GuardKind::Rule,
                        needs: vec![],
                        check: unlocked_only,
                    }],
                    vec![],
                ),
                t(
                    &["OPEN"],
                    DoorEvent::Close,
                    "CLOSED",
                    &["USER", "MASON"],
                    vec![],
                    vec![],
                ),
                t(
                    &["CLOSED", "OPEN"],
                    DoorEvent::WallUp,
                    "WALLED_UP",
                    &["MASON"],
                    vec![],
                    vec![Bricks::Bricks],
                ),
            ],
        }
    }

    fn actor(role: &str) -> Actor {
        Actor {
            subject: "someone".into(),
            role: role.into(),
        }
    }

    fn plan(
        d: &Definition<Door>,
        state: &str,
        event: DoorEvent,
        role: &str,
        locked: bool,
    ) -> Result<(), Refusal> {
        let authorized = d.authorize(event, &actor(role))?;
        d.plan(&authorized, Some(state), &locked).map(|_| ())
    }

    #[test]
    fn the_door_definition_is_valid() {
        assert_eq!(door().validate(), Ok(()));
    }

    #[test]
    fn plans_are_refused_for_each_reason() {
        let d = door();
        assert!(plan(&d, "CLOSED", DoorEvent::Open, "USER", false).is_ok());
        assert!(matches!(
            plan(&d, "CLOSED", DoorEvent::WallUp, "USER", false),
            Err(Refusal::Forbidden { .. })
        ));
        assert_eq!(
            plan(&d, "CLOSED", DoorEvent::Close, "USER", false).err(),
            Some(Refusal::InvalidTransition {
                state: "CLOSED".into(),
                event: "close".into(),
                allowed: vec!["open".into(), "wallUp".into()],
            })
        );
        assert_eq!(
            plan(&d, "CLOSED", DoorEvent::Open, "USER", true).err(),
            Some(Refusal::GuardFailed {
                guard: "unlocked".into(),
                reason: "the key is lost".into()
            })
        );
        assert!(matches!(
            plan(&d, "WALLED_UP", DoorEvent::Open, "MASON", false),
            Err(Refusal::InvalidTransition { .. })
        ));
    }

    #[test]
    fn an_event_has_one_transition() {
        let mut d = door();
        let again = Transition {
            from: vec!["OPEN"],
            event: DoorEvent::Open,
            to: "OPEN",
            roles: vec!["USER"],
            guards: vec![],
            effects: vec![],
            timers: vec![],
        };
        d.transitions.push(again);
        assert_eq!(d.validate(), Err("open has two transitions".to_owned()));
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
