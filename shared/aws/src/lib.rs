//! The AWS adapters of turno's ports: [`DynamoStore`] (DynamoDB), [`SqsQueue`] and [`SqsDeadLetters`] (SQS),
//! [`EventBridgeBus`] (EventBridge), secrets from SSM Parameter Store, and the sign-in
//! directory [`CognitoDirectory`] (Cognito user pool, feature `cognito`). Item ↔ domain
//! conversion happens only here.
//!
//! # The table
//!
//! One table, single-table design, every key scoped by workspace (`WS#<ws>#…`). Each record
//! is stored *flattened*: its domain fields, as `serde_dynamo` writes them, are the item's
//! top-level attributes, next to the key attributes below. That keeps the fields the
//! conditions need (`version`, `load`, `capacity`, `done`) directly addressable, and the
//! domain type reads straight back from the item (it ignores the key attributes).
//!
//! | item | PK | SK | GSI attributes | notes |
//! |---|---|---|---|---|
//! | conversation | `WS#<ws>#CONV#<customer>` | `CONV` | — | versioned (`version`) |
//! | bot-held ticket writes | `WS#<ws>#CONV#<customer>` | `CONV#BOTWRITES` | — | `n`: the writes of the customer's tickets whose stored status is the bot's, moved with `ADD` in the ticket's transaction; read with the conversation, it vouches for the ticket the conversation keeps (`bot_ticket`) while it holds the count kept there (`store/conversations.rs`); expires with the ticket |
//! | ticket | `WS#<ws>#TICKET#<id>` | `TICKET` | GSI1 while queued, GSI2 while assigned, GSI3 while an SLA is due, GSI4, GSI6, GSI10 always, GSI5 unless the bot holds it, GSI9 unless the bot holds it unassigned, GSI7–GSI8 with a team, GSI11 with a name, GSI12 always | versioned; NULL values left out (a missing field reads as none) |
//! | transcript entry | `WS#<ws>#TICKET#<id>` | `ENTRY#<at>#<uuid v7>`; a bot reply's and a turn's own message's `ENTRY#<at>#<message id>` | — | in time, then insertion order, under its ticket; a reply the bot just sent is put under its id with no claim (its id is new), and so is the message a turn commits (its turn record claims the id), so writing either again lands on the same item; a turn's commit puts its own message and the replies it sent in one item (`customer`, `entries`: each entry beyond its partition and customer) under the first one's key, read back as if each had its own |
//! | message | `WS#<ws>#MSG#<message id>` | `MSG` | — | claims the message id for the transcript (`entry_sk`; not for a turn's own message or a bot reply) and holds its latest delivery state (`delivery_state`, `delivery_at`, `delivery_error`), set by one conditional update per status that names the states it advances from |
//! | turn record | `WS#<ws>#TURN#<message id>` | `TURN` | — | `expires_at` = commit + 30 days (TTL) |
//! | agent | `WS#<ws>#AGENTS` | `AGENT#<id>` | — | `load` counted atomically against `capacity` |
//! | record | `WS#<ws>#REC#<kind>` | `<key>` | GSI4 always | quick replies, customer profiles, quarantined webhook items, number changes: `body` (JSON), versioned (`version`); webhook items with no readable phone number are kept under the reserved workspace `_deployment` |
//! | rollup | `WS#<ws>#ROLLUP` | `<local day>#<dimension>` (`all`, `team#…`, `agent#…`, `channel#…`, `reason#…`), and `…~h` for its histogram buckets | — | the reports' counters, one number attribute each, moved with `ADD` in the transaction of the ticket write that counts them (a channel's, histogram buckets aside, on the day's `all` item as `channel#…|<counter>`: one item moves both); a report queries a day range |
//! | change | `WS#<ws>#CHANGES` | `<at, 20 digits>#<uuid v7>` (the cursor) | — | the console's change feed: `body` (JSON); `expires_at` = at + 24 h (TTL) |
//!
//! | index | PK | SK | holds | serves |
//! |---|---|---|---|---|
//! | GSI1 | `WS#<ws>#QUEUE#<team>` | `<255 - Ticket::queue_rank (priority, then VIP), 3 digits>#<queued at>#<id>` | queued tickets with a team | [`queued_tickets`](turno_core::ports::TicketStore::queued_tickets) |
//! | GSI2 | `WS#<ws>#AGENT#<agent>` | `<updated at>#<id>` | tickets with an assignee | an agent's tickets, [`list_tickets`](turno_core::ports::TicketStore::list_tickets) by assignee |
//! | GSI3 (keys only) | `SLA#<0..4>`, by a hash of the ticket id | `<sla due at>#<ws>#<id>` | tickets whose SLA clock runs | [`tickets_sla_due`](turno_core::ports::TicketStore::tickets_sla_due) across workspaces, every shard queried and merged |
//! | GSI4 | `WS#<ws>#TICKETS` | `<updated at>#<id>` | every ticket | [`list_tickets`](turno_core::ports::TicketStore::list_tickets); the console's "all" view |
//! | GSI4 (records) | `WS#<ws>#REC#<kind>` | `<written at, 20 digits>#<key>` ([`record_cursor`](turno_core::ports::records::record_cursor)) | every record | [`records_page`](turno_core::ports::RecordStore::records_page), most recently written first, a page per query |
//! | GSI5 | `WS#<ws>#S#<status>` | `<updated at>#<id>` | every ticket but the bot's (GSI6's bot group holds exactly those) | the view of one status (the bot's: GSI6) |
//! | GSI6 | `WS#<ws>#G#<open, bot or done>` | `<updated at>#<id>` | every ticket | the open, bot and done views |
//! | GSI7 | `WS#<ws>#T#<team>#S#<status>` | `<updated at>#<id>` | tickets with a team | a team's view of one status |
//! | GSI8 | `WS#<ws>#T#<team>#G#<group>` | `<updated at>#<id>` | tickets with a team | a team's views by group (all: the three merged) |
//! | GSI9 | `WS#<ws>#A#<agent or ->#G#<group>` | `<updated at>#<id>` | every ticket but the bot's unassigned ones | mine and unassigned, by group (one status: filtered inside the group; the bot's unassigned: GSI6's bot group, filtered by assignee) |
//! | GSI10 | `WS#<ws>#C#<customer>` | `<updated at>#<id>` | every ticket | a customer's tickets ([`customer_tickets`](turno_core::ports::TicketStore::customer_tickets)); search by number |
//! | GSI11 | `WS#<ws>#N#<first two letters of the name>` | `<updated at>#<id>` | tickets with a named customer (`name_key`) | search by name prefix (`begins_with(name_key)` filtered inside the two-letter partition) |
//! | GSI12 (keys and `team`) | `WS#<ws>#CREATED` | `<created at, ms>#<id>` | every ticket | [`tickets_created`](turno_core::ports::TicketStore::tickets_created), the conversation export, oldest first; the tickets are then read by key (`store/created.rs`) |
//!
//! The views (GSI5–GSI11) are described in `store/views.rs`; a page reads `limit + 1` items
//! from each partition it needs. Counters `WS#<ws>#COUNTS` / `<team or ->#<status>` (`n`)
//! move in the transaction that writes a ticket whose status or team changes.
//!
//! Times in keys are fixed-width nanoseconds since jiff's minimum timestamp, so they sort as
//! strings. A ticket is written whole (a conditional `PutItem`), so it leaves an index by not
//! carrying that index's attributes. Index reads are eventually consistent: a list may lag a
//! write by a moment, and a stale copy's `version` makes its next write conflict, never win.
//!
//! Writes: versioned records are put with `version = :read` (or `attribute_not_exists(PK)` for
//! version 0); `commit_turn` (which also puts, unclaimed, the turn's own message and the
//! replies the turn sent before it, and is read for with one `BatchGetItem` of the
//! conversation, the message's turn record and the count of bot-held ticket writes), `append_message`, `assign_ticket` and `release_ticket` are `TransactWriteItems`, whose condition failures map to `Conflict` (the versioned record) or
//! `AtCapacity` (`load < capacity` on the agent), and which are tried again when they lose to
//! a concurrent transaction (`TransactionConflict`).

