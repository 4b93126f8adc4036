//! Offline NLU for turno's level-1 bot: the language, the intent and the frustration of a
//! customer's WhatsApp message, in Spanish, English and Portuguese. No model download, no
//! network: everything is built from the business's own example phrases ([`IntentSet`], a
//! YAML file) and small lexicons compiled into the crate.
//!
//! ```
//! use turno_nlu::{Classifier, IntentSet, Lang, Options};
//!
//! let set = IntentSet::from_yaml(r#"
//! intents:
//!   - name: order_status
//!     examples:
//!       es: ["dónde está mi pedido", "rastrear mi paquete"]
//!       en: ["where is my order", "track my package"]
//!   - name: store_hours
//!     examples:
//!       es: ["a qué hora abren", "horario de la tienda"]
//!       en: ["what time do you open", "opening hours"]
//! "#)?;
//! let classifier = Classifier::new(&set, Options::default())?;
//! let c = classifier.classify("DONDE ESTA MI PEDIO???");
//! assert_eq!(c.intent.as_deref(), Some("order_status"));
//! assert_eq!(c.lang, Some(Lang::Es));
//! assert_eq!(classifier.classify("cuéntame un chiste").intent, None);
//! # Ok::<(), turno_nlu::NluError>(())
//! ```
//!
//! # Design
//!
//! Few examples per intent, three languages, chat spelling, and off-topic messages that
//! must be turned down: a model that needs no training and degrades gracefully.
//!
//! - **Normalisation** ([`normalise`]): case, accents, punctuation, letters stretched three
//!   times or more, chat shorthand (`q`, `xq`, `vc`, `pls`, `tmb`...).
//! - **Features**: per word, its Snowball stem in each language it was written in (so
//!   `devolver`/`devolvió`, `cancel`/`cancelar`, `refund`/`refunds` meet) plus character
//!   4-grams at a smaller weight (misspellings and unseen forms still overlap). A feature's
//!   weight is how concentrated it is on one intent (relative frequency per intent,
//!   smoothed; function words discounted), a keyword boost learnt from the examples.
//! - **Unknown words**: looked up with doubled letters removed, then by edit distance
//!   (≤ 1 from 5 letters, ≤ 2 from 8, transpositions count one) against the vocabulary and
//!   against the stems; what stays unknown adds weight to the message that matches nothing,
//!   which is what makes off-topic messages score low.
//! - **Score**: for each intent, cosine similarity to its centroid blended with the cosine
//!   to its nearest example (centroids generalise, nearest examples keep short and unusual
//!   phrasings). The best intent wins if it reaches the threshold, leads the runner-up by the
//!   margin, and the message is not closer to one of the optional out-of-scope examples.
//!   A word only out-of-scope examples use dilutes the message as an unknown word does (and
//!   weighs as if that class were an intent's size), so every new out-of-scope example helps;
//!   an intent marked `strict` (store hours) is also turned down when a content word shares
//!   no stem with its examples ("is the museum open"), and a `handoff` intent needs an
//!   explicit request for a person at the business ([`asks_for_person`]: not "my manager",
//!   not "who was the first person to...") as well as the likeness any intent needs.
//! - **Shape**: likeness cannot tell "track my ups package" from "track my package", so the
//!   message's shape is read too. Small talk made only of greeting words ("hello, how is it
//!   going") is a greeting (an intent marked `small_talk`); a greeting or thanks in front of
//!   a request is judged by the request, and is out of scope when the request is ("hi, can
//!   you tell me a joke"); a question about the world ("who invented...", "how many...") or
//!   a command to a device ("set an alarm", "close all tabs") counts only with the shop's
//!   own words in it; a request for a translation never does; and an intent marked `ours`
//!   (orders, refunds, hours) is turned down when another business, service or thing is the
//!   subject and the shop is not spoken to ("cancel my netflix", "my pizza delivery").
//!   "Order" as a sequence or a state ("the order of the planets", "in what order", "out of
//!   order") is read as a sequence, not a purchase. An intent marked `tracking` (order
//!   status) takes any message that names the customer's own purchase ("my stuff", "the
//!   things i bought", typos included) and asks whether it shipped or arrived, and asks
//!   nothing else about it ("has my stuff shipped yet"); not what no shop sells ("when will
//!   my new card arrive"). Thanks said as a closing ("that's all i needed", "cheers, that
//!   sorted it") is thanks.
//! - **Language** ([`detect_language`]): letters of one language, a weighted lexicon of
//!   frequent words, spelling patterns; the classifier adds the languages of the example
//!   words it recognised.
//! - **Frustration** ([`frustration`]): evidence from lexicons of wording, insults, threats,
//!   profanity, repetition and waiting, plus capitals and `!!!`, summed against a threshold.
//!
//! Why not embeddings or a trained model: they need downloads, do not fit the latency
//! budget on a Lambda, and cannot be fixed by a business editing a YAML file. Why not only
//! keywords: they break on typos, morphology and new phrasings, and cannot say "not sure".
//!
//! [`eval`] measures all this against labelled files; the `nlu-eval` binary prints it.

mod classifier;
mod error;
pub mod eval;
mod frustration;
mod fuzzy;
mod intents;
mod lang;
mod normalise;

pub use classifier::{Classification, Classifier, Options, asks_for_person};
pub use error::NluError;
pub use frustration::{FRUSTRATED_AT, Frustration, frustration};
pub use intents::{Examples, Intent, IntentSet};
pub use lang::{Lang, detect_language};
pub use normalise::normalise;
