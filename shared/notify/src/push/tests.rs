use jiff::Timestamp;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::testing::{TestBrowser, verify_vapid};
use super::*;

fn sender() -> PushSender {
    let key = VapidKey::from_pkcs8(&VapidKey::generate_pkcs8().unwrap()).unwrap();
    PushSender::new(key, "mailto:ops@turno.test")
        .unwrap()
        .with_backoff(Duration::from_millis(5))
}

fn subscription(browser: &TestBrowser, endpoint: String) -> PushSubscription {
    let (p256dh, auth) = browser.keys();
    PushSubscription {
        endpoint,
        p256dh,
        auth,
        created_at: Timestamp::UNIX_EPOCH,
    }
}

#[tokio::test]
async fn a_push_opens_with_the_browsers_keys_and_carries_a_verifiable_vapid_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/push/abc"))
        .and(header("content-encoding", "aes128gcm"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let browser = TestBrowser::new(7);
    let sender = sender();
    let sub = subscription(&browser, format!("{}/push/abc", server.uri()));
    let payload = br#"{"kind":"mention","workspace":"w","ticket":"T1"}"#;
    assert_eq!(sender.send(&sub, payload).await, Outcome::Delivered);

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(browser.decrypt(&request.body).unwrap(), payload);
    // Another browser's keys do not open it.
    assert!(TestBrowser::new(7).decrypt(&request.body).is_err());
    let authorization = request.headers["authorization"].to_str().unwrap();
    let claims = verify_vapid(authorization, sender.public_key(), &server.uri()).unwrap();
    assert_eq!(claims["sub"], "mailto:ops@turno.test");
    assert!(verify_vapid(authorization, sender.public_key(), "https://other.example").is_err());
    let other = VapidKey::from_pkcs8(&VapidKey::generate_pkcs8().unwrap()).unwrap();
    assert!(verify_vapid(authorization, other.public_key(), &server.uri()).is_err());
    assert_eq!(
        request.headers["ttl"].to_str().unwrap(),
        TTL_SECS.to_string()
    );
}

#[tokio::test]
async fn gone_subscriptions_are_told_apart_and_server_errors_are_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/gone"))
        .respond_with(ResponseTemplate::new(410))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/refused"))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    let browser = TestBrowser::new(1);
    let sender = sender();
    let at = |p: &str| subscription(&browser, format!("{}{p}", server.uri()));
    assert_eq!(sender.send(&at("/gone"), b"{}").await, Outcome::Gone);
    assert_eq!(sender.send(&at("/flaky"), b"{}").await, Outcome::Delivered);
    assert!(matches!(
        sender.send(&at("/refused"), b"{}").await,
        Outcome::Failed(_)
    ));
}

#[test]
fn a_vapid_key_is_kept_in_its_file_and_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vapid.key");
    let first = VapidKey::load_or_create(&path).unwrap();
    let again = VapidKey::load_or_create(&path).unwrap();
    assert_eq!(first.public_key(), again.public_key());
    assert_eq!(first.public_key().len(), 87);
    assert!(VapidKey::from_text("not a key").is_err());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is readable by others");
    }
}

#[test]
fn a_pem_key_reads_like_its_base64() {
    use base64::engine::general_purpose::STANDARD;
    let der = VapidKey::generate_pkcs8().unwrap();
    let b64 = STANDARD.encode(&der);
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n");
    let a = VapidKey::from_text(&pem).unwrap();
    let b = VapidKey::from_text(&URL_SAFE_NO_PAD.encode(&der)).unwrap();
    assert_eq!(a.public_key(), b.public_key());
}
