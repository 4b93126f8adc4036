//! Agent authentication: bearer JWTs carrying the agent, workspace and role.
//!
//! In AWS the API Gateway JWT authorizer (Cognito) checks the token before the function runs,
//! and the function re-reads the claims. Locally the runner signs tokens for the demo agents
//! with a secret of its own.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use turno_core::agent::Role;
use turno_core::app::Actor;
use turno_core::ids::{AgentId, WorkspaceId};

use crate::error::ApiError;

const ISSUER: &str = "turno";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The agent id.
    pub sub: String,
    /// The workspace the agent works in.
    pub ws: String,
    pub role: Role,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and checks tokens with one HMAC secret.
#[derive(Clone)]
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth { .. }")
    }
}

impl Auth {
    /// `secret` must be at least 32 bytes: a short HMAC key makes tokens guessable.
    pub fn hs256(secret: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= 32,
            "the JWT secret must be at least 32 bytes (set TURNO_JWT_SECRET to a long random string)"
        );
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Ok(Auth {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }

    pub fn issue(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
        role: Role,
        valid_for_secs: i64,
    ) -> anyhow::Result<String> {
        let now = jiff::Timestamp::now().as_second();
        let claims = Claims {
            sub: agent.to_string(),
            ws: ws.to_string(),
            role,
            iss: ISSUER.into(),
            iat: now,
            exp: now + valid_for_secs,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Actor, ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            ApiError::unauthorized(format!("the token is not valid ({e}); sign in again"))
        })?;
        let c = data.claims;
        let workspace =
            WorkspaceId::parse(c.ws).map_err(|e| ApiError::unauthorized(e.to_string()))?;
        let agent = AgentId::parse(c.sub).map_err(|e| ApiError::unauthorized(e.to_string()))?;
        Ok(Actor {
            workspace,
            agent,
            role: c.role,
        })
    }
}

/// The calling agent, from `Authorization: Bearer <token>`.
pub struct Caller(pub Actor);

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync + AsRef<Auth>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized("missing Authorization: Bearer <token> header")
            })?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
        state.as_ref().verify(token.trim()).map(Caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::hs256(&[7u8; 32]).unwrap()
    }

    #[test]
    fn issued_token_round_trips_to_the_same_actor() {
        let ws = WorkspaceId::parse("ws1").unwrap();
        let ana = AgentId::parse("ana").unwrap();
        let token = auth().issue(&ws, &ana, Role::Supervisor, 60).unwrap();
        let actor = auth().verify(&token).unwrap();
        assert_eq!(actor.agent, ana);
        assert_eq!(actor.workspace, ws);
        assert_eq!(actor.role, Role::Supervisor);
    }

    #[test]
    fn token_signed_with_another_secret_or_expired_is_refused() {
        let ws = WorkspaceId::parse("ws1").unwrap();
        let ana = AgentId::parse("ana").unwrap();
        let other = Auth::hs256(&[8u8; 32])
            .unwrap()
            .issue(&ws, &ana, Role::Agent, 60)
            .unwrap();
        assert!(auth().verify(&other).is_err());
        let expired = auth().issue(&ws, &ana, Role::Agent, -3600).unwrap();
        assert!(auth().verify(&expired).is_err());
    }

    #[test]
    fn short_secret_is_refused_with_the_fix_named() {
        let err = Auth::hs256(b"short").unwrap_err().to_string();
        assert!(err.contains("TURNO_JWT_SECRET"));
    }
}
