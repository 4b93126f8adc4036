//! Marketing opt-out by keyword: a customer who writes only "STOP" (or "BAJA", "PARAR", ...)
//! stops marketing messages, as WhatsApp's own opt-out does; "START" ("ALTA", "VOLTAR", ...)
//! resumes them. The whole message must be the keyword (case, accents and punctuation aside):
//! "stop sending me the order twice" is an ordinary message.

use serde::{Deserialize, Serialize};

use crate::kernel::lang::Lang;
use crate::kernel::text::{Phrase, normalise};

/// The keywords of a workspace (each list replaces its default when given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptOutConfig {
    #[serde(default = "default_stop")]
    pub stop: Vec<Phrase>,
    #[serde(default = "default_start")]
    pub start: Vec<Phrase>,
}

impl Default for OptOutConfig {
    fn default() -> Self {
        OptOutConfig {
            stop: default_stop(),
            start: default_start(),
        }
    }
}

fn default_stop() -> Vec<Phrase> {
    [
        "STOP",
        "BAJA",
        "PARAR",
        "UNSUBSCRIBE",
        "CANCELAR SUSCRIPCIÓN",
    ]
    .map(Phrase::from)
    .to_vec()
}

fn default_start() -> Vec<Phrase> {
    ["START", "ALTA", "VOLTAR"].map(Phrase::from).to_vec()
}

impl OptOutConfig {
    /// What a message asks for: `Some(false)` stop marketing messages, `Some(true)` resume
    /// them, `None` neither (any other message).
    pub fn choice(&self, text: &str) -> Option<bool> {
        let said = normalise(text);
        if said.is_empty() || said.len() > 64 {
            return None;
        }
        let is = |words: &[Phrase]| words.iter().any(|w| w.normalised() == said);
        if is(&self.stop) {
            Some(false)
        } else if is(&self.start) {
            Some(true)
        } else {
            None
        }
    }

    /// The keywords that are neither empty once normalised nor in both lists.
    pub fn check(&self) -> Result<(), String> {
        for w in self.stop.iter().chain(&self.start) {
            if w.normalised().is_empty() {
                return Err(format!("opt-out keyword {w:?} has no letters or digits"));
            }
        }
        if let Some(w) = self
            .stop
            .iter()
            .find(|w| self.start.iter().any(|s| s.normalised() == w.normalised()))
        {
            return Err(format!("opt-out keyword {w:?} both stops and resumes"));
        }
        Ok(())
    }
}

/// The short confirmation sent back, in the customer's language.
pub fn confirmation(lang: Lang, subscribed: bool) -> &'static str {
    match (lang, subscribed) {
        (Lang::Es, false) => {
            "Listo: no te enviaremos más mensajes promocionales. Escribe ALTA para volver a recibirlos."
        }
        (Lang::Es, true) => "Listo: volverás a recibir nuestros mensajes promocionales.",
        (Lang::Pt, false) => {
            "Pronto: não enviaremos mais mensagens promocionais. Escreva VOLTAR para recebê-las de novo."
        }
        (Lang::Pt, true) => "Pronto: você voltará a receber nossas mensagens promocionais.",
        (_, false) => {
            "Done: we will not send you promotional messages anymore. Reply START to get them again."
        }
        (_, true) => "Done: you will get our promotional messages again.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_message_that_is_a_keyword_counts() {
        let c = OptOutConfig::default();
        assert_eq!(c.choice("STOP"), Some(false));
        assert_eq!(c.choice("  baja. "), Some(false));
        assert_eq!(c.choice("Parar!"), Some(false));
        assert_eq!(c.choice("cancelar suscripcion"), Some(false));
        assert_eq!(c.choice("Alta"), Some(true));
        assert_eq!(c.choice("stop sending me the order twice"), None);
        assert_eq!(c.choice("quiero darme de baja del pedido"), None);
        assert_eq!(c.choice(""), None);
        assert_eq!(c.choice("🙂"), None);
    }

    #[test]
    fn a_keyword_in_both_lists_or_without_letters_is_refused() {
        let mut c = OptOutConfig::default();
        assert!(c.check().is_ok());
        c.start.push("stop".into());
        assert!(c.check().is_err());
        let c = OptOutConfig {
            stop: vec!["!!".into()],
            start: vec![],
        };
        assert!(c.check().is_err());
    }
}
