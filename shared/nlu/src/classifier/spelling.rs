//! Spellings the character n-grams and the typo index cannot reach, mended before a message
//! is read: a last letter typed twice ("heyy", "hii", "thankss", "tyy") and a short key
//! word missing a letter ("oder", "ordr", "trak", "wher"). The typo index never corrects a
//! word under five letters, since one edit turns most short words into other words; here a
//! short word is mended only into one of the words the examples use most, and only by the
//! letter it lacks.

use super::Classifier;
use super::structure;
use crate::lang;
use crate::normalise::{expand_shorthand, squeeze};

/// The least number of examples a word must appear in to be a key word a short typo is
/// mended into ("order", "where", "track").
pub(super) const KEY_COUNT: u32 = 8;

/// The lengths of a word that may be a key word missing one letter: four letters (at three,
/// "god" would be "good").
const SHORT_TYPO: std::ops::RangeInclusive<usize> = 4..=4;

impl Classifier {
    /// The key words short typos are mended into: vocabulary words of the examples of the
    /// intents (not only of out-of-scope ones), used by at least [`KEY_COUNT`] examples, one
    /// letter longer than a short typo, neither function words nor words of small talk.
    pub(super) fn find_key_words(&self) -> Vec<(String, u32)> {
        let mut keys: Vec<(String, u32)> = self
            .words
            .iter()
            .filter_map(|(w, &id)| {
                let info = self.word_info.get(id as usize)?;
                let len = w.chars().count();
                let key = info.in_scope
                    && info.count >= KEY_COUNT
                    && (SHORT_TYPO.start() + 1..=SHORT_TYPO.end() + 1).contains(&len)
                    && !lang::is_function_word(w)
                    // Words of greeting and thanks are no key words: "tank" is not "thank".
                    && !structure::is_social_word(w)
                    && w.chars().all(char::is_alphabetic);
                key.then(|| (w.clone(), info.count))
            })
            .collect();
        keys.sort();
        keys
    }

    /// The normalised message with its mended spellings, or `None` when nothing changed.
    pub(super) fn respell(&self, normalised: &str) -> Option<String> {
        let tokens = || normalised.split(' ').filter(|t| !t.is_empty());
        tokens().find_map(|t| self.mend(t))?;
        let out: Vec<&str> = tokens().map(|t| self.mend(t).unwrap_or(t)).collect();
        Some(out.join(" "))
    }

    /// What `token` stands for, when it is no word of the vocabulary but a mended spelling.
    fn mend(&self, token: &str) -> Option<&str> {
        let len = token.chars().count();
        let doubled_end = {
            let mut end = token.chars().rev();
            end.next().is_some_and(|last| Some(last) == end.next())
        };
        if !(doubled_end || SHORT_TYPO.contains(&len))
            || self.words.contains_key(token)
            || structure::is_social_word(token)
        {
            return None;
        }
        self.without_doubled_end(token)
            .or_else(|| self.key_word_missing_a_letter(token))
    }

    /// "heyy" → "hey", "tyy" → "thank you": the last letter typed twice, where one of it is
    /// a word of the vocabulary, of small talk or of chat shorthand.
    fn without_doubled_end(&self, token: &str) -> Option<&str> {
        let mut chars = token.chars().rev();
        let (last, before) = (chars.next()?, chars.next()?);
        if last != before || !last.is_alphabetic() || token.chars().count() < 3 {
            return None;
        }
        let shorter = token.get(..token.len() - last.len_utf8())?;
        if let Some(full) = expand_shorthand(shorter) {
            return Some(full);
        }
        if let Some((word, _)) = self.words.get_key_value(shorter) {
            return Some(word.as_str());
        }
        structure::social_word(shorter)
            // "helloo" → "hello": a double letter inside the word too.
            .or_else(|| structure::social_word_squeezed(&squeeze(token)))
    }

    /// "oder" → "order", "trak" → "track": a word of four letters that is a key word with
    /// one letter left out (never the first).
    fn key_word_missing_a_letter(&self, token: &str) -> Option<&str> {
        let len = token.chars().count();
        if !SHORT_TYPO.contains(&len) || !token.chars().all(char::is_alphabetic) {
            return None;
        }
        self.key_words
            .iter()
            .filter(|(key, _)| drops_one_letter(key, token))
            .max_by_key(|(_, count)| *count)
            .map(|(key, _)| key.as_str())
    }
}

/// Whether `short` is `word` with one letter, not the first, left out (letters compared as
/// bytes: normalised words have no accents).
fn drops_one_letter(word: &str, short: &str) -> bool {
    let (w, s) = (word.as_bytes(), short.as_bytes());
    if w.len() != s.len() + 1 || w.first() != s.first() {
        return false;
    }
    let same = w.iter().zip(s).take_while(|(a, b)| a == b).count();
    w.get(same + 1..) == s.get(same..)
}

#[cfg(test)]
mod tests {
    use super::drops_one_letter;

    #[test]
    fn a_short_word_is_a_key_word_only_with_one_inner_letter_left_out() {
        assert!(drops_one_letter("order", "oder"));
        assert!(drops_one_letter("order", "ordr"));
        assert!(drops_one_letter("track", "trak"));
        assert!(!drops_one_letter("order", "rder"));
        assert!(!drops_one_letter("order", "odre"));
        assert!(!drops_one_letter("order", "order"));
    }
}
