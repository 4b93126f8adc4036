//! Ports: what the use cases need from the world, in domain types. The AWS adapters and the
//! embedded (SQLite) adapters implement each one, and one contract test suite runs on both.
//! Beside them, the jobs the queues carry, the domain events, and the records and change feed
//! the agent API keeps.

mod clock;
mod directory;
pub mod domain_events;
pub mod jobs;
pub mod metrics;
mod notify;
mod queue;
pub mod records;
mod secrets;
mod store;
mod whatsapp;

pub use clock::{Clock, SystemClock};
pub use directory::{Directory, NoDirectory};
pub use metrics::{Counter, Metrics, NoMetrics, Timing};
pub use notify::{EventBus, Notification, NotificationKind, Notifier};
pub use queue::{DeadLetterView, DeadLetters, Envelope, Queue, QueueError, QueueName};
pub use secrets::{
    CachedSecrets, LocalSecrets, NoSecrets, Secret, SecretCacheTtl, SecretError, SecretRef,
    SecretResolver, SecretSource,
};
pub use store::*;
pub use whatsapp::{MediaError, SendError, WhatsApp};
