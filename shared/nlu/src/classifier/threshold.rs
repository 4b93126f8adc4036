//! When the best intent is accepted: its own confidence threshold, and for an intent that
//! hands the conversation to a person, an explicit request for one. Handing off on a message
//! that merely resembles "talk to a person" costs a person's time, so it needs the request
//! itself ("talk to / hablar con / falar com" + person, agent, human...), not a likeness.

use crate::normalise::normalise;

/// Who a customer may ask for. `someone`-like words only count after a verb of talking.
const PERSON: &[&str] = &[
    // en
    "person",
    "human",
    "agent",
    "representative",
    "rep",
    "operator",
    "supervisor",
    "manager",
    "staff",
    "employee",
    "advisor",
    "support",
    "people",
    "humans",
    "agents", // es
    "persona",
    "humano",
    "humana",
    "agente",
    "asesor",
    "asesora",
    "operador",
    "operadora",
    "ejecutivo",
    "ejecutiva",
    "encargado",
    "encargada",
    "representante",
    "soporte",
    "personas",
    "agentes",
    "asesores",
    "humanos", // pt
    "pessoa",
    "atendente",
    "atendentes",
    "gerente",
    "suporte",
    "consultor",
    "consultora",
    "funcionario",
];
const SOMEONE: &[&str] = &[
    "someone", "somebody", "anyone", "anybody", "alguien", "alguem",
];
/// Verbs of talking: with them, `someone` is a person too.
const TALK: &[&str] = &[
    "talk",
    "speak",
    "chat",
    "hablar",
    "platicar",
    "conversar",
    "falar",
    "contactar",
    "comunicar",
    "comunicarme",
    "comunicame",
    "comunican",
    "atienda",
    "atender",
    "atenda",
];
/// Verbs after `someone` that ask for them ("can someone call me", "have someone contact
/// me"), besides the verbs of talking.
const SOMEONE_DOES: &[&str] = &[
    "call", "phone", "ring", "contact", "reach", "llame", "llamar", "contacte", "ligue", "ligar",
    "liga", "contate",
];
/// Verbs of handing over: with them, `someone` is a person too ("me passa pra alguém").
const TRANSFER: &[&str] = &[
    "connect",
    "transfer",
    "pasar",
    "pasame",
    "pasas",
    "pasan",
    "passar",
    "passa",
    "transfere",
    "transferir",
    "transfiere",
    "transfiereme",
    "conectar",
    "conecta",
    "chama",
    "get",
    "find",
    "send",
];
/// Verbs and cues that make a person noun a request.
const REQUEST: &[&str] = &[
    "connect",
    "transfer",
    "put",
    "through",
    "get",
    "want",
    "need",
    "reach",
    "contact",
    "give",
    "call",
    "there",
    "pasar",
    "pasame",
    "pasas",
    "pasan",
    "quiero",
    "necesito",
    "queria",
    "quisiera",
    "hay",
    "passar",
    "passa",
    "transfere",
    "transferir",
    "quero",
    "preciso",
    "chama",
    "chamar",
    "tem",
    "transferencia",
    "transfiere",
    "transfiereme",
    "conectar",
    "conecta",
    "coloca",
    "coloque",
    "ponme",
    "poneme",
    "ponga",
];
/// Wordings that ask for a person as they are.
const PHRASES: &[&str] = &[
    "live chat",
    "live agent",
    "live person",
    "real person",
    "real human",
    "actual person",
    "actual human",
    "persona real",
    "pessoa real",
    "atencion humana",
    "atencion personalizada",
    "atendimento humano",
    "atendimento personalizado",
    "customer service",
    "servicio al cliente",
    "atencion al cliente",
    "atendimento ao cliente",
    "call me back",
    "llamenme",
    "me llamen",
    "me liguem",
    "me ligue",
    "me ligar",
];
/// Words after "call me" that make it a request for a call ("call me back", "call me at 5"),
/// unlike "call me a taxi".
const CALL_ME_THEN: &[&str] = &[
    "please", "pls", "back", "asap", "now", "today", "tomorrow", "when", "at", "on", "later",
];
/// Words that, next to `bot`, turn it away.
const NOT: &[&str] = &["no", "not", "nao", "stop", "dont", "hate", "basta", "chega"];
const BOT: &[&str] = &["bot", "robot", "robo", "maquina", "machine"];
/// Words after `agente de`/`agent` that make it another trade (travel agent, agente de viajes).
const TRADE: &[&str] = &[
    "travel",
    "estate",
    "insurance",
    "secret",
    "free",
    "viajes",
    "viagens",
    "viagem",
    "seguros",
    "transito",
    "bolsa",
    "policia",
    "aduana",
    "inmobiliario",
    "imobiliario",
];

/// Words that open a question about something rather than a request.
const QUESTION: &[&str] = &[
    "who", "what", "which", "whose", "is", "was", "are", "does", "did", "quien", "quienes", "cual",
    "quem", "qual", "es",
];

/// ... unless it asks whether someone is there ("is a human available").
const AVAILABLE: &[&str] = &[
    "available",
    "disponible",
    "disponivel",
    "there",
    "ai",
    "alli",
];

