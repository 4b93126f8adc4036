//! A bot turn's replies, sent before the turn is committed, so the commit carries them (their
//! transcript entries, with the ids WhatsApp gave, and the record counting them done) and a
//! bot-handled message costs one write, not a commit and then a progress write.
//!
//! At least once, never lost: the turn's first read tells a first delivery from a redelivery
//! ([`turn_reads`](crate::ports::ConversationStore::turn_reads)); only a
//! message with no turn record gets its replies sent before the commit. A redelivery finishes
//! the recorded turn from where it stopped. The windows where a reply goes twice are the ones
//! a progress write after the sends had too: the process dies after a send and before the
//! commit (the redelivery decides again and sends again), or two deliveries of one message run
//! at once. A commit that loses an optimistic-concurrency race after the sends (the
//! conversation or ticket changed meanwhile) decides again; replies equal to the ones already
//! sent are not sent again, only a different decision's are. A send that fails stops the
//! sends; the turn is committed with what went out before it (and its timer and events go
//! out as usual), and the job then fails, so the redelivery resumes at that reply, as a
//! progress write let it. A reply the send refused for good is queued to the ticket-writer
//! before the commit (its append is idempotent by message id).

use super::{JobError, Turno};
use crate::bot::turn::{Effect, TurnRecord};
use crate::channel::message::{Outbound, TranscriptEntry};
use crate::kernel::ids::MessageId;
use crate::ports::Envelope;
use crate::ports::jobs::TranscriptWrite;

/// What the sends before a commit did.
#[derive(Default)]
pub(super) struct SentReplies {
    /// The replies sent (or refused), in order: what a retried attempt compares its decision
    /// with.
    pub replies: Vec<Outbound>,
    /// The transcript entries of the replies WhatsApp took, for the commit.
    pub entries: Vec<TranscriptEntry>,
    /// The entries of refused replies, recorded with their failed state by the ticket-writer
    /// (queued before the commit: the append is idempotent by message id).
    pub refused: Vec<Envelope>,
    /// The send that failed and stopped the sends, returned once the commit is written.
    pub failed: Option<JobError>,
}

impl SentReplies {
    /// Whether these sends carried out exactly the replies `record` decides.
    pub fn match_decision(&self, record: &TurnRecord) -> bool {
        self.failed.is_none() && leading_replies(record) == self.replies.iter().collect::<Vec<_>>()
    }
}

/// The replies right after a turn's committed `Record` effects, in order.
fn leading_replies(record: &TurnRecord) -> Vec<&Outbound> {
    record.effects[record.done.min(record.effects.len())..]
        .iter()
        .map_while(|e| match e {
            Effect::Reply { message } => Some(message),
            _ => None,
        })
        .collect()
}

impl Turno {
    /// Sends the replies that follow the decided turn's committed effects, stopping at the
    /// first send that fails. `record.done` moves past each reply sent (or refused).
    pub(super) async fn send_before_commit(&self, record: &mut TurnRecord) -> SentReplies {
        let mut out = SentReplies::default();
        while let Some(Effect::Reply { message }) = record.effects.get(record.done).cloned() {
            let index = record.done;
            let reply_id = MessageId::derived(&record.message_id, &format!("r{index}"));
            match self.send_reply(record, &reply_id, &message).await {
                Ok(sent) => {
                    for entry in sent {
                        if entry.delivery.is_some() {
                            out.refused
                                .push(TranscriptWrite::Append { entry }.envelope());
                        } else {
                            out.entries.push(entry);
                        }
                    }
                }
                Err(e) => {
                    out.failed = Some(e);
                    return out;
                }
            }
            out.replies.push(message);
            record.done = index + 1;
        }
        out
    }

    /// The replies an earlier attempt sent, counted done on the record of a new decision that
    /// sends the same ones.
    pub(super) fn reuse_sent(record: &mut TurnRecord, sent: &SentReplies) {
        record.done += sent.replies.len();
    }
}
