//! A request to be handed over to the business's own people without a person's word: "put
//! me through to support", "transfer me to customer service", "get me the help desk", "can
//! i be transferred to an operator", "could somebody from the store call me". The desk asked
//! for is the business's own (not "my manager", not "comcast support").

/// Verbs of handing over; "put" and "patch" only with "through" after them.
const HAND_OVER: &[&str] = &[
    "transfer",
    "transferred",
    "connect",
    "connected",
    "forward",
    "redirect",
    "escalate",
];
const THROUGH: &[&str] = &["put", "patch", "pass"];
/// "get me ...", "give me ...": asking to be given the desk itself.
const GIVE: &[&str] = &["get", "give"];
/// Who is handed over, and the words before a hand-over said of them ("can i be
/// transferred", "get connected").
const ME: &[&str] = &["me", "us"];
const BE: &[&str] = &["be", "get", "being"];

/// The desks of a business a customer asks for by name: a hand-over to one of them, and a
/// "get me" one of them, asks for a person at the business.
const BUSINESS_DESK: &[&str] = &[
    "support",
    "service",
    "desk",
    "helpdesk",
    "representative",
    "rep",
    "operator",
    "agent",
    "human",
    "manager",
    "supervisor",
    "care",
    "advisor",
];

/// People a customer can also be handed to ("transfer me to someone", "put me through to
/// the team"), but whom a "get me" alone does not make the business's ("get me someone to
/// fix the sink").
const ANY_PEOPLE: &[&str] = &[
    "person",
    "someone",
    "somebody",
    "team",
    "staff",
    "associate",
    "department",
];

/// Owners before a desk that make it the customer's own or someone else's.
const OWNER: &[&str] = &["my", "his", "her", "their", "our"];

/// How many tokens after the hand-over the desk may come.
const WINDOW: usize = 6;

/// Someone "from" or "at" the business: "could somebody from the store call me", "is
/// there anyone at the shop i can talk to".
const SOMEONE: &[&str] = &["someone", "somebody", "anyone", "anybody"];
const FROM: &[&str] = &["from", "at", "in", "on"];
const THE_BUSINESS: &[&str] = &["store", "shop", "company", "your", "you", "team"];
/// Verbs that ask for that someone's time.
const REACH: &[&str] = &[
    "talk", "speak", "chat", "contact", "call", "reach", "phone", "email", "help",
];

/// Whether the message asks to be handed over to the business's people, or for someone of
/// the business to talk to.
pub(in crate::classifier) fn asks_to_be_put_through(tokens: &[&str]) -> bool {
    someone_at_the_business(tokens) || handed_over(tokens)
}

fn someone_at_the_business(tokens: &[&str]) -> bool {
    let someone_there = tokens.iter().enumerate().any(|(i, t)| {
        SOMEONE.contains(t)
            && tokens.get(i + 1).is_some_and(|f| FROM.contains(f))
            && tokens
                .get(i + 2..(i + 4).min(tokens.len()))
                .is_some_and(|w| w.iter().any(|b| THE_BUSINESS.contains(b)))
    });
    someone_there && tokens.iter().any(|t| REACH.contains(t))
}

fn handed_over(tokens: &[&str]) -> bool {
    tokens.iter().enumerate().any(|(i, t)| {
        // The customer is the one handed over: "transfer me", "put us through", "can i be
        // transferred", "get connected"; not "forward this email to the support team".
        let me_next = tokens.get(i + 1).is_some_and(|n| ME.contains(n));
        let passive = i
            .checked_sub(1)
            .and_then(|j| tokens.get(j))
            .is_some_and(|p| BE.contains(p));
        let through = tokens.get(i + 1..).is_some_and(|r| r.contains(&"through"));
        let cue = (HAND_OVER.contains(t) && (me_next || passive))
            || (THROUGH.contains(t) && me_next && through);
        // "get me customer service", "give me an agent"; not "get me someone to fix the sink".
        let given = GIVE.contains(t) && me_next;
        (cue && desk_after(tokens, i + 1, true)) || (given && desk_after(tokens, i + 2, false))
    })
}

/// Whether a business desk (or, with `any_people`, any of [`ANY_PEOPLE`]), not the
/// customer's own, comes within [`WINDOW`] tokens from `start`.
fn desk_after(tokens: &[&str], start: usize, any_people: bool) -> bool {
    let end = (start + WINDOW).min(tokens.len());
    (start..end).any(|j| {
        let owned = j
            .checked_sub(1)
            .and_then(|k| tokens.get(k))
            .is_some_and(|b| OWNER.contains(b));
        let desk = tokens
            .get(j)
            .is_some_and(|t| BUSINESS_DESK.contains(t) || (any_people && ANY_PEOPLE.contains(t)));
        desk && !owned
    })
}
