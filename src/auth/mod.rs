//! Who is calling: HS256 bearer tokens and roles; `server::authenticate`
//! turns a token into an identity (a present but invalid token is an error,
//! never anonymous). Authorisation is decided per mutation and per guard.

pub mod token;

use async_graphql::{Context, Enum};

use crate::error::ApiError;

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

crate::names!(Role {
    Admin = "ADMIN",
    Presidency = "PRESIDENCY",
    Coordinator = "COORDINATOR",
    Delegate = "DELEGATE",
    Observer = "OBSERVER",
});

impl Role {
    pub fn parse(text: &str) -> Option<Self> {
        text.trim().to_ascii_uppercase().parse().ok()
    }

    /// Roles that act for one State.
    pub fn is_state_bound(self) -> bool {
        matches!(self, Self::Coordinator | Self::Delegate)
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    pub subject: String,
    pub role: Role,
    /// The State a coordinator or delegate acts for.
    pub state: Option<String>,
    /// The organization an observer speaks for.
    pub organization: Option<String>,
    /// When the token expires (seconds since the epoch, by the system clock).
    pub expires_at: i64,
}

impl Identity {
    /// The workflow actor this caller is: its account and its role.
    pub fn actor(&self) -> crate::workflow::Actor {
        crate::workflow::Actor {
            subject: self.subject.clone(),
            role: self.role.as_str().to_owned(),
        }
    }

    /// Whether the token it came from has expired (a WebSocket session can
    /// outlive its token: every operation checks).
    pub fn expired(&self) -> bool {
        chrono::Utc::now().timestamp() >= self.expires_at
    }
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

/// The authenticated caller, or UNAUTHENTICATED (also when its token expired
/// since the connection was opened).
pub fn identity<'a>(ctx: &'a Context<'_>) -> Result<&'a Identity, ApiError> {
    let who = ctx
        .data_opt::<Caller>()
        .and_then(Caller::identity)
        .ok_or_else(|| {
            ApiError::Unauthenticated("sign in: send `Authorization: Bearer <token>`".to_owned())
        })?;
    if who.expired() {
        return Err(ApiError::Unauthenticated(
            "the token has expired: sign in again".to_owned(),
        ));
    }
    Ok(who)
}

/// The caller, if its role is one of `roles`; FORBIDDEN (saying `why`) otherwise.
pub fn require<'a>(
    ctx: &'a Context<'_>,
    roles: &[Role],
    why: &str,
) -> Result<&'a Identity, ApiError> {
    let who = identity(ctx)?;
    if roles.contains(&who.role) {
        Ok(who)
    } else {
        Err(ApiError::Forbidden(why.to_owned()))
    }
}

/// The President's office (and administrators).
pub const PRESIDENCY: [Role; 2] = [Role::Presidency, Role::Admin];
