//! The deployment's VAPID identity (RFC 8292): a P-256 key whose public half browsers
//! subscribe with, and the ES256 JWT each push request carries to prove it is ours.

use std::path::Path;

use anyhow::{Context, anyhow};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

/// How long a VAPID token is good for (RFC 8292 allows at most 24 hours).
const TOKEN_SECS: u64 = 12 * 3600;

pub struct VapidKey {
    pair: EcdsaKeyPair,
    /// The uncompressed public point, unpadded base64url.
    public: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// A new random key, as PKCS#8 DER (what [`VapidKey::from_pkcs8`] reads back).
    pub fn generate_pkcs8() -> anyhow::Result<Vec<u8>> {
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| anyhow!("cannot generate a VAPID key"))?;
        Ok(doc.as_ref().to_vec())
    }

    pub fn from_pkcs8(der: &[u8]) -> anyhow::Result<Self> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map_err(|e| anyhow!("not a P-256 private key in PKCS#8: {e}"))?;
        let public = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        Ok(VapidKey { pair, public })
    }

    /// A key written as text: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), or its DER in
    /// base64 or base64url. Errors never quote the text.
    pub fn from_text(text: &str) -> anyhow::Result<Self> {
        // Either alphabet, padded or not: read as standard base64 without padding.
        let b64: String = text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .flat_map(|l| l.chars())
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        let der = STANDARD_NO_PAD
            .decode(b64)
            .map_err(|_| anyhow!("the VAPID key is neither PEM nor base64"))?;
        Self::from_pkcs8(&der)
    }

    /// The key kept in `path` (base64url PKCS#8), made and written there (mode 0600) the
    /// first time.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(&text)
                .with_context(|| format!("the VAPID key in {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let der = Self::generate_pkcs8()?;
                write_private(path, &URL_SAFE_NO_PAD.encode(&der))
                    .with_context(|| format!("cannot write the VAPID key to {}", path.display()))?;
                Self::from_pkcs8(&der)
            }
            Err(e) => Err(anyhow::Error::new(e)
                .context(format!("cannot read the VAPID key in {}", path.display()))),
        }
    }

    /// The public key browsers pass as `applicationServerKey`.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header value for a push service at `audience` (its origin):
    /// `vapid t=<ES256 JWT>, k=<public key>`.
    pub fn authorization(
        &self,
        rng: &SystemRandom,
        audience: &str,
        subject: &str,
        now_secs: u64,
    ) -> anyhow::Result<String> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": now_secs + TOKEN_SECS,
            "sub": subject,
        });
        let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims)?);
        let input = format!("{header}.{claims}");
        let sig = self
            .pair
            .sign(rng, input.as_bytes())
            .map_err(|_| anyhow!("cannot sign the VAPID token"))?;
        Ok(format!(
            "vapid t={input}.{}, k={}",
            URL_SAFE_NO_PAD.encode(sig.as_ref()),
            self.public
        ))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
