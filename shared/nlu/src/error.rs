//! Errors of this crate.

/// Why an intent set or an evaluation file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NluError {
    /// The intent set is not valid YAML of the documented shape.
    #[error("intent set is not valid")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// The intent set has no intents.
    #[error("intent set has no intents")]
    NoIntents,
    /// An intent has an empty name, or a name used twice.
    #[error("intent name {0:?} is empty or used twice")]
    BadIntentName(String),
    /// An intent has no example in any language.
    #[error("intent {0:?} has no examples")]
    NoExamples(String),
    /// An example normalises to nothing (only punctuation or emoji).
    #[error("intent {intent:?} has an example with no words: {example:?}")]
    EmptyExample {
        /// The intent (or `out_of_scope`).
        intent: String,
        /// The example as written.
        example: String,
    },
    /// An option is out of its range.
    #[error("option {name} must be in {range}, got {value}")]
    BadOption {
        /// The option's name.
        name: &'static str,
        /// The accepted range, for the message.
        range: &'static str,
        /// The value given.
        value: f32,
    },
    /// A line of an evaluation file could not be read.
    #[error("{path}:{line}: {reason}")]
    BadEvalLine {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}
