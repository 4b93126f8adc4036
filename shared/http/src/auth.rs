//! Agent authentication: who is calling, from verified claims carrying the agent, workspace
//! and role.
//!
//! In AWS the API Gateway JWT authorizer (Cognito) checks the token before the function runs,
//! and the function re-reads the claims it verified ([`Auth::api_gateway`],
//! [`AuthorizerClaims`]); it holds no key and cannot sign tokens. Locally the runner signs
//! tokens for the demo agents with a secret of its own ([`Auth::hs256`]).

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use turno_core::app::{Actor, Operator, Turno};
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::{AgentId, WorkspaceId};

use crate::error::ApiError;

const ISSUER: &str = "turno";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The agent id.
    pub sub: String,
    /// The workspace the agent works in.
    pub ws: String,
    pub role: Role,
    /// A deployment operator (onboards workspaces); only the local runner's development
    /// sign-in issues such tokens.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub op: bool,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Where the caller's identity comes from: turno's own HS256 tokens (local runner), or the
/// claims API Gateway's JWT authorizer verified (Lambda).
#[derive(Clone)]
pub struct Auth {
    source: Source,
}

#[derive(Clone)]
enum Source {
    Hs256(Box<Keys>),
    ApiGateway,
}

#[derive(Clone)]
struct Keys {
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
            source: Source::Hs256(Box::new(Keys {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
            })),
        })
    }

    /// Trusts the claims API Gateway's JWT authorizer verified (a Cognito ID token): the
    /// function's HTTP glue puts them in the request as [`AuthorizerClaims`]. Requests without
    /// them are refused; bearer headers are never decoded. It holds no key, so it cannot
    /// issue tokens.
    pub fn api_gateway() -> Self {
        Auth {
            source: Source::ApiGateway,
        }
    }

    /// The calling agent of a request.
    pub fn caller(&self, parts: &Parts) -> Result<Actor, ApiError> {
        self.caller_and_operator(parts).map(|(actor, _)| actor)
    }

    /// The calling agent of a request, and whether its verified identity makes it a
    /// deployment operator (the Cognito group `operators`; turno's own tokens' `op` claim).
    pub fn caller_and_operator(&self, parts: &Parts) -> Result<(Actor, bool), ApiError> {
        match &self.source {
            Source::Hs256(_) => {
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
                self.verify_claims(token.trim())
            }
            Source::ApiGateway => {
                let claims = parts.extensions.get::<AuthorizerClaims>().ok_or_else(|| {
                    ApiError::unauthorized(
                        "no verified identity: call the API through the HTTP API's Cognito \
                         authorizer with `Authorization: Bearer <Cognito ID token>`",
                    )
                })?;
                Ok((claims.actor()?, claims.is_operator()))
            }
        }
    }

    pub fn issue(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
        role: Role,
        valid_for_secs: i64,
    ) -> anyhow::Result<String> {
        self.issue_with(ws, agent, role, false, valid_for_secs)
    }

    /// A token of a deployment operator (see [`Auth::caller_and_operator`]).
    pub fn issue_operator(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
        role: Role,
        valid_for_secs: i64,
    ) -> anyhow::Result<String> {
        self.issue_with(ws, agent, role, true, valid_for_secs)
    }

    fn issue_with(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
        role: Role,
        op: bool,
        valid_for_secs: i64,
    ) -> anyhow::Result<String> {
        let Source::Hs256(keys) = &self.source else {
            anyhow::bail!("this deployment signs agents in with Cognito; it issues no tokens");
        };
        let now = jiff::Timestamp::now().as_second();
        let claims = Claims {
            sub: agent.to_string(),
            ws: ws.to_string(),
            role,
            op,
            iss: ISSUER.into(),
            iat: now,
            exp: now + valid_for_secs,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &keys.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Actor, ApiError> {
        self.verify_claims(token).map(|(actor, _)| actor)
    }

    fn verify_claims(&self, token: &str) -> Result<(Actor, bool), ApiError> {
        let Source::Hs256(keys) = &self.source else {
            return Err(ApiError::unauthorized(
                "this deployment checks Cognito tokens at API Gateway, not here",
            ));
        };
        let data = decode::<Claims>(token, &keys.decoding, &keys.validation).map_err(|e| {
            ApiError::unauthorized(format!("the token is not valid ({e}); sign in again"))
        })?;
        let c = data.claims;
        let workspace =
            WorkspaceId::parse(c.ws).map_err(|e| ApiError::unauthorized(e.to_string()))?;
        let agent = AgentId::parse(c.sub).map_err(|e| ApiError::unauthorized(e.to_string()))?;
        Ok((
            Actor {
                workspace,
                agent,
                role: c.role,
            },
            c.op,
        ))
    }
}

/// The claims API Gateway's JWT authorizer verified (`requestContext.authorizer.jwt.claims`),
/// as it passes them: every value a string, lists as `[a b]`.
#[derive(Debug, Clone, Default)]
pub struct AuthorizerClaims(pub HashMap<String, String>);

impl AuthorizerClaims {
    /// The agent (`cognito:username`, else `username`, else `sub`), its workspace
    /// (`custom:workspace`) and its role (the highest of its `cognito:groups`: `admin`,
    /// `supervisor`, `agent`).
    pub fn actor(&self) -> Result<Actor, ApiError> {
        let claim = |name: &str| self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let agent = ["cognito:username", "username", "sub"]
            .into_iter()
            .find_map(claim)
            .ok_or_else(|| ApiError::unauthorized("the token names no user (cognito:username)"))?;
        let agent = AgentId::parse(agent).map_err(|e| {
            ApiError::unauthorized(format!(
                "the Cognito username is not an agent id ({e}); create the user with the agent's id as its username"
            ))
        })?;
        let workspace = claim("custom:workspace").ok_or_else(|| {
            forbidden("the user has no custom:workspace attribute; an admin sets it in Cognito")
        })?;
        let workspace = WorkspaceId::parse(workspace).map_err(|e| {
            forbidden(format!(
                "the user's custom:workspace is not a workspace id ({e})"
            ))
        })?;
        let role = claim("cognito:groups")
            .map(groups)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| match g {
                "admin" => Some(Role::Admin),
                "supervisor" => Some(Role::Supervisor),
                "agent" => Some(Role::Agent),
                _ => None,
            })
            .max()
            .ok_or_else(|| {
                forbidden("the user is in none of the Cognito groups agent, supervisor or admin")
            })?;
        Ok(Actor {
            workspace,
            agent,
            role,
        })
    }
}

