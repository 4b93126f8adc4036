//! Typo tolerance: finds the vocabulary word within a small edit distance of an unknown word,
//! without comparing it to every word.
//!
//! A symmetric-delete index (the SymSpell idea): two words within edit distance `d` share a
//! string obtained by deleting at most `d` characters from each, so the index keeps the
//! deletions of every vocabulary word and a look-up only hashes the deletions of the query.
//! Candidates are then checked with the true (optimal string alignment) distance, so an
//! adjacent transposition (`reembloso`) counts as one edit.

use std::collections::HashMap;

/// The longest distance indexed.
const MAX_DISTANCE: usize = 2;
/// Shorter words are never corrected: at three or four letters one edit makes another word.
pub(crate) const MIN_LEN: usize = 5;

/// How far a word of `len` characters may be from the word it is corrected to: one edit
/// from five characters, two from eight.
pub(crate) fn allowed_distance(len: usize) -> usize {
    match len {
        0..MIN_LEN => 0,
        MIN_LEN..8 => 1,
        _ => 2,
    }
}

#[derive(Debug, Default)]
pub(crate) struct FuzzyIndex {
    words: Vec<String>,
    /// Hash of a deletion variant → the words that produce it.
    deletes: HashMap<u64, Vec<u32>>,
}

impl FuzzyIndex {
    /// Indexes `words` (the vocabulary); the id of a word is its position.
    pub(crate) fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut index = FuzzyIndex::default();
        for (id, word) in words.into_iter().enumerate() {
            let chars: Vec<char> = word.chars().collect();
            // A word one edit shorter than MIN_LEN can still be the target of a correction.
            if chars.len() + 1 >= MIN_LEN {
                for_each_deletion(&chars, MAX_DISTANCE, |h| {
                    index.deletes.entry(h).or_default().push(id as u32);
                });
            }
            index.words.push(word.to_owned());
        }
        for ids in index.deletes.values_mut() {
            ids.sort_unstable();
            ids.dedup();
        }
        index
    }

    /// The vocabulary words closest to `word` within its allowed distance, with that
    /// distance; `prefer` breaks ties (higher is better).
    pub(crate) fn correct(&self, word: &str, prefer: impl Fn(u32) -> u32) -> Option<(u32, usize)> {
        let chars: Vec<char> = word.chars().collect();
        let max = allowed_distance(chars.len());
        if max == 0 {
            return None;
        }
        let mut best: Option<(u32, usize, u32)> = None;
        let mut seen: Vec<u32> = Vec::new();
        for_each_deletion(&chars, max, |h| {
            let Some(ids) = self.deletes.get(&h) else {
                return;
            };
            for &id in ids {
                if seen.contains(&id) {
                    continue;
                }
                seen.push(id);
                let Some(candidate) = self.words.get(id as usize) else {
                    continue;
                };
                if candidate.chars().count().abs_diff(chars.len()) > max {
                    continue;
                }
                let d = strsim::osa_distance(word, candidate);
                if d == 0 || d > max {
                    continue;
                }
                let rank = prefer(id)
                    + u32::from(candidate.chars().next() == chars.first().copied()) * 1000;
                let better = match best {
                    None => true,
                    Some((_, bd, br)) => d < bd || (d == bd && rank > br),
                };
                if better {
                    best = Some((id, d, rank));
                }
            }
        });
        best.map(|(id, d, _)| (id, d))
    }
}

/// Calls `f` with the hash of `chars` and of every string made by deleting up to `max`
/// characters from it.
fn for_each_deletion(chars: &[char], max: usize, mut f: impl FnMut(u64)) {
    f(hash_skipping(chars, usize::MAX, usize::MAX));
    if max >= 1 {
        for i in 0..chars.len() {
            f(hash_skipping(chars, i, usize::MAX));
        }
    }
    if max >= 2 {
        for i in 0..chars.len() {
            for j in i + 1..chars.len() {
                f(hash_skipping(chars, i, j));
            }
        }
    }
}

/// FNV-1a over the characters, leaving out positions `a` and `b`.
fn hash_skipping(chars: &[char], a: usize, b: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, c) in chars.iter().enumerate() {
        if i == a || i == b {
            continue;
        }
        h ^= u64::from(*c);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // The length, so "ab" minus nothing and "abc" minus "c" differ from other collisions.
    h ^ (chars.len() - usize::from(a != usize::MAX) - usize::from(b != usize::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> FuzzyIndex {
        FuzzyIndex::new([
            "pedido",
            "reembolso",
            "cancelar",
            "factura",
            "hola",
            "horario",
        ])
    }

    fn correct(index: &FuzzyIndex, word: &str) -> Option<String> {
        index
            .correct(word, |_| 0)
            .map(|(id, _)| index.words[id as usize].clone())
    }

    #[test]
    fn corrects_one_edit_in_words_of_five_letters_or_more() {
        let index = index();
        assert_eq!(correct(&index, "pedio").as_deref(), Some("pedido"));
        assert_eq!(correct(&index, "factira").as_deref(), Some("factura"));
        assert_eq!(correct(&index, "horaio").as_deref(), Some("horario"));
    }

    #[test]
    fn counts_a_swap_of_adjacent_letters_as_one_edit() {
        assert_eq!(correct(&index(), "reembloso").as_deref(), Some("reembolso"));
        assert_eq!(correct(&index(), "pedidio").as_deref(), Some("pedido"));
    }

    #[test]
    fn corrects_two_edits_only_from_eight_letters() {
        let index = index();
        assert_eq!(correct(&index, "rembolzo").as_deref(), Some("reembolso"));
        assert_eq!(correct(&index, "canselr").as_deref(), None);
        assert_eq!(correct(&index, "canselarr").as_deref(), Some("cancelar"));
    }

    #[test]
    fn never_corrects_words_shorter_than_five_letters() {
        assert_eq!(correct(&index(), "hila"), None);
        assert_eq!(correct(&index(), "pdd"), None);
    }
}
