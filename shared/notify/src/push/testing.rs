//! A pretend browser for tests: its own P-256 key and auth secret to subscribe with, opening
//! the messages pushed to it, and checking the VAPID token that came with them. It derives
//! the keys with its own HKDF (HMAC-SHA-256), not the sender's.

use anyhow::{Context, anyhow, ensure};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use sha2::Sha256;

pub struct TestBrowser {
    secret: p256::SecretKey,
    public: Vec<u8>,
    auth: [u8; 16],
}

impl std::fmt::Debug for TestBrowser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestBrowser").finish_non_exhaustive()
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> anyhow::Result<Vec<u8>> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|e| anyhow!("{e}"))?;
    for p in parts {
        m.update(p);
    }
    Ok(m.finalize().into_bytes().to_vec())
}

/// HKDF-SHA-256 for one output block (RFC 5869 with at most 32 bytes out).
fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], len: usize) -> anyhow::Result<Vec<u8>> {
    let prk = hmac(salt, &[ikm])?;
    let mut okm = hmac(&prk, &[info, &[1]])?;
    okm.truncate(len);
    Ok(okm)
}

impl TestBrowser {
    /// A browser with a fresh key; `seed` makes its auth secret.
    pub fn new(seed: u8) -> Self {
        use ring::rand::SecureRandom;
        let rng = ring::rand::SystemRandom::new();
        let secret = loop {
            let mut bytes = [0u8; 32];
            if rng.fill(&mut bytes).is_ok()
                && let Ok(key) = p256::SecretKey::from_slice(&bytes)
            {
                break key;
            }
        };
        let public = secret
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        TestBrowser {
            secret,
            public,
            auth: [seed; 16],
        }
    }

    /// The `keys` of its `PushSubscription`: (`p256dh`, `auth`), unpadded base64url.
    pub fn keys(&self) -> (String, String) {
        (
            URL_SAFE_NO_PAD.encode(&self.public),
            URL_SAFE_NO_PAD.encode(self.auth),
        )
    }

    /// Opens an `aes128gcm` push body (RFC 8291) sent to this browser.
    pub fn decrypt(&self, body: &[u8]) -> anyhow::Result<Vec<u8>> {
        ensure!(body.len() > 21, "push body shorter than its header");
        let (salt, rest) = body.split_at(16);
        let (_record_size, rest) = rest.split_at(4);
        let id_len = usize::from(rest[0]);
        ensure!(
            id_len == 65 && rest.len() > 1 + id_len,
            "key id is not a P-256 point"
        );
        let (as_public, ciphertext) = rest[1..].split_at(id_len);
        let sender = p256::PublicKey::from_sec1_bytes(as_public).context("sender key")?;
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut key_info = b"WebPush: info\0".to_vec();
        key_info.extend_from_slice(&self.public);
        key_info.extend_from_slice(as_public);
        let ikm = hkdf(&self.auth, shared.raw_secret_bytes(), &key_info, 32)?;
        let cek = hkdf(salt, &ikm, b"Content-Encoding: aes128gcm\0", 16)?;
        let nonce = hkdf(salt, &ikm, b"Content-Encoding: nonce\0", 12)?;
        let key =
            LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| anyhow!("cek"))?);
        let nonce = Nonce::try_assume_unique_for_key(&nonce).map_err(|_| anyhow!("nonce"))?;
        let mut buf = ciphertext.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::empty(), &mut buf)
            .map_err(|_| anyhow!("the push record does not open with this browser's keys"))?;
        // The last record: its content, then the delimiter 2, then zero padding.
        let end = plain
            .iter()
            .rposition(|b| *b != 0)
            .context("record without a delimiter")?;
        ensure!(plain[end] == 2, "not the last record's delimiter");
        Ok(plain[..end].to_vec())
    }
}

/// Checks a `vapid t=…, k=…` header: the token verifies (ES256) against `k`, `k` is
/// `public_key`, and its audience is `audience`. Returns the token's claims.
pub fn verify_vapid(
    authorization: &str,
    public_key: &str,
    audience: &str,
) -> anyhow::Result<serde_json::Value> {
    let rest = authorization
        .strip_prefix("vapid ")
        .context("not a vapid authorization")?;
    let mut token = None;
    let mut k = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            token = Some(t);
        } else if let Some(v) = part.strip_prefix("k=") {
            k = Some(v);
        }
    }
    let (token, k) = (token.context("no t=")?, k.context("no k=")?);
    ensure!(k == public_key, "k= is not the deployment's public key");
    let point = URL_SAFE_NO_PAD.decode(k)?;
    ensure!(
        point.len() == 65 && point[0] == 4,
        "k= is not an uncompressed point"
    );
    let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
    let y = URL_SAFE_NO_PAD.encode(&point[33..]);
    let key = jsonwebtoken::DecodingKey::from_ec_components(&x, &y)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)?;
    Ok(data.claims)
}
