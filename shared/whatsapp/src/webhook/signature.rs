//! The two checks that decide whether a request really comes from Meta.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

const PREFIX: &str = "sha256=";

/// Why a delivery's `X-Hub-Signature-256` was refused. The messages never include the expected
/// digest, so they are safe to return to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// With an empty secret anybody can compute a valid signature, so nothing is accepted.
    #[error("no app secret is configured, so no signature can be checked")]
    NoSecret,
    #[error("the X-Hub-Signature-256 header is missing")]
    MissingHeader,
    #[error("the X-Hub-Signature-256 header does not start with \"sha256=\"")]
    BadPrefix,
    #[error("the X-Hub-Signature-256 header is not a hex-encoded SHA-256 digest")]
    BadHex,
    #[error("the X-Hub-Signature-256 header does not match the body")]
    Mismatch,
}

/// Checks that `header` (the `X-Hub-Signature-256` value, `sha256=<hex>`) is the HMAC-SHA256 of
/// the raw body under the app secret. The comparison takes the same time wherever the digests
/// differ.
pub fn verify_signature(
    app_secret: &[u8],
    raw_body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    if app_secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let header = header.map(str::trim).ok_or(SignatureError::MissingHeader)?;
    let hex_digest = header
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .map(|_| &header[PREFIX.len()..])
        .ok_or(SignatureError::BadPrefix)?;
    let claimed = hex::decode(hex_digest).map_err(|_| SignatureError::BadHex)?;
    if claimed.len() != 32 {
        return Err(SignatureError::BadHex);
    }
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret).map_err(|_| SignatureError::NoSecret)?;
    mac.update(raw_body);
    mac.verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

/// Why the `GET` verification handshake was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// An empty configured token would match a request that sends an empty one.
    #[error("no verify token is configured")]
    NoToken,
    #[error("hub.mode is missing")]
    MissingMode,
    #[error("hub.mode is not \"subscribe\"")]
    WrongMode,
    #[error("hub.verify_token is missing")]
    MissingToken,
    #[error("hub.verify_token does not match")]
    TokenMismatch,
    #[error("hub.challenge is missing")]
    MissingChallenge,
}

/// The webhook subscription handshake: Meta sends `hub.mode=subscribe`, the verify token it was
/// given and a challenge; the challenge is echoed back only if the token matches.
pub fn verify_challenge(
    expected_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, ChallengeError> {
    if expected_token.is_empty() {
        return Err(ChallengeError::NoToken);
    }
    match mode {
        None => return Err(ChallengeError::MissingMode),
        Some("subscribe") => {}
        Some(_) => return Err(ChallengeError::WrongMode),
    }
    let token = token.ok_or(ChallengeError::MissingToken)?;
    if !bool::from(token.as_bytes().ct_eq(expected_token.as_bytes())) {
        return Err(ChallengeError::TokenMismatch);
    }
    match challenge {
        Some(c) if !c.is_empty() => Ok(c.to_owned()),
        _ => Err(ChallengeError::MissingChallenge),
    }
}
