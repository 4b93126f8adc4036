use tracing_subscriber::EnvFilter;

/// JSON logs on stdout, one object per line, for CloudWatch.
///
/// The level comes from `RUST_LOG`, else from the function's `ApplicationLogLevel`
/// (`AWS_LAMBDA_LOG_LEVEL`), else `info`. No timestamps (CloudWatch stamps every line) and no
/// ANSI colours. Each line carries the spans it was written in, so a record's `message_id`
/// appears on everything logged while processing it. Calling it again does nothing.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_from_env("AWS_LAMBDA_LOG_LEVEL"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // A second call finds a subscriber already installed; that one keeps working.
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(true)
        .with_target(false)
        .with_ansi(false)
        .without_time()
        .with_env_filter(filter)
        .try_init();
}
