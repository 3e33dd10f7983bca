//! Minting and verifying HS256 tokens. Only HS256 is accepted: `alg: none`,
//! other algorithms, bad signatures, expired and not-yet-valid tokens are
//! refused, and so are tokens that live longer than the maximum lifetime or
//! whose claims do not describe a real account (a State-bound role without a
//! known State, an observer without a known organization, a subject with
//! control characters). Minting applies the same rules.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{Identity, Role};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

pub use crate::config::MAX_TTL_DAYS;

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Invalid(String),
}

/// The signing secret, as keys, and the longest lifetime accepted.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    max_ttl: Duration,
}

/// The identity claims describe, if they describe a real account.
fn identity_of(claims: &Claims) -> Result<Identity, TokenError> {
    let invalid = |why: &str| Err(TokenError::Invalid(why.to_owned()));
    let sub = claims.sub.trim();
    if sub.is_empty() || sub.chars().count() > 200 || sub.chars().any(char::is_control) {
        return invalid("the subject must have 1 to 200 characters and no control characters");
    }
    // A token names its role exactly as the API spells it: `admin` is not ADMIN.
    let role: Role = claims
        .role
        .parse()
        .map_err(|_| TokenError::Invalid(format!("unknown role {}", claims.role)))?;
    if role.is_state_bound() {
        match &claims.state {
            Some(code) if crate::reference::codes::known_state(code) => {}
            Some(code) => return Err(TokenError::Invalid(format!("unknown State `{code}`"))),
            None => return invalid("a coordinator or delegate token must name its State"),
        }
    }
    if role == Role::Observer {
        match &claims.org {
            Some(code) if crate::reference::codes::known_organization(code) => {}
            Some(code) => {
                return Err(TokenError::Invalid(format!(
                    "unknown organization `{code}`"
                )));
            }
            None => return invalid("an observer token must name its organization"),
        }
    }
    Ok(Identity {
        subject: sub.to_owned(),
        role,
        state: claims.state.clone().filter(|_| role.is_state_bound()),
        organization: claims.org.clone().filter(|_| role == Role::Observer),
        expires_at: claims.exp,
    })
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            max_ttl: Duration::days(MAX_TTL_DAYS),
        }
    }

    /// The same keys, accepting tokens that live at most `max_ttl`.
    pub fn with_max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl;
        self
    }

    /// A token for `subject` with `role` (and the State or organization it acts for).
    pub fn mint(
        &self,
        subject: &str,
        role: Role,
        state: Option<&str>,
        organization: Option<&str>,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<String, TokenError> {
        let claims = Claims {
            sub: subject.to_owned(),
            role: role.as_str().to_owned(),
            state: state.map(|s| s.to_ascii_uppercase()),
            org: organization.map(|s| s.to_ascii_uppercase()),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            nbf: None,
        };
        if ttl <= Duration::zero() || ttl > self.max_ttl {
            return Err(TokenError::Invalid(format!(
                "a token lives at most {} days",
                self.max_ttl.num_days()
            )));
        }
        identity_of(&claims)?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// The identity a token carries, if it is valid now.
    pub fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let claims = data.claims;
        // Tokens are checked against the system clock, as `exp` and `nbf`
        // are (the server's domain clock may be moved; token lifetimes are real).
        if claims.iat > Utc::now().timestamp() {
            return Err(TokenError::Invalid(
                "the token was issued in the future".to_owned(),
            ));
        }
        if claims.exp - claims.iat > self.max_ttl.num_seconds() {
            return Err(TokenError::Invalid(format!(
                "a token lives at most {} days",
                self.max_ttl.num_days()
            )));
        }
        identity_of(&claims)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    #[test]
    fn a_minted_token_verifies() {
        let keys = Keys::new(b"secret");
        let token = keys
            .mint(
                "ana",
                Role::Delegate,
                Some("nor"),
                None,
                Duration::hours(1),
                Utc::now(),
            )
            .expect("mint");
        let identity = keys.verify(&token).expect("valid");
        assert_eq!(identity.role, Role::Delegate);
        assert_eq!(identity.state.as_deref(), Some("NOR"));
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let keys = Keys::new(b"secret");
        let expired = keys
            .mint(
                "ana",
                Role::Admin,
                None,
                None,
                Duration::hours(1),
                Utc::now() - Duration::hours(2),
            )
            .expect("mint");
        assert!(keys.verify(&expired).is_err());
        let foreign = Keys::new(b"other")
            .mint(
                "ana",
                Role::Admin,
                None,
                None,
                Duration::hours(1),
                Utc::now(),
            )
            .expect("mint");
        assert!(keys.verify(&foreign).is_err());
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"ana","role":"ADMIN","iat":0,"exp":{}}}"#,
            Utc::now().timestamp() + 3600
        ));
        assert!(keys.verify(&format!("{header}.{body}.")).is_err());
        assert!(keys.verify("garbage").is_err());
    }

    fn signed(keys: &Keys, claims: serde_json::Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
            .expect("encode")
    }

    #[test]
    fn tokens_that_describe_no_real_account_are_refused() {
        let keys = Keys::new(b"secret");
        let now = Utc::now().timestamp();
        let claims = |extra: serde_json::Value| {
            let mut c = serde_json::json!({ "sub": "ana", "role": "DELEGATE", "state": "NOR",
                                            "iat": now, "exp": now + 3600 });
            for (k, v) in extra.as_object().expect("object") {
                c[k] = v.clone();
            }
            c
        };
        assert!(
            keys.verify(&signed(&keys, claims(serde_json::json!({}))))
                .is_ok()
        );
        for bad in [
            serde_json::json!({ "nbf": now + 600 }),
            serde_json::json!({ "iat": now + 600, "exp": now + 3600 }),
            serde_json::json!({ "role": "delegate" }),
            serde_json::json!({ "role": " DELEGATE" }),
            serde_json::json!({ "exp": now + 400 * 86_400 }),
            serde_json::json!({ "state": "XXX" }),
            serde_json::json!({ "state": null }),
            serde_json::json!({ "sub": "a\u{0}b" }),
            serde_json::json!({ "role": "OBSERVER", "state": null }),
            serde_json::json!({ "role": "OBSERVER", "org": "NOBODY" }),
        ] {
            assert!(
                keys.verify(&signed(&keys, claims(bad.clone()))).is_err(),
                "{bad}"
            );
        }
        let minted = |role, state: Option<&str>, org: Option<&str>, ttl| {
            keys.mint("ana", role, state, org, ttl, Utc::now())
        };
        assert!(minted(Role::Observer, None, None, Duration::hours(1)).is_err());
        assert!(minted(Role::Observer, None, Some("ICRC"), Duration::hours(1)).is_ok());
        assert!(minted(Role::Delegate, Some("XXX"), None, Duration::hours(1)).is_err());
        assert!(minted(Role::Admin, None, None, Duration::days(3650)).is_err());
    }
}