/// The Cognito group of the deployment's operators, who onboard workspaces: a group apart
/// from the role groups, so no workspace's admin is one by being an admin.
pub const OPERATORS_GROUP: &str = "operators";

impl AuthorizerClaims {
    /// Whether the user is in the [`OPERATORS_GROUP`].
    pub fn is_operator(&self) -> bool {
        self.0
            .get("cognito:groups")
            .is_some_and(|g| groups(g).contains(&OPERATORS_GROUP))
    }
}

/// `[agent supervisor]` (how API Gateway flattens a list claim), `["agent","supervisor"]` or
/// `agent,supervisor`.
fn groups(raw: &str) -> Vec<&str> {
    raw.trim_start_matches('[')
        .trim_end_matches(']')
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|g| g.trim_matches('"'))
        .filter(|g| !g.is_empty())
        .collect()
}

/// Whether a request names this machine as its host: `localhost`, an address in 127.0.0.0/8
/// or `[::1]`, with or without a port. A browser sends the name it resolved, so a page whose
/// own name was rebound to 127.0.0.1 still sends its own name, not one of these. Requests
/// without a `Host` are refused too.
pub fn names_loopback_host(parts: &Parts) -> bool {
    let Some(host) = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    // An absolute-form request target names a host of its own: it must agree.
    let target_ok = parts
        .uri
        .authority()
        .is_none_or(|a| is_loopback_host(a.as_str()));
    is_loopback_host(host) && target_ok
}

