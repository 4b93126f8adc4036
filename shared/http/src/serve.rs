//! Serving a router over HTTP/1.1, with the timeouts `axum::serve` leaves out.
//!
//! `axum::serve` gives hyper no timer, so a connection that has sent nothing since its last
//! response, or a client that sends a request a byte at a time, holds its buffers and its
//! task for as long as the peer keeps the socket open. Under load the count of such
//! connections only grows: every stall makes clients open more, and their pools keep them.
//! Here every wait for a request's headers (the first and each one after a response) and
//! every wait for the next part of its body ends after `idle_timeout`; a request being
//! answered or a response being streamed is not affected.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tracing::{debug, error};

/// How long a connection may wait for its next request's headers, or a request for the next
/// part of its body, before it is given up.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long accepting pauses after an error that is not one connection's (out of file
/// descriptors, say), so the loop does not spin while it lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(250);

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets every
/// open connection finish the request it is answering, and returns once they have closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    idle_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    // A body that stalls fails its read, which the handler's extractor answers with a 4xx.
    let app = app.layer(RequestBodyTimeoutLayer::new(idle_timeout));
    // Dropping `stop_tx` tells every connection to finish; each holds a `done_rx` until it
    // has, so `done_tx.closed()` waits for the last one.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    error!(error = %e, "cannot accept connections; retrying");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are written whole; waiting to coalesce them only adds latency.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(idle_timeout)
                .serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            let ended = tokio::select! {
                ended = conn.as_mut() => ended,
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                debug!(error = %e, "connection ended");
            }
            drop(done);
        });
    }
    drop(listener);
    drop(stop_tx);
    drop(done_rx);
    done_tx.closed().await;
}

/// Errors that concern one connection only (the next accept may well succeed).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::routing::{get, post};
    use std::net::SocketAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::oneshot;
    use tokio::time::timeout;

    const IDLE: Duration = Duration::from_millis(300);
    /// Far longer than `IDLE`: a connection still open after it was never going to close.
    const PATIENCE: Duration = Duration::from_secs(10);

    async fn start() -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let app = Router::new()
            .route("/ok", get(|| async { "fine" }))
            .route(
                "/echo",
                post(|body: Bytes| async move { body.len().to_string() }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(IDLE * 3).await;
                    "slow but fine"
                }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, IDLE, async move {
            let _ = stopped.await;
        }));
        (addr, stop, server)
    }

    /// Sends a keep-alive GET and reads its response, which ends with `body`.
    async fn exchange(stream: &mut TcpStream, path: &str, body: &str) -> String {
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        while !out.ends_with(body.as_bytes()) {
            let n = timeout(PATIENCE, stream.read(&mut buf))
                .await
                .expect("a response in time")
                .expect("read");
            assert!(n > 0, "closed before the response ended: {out:?}");
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// A new connection that has sent `bytes` (a request cut short, say).
    async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(bytes).await.expect("write");
        stream
    }

    /// Whether the server closes `stream` (an end of file) within `PATIENCE`.
    async fn closed_by_server(stream: &mut TcpStream) -> bool {
        let mut buf = [0u8; 1024];
        matches!(
            timeout(PATIENCE, stream.read(&mut buf)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    #[tokio::test]
    async fn a_connection_idle_after_its_response_is_closed_after_the_idle_timeout() {
        let (addr, _stop, _server) = start().await;
        let mut stream = TcpStream::connect(addr).await.expect("connect");

        let first = exchange(&mut stream, "/ok", "fine").await;
        assert!(first.starts_with("HTTP/1.1 200"), "{first}");
        // Kept alive: a second request on the same connection is answered.
        let second = exchange(&mut stream, "/ok", "fine").await;
        assert!(second.starts_with("HTTP/1.1 200"), "{second}");

        assert!(
            closed_by_server(&mut stream).await,
            "the idle connection stays open"
        );
    }

    #[tokio::test]
    async fn headers_sent_too_slowly_close_the_connection() {
        let (addr, _stop, _server) = start().await;
        let mut stream = send_raw(addr, b"GET /ok HTTP/1.1\r\nHo").await;

        assert!(
            closed_by_server(&mut stream).await,
            "a half-sent request holds the connection"
        );
    }

    #[tokio::test]
    async fn a_body_that_stalls_is_answered_with_an_error_instead_of_waited_for() {
        let (addr, _stop, _server) = start().await;
        let request =
            b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789";
        let mut stream = send_raw(addr, request).await;

        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        while !out.windows(4).any(|w| w == b"\r\n\r\n") {
            match timeout(PATIENCE, stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => out.extend_from_slice(&buf[..n]),
                other => panic!("no response to a stalled body: {other:?}, {out:?}"),
            }
        }
        let response = String::from_utf8_lossy(&out);
        assert!(response.starts_with("HTTP/1.1 4"), "{response}");
    }

    #[tokio::test]
    async fn a_request_answered_slower_than_the_idle_timeout_still_gets_its_response() {
        let (addr, _stop, _server) = start().await;
        let mut stream = TcpStream::connect(addr).await.expect("connect");

        let slow = exchange(&mut stream, "/slow", "slow but fine").await;

        assert!(slow.starts_with("HTTP/1.1 200"), "{slow}");
    }

    #[tokio::test]
    async fn shutdown_lets_the_request_in_progress_finish_then_stops_accepting() {
        let (addr, stop, server) = start().await;
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let in_progress = tokio::spawn(async move {
            let response = exchange(&mut stream, "/slow", "slow but fine").await;
            (response, closed_by_server(&mut stream).await)
        });
        tokio::time::sleep(IDLE / 3).await;

        stop.send(()).expect("the server is running");
        timeout(PATIENCE, server)
            .await
            .expect("the server returns once its connections end")
            .expect("no panic");

        let (response, closed) = in_progress.await.expect("no panic");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(closed, "the connection is closed after its last response");
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "nothing accepts connections after the shutdown"
        );
    }
}
