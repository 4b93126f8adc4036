use super::*;

fn tokens(text: &str) -> Vec<String> {
    crate::normalise::normalise(text)
        .split(' ')
        .map(String::from)
        .collect()
}

fn with<T>(text: &str, f: impl Fn(&[&str]) -> T) -> T {
    let owned = tokens(text);
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    f(&refs)
}

#[test]
fn openings_are_measured_in_words() {
    assert_eq!(with("hi there, where is my order", opening_len), 2);
    assert_eq!(with("good morning! thank you", opening_len), 4);
    assert_eq!(with("there is a problem", opening_len), 0);
    assert_eq!(with("where is my order", opening_len), 0);
}

#[test]
fn only_a_request_after_an_opening_is_judged_alone() {
    assert!(with("can you tell me a joke", is_request));
    assert!(with("where is my order", is_request));
    assert!(!with("for your help", is_request));
    assert!(!with("por todo", is_request));
}

#[test]
fn small_talk_greets_only_when_nothing_else_is_said() {
    assert!(with("hello, how is it going", is_small_talk));
    assert!(with("what's up", is_small_talk));
    assert!(with("what's good", is_small_talk));
    assert!(with("oi, tudo bem?", is_small_talk));
    assert!(!with("how is it", is_small_talk));
    assert!(!with("what are you", is_small_talk));
    assert!(!with("how is the weather going", is_small_talk));
}

#[test]
fn world_questions_commands_and_translations_are_told_apart() {
    assert!(with("who invented the telephone", asks_about_world));
    assert!(with("how many people live in china", asks_about_world));
    assert!(!with("where is my order", asks_about_world));
    assert!(with("can you set an alarm", is_device_command));
    assert!(with("close all tabs", is_device_command));
    assert!(with("call mom", is_device_command));
    assert!(!with("close at 5?", is_device_command));
    assert!(!with("can you call me back", is_device_command));
    assert!(!with("tell me where my order is", is_device_command));
    assert!(with("how do i say thanks in german", asks_translation));
    assert!(!with("how do i say thanks", asks_translation));
}

#[test]
fn another_business_counts_unless_the_shop_is_spoken_to() {
    assert!(with("track my ups package", names_another_business));
    assert!(!with("did you send it with ups", names_another_business));
    assert!(!with("track my package", names_another_business));
    assert!(with("can you tell me where my order is", speaks_to_us));
    assert!(!with("can you set an alarm", speaks_to_us));
}

#[test]
fn order_as_a_sequence_is_rewritten_and_a_purchase_is_not() {
    let seq = |text: &str| without_sequence_order(&crate::normalise::normalise(text));
    assert_eq!(
        seq("what is the order of the planets").as_deref(),
        Some("what is the sequence of the planets")
    );
    assert!(seq("in what order should i read them").is_some());
    assert!(seq("put them in alphabetical order").is_some());
    assert!(seq("the lift is out of order").is_some());
    assert_eq!(seq("where is my order"), None);
    assert_eq!(seq("my order of two lamps"), None);
    assert_eq!(seq("what order number do i have"), None);
}

#[test]
fn a_purchase_of_ones_own_asked_after() {
    assert!(with("has my stuff shipped yet", asks_after_own_purchase));
    assert!(with(
        "i still havent recieved what i bought",
        asks_after_own_purchase
    ));
    assert!(with(
        "tracking info for my purchse",
        asks_after_own_purchase
    ));
    assert!(!with("where can i buy a laptop", asks_after_own_purchase));
    assert!(!with("i want to return my order", asks_after_own_purchase));
    assert!(!with(
        "when will the package arrive",
        asks_after_own_purchase
    ));
    assert!(with("when will my new card arrive", awaits_something_else));
    assert!(!with(
        "my card was charged twice for my order",
        awaits_something_else
    ));
}

#[test]
fn closings_thank_and_goodbyes_alone_do_not() {
    assert!(with("that's all i needed", is_closing));
    assert!(with("ok cool, that sorted it", is_closing));
    assert!(with("you were really helpful", is_closing));
    assert!(!with("bye", is_closing));
    assert!(!with("is that all", is_closing));
    assert!(!with("i need help", is_closing));
}

#[test]
fn one_edit_is_a_typo_and_two_are_not() {
    use super::purchase::within_one_edit as one;
    assert!(one(b"purchase", b"purchse"));
    assert!(one(b"shipped", b"shiped"));
    assert!(one(b"received", b"recieved"));
    assert!(one(b"parcel", b"parcle"));
    assert!(one(b"parcel", b"parcel"));
    assert!(one(b"arrive", b"arrivr"));
    assert!(!one(b"purchase", b"purchases_"));
    assert!(!one(b"parcel", b"pacrle"));
    assert!(!one(b"deliver", b"dealer"));
}