/// `host[:port]` (a `Host` header or URI authority) names a loopback host.
pub fn is_loopback_host(host: &str) -> bool {
    let (loopback, rest) = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((v6, rest)) => (
                v6.parse::<std::net::Ipv6Addr>()
                    .is_ok_and(|ip| ip.is_loopback()),
                rest,
            ),
            None => return false,
        },
        None => {
            let (name, rest) = host.split_at(host.find(':').unwrap_or(host.len()));
            (
                name.eq_ignore_ascii_case("localhost")
                    || name
                        .parse::<std::net::Ipv4Addr>()
                        .is_ok_and(|ip| ip.is_loopback()),
                rest,
            )
        }
    };
    let port_ok = rest.is_empty()
        || rest.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
        });
    loopback && port_ok
}

fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

/// The calling agent: who it is, from the request's identity source (see [`Auth`]); its role,
/// from its agent record, the one source of an agent's role, teams and capacity. A token
/// whose role (Cognito group) differs from the record's is answered with the record's role:
/// the group follows the record, and a token keeps the group it was issued with until it
/// expires. An agent without a record, or deactivated, is refused (403).
pub struct Caller(pub Actor);

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync + AsRef<Auth> + AsRef<Turno>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth: &Auth = state.as_ref();
        let claimed = auth.caller(parts)?;
        let turno: &Turno = state.as_ref();
        Ok(Caller(turno.signed_in(claimed).await?))
    }
}

/// The calling deployment operator: a [`Caller`] whose verified identity is in the operators'
/// group (see [`Turno::signed_in_operator`]); anyone else is refused (403).
pub struct OperatorCaller(pub Operator);

