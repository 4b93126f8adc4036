//! Classifying a message: its likeness to each intent's examples, then what its shape says
//! ([`super::structure`]): small talk that only greets, a greeting or thanks in front of
//! another request, a question about the world or a command to a device, another business
//! as the subject, and an explicit request for a person for an intent that hands off.

use rust_stemmers::Stemmer;

use super::features::{CENTROID_SHARE, Query};
use super::structure::{self, TO_THE_BUSINESS};
use super::threshold::asks_for_person;
use super::{Classification, Classifier};
use crate::lang::{self, Lang};
use crate::normalise::normalise;

/// The least share of its content words a question about the world or a command to a
/// device must share with the best intent's examples to count as that intent ("what's the
/// shipping fee to miami" does; "what is the capital of peru" does not).
const GROUNDED_SHARE: f32 = 0.5;

/// The least share of its words a message that is not small talk through and through must
/// have of small talk to be a greeting.
const GREETING_SHARE: f32 = 0.5;

/// The least confidence of a tracking intent for a message that asks after the customer's
/// own purchase ([`structure::asks_after_own_purchase`]): the shape says what it asks, the
/// likeness only has to agree that it is about the same things.
const TRACKING_FLOOR: f32 = 0.12;

/// What the likeness to the examples says of a message, before any rule.
pub(super) struct Likeness {
    lang: Option<Lang>,
    query: Query,
    /// Per class (the out-of-scope class last, if any), the blended score.
    pub(super) scores: Vec<f32>,
    /// Per class, the likeness to its nearest example (divided by the message's norm) and
    /// that example.
    nearest: Vec<(f32, u32)>,
}

impl Classifier {
    /// Classifies one customer message.
    pub fn classify(&self, text: &str) -> Classification {
        let normalised = normalise(text);
        // "heyy", "ordr": spellings the typo index does not mend.
        let normalised = self.respell(&normalised).unwrap_or(normalised);
        // "The order of the planets" is no purchase: that "order" is read as a sequence.
        let normalised = structure::without_sequence_order(&normalised).unwrap_or(normalised);
        self.classify_normalised(text, &normalised, true)
    }