/// Owners before a person that make the person the customer's own or someone else's
/// ("call my manager", "ask her doctor"), not someone at the business.
const OWNER: &[&str] = &[
    "my", "his", "her", "their", "mi", "mis", "meu", "minha", "meus", "minhas", "dele", "dela",
];

/// Tokens within which a request cue must come before the person asked for.
const WINDOW: usize = 4;
/// Up to this many tokens, a person noun alone is a request ("agent please", "humano").
const SHORT: usize = 4;

/// Whether `text` explicitly asks for a person: a verb of asking or talking shortly before a
/// person (agent, human, representative...), a short message naming one, a wording such as
/// "live chat" or "atendimento humano", or a refusal of the bot.
///
/// ```
/// use turno_nlu::asks_for_person;
/// assert!(asks_for_person("can I talk to someone please"));
/// assert!(asks_for_person("quiero hablar con un asesor"));
/// assert!(asks_for_person("atendente por favor"));
/// assert!(!asks_for_person("who was the first person to discover cells"));
/// assert!(!asks_for_person("necesito un agente de viajes"));
/// ```
pub fn asks_for_person(text: &str) -> bool {
    let text = normalise(text);
    let tokens: Vec<&str> = text.split(' ').filter(|t| !t.is_empty()).collect();
    if PHRASES.iter().any(|p| contains_words(&tokens, p)) {
        return true;
    }
    let call_me = tokens.windows(2).enumerate().any(|(i, w)| {
        w == ["call", "me"]
            && tokens
                .get(i + 2)
                .is_none_or(|next| CALL_ME_THEN.contains(next))
    });
    if call_me {
        return true;
    }
    let refuses_bot =
        tokens.iter().any(|t| BOT.contains(t)) && tokens.iter().any(|t| NOT.contains(t));
    if refuses_bot {
        return true;
    }
    tokens.iter().enumerate().any(|(i, t)| {
        let owned = i
            .checked_sub(1)
            .and_then(|j| tokens.get(j))
            .is_some_and(|b| OWNER.contains(b));
        let person = PERSON.contains(t) && !another_trade(&tokens, i) && !owned;
        let someone = SOMEONE.contains(t);
        if !person && !someone {
            return false;
        }
        if person && tokens.len() <= SHORT && !asks_about(&tokens) {
            return true;
        }
        let before = &tokens[i.saturating_sub(WINDOW)..i];
        let after = &tokens[i + 1..(i + 1 + WINDOW).min(tokens.len())];
        before.iter().any(|b| TALK.contains(b))
            || (someone
                && after
                    .iter()
                    .any(|a| TALK.contains(a) || SOMEONE_DOES.contains(a)))
            || (someone && before.iter().any(|b| TRANSFER.contains(b)))
            || (person && before.iter().any(|b| REQUEST.contains(b)))
    })
}

/// Whether a message opens as a question about something ("is this person famous", "who is
/// that person"), which a short request for a person does not.
fn asks_about(tokens: &[&str]) -> bool {
    tokens.first().is_some_and(|t| QUESTION.contains(t))
        && !tokens.iter().any(|t| AVAILABLE.contains(t))
}

fn another_trade(tokens: &[&str], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|j| tokens.get(j));
    let after = tokens.get(i + 1..(i + 3).min(tokens.len())).unwrap_or(&[]);
    before.is_some_and(|b| TRADE.contains(b)) || after.iter().any(|a| TRADE.contains(a))
}

fn contains_words(tokens: &[&str], phrase: &str) -> bool {
    let want: Vec<&str> = phrase.split(' ').collect();
    tokens.windows(want.len()).any(|w| w == want.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_requests_in_each_language_count() {
        for text in [
            "I want to speak with a human",
            "can you transfer me to an agent",
            "can you put me through to an agent",
            "is there a real person there",
            "human please",
            "stop the bot",
            "pásame con un asesor",
            "necesito hablar con alguien real",
            "no quiero hablar con un bot",
            "me passa pra um humano",
            "quero falar com alguém",
            "atendimento humano",
            "is there anyone i can talk to",
            "me transfere pra alguém do suporte",
            "can you call me",
            "is a human available?",
            "please call me back tomorrow",
            "quiero que me llamen",
            "alguém pode me ligar?",
            "can someone from your team call me",
            "get me someone who can help",
        ] {
            assert!(asks_for_person(text), "{text}");
        }
    }

    #[test]
    fn a_person_mentioned_in_passing_does_not() {
        for text in [
            "who was the first person to discover cells",
            "how many people live in china",
            "set an alarm for someone's birthday",
            "I need a travel agent",
            "necesito un agente de viajes",
            "quién es la persona más rica del mundo",
            "quem foi a primeira pessoa a pisar na lua",
            "what does a real estate agent do",
            "call me a taxi",
            "call my mom",
            "is this person famous",
            "call my manager about the meeting",
            "i need to get my supervisor to sign this",
        ] {
            assert!(!asks_for_person(text), "{text}");
        }
    }
}