impl<S> FromRequestParts<S> for OperatorCaller
where
    S: Send + Sync + AsRef<Auth> + AsRef<Turno>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth: &Auth = state.as_ref();
        let (claimed, operator) = auth.caller_and_operator(parts)?;
        let turno: &Turno = state.as_ref();
        Ok(OperatorCaller(
            turno.signed_in_operator(claimed, operator).await?,
        ))
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
    fn only_an_operators_token_or_group_makes_an_operator() {
        let ws = WorkspaceId::parse("ws1").unwrap();
        let ana = AgentId::parse("ana").unwrap();
        let own = auth().issue_operator(&ws, &ana, Role::Admin, 60).unwrap();
        let (actor, operator) = auth().verify_claims(&own).unwrap();
        assert!(operator);
        assert_eq!(actor.role, Role::Admin);
        let admin = auth().issue(&ws, &ana, Role::Admin, 60).unwrap();
        assert!(!auth().verify_claims(&admin).unwrap().1);

        let with_groups = |g: &str| {
            claims(&[
                ("cognito:username", "ana"),
                ("custom:workspace", "ws1"),
                ("cognito:groups", g),
            ])
        };
        assert!(with_groups("[admin operators]").is_operator());
        assert!(!with_groups("[admin]").is_operator());
        assert!(!with_groups("[admin operatorsx]").is_operator());
        // An operator is an agent too: the group alone names no role.
        assert!(with_groups("[operators]").actor().is_err());
    }

    #[test]
    fn the_operators_group_is_the_templates() {
        let template =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
                .expect("template.yaml");
        let line = format!("GroupName: {OPERATORS_GROUP}");
        assert!(template.contains(&line), "template.yaml has no `{line}`");
    }

    #[test]
    fn short_secret_is_refused_with_the_fix_named() {
        let err = Auth::hs256(b"short").unwrap_err().to_string();
        assert!(err.contains("TURNO_JWT_SECRET"));
    }

    fn claims(pairs: &[(&str, &str)]) -> AuthorizerClaims {
        AuthorizerClaims(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn cognito_claims_name_the_agent_workspace_and_highest_group() {
        let actor = claims(&[
            ("sub", "5f1c9a2e-0000-4000-8000-000000000001"),
            ("cognito:username", "ana"),
            ("custom:workspace", "ws1"),
            ("cognito:groups", "[agent supervisor]"),
        ])
        .actor()
        .unwrap();

        assert_eq!(actor.agent, AgentId::parse("ana").unwrap());
        assert_eq!(actor.workspace, WorkspaceId::parse("ws1").unwrap());
        assert_eq!(actor.role, Role::Supervisor);
    }

    #[test]
    fn group_lists_in_json_or_comma_form_are_read_too() {
        let json = claims(&[
            ("username", "bo"),
            ("custom:workspace", "ws1"),
            ("cognito:groups", r#"["admin","agent"]"#),
        ]);
        assert_eq!(json.actor().unwrap().role, Role::Admin);
        let commas = claims(&[
            ("username", "bo"),
            ("custom:workspace", "ws1"),
            ("cognito:groups", "agent"),
        ]);
        assert_eq!(commas.actor().unwrap().role, Role::Agent);
    }

    #[test]
    fn a_user_without_workspace_or_group_is_forbidden_with_the_fix_named() {
        let no_workspace = claims(&[("cognito:username", "ana"), ("cognito:groups", "[agent]")])
            .actor()
            .unwrap_err();
        assert_eq!(no_workspace.status, StatusCode::FORBIDDEN);
        assert!(no_workspace.message.contains("custom:workspace"));

        let no_group = claims(&[
            ("cognito:username", "ana"),
            ("custom:workspace", "ws1"),
            ("cognito:groups", "[everyone]"),
        ])
        .actor()
        .unwrap_err();
        assert_eq!(no_group.status, StatusCode::FORBIDDEN);
        assert!(no_group.message.contains("agent, supervisor or admin"));
    }

    #[test]
    fn the_api_gateway_source_ignores_bearer_headers_and_cannot_sign() {
        let hs = auth();
        let ws = WorkspaceId::parse("ws1").unwrap();
        let ana = AgentId::parse("ana").unwrap();
        let token = hs.issue(&ws, &ana, Role::Admin, 60).unwrap();
        let (mut parts, ()) = axum::http::Request::builder()
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
            .into_parts();
        let gateway = Auth::api_gateway();

        let err = gateway.caller(&parts).unwrap_err();
        assert_eq!(err.status, StatusCode::UNAUTHORIZED);
        assert!(gateway.issue(&ws, &ana, Role::Admin, 60).is_err());

        parts.extensions.insert(claims(&[
            ("cognito:username", "ana"),
            ("custom:workspace", "ws1"),
            ("cognito:groups", "[agent]"),
        ]));
        assert_eq!(gateway.caller(&parts).unwrap().role, Role::Agent);
        assert_eq!(hs.caller(&parts).unwrap().role, Role::Admin);
    }

    #[test]
    fn only_loopback_names_count_as_this_machine() {
        for host in [
            "localhost",
            "LocalHost:3000",
            "127.0.0.1",
            "127.0.0.1:3000",
            "127.200.3.4:80",
            "[::1]",
            "[::1]:3000",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "localhost.",
            "127.0.0.1.nip.io",
            "128.0.0.1",
            "0.0.0.0:3000",
            "10.0.0.1",
            "[::2]:3000",
            "[::1",
            "[::1]x",
            "::1",
            "localhost:",
            "localhost:http",
            "localhost:99999",
            "127.0.0.1:3000:1",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(!is_loopback_host(host), "{host:?}");
        }
    }

    #[test]
    fn a_request_names_a_loopback_host_only_by_its_host_header_and_target() {
        let parts = |uri: &str, host: Option<&str>| {
            let mut b = axum::http::Request::builder().uri(uri);
            if let Some(h) = host {
                b = b.header("host", h);
            }
            b.body(()).unwrap().into_parts().0
        };
        assert!(names_loopback_host(&parts("/x", Some("localhost:3000"))));
        assert!(!names_loopback_host(&parts("/x", None)));
        assert!(!names_loopback_host(&parts(
            "/x",
            Some("rebound.example:3000")
        )));
        assert!(!names_loopback_host(&parts(
            "http://evil.example/x",
            Some("localhost")
        )));
    }
}