#[cfg(feature = "sqs")]
mod dead_letters;
#[cfg(feature = "cognito")]
mod directory;
#[cfg(feature = "eventbridge")]
mod event_bus;
mod indexes;
#[cfg(feature = "sqs")]
mod queue;
mod sdk;
#[cfg(feature = "ssm")]
mod secrets;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "sqs")]
pub use dead_letters::{
    LIST_VISIBILITY_SECONDS, QueuePair, REDRIVE_MAX, SqsDeadLetters, dead_letter_url_var,
};
#[cfg(feature = "cognito")]
pub use directory::{CognitoDirectory, USER_POOL_ID_VAR, group_name};
#[cfg(feature = "eventbridge")]
pub use event_bus::{EventBridgeBus, SOURCE as EVENT_SOURCE};
pub use indexes::{INDEXES, Index, Projection, index_write_units};
#[cfg(feature = "sqs")]
pub use queue::{
    MAX_DELAY_SECONDS, MAX_VISIBILITY_SECONDS, SqsQueue, delay_seconds, queue_url_var, sqs_id,
};
pub use sdk::{
    Clients, ItemWrite, RequestCounter, item_size, load_sdk_config, request_index_write_units,
    request_write_units,
};
#[cfg(feature = "ssm")]
pub use secrets::{SsmSecrets, parameter};
pub use store::{
    AGENT_TICKETS_INDEX, ASSIGNEE_GROUP_INDEX, Applied, CREATED_INDEX, CUSTOMER_INDEX,
    CountsCatchUp, DynamoStore, EXPIRES_AT, GROUP_INDEX, NAME_INDEX, QUEUE_INDEX, ROLLUP_DELTAS,
    SLA_INDEX, SLA_SHARDS, STATUS_INDEX, StoppedAt, TEAM_GROUP_INDEX, TEAM_STATUS_INDEX, TURN_TTL,
    TicketChange, WORKSPACE_TICKETS_INDEX,
};
