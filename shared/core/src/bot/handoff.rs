//! The handoff summary: what an agent taking over a conversation needs to know without
//! reading the transcript, built from the ticket and the records of the bot's turns.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::bot::turn::{Effect, LookupOutcome, TurnRecord};
use crate::desk::ticket::{Ticket, VIP_TAG};
use crate::kernel::lang::Lang;

/// How the customer sounded over the bot's part of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Neutral,
    /// Some message carried a sign of frustration.
    Negative,
}

/// A look-up the bot made, with the slots it was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LookupSummary {
    pub action: String,
    pub outcome: LookupOutcome,
    pub slots: BTreeMap<String, String>,
}

/// The SLA clock that comes due first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaDue {
    pub clock: String,
    pub due_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandoffSummary {
    /// Why it came to a person: the ticket's reason codes, oldest first.
    pub reasons: Vec<String>,
    /// The conversation's language.
    pub language: Lang,
    /// What the customer asked, as the bot understood it, in order and each once
    /// (`menu:1`, `order_status`, `explicit_request`); greetings and messages not understood
    /// are left out.
    pub asked: Vec<String>,
    /// The answers the bot gave (what each answered turn was understood as).
    pub answered: Vec<String>,
    /// Every slot the customer gave, latest value per slot (the order number).
    pub slots: BTreeMap<String, String>,
    pub lookups: Vec<LookupSummary>,
    /// Messages the bot did not understand (or values the business did not know).
    pub failed_attempts: u32,
    pub sentiment: Sentiment,
    /// The signs of frustration found, each once.
    pub frustration: Vec<String>,
    /// How many of the customer's messages the bot handled.
    pub bot_turns: u32,
    pub tags: Vec<String>,
    pub vip: bool,
    pub sla_due: Option<SlaDue>,
}

/// What a turn's `understood_as` says the customer asked, if anything worth telling.
fn asked_of(understood_as: &str) -> Option<String> {
    let base = understood_as
        .strip_suffix("+out_of_hours")
        .unwrap_or(understood_as);
    match base {
        "" | "greeting" | "not_understood" => None,
        b if b.starts_with("flow:") => {
            let name = b.trim_start_matches("flow:");
            Some(name.split(':').next().unwrap_or(name).to_owned())
        }
        b if b.starts_with("intent:") => Some(b.trim_start_matches("intent:").to_owned()),
        b if b.starts_with("frustrated:") => Some("frustrated".into()),
        b => Some(b.to_owned()),
    }
}

fn is_failed(understood_as: &str) -> bool {
    understood_as.starts_with("not_understood") || understood_as.ends_with(":not_found")
}

fn is_answer(understood_as: &str) -> bool {
    understood_as.ends_with(":answered")
        || understood_as.starts_with("menu:")
        || understood_as.starts_with("intent:")
}

/// The summary of `ticket` from the records of its turns, oldest first, and the customer's
/// tags (configured and from the profile).
pub fn summarise(
    ticket: &Ticket,
    turns: &[TurnRecord],
    customer_tags: &[String],
) -> HandoffSummary {
    let mut s = HandoffSummary {
        reasons: ticket.reasons.clone(),
        language: ticket.language,
        asked: Vec::new(),
        answered: Vec::new(),
        slots: BTreeMap::new(),
        lookups: Vec::new(),
        failed_attempts: 0,
        sentiment: Sentiment::Neutral,
        frustration: Vec::new(),
        bot_turns: 0,
        tags: Vec::new(),
        vip: false,
        sla_due: None,
    };
    for (turn, bot) in turns.iter().filter_map(|t| t.bot.as_ref().map(|b| (t, b))) {
        let handed_off = turn
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Escalate { .. }));
        s.bot_turns += 1;
        s.language = bot.language;
        let u = bot.understood_as.as_str();
        if let Some(a) = asked_of(u)
            && !s.asked.contains(&a)
        {
            s.asked.push(a);
        }
        if is_answer(u) && !handed_off {
            s.answered.push(u.to_owned());
        }
        if is_failed(u) {
            s.failed_attempts += 1;
        }
        for (k, v) in &bot.slots {
            s.slots.insert(k.clone(), v.clone());
        }
        if let Some(l) = &bot.lookup {
            s.lookups.push(LookupSummary {
                action: l.action.clone(),
                outcome: l.outcome,
                slots: bot.slots.clone(),
            });
        }
        for f in &bot.frustration {
            if !s.frustration.contains(f) {
                s.frustration.push(f.clone());
            }
        }
    }
    if !s.frustration.is_empty() || ticket.reasons.iter().any(|r| r == "frustration") {
        s.sentiment = Sentiment::Negative;
    }
    for t in ticket.tags.iter().chain(customer_tags) {
        if !s.tags.contains(t) {
            s.tags.push(t.clone());
        }
    }
    s.vip = s.tags.iter().any(|t| t == VIP_TAG);
    s.sla_due = ticket
        .sla
        .clocks
        .iter()
        .filter(|(_, c)| c.met_at.is_none())
        .filter_map(|(k, c)| c.due_at.map(|d| (k, d)))
        .min_by_key(|(_, d)| *d)
        .map(|(k, d)| SlaDue {
            clock: k.code().to_owned(),
            due_at: d,
        });
    s
}

#[cfg(test)]
mod tests;
