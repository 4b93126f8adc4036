//! The shape of a message, read from its words before and beside their likeness to the
//! examples: a greeting or thanks in front of something else, small talk that is only a
//! greeting, a question about the world, a command to a phone or a speaker, another business
//! named as the subject. Likeness alone cannot tell "track my ups package" from "track my
//! package", nor "how is it going" from "how is the traffic going"; these rules can.
//!
//! Every function takes the normalised tokens of a message ([`crate::normalise`]).

mod business;
mod closing;
mod handover;
mod purchase;
mod sense;
mod words;

pub(super) use business::TO_THE_BUSINESS;
use business::{OTHER_BUSINESS, OUR_THINGS, SOMEONE_ELSE};
pub(super) use closing::is_closing;
pub(super) use handover::asks_to_be_put_through;
pub(super) use purchase::{asks_after_own_purchase, awaits_something_else};
pub(super) use sense::without_sequence_order;

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::normalise::squeeze;
use words::{
    COMMAND, COMMAND_BEFORE, LANGUAGE, OPENING, OPENING_PAIRS, POLITE, REQUEST_OPENER, SAY,
    SMALL_TALK, SMALL_TALK_ANCHOR, TELL_ME, WORLD_FIRST, WORLD_PAIRS,
};

/// The length of a greeting or thanks that opens the message (0 if none): its words, and a
/// name or "there" after them ("hi there", "thanks team").
pub(super) fn opening_len(tokens: &[&str]) -> usize {
    let mut i = 0;
    loop {
        let pair = tokens
            .get(i..i + 2)
            .is_some_and(|w| OPENING_PAIRS.iter().any(|p| p == w));
        if pair {
            i += 2;
        } else if tokens
            .get(i)
            .is_some_and(|t| OPENING.contains(t) && (i > 0 || *t != "there"))
        {
            i += 1;
        } else {
            return i;
        }
    }
}

/// Whether what follows an opening asks something of its own.
pub(super) fn is_request(rest: &[&str]) -> bool {
    // "have a nice day" closes a thanks; it asks nothing.
    let closing = rest.starts_with(&["have", "a"]) || rest.starts_with(&["have", "a", "nice"]);
    rest.len() >= 2 && !closing && rest.first().is_some_and(|t| REQUEST_OPENER.contains(t))
}

/// After "what is", the words that make it a greeting ("what's up", "what's happening").
const WHAT_IS: &[&str] = &[
    "up",
    "new",
    "good",
    "going",
    "happening",
    "cracking",
    "crackin",
    "popping",
    "poppin",
];

/// Whether the whole message is small talk that greets ("hello, how is it going", "hey
/// there, how are you doing", "what's up", "buenas, qué tal", "oi, tudo bem?"): every word is
/// one of small talk, and one of them greets.
pub(super) fn is_small_talk(tokens: &[&str]) -> bool {
    // "what is up", "what is new", "what is happening"; not "what is it", "what are you".
    let what_is = match tokens {
        ["what", rest @ ..] => Some(matches!(rest, ["is", x, ..] if WHAT_IS.contains(x))),
        _ => None,
    };
    !tokens.is_empty()
        && tokens.iter().all(|t| SMALL_TALK.contains(t))
        && (what_is == Some(true)
            || tokens.iter().any(|t| SMALL_TALK_ANCHOR.contains(t))
            || tokens.windows(2).any(|w| w == ["good", "day"]))
        && what_is != Some(false)
        // "how are you" is a greeting; "how is it" or "how" alone is not.
        && (tokens.len() > 1 || !matches!(tokens.first(), Some(&"how" | &"what" | &"up")))
        && !matches!(tokens, ["how", "is", "it"])
}

/// Whether a word is one of greeting, small talk or thanks: spelt as it is, it needs no
/// mending.
pub(super) fn is_social_word(token: &str) -> bool {
    social_word(token).is_some()
}

/// The word of greeting, small talk or thanks `token` is ("hey" for "hey").
pub(super) fn social_word(token: &str) -> Option<&'static str> {
    static SOCIAL: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SOCIAL
        .get_or_init(|| social_words().collect())
        .get(token)
        .copied()
}

