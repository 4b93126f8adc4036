//! The `aes128gcm` content coding of a Web Push message (RFC 8291 over RFC 8188): an ECDH
//! agreement between a one-off key and the browser's `p256dh`, mixed with its `auth`
//! secret, keys one AES-128-GCM record that only that browser can open.

use anyhow::{Context, anyhow};
use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::rand::{SecureRandom, SystemRandom};

/// The record size written in the header: the whole message is one record, well under it.
const RECORD_SIZE: u32 = 4096;
/// A push service takes at least 4,096 bytes of body; header (86) and tag (16) come first.
pub const MAX_PLAINTEXT: usize = 3993;

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> anyhow::Result<()> {
    Salt::new(HKDF_SHA256, salt)
        .extract(ikm)
        .expand(&[info], Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| anyhow!("HKDF output length out of range"))
}

/// `payload` encrypted for the browser whose public key is `ua_public` (65 bytes,
/// uncompressed P-256) and whose authentication secret is `auth` (16 bytes): the body of the
/// push request, sent with `Content-Encoding: aes128gcm`.
pub fn encrypt(
    rng: &SystemRandom,
    ua_public: &[u8],
    auth: &[u8],
    payload: &[u8],
) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(payload.len() <= MAX_PLAINTEXT, "push payload too long");
    let private = EphemeralPrivateKey::generate(&ECDH_P256, rng)
        .map_err(|_| anyhow!("cannot generate an ECDH key"))?;
    let as_public = private
        .compute_public_key()
        .map_err(|_| anyhow!("cannot compute the ECDH public key"))?;
    let as_public = as_public.as_ref();
    let shared = agree_ephemeral(
        private,
        &UnparsedPublicKey::new(&ECDH_P256, ua_public),
        <[u8]>::to_vec,
    )
    .map_err(|_| anyhow!("the subscription's p256dh is not a P-256 public key"))?;
    // RFC 8291 §3.4: the input keying material, from the shared secret and the auth secret.
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    hkdf(auth, &shared, &key_info, &mut ikm)?;
    // RFC 8188 §2.2–2.3: the content encryption key and nonce, from a fresh salt.
    let mut salt = [0u8; 16];
    rng.fill(&mut salt)
        .map_err(|_| anyhow!("no randomness for the salt"))?;
    let mut cek = [0u8; 16];
    hkdf(&salt, &ikm, b"Content-Encoding: aes128gcm\0", &mut cek)?;
    let mut nonce = [0u8; 12];
    hkdf(&salt, &ikm, b"Content-Encoding: nonce\0", &mut nonce)?;
    let key = LessSafeKey::new(
        UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| anyhow!("bad content key length"))?,
    );
    // The last (only) record ends with the delimiter 2 and no padding.
    let mut record = Vec::with_capacity(payload.len() + 17);
    record.extend_from_slice(payload);
    record.push(2);
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::empty(),
        &mut record,
    )
    .map_err(|_| anyhow!("cannot seal the push record"))?;
    let id_len = u8::try_from(as_public.len()).context("ECDH public key too long")?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + as_public.len() + record.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(id_len);
    body.extend_from_slice(as_public);
    body.extend_from_slice(&record);
    Ok(body)
}
