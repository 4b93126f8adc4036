use std::str::FromStr;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// JSON logs on stdout, one object per line, for CloudWatch.
///
/// The level comes from `RUST_LOG` (`info`, or `warn,turno_core=debug`), else from the
/// function's `ApplicationLogLevel` (`AWS_LAMBDA_LOG_LEVEL`), else `info`. No timestamps
/// (CloudWatch stamps every line) and no ANSI colours. Each line carries the spans it was
/// written in, so a record's `message_id` appears on everything logged while processing it.
/// Calling it again does nothing.
pub fn init_tracing() {
    let filter = level_filter(
        std::env::var("RUST_LOG").ok().as_deref(),
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
    );
    let format = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(true)
        .with_target(false)
        .with_ansi(false)
        .without_time();
    // A second call finds a subscriber already installed; that one keeps working.
    let _ = tracing_subscriber::registry()
        .with(format)
        .with(filter)
        .try_init();
}

/// Per-target levels without regular expressions: the functions' binaries stay small.
/// Lambda's `FATAL` is `error` here; anything unreadable falls back to the next source.
fn level_filter(rust_log: Option<&str>, lambda_level: Option<&str>) -> Targets {
    let parse = |raw: &str| {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("fatal") {
            return Some(Targets::new().with_default(LevelFilter::ERROR));
        }
        (!raw.is_empty())
            .then(|| Targets::from_str(raw).ok())
            .flatten()
    };
    rust_log
        .and_then(parse)
        .or_else(|| lambda_level.and_then(parse))
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn lambda_application_log_level_sets_the_default_level() {
        let filter = level_filter(None, Some("WARN"));

        assert!(filter.would_enable("turno_core", &Level::WARN));
        assert!(!filter.would_enable("turno_core", &Level::INFO));
    }

    #[test]
    fn rust_log_wins_and_may_name_targets() {
        let filter = level_filter(Some("warn,turno_core=debug"), Some("ERROR"));

        assert!(filter.would_enable("turno_core::app", &Level::DEBUG));
        assert!(!filter.would_enable("aws_smithy_runtime", &Level::INFO));
        assert!(filter.would_enable("aws_smithy_runtime", &Level::WARN));
    }

    #[test]
    fn fatal_means_errors_only_and_nothing_readable_means_info() {
        let fatal = level_filter(None, Some("FATAL"));
        assert!(fatal.would_enable("turno_core", &Level::ERROR));
        assert!(!fatal.would_enable("turno_core", &Level::WARN));

        let fallback = level_filter(Some("no=such=level"), Some(""));
        assert!(fallback.would_enable("turno_core", &Level::INFO));
        assert!(!fallback.would_enable("turno_core", &Level::DEBUG));
    }
}