    /// `whole`: the message as the customer wrote it, not the rest after an opening.
    fn classify_normalised(&self, raw: &str, normalised: &str, whole: bool) -> Classification {
        let tokens: Vec<&str> = tokens_of(normalised).collect();
        let Some(like) = self.likeness(raw, normalised, &tokens) else {
            return Classification {
                intent: None,
                confidence: 0.0,
                lang: lang::detect_language(raw),
                runner_up: None,
            };
        };
        let scores = &like.scores;
        let mut lang = like.lang;
        let name = |c: usize| self.intents[c].clone();
        let ranked_among = |keep: &dyn Fn(usize) -> bool| {
            let mut ranked: Vec<usize> = (0..self.intents.len()).filter(|&c| keep(c)).collect();
            ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
            ranked
        };
        let accept = |best: usize, second: Option<usize>, lang: Option<Lang>| Classification {
            intent: Some(name(best)),
            confidence: scores[best],
            lang,
            runner_up: second.map(|s| (name(s), scores[s])),
        };
        let reject = |best: usize, lang: Option<Lang>| Classification {
            intent: None,
            confidence: scores[best],
            lang,
            runner_up: Some((name(best), scores[best])),
        };

        // A handoff costs a person's time, so it needs more evidence than an answer: an
        // explicit request for a person, and the likeness to its examples that any intent
        // needs. With both it outranks the answers ("I want to talk to someone about my
        // refund"); without them a handoff intent takes no part (a "bank transfer" is not a
        // "transfer me to a human").
        let may_hand_off = self.handoff.iter().any(|h| *h)
            && !structure::asks_about_world(&tokens)
            && !structure::is_device_command(&tokens);
        let asks_person = may_hand_off && asks_for_person(raw);
        // "put me through to support", "transfer me to the help desk": a hand-over to the
        // business's own people is the request itself, whatever its likeness.
        let put_through = may_hand_off
            && structure::asks_to_be_put_through(&tokens)
            && !structure::names_another_business(&tokens);
        if asks_person || put_through {
            let handoffs = ranked_among(&|c| self.handoff[c]);
            if let Some(&h) = handoffs.first()
                && (scores[h] >= self.thresholds[h] || put_through)
            {
                let second = ranked_among(&|c| c != h).first().copied();
                return accept(h, second, lang);
            }
        }
        let ranked = ranked_among(&|c| !self.handoff[c]);
        let Some(&best) = ranked.first() else {
            return Classification {
                intent: None,
                confidence: 0.0,
                lang,
                runner_up: None,
            };
        };
        let second = ranked.get(1).copied();
        if lang.is_none() {
            let (_, e) = like.nearest[best];
            lang = self
                .example_lang
                .get(e as usize)
                .copied()
                .filter(|_| scores[best] > 0.0);
        }

        // Small talk that only greets is a greeting whatever its likeness says.
        if structure::is_small_talk(&tokens) {
            let social = ranked_among(&|c| self.small_talk[c]);
            if let Some(&s) = social.first() {
                return accept(s, ranked.iter().copied().find(|&c| c != s), lang);
            }
        }

        // Thanks in other words ("that's all i needed", "cheers, that sorted it", "that's
        // all for now"): the intent that thanks, not a greeting however alike.
        if structure::is_closing(&tokens) {
            let social = ranked_among(&|c| self.small_talk[c]);
            if let Some(s) = self.closing.or(social.first().copied()) {
                return accept(s, ranked.iter().copied().find(|&c| c != s), lang);
            }
        }

        // A greeting or thanks in front of a request or question: the request decides, and
        // one about something else leaves the whole message out of scope ("hi, can you tell
        // me a joke"). What merely goes on thanking ("thanks for getting back to me") does not.
        let opening = structure::opening_len(&tokens);
        if whole
            && opening > 0
            && let Some(rest) = tokens.get(opening..).filter(|r| structure::is_request(r))
        {
            let rest_text = rest.join(" ");
            let judged = self.classify_normalised(&rest_text, &rest_text, false);
            if judged.intent.is_some() {
                return Classification {
                    lang: lang.or(judged.lang),
                    ..judged
                };
            }
            if !structure::speaks_to_us(rest) {
                return reject(best, lang);
            }
        }

        // Where the customer's own purchase is, in whatever words ("has my stuff shipped
        // yet", "i still haven't received what i bought"), unless another business's.
        if let Some(&t) = ranked_among(&|c| self.tracking[c]).first()
            && scores[t] >= TRACKING_FLOOR
            && structure::asks_after_own_purchase(&tokens)
            && !structure::names_another_business(&tokens)
            && !structure::awaits_something_else(&tokens)
            && !structure::asks_translation(&tokens)
        {
            return accept(t, ranked.iter().copied().find(|&c| c != t), lang);
        }

        let confidence = scores[best];
        // Compared nearest example to nearest example: out of scope wins when the message is
        // closer to an out-of-scope example than to any example of the best intent.
        let out_of_scope = scores.get(self.intents.len()).copied().unwrap_or(0.0);
        let nearest_ok = like.nearest[best].0 >= out_of_scope;
        let lead = confidence - second.map_or(0.0, |s| scores[s]);
        // A strict intent is about the business itself: a message that names something the
        // examples never do ("is the museum open") is about that, not about the store.
        // A message that speaks to the business ("what are your opening hours") is about it
        // whatever else it says.
        let speaks_to_business = tokens.iter().any(|t| TO_THE_BUSINESS.contains(t));
        let subject_ok =
            !self.strict[best] || speaks_to_business || self.all_words_known_to(&like.query, best);
        // A question about the world counts only when it speaks to the shop or shares most
        // of its words with the intent's examples; a command to a device, or a question
        // taken for small talk, only when it shares them all. A request for a translation is
        // never one (it names a greeting or thanks in passing).
        let world = structure::asks_about_world(&tokens);
        let command = structure::is_device_command(&tokens);
        let known = self.share_of_words_known_to(&like.query, best);
        let grounded = !structure::asks_translation(&tokens)
            && (structure::speaks_to_us(&tokens)
                || match (world, command) {
                    (false, false) => true,
                    _ if command || self.small_talk[best] => known >= 1.0,
                    _ => known >= GROUNDED_SHARE,
                });
        // An intent about the customer's business with the shop: not when another business
        // is the subject.
        let ours_ok = !self.ours[best] || !structure::names_another_business(&tokens);
        // Where a purchase is: not a bank card, a cheque or the post ("when will my new card
        // arrive"), however alike the words.
        let awaited_ok = !self.tracking[best] || !structure::awaits_something_else(&tokens);
        // A greeting word in front of words of something else ("hey jude is my favourite
        // song", "hello kitty merchandise") is a greeting only when most words are small talk.
        let greets_ok = !self.small_talk[best]
            || self.closing == Some(best)
            || opening == 0
            || structure::small_talk_share(&tokens) >= GREETING_SHARE;
        let accepted = confidence >= self.thresholds[best]
            && greets_ok
            && nearest_ok
            && subject_ok
            && grounded
            && ours_ok
            && awaited_ok
            && lead >= self.options.margin;
        match accepted {
            true => accept(best, second, lang),
            false => reject(best, lang),
        }
    }

