//! Inbound: Meta's webhook deliveries. The HTTP layer checks the handshake with
//! [`verify_challenge`], the signature with [`verify_signature`] over the raw body (at most
//! [`MAX_BODY_BYTES`]), then turns the body into domain messages and statuses, and items it cannot read into
//! quarantined items, with [`parse`].

mod delivery;
mod fields;
mod numbers;
mod payload;
mod signature;

pub use delivery::{Delivery, parse};
pub use numbers::phone_number_ids;
pub use payload::ParseError;
pub use signature::{ChallengeError, SignatureError, verify_challenge, verify_signature};

/// The largest webhook body the HTTP layer accepts. Meta batches at most a few hundred
/// kilobytes, so anything bigger is not a delivery.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
