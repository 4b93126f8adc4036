//! Which small-talk intent thanks: a closing in other words ("that's all for now", "nothing
//! else") is thanks, not a greeting, whatever its likeness to the two says.

use super::Classifier;

/// How the intent set's own examples say thanks, in es, en and pt.
const THANKS: &str = "thanks thank you gracias obrigado";

impl Classifier {
    /// The small-talk intent most like [`THANKS`], if any small-talk intent is.
    pub(super) fn thanking_intent(&self) -> Option<usize> {
        let tokens: Vec<&str> = THANKS.split(' ').collect();
        let like = self.likeness(THANKS, THANKS, &tokens)?;
        (0..self.intents.len())
            .filter(|&c| self.small_talk.get(c).copied().unwrap_or(false))
            .filter(|&c| like.scores.get(c).is_some_and(|s| *s > 0.0))
            .max_by(|&a, &b| like.scores[a].total_cmp(&like.scores[b]))
    }
}
