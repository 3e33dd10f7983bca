//! Who is calling: HS256 bearer tokens, roles, and the axum middleware that
//! turns a token into an identity (a present but invalid token is an error,
//! never anonymous). Authorisation is decided per mutation and per guard.

pub mod middleware;
pub mod token;

use async_graphql::Enum;

/// What an account may do.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything.
    Admin,
    /// The President's office and the Implementation Support Unit.
    Presidency,
    /// A thematic coordinator, acting for its State.
    Coordinator,
    /// A State's delegation.
    Delegate,
    /// An observer organization.
    Observer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        crate::graphql::loaders::enum_name(self)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase();
        <Self as async_graphql::EnumType>::items()
            .iter()
            .find(|item| item.name == upper)
            .map(|item| item.value)
    }

    /// Roles that act for one State.
    pub fn is_state_bound(self) -> bool {
        matches!(self, Self::Coordinator | Self::Delegate)
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub role: Role,
    /// The State a coordinator or delegate acts for.
    pub state: Option<String>,
    /// The organization an observer speaks for.
    pub organization: Option<String>,
}

/// The caller of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Caller {
    #[default]
    Anonymous,
    Known(Identity),
}

impl Caller {
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Self::Anonymous => None,
            Self::Known(identity) => Some(identity),
        }
    }
}
