//! Identifiers as newtypes with private fields: a value of one of these types has been validated.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {reason}")]
pub struct InvalidId {
    pub kind: &'static str,
    pub reason: &'static str,
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $validate:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                let check: fn(&str) -> Result<(), &'static str> = $validate;
                check(&value).map_err(|reason| InvalidId { kind: $kind, reason })?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(s).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

fn slug(s: &str) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > 64 {
        return Err("must be 1 to 64 characters");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err("only letters, digits, '-', '_' and '.' are allowed");
    }
    Ok(())
}

fn opaque(s: &str) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > 256 {
        return Err("must be 1 to 256 characters");
    }
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain spaces or control characters");
    }
    Ok(())
}

fn wa_id(s: &str) -> Result<(), &'static str> {
    // WhatsApp ids are E.164 numbers without the leading '+': 8 to 15 digits.
    let digits = s.strip_prefix('+').unwrap_or(s);
    if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be an E.164 phone number of 8 to 15 digits");
    }
    if digits.starts_with('0') {
        return Err("must start with a country code, not 0");
    }
    Ok(())
}

string_id!(
    /// One business, i.e. one WhatsApp phone number id. Every stored key is scoped by it.
    WorkspaceId,
    "workspace id",
    slug
);
impl WorkspaceId {
    /// The scope of what belongs to the deployment rather than to one workspace (webhook
    /// items whose phone number could not be read). No configured workspace may use it.
    pub const DEPLOYMENT: &'static str = "_deployment";

    pub fn deployment() -> Self {
        Self(Self::DEPLOYMENT.to_owned())
    }

    pub fn is_deployment(&self) -> bool {
        self.0 == Self::DEPLOYMENT
    }
}

string_id!(TeamId, "team id", slug);
string_id!(AgentId, "agent id", slug);
string_id!(
    /// A message id: WhatsApp's `wamid.…` for channel messages, `turno.…` for messages that never
    /// went through WhatsApp (notes, sandbox).
    MessageId,
    "message id",
    opaque
);
string_id!(TicketId, "ticket id", opaque);

/// A customer's WhatsApp id: an E.164 phone number, stored without the leading `+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct WaId(String);

impl WaId {
    pub fn parse(value: impl AsRef<str>) -> Result<Self, InvalidId> {
        let value = value.as_ref();
        wa_id(value).map_err(|reason| InvalidId {
            kind: "WhatsApp id",
            reason,
        })?;
        Ok(Self(value.trim_start_matches('+').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for WaId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(s).map_err(serde::de::Error::custom)
    }
}

impl TicketId {
    /// A new, time-ordered ticket id.
    pub fn generate() -> Self {
        Self(format!("T{}", uuid::Uuid::now_v7().simple()))
    }
}

impl MessageId {
    /// An id for a message that WhatsApp did not number (notes, system entries).
    pub fn local() -> Self {
        Self(format!("turno.{}", uuid::Uuid::now_v7().simple()))
    }

    /// A stable id derived from another: the same inputs give the same id, so a retried step
    /// writes the same record instead of a second one.
    pub fn derived(from: &MessageId, suffix: &str) -> Self {
        Self(format!("{}#{suffix}", from.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wa_id_accepts_e164_with_or_without_plus_and_stores_digits() {
        assert_eq!(
            WaId::parse("+5215512345678").unwrap().as_str(),
            "5215512345678"
        );
        assert_eq!(WaId::parse("34600111222").unwrap().as_str(), "34600111222");
    }

    #[test]
    fn wa_id_rejects_letters_short_numbers_and_leading_zero() {
        for bad in [
            "",
            "1234",
            "34-600-111",
            "abc45678901",
            "0034600111222",
            "1234567890123456",
        ] {
            assert!(WaId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn slug_ids_reject_spaces_and_empty() {
        assert!(WorkspaceId::parse("").is_err());
        assert!(TeamId::parse("sup port").is_err());
        assert!(AgentId::parse("ana").is_ok());
    }

    #[test]
    fn deserializing_an_invalid_id_fails() {
        let r: Result<WaId, _> = serde_json::from_str("\"hello\"");
        assert!(r.is_err());
    }

    #[test]
    fn derived_message_ids_are_stable() {
        let m = MessageId::parse("wamid.ABC").unwrap();
        assert_eq!(MessageId::derived(&m, "r0"), MessageId::derived(&m, "r0"));
        assert_ne!(MessageId::derived(&m, "r0"), MessageId::derived(&m, "r1"));
    }
}
