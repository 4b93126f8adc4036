//! Which sense a word of two senses has in a message. "Order" is what a customer buys ("where
//! is my order") and also a sequence or a state ("the order of the planets", "in what order
//! should i read them", "in alphabetical order", "out of order", "in order to"): read as a
//! purchase, the second kind passes for a question about the customer's order.

/// What the sequence sense of "order" is read as: a word no example uses, so the message
/// keeps its length (it still dilutes as an unknown word) without its purchase.
pub(in crate::classifier) const SEQUENCE: &str = "sequence";

/// Words before "order" that make it a sequence or a state ("alphabetical order", "the
/// right order", "birth order", "a court order", "working order").
const SEQUENCE_BEFORE: &[&str] = &[
    "alphabetical",
    "alphabetic",
    "chronological",
    "numerical",
    "numeric",
    "ascending",
    "descending",
    "reverse",
    "random",
    "right",
    "correct",
    "proper",
    "wrong",
    "same",
    "logical",
    "birth",
    "pecking",
    "word",
    "court",
    "restraining",
    "executive",
    "gag",
    "working",
    "world",
    "law",
    "religious",
    "monastic",
    "reading",
    "running",
    "batting",
    "sort",
    "sorting",
];

/// Words before "order ... of" that keep it a purchase ("my order of three shirts", "an
/// order of fries" is still someone's order).
const OWNER: &[&str] = &["my", "our", "your", "a", "an", "this", "that", "his", "her"];

/// Words after "what order" / "which order" that keep it a purchase ("what order number",
/// "which order is late").
const PURCHASE_AFTER: &[&str] = &[
    "number", "no", "id", "status", "is", "was", "did", "has", "have", "i", "you",
];

/// Whether the "order" at `i` is a sequence or a state rather than a purchase.
fn is_sequence(tokens: &[&str], i: usize) -> bool {
    let before = |k: usize| i.checked_sub(k).and_then(|j| tokens.get(j)).copied();
    let after = |k: usize| tokens.get(i + k).copied();
    let prev = before(1);
    // "order of the planets", "order of operations"; not "my order of shoes".
    if after(1) == Some("of") && !prev.is_some_and(|p| OWNER.contains(&p)) {
        return true;
    }
    // "in order to", "in order", "out of order", "put them in order".
    if prev == Some("in") || (prev == Some("of") && before(2) == Some("out")) {
        return true;
    }
    // "in what order", "what order do they go in", "which order should i read".
    if prev.is_some_and(|p| p == "what" || p == "which")
        && !after(1).is_some_and(|a| PURCHASE_AFTER.contains(&a))
    {
        return true;
    }
    prev.is_some_and(|p| SEQUENCE_BEFORE.contains(&p))
}

/// The normalised message with the sequence sense of "order" replaced by [`SEQUENCE`], or
/// `None` when there is none.
pub(in crate::classifier) fn without_sequence_order(normalised: &str) -> Option<String> {
    let tokens: Vec<&str> = normalised.split(' ').filter(|t| !t.is_empty()).collect();
    let mut changed = false;
    let out: Vec<&str> = tokens
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            if t == "order" && is_sequence(&tokens, i) {
                changed = true;
                SEQUENCE
            } else {
                t
            }
        })
        .collect();
    changed.then(|| out.join(" "))
}
