//! The rules that read what a message is about beyond its words' likeness, on the demo
//! intents: a customer asking where their own purchase is in words the examples do not use,
//! thanks said as a closing, "order" meaning a sequence, and things customers wait for that
//! no shop sells. Each case names what the bag of words alone got wrong.

mod common;

use common::{check, demo};
use turno_nlu::{Classifier, IntentSet, Options};

/// Asked where their purchase is in words of their own, customers were turned down (the
/// likeness was low, or an out-of-scope example was nearer) or sent to the shipping policy.
#[test]
fn asking_where_ones_own_purchase_is_is_order_status() {
    check(
        &demo(),
        &[
            ("has my purchase shipped yet", Some("order_status")),
            ("has my parcel shipped", Some("order_status")),
            ("has my purchse shipped", Some("order_status")),
            ("when will i get my stuff", Some("order_status")),
            (
                "i bought a lamp from you and it hasn't arrived",
                Some("order_status"),
            ),
            (
                "i'm still waiting for the things i bought",
                Some("order_status"),
            ),
            ("my items haven't been delivered", Some("order_status")),
            (
                "the parcel i was expecting never turned up",
                Some("order_status"),
            ),
            ("my shipment seems to be stuck", Some("order_status")),
        ],
    );
}

/// The same shape about something else is not: another business's parcel, a return or a
/// refund of the purchase, buying something not bought yet.
#[test]
fn the_whereabouts_shape_leaves_other_requests_alone() {
    check(
        &demo(),
        &[
            ("my instacart delivery never came", None),
            ("has my ebay item shipped", None),
            ("where can i buy a cheap laptop", None),
            (
                "i want to return my order, it arrived damaged",
                Some("returns"),
            ),
        ],
    );
}

/// Only an intent marked `tracking` takes the shape's word for it.
#[test]
fn the_tracking_mark_is_what_reads_the_shape() {
    let yaml = |tracking: bool| {
        format!(
            r#"
intents:
  - name: order_status
    tracking: {tracking}
    examples:
      en: ["where is my order", "track my package", "order status"]
  - name: greeting
    small_talk: true
    examples:
      en: ["hi", "hello there"]
out_of_scope:
  en: ["when will it rain", "what time is it", "i am still waiting for the bus"]
"#
        )
    };
    let build = |tracking| {
        let set = IntentSet::from_yaml(&yaml(tracking)).expect("valid yaml");
        Classifier::new(&set, Options::default()).expect("valid set")
    };
    // Nearer the out-of-scope "still waiting for the bus" than any example of its own.
    let text = "my package still hasn't come, i'm waiting";
    assert_eq!(build(false).classify(text).intent, None);
    assert_eq!(
        build(true).classify(text).intent.as_deref(),
        Some("order_status")
    );
}

/// A bank card, a cheque, the post: waited for like a parcel, but no shop sold them.
#[test]
fn what_no_shop_sells_is_not_an_order() {
    check(
        &demo(),
        &[
            ("when will my check arrive", None),
            ("has my check cleared yet", None),
            ("my credit card hasn't arrived yet", None),
            ("how do i order a new checkbook", None),
            ("my mail hasn't come today", None),
            ("my order hasn't come yet", Some("order_status")),
        ],
    );
}

/// "Order" as a sequence or a state was read as a purchase.
#[test]
fn order_as_a_sequence_is_no_purchase() {
    check(
        &demo(),
        &[
            ("what is the order of the days of the week", None),
            ("what order do the planets go in", None),
            ("sort these numbers in ascending order", None),
            ("in order to bake bread what do i need", None),
            ("the printer is out of order", None),
            ("what is the birth order theory", None),
            // a purchase stays one
            ("what is the status of my order", Some("order_status")),
            (
                "which order number is mine, where is it",
                Some("order_status"),
            ),
            (
                "my order of three shirts hasn't arrived",
                Some("order_status"),
            ),
        ],
    );
}

/// Thanks said as a closing had too few of the examples' words to reach the threshold.
#[test]
fn a_closing_that_thanks_is_thanks() {
    check(
        &demo(),
        &[
            ("ok perfect, that's all", Some("thanks")),
            ("great that's all i wanted, bye", Some("thanks")),
            ("cheers, that sorted it", Some("thanks")),
            ("you've been a massive help", Some("thanks")),
            ("grateful for your help", Some("thanks")),
            ("tx", Some("thanks")),
            // a bare goodbye, or a closing word in a question, is not
            ("bye", None),
            ("is that all there is to life", None),
            ("it's all good, what's the weather like", None),
        ],
    );
}
