//! Minting and verifying HS256 tokens. Only HS256 is accepted: `alg: none`,
//! other algorithms, bad signatures and expired tokens are refused.

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
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Invalid(String),
}

/// The signing secret, as keys.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
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
        }
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
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// The identity a token carries, if it is valid now.
    pub fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let claims = data.claims;
        let role = Role::parse(&claims.role)
            .ok_or_else(|| TokenError::Invalid(format!("unknown role {}", claims.role)))?;
        if role.is_state_bound() && claims.state.is_none() {
            return Err(TokenError::Invalid(
                "a coordinator or delegate token must name its State".to_owned(),
            ));
        }
        Ok(Identity {
            subject: claims.sub,
            role,
            state: claims.state,
            organization: claims.org,
        })
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
}