    /// The language and the likeness of a message to every class, or `None` for a message
    /// with nothing the vocabulary knows.
    pub(super) fn likeness(
        &self,
        raw: &str,
        normalised: &str,
        tokens: &[&str],
    ) -> Option<Likeness> {
        // Language first: the vocabulary's own words add to the detector's evidence, and
        // knowing the language saves stemming unknown words three ways.
        let mut lang_scores = lang::language_scores_normalised(raw, normalised);
        for token in tokens {
            if let Some(&id) = self.words.get(*token) {
                for (s, add) in lang_scores
                    .iter_mut()
                    .zip(self.word_info[id as usize].langs)
                {
                    *s += 0.5 * add;
                }
            }
        }
        let lang = lang::decide(lang_scores);
        let stemmers: &[Stemmer] = match lang {
            Some(l) => std::slice::from_ref(&self.stemmers[l.index()]),
            None => &self.stemmers,
        };
        let mut query = Query::default();
        for token in tokens {
            self.resolve(token, stemmers, &mut query);
        }
        let norm = (query
            .features
            .iter()
            .map(|&(f, v)| (self.weights[f as usize] * v).powi(2))
            .sum::<f32>()
            + query.unknown_mass)
            .sqrt();
        if query.features.is_empty() || norm <= f32::EPSILON {
            return None;
        }

        let mut centroid = vec![0.0f32; self.classes];
        let mut nearest = vec![0.0f32; self.example_class.len()];
        for &(f, v) in &query.features {
            let w = self.weights[f as usize] * v;
            for &(c, x) in &self.centroid_postings[f as usize] {
                centroid[c as usize] += w * x;
            }
            for &(e, x) in &self.example_postings[f as usize] {
                nearest[e as usize] += w * x;
            }
        }
        let mut best_example = vec![(0.0f32, u32::MAX); self.classes];
        for (e, &dot) in nearest.iter().enumerate() {
            let class = self.example_class[e] as usize;
            if dot > best_example[class].0 {
                best_example[class] = (dot, e as u32);
            }
        }
        // The out-of-scope examples are about anything: their centroid means nothing, only
        // being close to one of them does.
        let scores = (0..self.classes)
            .map(|c| {
                let s = if c < self.intents.len() {
                    CENTROID_SHARE * centroid[c] + (1.0 - CENTROID_SHARE) * best_example[c].0
                } else {
                    best_example[c].0
                };
                (s / norm).clamp(0.0, 1.0)
            })
            .collect();
        let nearest = best_example
            .into_iter()
            .map(|(dot, e)| (dot / norm, e))
            .collect();
        Some(Likeness {
            lang,
            query,
            scores,
            nearest,
        })
    }
}

fn tokens_of(normalised: &str) -> impl Iterator<Item = &str> {
    normalised.split(' ').filter(|t| !t.is_empty())
}
