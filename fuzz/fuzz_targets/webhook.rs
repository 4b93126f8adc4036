//! The WhatsApp webhook's two checks on untrusted bytes: the `X-Hub-Signature-256` header
//! and the batch parser. Input: the header's value, a newline, then the body.

#![no_main]

use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use turno_whatsapp::webhook::{parse, verify_signature};

const SECRET: &[u8] = b"fuzz-app-secret";

fn signature_of(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let expected = signature_of(body);
    if let Ok(header) = std::str::from_utf8(header) {
        // Accepted only when it is the body's digest (hex in either case, padding trimmed):
        // anything else accepted would be a forgery.
        if verify_signature(SECRET, body, Some(header)).is_ok() {
            assert!(
                header.trim().eq_ignore_ascii_case(&expected),
                "accepted a signature that is not the body's: {header:?}"
            );
        }
    }
    assert_eq!(verify_signature(SECRET, body, Some(&expected)), Ok(()));
    assert!(verify_signature(b"", body, Some(&expected)).is_err());

    // Never a panic, whatever the bytes; and the same answer twice (no hidden state).
    let first = format!("{:?}", parse(body));
    assert_eq!(first, format!("{:?}", parse(body)));
});