/// The word of greeting, small talk or thanks whose double letters squeezed are `squeezed`
/// ("hello" for "helo"): a word of at least four letters with a double letter.
pub(super) fn social_word_squeezed(squeezed: &str) -> Option<&'static str> {
    social_words().find(|w| w.len() >= 4 && squeeze(w) != *w && squeeze(w) == squeezed)
}

fn social_words() -> impl Iterator<Item = &'static str> {
    SMALL_TALK
        .iter()
        .chain(OPENING)
        .chain(closing::CLOSING)
        .copied()
}

/// The share of the message's words that are words of small talk (1 for no words).
pub(super) fn small_talk_share(tokens: &[&str]) -> f32 {
    let small = tokens.iter().filter(|t| SMALL_TALK.contains(t)).count();
    match tokens.len() {
        0 => 1.0,
        n => small as f32 / n as f32,
    }
}

/// Whether the message asks about the world rather than about the customer's business with
/// the shop ("who was the first person to...", "how many continents are there", "what is
/// the capital of peru").
pub(super) fn asks_about_world(tokens: &[&str]) -> bool {
    let first = tokens.first().is_some_and(|t| WORLD_FIRST.contains(t))
        || tokens.starts_with(&["is", "it", "going", "to"]);
    let pair = tokens
        .get(..2)
        .is_some_and(|w| WORLD_PAIRS.iter().any(|p| p == w));
    first || pair
}

/// Whether the message asks for a translation: a verb of saying and a language's name. It
/// may name a greeting or thanks ("how do i say hello in french") without being one.
pub(super) fn asks_translation(tokens: &[&str]) -> bool {
    tokens.iter().any(|t| SAY.contains(t)) && tokens.iter().any(|t| LANGUAGE.contains(t))
}

/// Whether the message is a command to a phone, a speaker or a smart home ("set an alarm
/// for 6", "can you turn off the lights", "close all internet tabs", "call mom").
pub(super) fn is_device_command(tokens: &[&str]) -> bool {
    let start = tokens
        .iter()
        .position(|t| !POLITE.contains(t))
        .unwrap_or(tokens.len());
    let rest = tokens.get(start..).unwrap_or(&[]);
    let Some(verb) = rest.first() else {
        return false;
    };
    if COMMAND.contains(verb) {
        return true;
    }
    let next = rest.get(1);
    COMMAND_BEFORE.iter().any(|(v, after)| {
        v == verb
            && next.is_some_and(|n| after.contains(n))
            && (*v != "tell" || rest.get(2).is_some_and(|t| TELL_ME.contains(t)))
    })
}

/// Whether the message speaks to the business ("what are your hours", "can you tell me where
/// my order is" counts by "my order"): after any politeness in front, a word addressing the
/// shop or naming what customers order from it.
pub(super) fn speaks_to_us(tokens: &[&str]) -> bool {
    let start = tokens
        .iter()
        .position(|t| !POLITE.contains(t))
        .unwrap_or(tokens.len());
    tokens
        .get(start..)
        .unwrap_or(&[])
        .iter()
        .any(|t| TO_THE_BUSINESS.contains(t) || OUR_THINGS.contains(t))
}

/// Whether the message names another business, service or thing as what it is about
/// ("track my ups package", "where is my pizza delivery", "cancel my 3pm meeting"), or
/// someone else's purchase ("my friend's order"), without speaking to the shop itself.
pub(super) fn names_another_business(tokens: &[&str]) -> bool {
    // "can you check my walmart order": the "you" of politeness in front is no address to
    // the shop.
    let start = tokens
        .iter()
        .position(|t| !POLITE.contains(t))
        .unwrap_or(tokens.len());
    let someone_elses = tokens
        .windows(2)
        .any(|w| SOMEONE_ELSE.contains(&w[0]) && OUR_THINGS.contains(&w[1]));
    (someone_elses || tokens.iter().any(|t| OTHER_BUSINESS.contains(t)))
        && !tokens
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .any(|t| TO_THE_BUSINESS.contains(t))
}

#[cfg(test)]
mod tests;
