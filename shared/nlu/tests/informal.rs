//! How people write when they chat, on the demo intents: stretched and slang greetings,
//! closings that thank without "thanks", the shop's words typed short, a hand-over to
//! support without a person's word, and the look-alikes of each that stay out of scope.

mod common;

use common::{check, demo};

#[test]
fn stretched_and_slang_greetings_are_greetings() {
    check(
        &demo(),
        &[
            ("heyy", Some("greeting")),
            ("hii friend", Some("greeting")),
            ("yoo", Some("greeting")),
            ("wazzup dude", Some("greeting")),
            ("sup bruh", Some("greeting")),
            ("gm team", Some("greeting")),
            ("hows it hanging", Some("greeting")),
            ("good day to you all", Some("greeting")),
            ("how goes it", Some("greeting")),
            ("hey what's happening", Some("greeting")),
            ("what is going on", Some("greeting")),
            ("what is happening with my order", Some("order_status")),
        ],
    );
}

#[test]
fn a_greeting_word_in_front_of_something_else_is_no_greeting() {
    check(
        &demo(),
        &[
            ("hello kitty backpack for school", None),
            ("hey jude was written by which beatle", None),
            ("hi fidelity speakers under 100 dollars", None),
        ],
    );
}

#[test]
fn closings_in_other_words_are_thanks_not_greetings() {
    check(
        &demo(),
        &[
            ("that is all for now", Some("thanks")),
            ("ok that's it", Some("thanks")),
            ("no that's it", Some("thanks")),
            ("that will be all", Some("thanks")),
            ("nothing else, cheers", Some("thanks")),
            ("thankss", Some("thanks")),
            ("tyy", Some("thanks")),
            ("i am so grateful for all the help", Some("thanks")),
            ("great, exactly what i needed", Some("thanks")),
            ("say thanks to my dad for me", None),
            ("that's it, i'm done with this phone", None),
        ],
    );
}

#[test]
fn the_shops_words_typed_short_are_still_read() {
    check(
        &demo(),
        &[
            ("where is my ordr", Some("order_status")),
            ("has my oder been sent", Some("order_status")),
            ("trak my parcel", Some("order_status")),
            ("wher is my purchase", Some("order_status")),
            ("the odor in my fridge", None),
            ("fish tank", None),
            ("the tank is almost empty", None),
        ],
    );
}

#[test]
fn a_hand_over_to_support_is_a_request_for_a_person() {
    check(
        &demo(),
        &[
            ("put me through to your support team", Some("human_agent")),
            ("transfer me to the help desk please", Some("human_agent")),
            ("get me customer service", Some("human_agent")),
            ("could i be transferred to an operator", Some("human_agent")),
            ("can somebody from your team call me", Some("human_agent")),
            ("is anyone at the shop around to chat", Some("human_agent")),
            ("is anyone at the beach today", None),
            ("transfer 200 to my savings account", None),
            ("connect me to my wifi", None),
            ("forward this email to my manager", None),
            ("forward this article to the support team", None),
        ],
    );
}

#[test]
fn another_business_after_politeness_is_still_another_business() {
    check(
        &demo(),
        &[
            ("could you track my fedex parcel", None),
            ("can you check my ebay order", None),
            ("can you check my order", Some("order_status")),
            ("my sister's parcel is late", None),
            ("has my neighbors package arrived", None),
        ],
    );
}
