//! Secrets a workspace's configuration names by reference (its Graph token, its Meta app's
//! secret, its verify token): the configuration holds `ssm:/turno/ws/<id>/graph-token` or
//! `env:NAME`, never the secret, and a resolver reads the value when it is needed, keeping it
//! for a while.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Where a secret is kept: `ssm:/a/parameter/name` (SSM Parameter Store, a SecureString),
/// `env:NAME` (an environment variable of the process) or `file:/a/path` (a file's content,
/// for local runs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretRef(String);

/// A [`SecretRef`] taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource<'a> {
    Ssm(&'a str),
    Env(&'a str),
    File(&'a str),
}

/// The longest reference accepted (an SSM parameter name is at most 2048 characters).
const MAX_REF_LEN: usize = 2048;

impl SecretRef {
    /// A reference, checked: refuses anything that is not one of the known forms, so a raw
    /// token pasted where a reference belongs is never kept.
    pub fn parse(text: &str) -> Result<SecretRef, String> {
        let r = SecretRef(text.to_owned());
        r.source()?;
        Ok(r)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the reference names, or why it is not a reference. The message never repeats
    /// the text, which may be a secret pasted by mistake.
    pub fn source(&self) -> Result<SecretSource<'_>, String> {
        let text = self.0.as_str();
        let refuse = || {
            Err(
                "must be a reference to where the secret is kept (ssm:/turno/ws/<id>/name, env:NAME \
                 or file:/path), never the secret itself"
                    .to_owned(),
            )
        };
        if text.len() > MAX_REF_LEN {
            return refuse();
        }
        if let Some(name) = text.strip_prefix("ssm:") {
            let ok = name.starts_with('/')
                && name.len() > 1
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/_.-".contains(&b))
                && !name.contains("//");
            return if ok {
                Ok(SecretSource::Ssm(name))
            } else {
                refuse()
            };
        }
        if let Some(name) = text.strip_prefix("env:") {
            let ok = !name.is_empty()
                && name.len() <= 128
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            return if ok {
                Ok(SecretSource::Env(name))
            } else {
                refuse()
            };
        }
        if let Some(path) = text.strip_prefix("file:") {
            let ok = path.starts_with('/') && !path.chars().any(char::is_control);
            return if ok {
                Ok(SecretSource::File(path))
            } else {
                refuse()
            };
        }
        refuse()
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A secret's value. Never printed: `Debug` shows `<redacted>`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that uses it (an HTTP header, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a secret could not be read. Names the reference, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("{reference}: {reason}")]
    Unreadable { reference: String, reason: String },
}

impl SecretError {
    pub fn new(reference: &SecretRef, reason: impl Into<String>) -> Self {
        SecretError::Unreadable {
            reference: reference.to_string(),
            reason: reason.into(),
        }
    }
}

/// Reads the secret a reference names.
#[async_trait]
pub trait SecretResolver: Send + Sync {
    async fn resolve(&self, reference: &SecretRef) -> Result<Secret, SecretError>;
}

/// A resolver for a process with no secret store: every reference is refused.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSecrets;

#[async_trait]
impl SecretResolver for NoSecrets {
    async fn resolve(&self, reference: &SecretRef) -> Result<Secret, SecretError> {
        Err(SecretError::new(
            reference,
            "this process has no secret store configured",
        ))
    }
}

/// The local runner's secrets: `env:` from the process's environment, `file:` from a file
/// (its content without the final line break), and, first, any value given to
/// [`LocalSecrets::with`] (for tests and the demo). `ssm:` is refused.
#[derive(Default, Clone)]
pub struct LocalSecrets {
    given: HashMap<SecretRef, Secret>,
}

impl LocalSecrets {
    pub fn new() -> Self {
        LocalSecrets::default()
    }

    /// The value a reference resolves to, whatever the environment says.
    pub fn with(mut self, reference: &SecretRef, value: &str) -> Self {
        self.given.insert(reference.clone(), Secret::new(value));
        self
    }
}

impl fmt::Debug for LocalSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSecrets")
            .field("given", &self.given.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[async_trait]
impl SecretResolver for LocalSecrets {
    async fn resolve(&self, reference: &SecretRef) -> Result<Secret, SecretError> {
        if let Some(value) = self.given.get(reference) {
            return Ok(value.clone());
        }
        let fail = |reason: &str| Err(SecretError::new(reference, reason));
        let value = match reference.source() {
            Err(e) => return fail(&e),
            Ok(SecretSource::Env(name)) => match std::env::var(name) {
                Ok(v) => v,
                Err(_) => return fail("the environment variable is not set"),
            },
            Ok(SecretSource::File(path)) => match std::fs::read_to_string(path) {
                Ok(v) => v.trim_end_matches(['\r', '\n']).to_owned(),
                Err(_) => return fail("the file cannot be read"),
            },
            Ok(SecretSource::Ssm(_)) => {
                return fail("SSM parameters are read only by the AWS functions");
            }
        };
        if value.is_empty() {
            return fail("the secret is empty");
        }
        Ok(Secret::new(value))
    }
}

/// How long [`CachedSecrets`] keeps what it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretCacheTtl {
    /// A value read: used this long before it is read again (a rotated secret is in force
    /// everywhere within it).
    pub value: Duration,
    /// A failed read: answered from the cache this long, so a missing parameter does not
    /// cost a request per webhook, but a fixed one is seen soon.
    pub failure: Duration,
}

impl Default for SecretCacheTtl {
    fn default() -> Self {
        SecretCacheTtl {
            value: Duration::from_secs(300),
            failure: Duration::from_secs(5),
        }
    }
}

type CacheEntry = (Result<Secret, SecretError>, Instant);

/// A resolver in front of another that keeps each answer for its time to live.
pub struct CachedSecrets {
    inner: Arc<dyn SecretResolver>,
    ttl: SecretCacheTtl,
    cache: Mutex<HashMap<SecretRef, CacheEntry>>,
}

impl CachedSecrets {
    pub fn new(inner: Arc<dyn SecretResolver>, ttl: SecretCacheTtl) -> Self {
        CachedSecrets {
            inner,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

impl fmt::Debug for CachedSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedSecrets")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl SecretResolver for CachedSecrets {
    async fn resolve(&self, reference: &SecretRef) -> Result<Secret, SecretError> {
        let now = Instant::now();
        if let Some((answer, until)) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(reference)
            && now < *until
        {
            return answer.clone();
        }
        let answer = self.inner.resolve(reference).await;
        let keep = if answer.is_ok() {
            self.ttl.value
        } else {
            self.ttl.failure
        };
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(reference.clone(), (answer.clone(), now + keep));
        answer
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn references_are_accepted_and_raw_secrets_refused_without_being_repeated() {
        for ok in [
            "ssm:/turno/ws/106540352242922/graph-token",
            "env:WHATSAPP_ACCESS_TOKEN",
            "file:/run/secrets/graph",
        ] {
            assert!(SecretRef::parse(ok).is_ok(), "{ok}");
        }
        for raw in [
            "EAAGm0PX4ZCpsBAKZCZCYZD",
            "ssm:turno/no-leading-slash",
            "ssm:/",
            "ssm:/a b",
            "env:lower",
            "env:",
            "file:relative",
            "",
        ] {
            let err = SecretRef::parse(raw).expect_err(raw);
            assert!(!err.contains("EAAG"), "{err}");
        }
    }

    #[test]
    fn a_secret_is_never_printed() {
        let shown = format!("{:?}", Secret::new("EAAG-very-secret"));
        assert!(!shown.contains("very-secret"), "{shown}");
    }

    struct Counting {
        reads: AtomicU32,
        fail: bool,
    }

    #[async_trait]
    impl SecretResolver for Counting {
        async fn resolve(&self, reference: &SecretRef) -> Result<Secret, SecretError> {
            let n = self.reads.fetch_add(1, Ordering::SeqCst);
            if self.fail {
                Err(SecretError::new(reference, "down"))
            } else {
                Ok(Secret::new(format!("value-{n}")))
            }
        }
    }

    #[tokio::test]
    async fn the_cache_keeps_a_value_for_its_ttl_and_a_failure_only_for_its_own() {
        let r = SecretRef::parse("ssm:/turno/ws/1/graph-token").expect("reference");
        let inner = Arc::new(Counting {
            reads: AtomicU32::new(0),
            fail: false,
        });
        let cached = CachedSecrets::new(inner.clone(), SecretCacheTtl::default());
        let first = cached.resolve(&r).await.expect("read");
        let second = cached.resolve(&r).await.expect("cached");
        assert_eq!(first, second);
        assert_eq!(inner.reads.load(Ordering::SeqCst), 1);

        let failing = Arc::new(Counting {
            reads: AtomicU32::new(0),
            fail: true,
        });
        let cached = CachedSecrets::new(
            failing.clone(),
            SecretCacheTtl {
                value: Duration::from_secs(300),
                failure: Duration::ZERO,
            },
        );
        assert!(cached.resolve(&r).await.is_err());
        assert!(cached.resolve(&r).await.is_err());
        assert_eq!(
            failing.reads.load(Ordering::SeqCst),
            2,
            "a failure is read again"
        );
    }

    #[tokio::test]
    async fn local_secrets_read_given_values_and_refuse_ssm() {
        let given = SecretRef::parse("env:TURNO_TEST_GIVEN_SECRET_NEVER_SET").expect("reference");
        let ssm = SecretRef::parse("ssm:/turno/ws/1/graph-token").expect("reference");
        let local = LocalSecrets::new().with(&given, "token-a");
        assert_eq!(
            local.resolve(&given).await.expect("given").expose(),
            "token-a"
        );
        assert!(local.resolve(&ssm).await.is_err());
        let unset = SecretRef::parse("env:TURNO_TEST_NEVER_SET_AT_ALL").expect("reference");
        assert!(LocalSecrets::new().resolve(&unset).await.is_err());
    }
}
