//! Frustration: is the customer angry, insulting the bot, threatening to leave?
//!
//! Evidence adds up to a score; a message is frustrated at [`FRUSTRATED_AT`] or more. Strong
//! evidence scores 1 on its own: wording (`pésimo`, `worst`, `absurdo`), insults to the bot
//! (`inútil`, `useless`, `não serve`), profanity, threats to leave or to complain (`nunca
//! más`, `never again`, `vou cancelar`, `procon`), nobody answering, asking for the umpteenth
//! time, and a long message in capitals. Weak evidence scores ½ and needs company: waiting a
//! long time, asking again, `!!!`/`???`, a short message in capitals. Shouting or `!!!` next
//! to thanks is enthusiasm and does not count. Patterns match normalised words (no accents,
//! shorthand expanded); `*` ends a prefix, `_` stands for any one word.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::normalise::{normalise, squeeze};

/// The score at which a message counts as frustrated.
pub const FRUSTRATED_AT: f32 = 1.0;

/// How frustrated a message reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Frustration {
    /// Whether the evidence reaches [`FRUSTRATED_AT`].
    pub frustrated: bool,
    /// The evidence, summed (0 when there is none; 1 or more is frustrated).
    pub score: f32,
    /// Which kinds of evidence were found, each once: `negative_wording`, `insult`,
    /// `profanity`, `threat_to_leave`, `threat_to_complain`, `nobody_answers`,
    /// `repeated_request`, `bot_complaint`, `long_wait`, `all_caps`, `repeated_punctuation`.
    pub signals: Vec<&'static str>,
}

const STRONG: f32 = 1.0;
const WEAK: f32 = 0.5;

/// (signal, weight, patterns).
#[rustfmt::skip]
const LEXICON: &[(&str, f32, &[&str])] = &[
    (
        // The same concepts in all three languages (worst, disrespect, mockery, hate...).
        "negative_wording",
        STRONG,
        &[
            "peor", "peores", "pior", "piores", "falta de respeto", "irrespetuos*",
            "tomando el pelo", "se burlan", "burlando", "poco profesional*", "odio", "odeio",
            "hate", "disrespect*", "mocking", "unprofessional", "shame on", "trash",
            "zoando", "inaceitavel", "farto", "farta", "falta de profissionalismo",
        ],
    ),
    (
        "repeated_request",
        STRONG,
        &["a thousand times", "a million times", "un millon de veces", "um milhao de vezes"],
    ),
    ("threat_to_leave", WEAK, &["jamas", "jamais"]),
    (
        "negative_wording",
        STRONG,
        &[
            // es: judgements, feelings, disbelief
            "muy mal", "muy malo", "muy mala", "tan malo", "tan mala", "tan mal", "servicio malo",
            "atencion malisima", "pesadilla", "un caos", "nefasto*", "horrendo*", "espantoso*",
            "patetic*", "mediocre*", "deficiente", "asqueroso*", "es un chiste", "son un chiste",
            "esto es un chiste", "es una broma", "estan de broma", "en serio que no",
            "no puedo creer", "no lo puedo creer", "increible que", "inaudito", "cansad*",
            "me canse", "hasta la madre", "hasta la coronilla", "ya basta", "basta ya", "podrid*",
            "frustrad*", "desesperad*", "fastidiad*", "rabia", "que bronca", "me da bronca",
            "encabronad*", "emputad*",
            // en
            "so bad", "very bad", "really bad", "nightmare", "disaster", "kidding me",
            "are you kidding", "you must be kidding", "can not believe", "hopeless", "pointless",
            "worthless", "amateur*", "sucks", "suck", "sucked", "horrendous", "atrocious",
            "dreadful", "abysmal", "shocking", "enough is enough", "mad at", "livid", "infuriat*",
            "exasperat*", "irritating", "annoying",
            // pt
            "muito ruim", "pessimo*", "horrorosa", "horroroso", "pesadelo", "lamentavel",
            "decepcionante", "irritante", "sao uma piada", "e piada", "de brincadeira",
            "so pode ser brincadeira", "nao acredito", "inacreditavel", "um roubo", "e roubo",
            "roubalheira", "estou brav*", "to brav*", "muito brav*", "nervos*", "estressad*",
            "cansad*", "ja deu", "p da vida", "absurdo",
        ],
    ),
    (
        "threat_to_complain",
        STRONG,
        &[
            "mala resena", "mala calificacion", "calificacion negativa", "resena negativa",
            "los voy a reportar", "voy a reportar", "exponer*", "publicar en redes",
            "negative review", "bad rating", "zero stars", "going to report", "will report",
            "reporting you", "avaliacao negativa", "avaliacao ruim", "nota zero", "vou denunciar",
            "vou expor",
        ],
    ),
    (
        "nobody_answers",
        STRONG,
        &[
            "nadie me da", "nadie me dice", "nadie sabe", "nadie se hace cargo", "ninguna solucion",
            "ni una respuesta", "no me dan solucion", "no dan solucion", "no me solucionan",
            "no resuelven", "me ignor*", "ignorarme", "ignoran", "ignorando", "ignoring", "ignored",
            "ignoram", "ignorad*", "ninguem me da", "ninguem sabe", "ninguem fala", "nao resolvem",
            "nenhuma solucao", "nenhuma resposta", "no real answer", "no one knows", "nobody knows",
        ],
    ),
    (
        "repeated_request",
        STRONG,
        &[
            "terceira vez", "quarta vez", "cuarta vez", "tercera vez", "asked _ times",
            "asked twice", "asked three times", "over and over", "again and again",
            "siempre lo mismo", "lo mismo de siempre", "sempre a mesma",
        ],
    ),
    (
        "repeated_request",
        WEAK,
        &[
            "mismo mensaje", "misma respuesta", "mensaje automatico", "respuesta automatica",
            "same answer", "same message", "same reply", "automated", "mesma resposta",
            "mesma mensagem", "resposta automatica", "already asked", "ja pedi",
        ],
    ),
    (
        "bot_complaint",
        WEAK,
        &[
            "stop sending", "hablo con una maquina", "hablar con una maquina", "un robot",
            "talking to a machine", "talking to a bot", "a robot", "falando com robo",
            "falar com robo", "um robo",
        ],
    ),
    (
        "negative_wording",
        WEAK,
        &[
            "malo", "mala", "malos", "malas", "mal", "ruim", "queja*", "reclamo*", "reclamacao",
            "reclamar", "complaint", "complain*", "problema", "problem", "otra vez", "immediately",
            "right now", "asap", "urgente*", "urgent*", "seriously", "de verdad", "cuantas veces",
            "how many times", "quantas vezes", "abogad*", "lawyer*", "advogad*", "en serio",
            "como es posible", "report this",
        ],
    ),
    (
        "negative_wording",
        STRONG,
        &[
            // es
            "pesim*", "horrible*", "terrible*", "malisim*", "fatal", "desastre*", "desastroso*",
            "ridicul*", "absurd*", "verguenza", "vergonzoso*", "inaceptable", "inadmisible",
            "lamentable", "deplorable", "penoso", "indignad*", "indignante", "furios*", "enojad*",
            "enfadad*", "cabread*", "molesto", "molesta", "molestos", "molestas", "harto", "harta",
            "hartos", "hartas", "decepcion*", "el colmo", "una burla", "estafa*", "ladron*",
            "me robaron", "nos robaron", "un robo", "basura", "porqueria*", "que asco", "dan asco",
            "mal servicio", "mala atencion", "gracias por nada", "no puede ser",
            "una tomadura de pelo", "me toman el pelo",
            // en
            "worst", "awful", "pathetic", "ridiculous", "unacceptable", "disgrace*", "disgust*",
            "outrage*", "appalling", "angry", "furious", "pissed", "annoyed", "irritated",
            "frustrat*", "disappoint*", "upset", "fed up", "sick of", "sick and tired", "tired of",
            "had enough", "so done", "done with", "what a joke", "is a joke", "are a joke",
            "such a joke", "scam*", "rip off", "ripoff", "ripped off", "thieves", "robbed",
            "waste of time", "wasting my time", "poor service", "bad service", "lousy", "shameful",
            "garbage", "rubbish", "thanks for nothing", "thank you for nothing",
            // pt
            "horrivel", "horriveis", "terrivel", "terriveis", "vergonha", "vergonhoso*",
            "palhacada*", "lixo", "porcaria*", "raiva", "irritad*", "revoltad*", "decepcionad*",
            "decepcao", "descaso", "falta de respeito", "desrespeito", "enganacao", "golpe",
            "golpista*", "ladrao", "ladroes", "roubaram", "saco cheio", "cansei", "nao aguento",
            "que piada", "e uma piada", "isso e piada", "chateado", "chateada", "obrigado por nada",
            "obrigada por nada", "que droga",
        ],
    ),
    (
        "insult",
        STRONG,
        &[
            // es
            "inutil*", "idiota*", "estupid*", "tonto", "tonta", "imbecil*", "incompetent*",
            "inepto*", "no sirves", "no sirven", "no sirve para nada", "no sirven para nada",
            "no sirve de nada", "no entiendes", "no entienden nada", "no entiende nada",
            "bot de mierda", "lerdo",
            // en
            "useless", "stupid", "dumb", "idiot*", "incompetent", "moron*", "clueless",
            "not helpful", "unhelpful", "you do not understand", "you never understand",
            // pt
            "inuteis", "burro", "burra", "nao serve", "nao servem", "nao serve pra nada",
            "nao serve para nada", "nao entende nada", "voce nao entende", "nao entendem nada",
        ],
    ),
    (
        "profanity",
        STRONG,
        &[
            "mierda", "carajo", "joder", "jodido*", "puta", "puto", "putos", "chingad*", "pinche",
            "pendej*", "cono", "ctm", "hdp", "verga", "maldit*", "cagad*", "cagaron", "hostia*",
            "wtf", "fuck*", "shit*", "crap", "damn*", "bullshit", "ffs", "stfu", "what the hell",
            "merda", "caralho", "porra", "pqp", "foda*", "fdp", "vsf", "tnc", "cacete", "bosta",
        ],
    ),
    (
        "threat_to_leave",
        STRONG,
        &[
            // es
            "nunca mas", "no vuelvo", "no les vuelvo", "no les compro mas", "no compro mas",
            "ultima vez que compro", "me voy a otra", "me voy con la competencia",
            "voy a cancelar todo", "cancelo todo", "cancelen todo", "cerrar mi cuenta",
            // en
            "never again", "never ordering", "never order", "never buying", "never buy",
            "never shopping", "never shop", "never using", "take my business", "taking my business",
            "cancel everything", "close my account", "delete my account", "switching to",
            "going elsewhere", "shop elsewhere", "buy elsewhere", "lost a customer",
            "done with you",
            // pt
            "nunca mais", "vou cancelar", "cancelar tudo", "cancela tudo", "nao compro mais",
            "nao volto", "em outra loja", "perderam um cliente", "perderam uma cliente",
            "encerrar minha conta",
        ],
    ),
    (
        "threat_to_complain",
        STRONG,
        &[
            "denunci*", "profeco", "indecopi", "sernac", "consumidor", "libro de reclamaciones",
            "hoja de reclamaciones", "mi abogado", "demandar*", "queja formal", "sue", "suing",
            "my lawyer", "my attorney", "legal action", "report you", "bbb",
            "better business bureau", "chargeback", "bad review", "one star", "1 star",
            "consumer protection", "formal complaint", "procon", "reclame aqui", "reclameaqui",
            "vou reclamar", "vou processar", "processar voces", "processo judicial", "meu advogado",
            "justica",
        ],
    ),
    (
        "nobody_answers",
        STRONG,
        &[
            "nadie respond*", "nadie contest*", "nadie me respond*", "nadie me contest*",
            "nadie me ayud*", "nadie ayud*", "nadie atiend*", "nadie me atiend*", "nadie resuelv*",
            "nadie me resuelv*", "nadie hace nada", "no responden", "no contestan",
            "no me responden", "no me contestan", "no me atienden", "ni responden", "ni contestan",
            "nobody answer*", "nobody respond*", "nobody repl*", "nobody help*", "nobody cares",
            "nobody is", "no one answer*", "no one respond*", "no one repl*", "no one help*",
            "no one cares", "no one is", "never answer*", "never respond*", "never reply",
            "ignoring me", "ninguem respond*", "ninguem me respond*", "ninguem resolv*",
            "ninguem atend*", "ninguem me atend*", "ninguem ajud*", "ninguem me ajud*",
            "ninguem faz nada", "nao respondem", "nao me respondem", "nao atendem", "me ignoram",
            "me ignoran",
        ],
    ),
    (
        "repeated_request",
        STRONG,
        &[
            "ya van _ veces", "cuantas veces tengo", "cuantas veces les", "cuantas veces mas",
            "mil veces", "por enesima vez", "por tercera vez", "how many times do",
            "how many times have", "how many more times", "_ times already", "for the last time",
            "third time", "3rd time", "quantas vezes vou", "quantas vezes tenho",
            "quantas vezes preciso", "quantas vezes mais", "mil vezes", "pela terceira vez",
            "pela milesima vez",
        ],
    ),
    (
        "repeated_request",
        WEAK,
        &[
            "otra vez", "de nuevo", "ya lo dije", "ya les dije", "ya explique", "again",
            "already told", "already said", "told you", "keep asking", "de novo", "outra vez",
            "ja falei", "ja disse", "ja expliquei",
        ],
    ),
    (
        "long_wait",
        WEAK,
        &[
            "llevo _ dia*", "llevo _ semana*", "llevo _ mes*", "llevo _ hora*", "llevo dias",
            "llevo semanas", "llevo meses", "llevo horas", "sigo esperando", "seguimos esperando",
            "todavia nada", "aun nada", "y nada", "hace _ semana*", "hace _ mes*", "hace semanas",
            "hace meses", "demasiado tiempo", "una eternidad", "still waiting", "been waiting",
            "waiting for _ day*", "waiting for _ week*", "waiting for _ month*", "waited _ day*",
            "waited _ week*", "for weeks", "for days", "for months", "still nothing", "and nothing",
            "how much longer", "forever", "to esperando", "estou esperando", "continuo esperando",
            "esperando ha", "faz _ dia*", "faz _ semana*", "faz _ mes*", "faz dias", "faz semanas",
            "faz meses", "ate agora nada", "e nada", "ainda nada", "demora demais", "muita demora",
        ],
    ),
    (
        "negative_wording",
        WEAK,
        &[
            "no sirve", "no me ayuda*", "no ayuda*", "que mal", "fraude", "fraud", "bad",
            "not working", "unbelievable", "seriously", "come on", "nao ajuda*", "nao resolve*",
            "nao funciona", "droga", "af", "aff", "affs", "horror",
        ],
    ),
];

/// Phrases that contain evidence words but say the opposite; evidence inside them is
/// ignored.
#[rustfmt::skip]
const NEUTRALISERS: &[&str] = &[
    "not bad", "not too bad", "no problem", "no problems", "no worries", "nada mal", "no esta mal",
    "sin problema", "sin problemas", "sem problema", "sem problemas", "nao e ruim",
    "no hay problema", "too bad", "no me molesta", "nao tem problema", "once again thank",
    "again thank", "thanks again", "gracias de nuevo", "obrigado de novo", "obrigada de novo",
    "em quantas vezes", "en cuantas veces",
];

/// Thanks and praise: with them, capitals and `!!!` are enthusiasm.
#[rustfmt::skip]
const POSITIVE: &[&str] = &[
    "gracias", "thanks", "thank", "obrigado", "obrigada", "valeu", "perfecto", "perfeito",
    "perfect", "genial", "great", "excelente", "excellent", "awesome", "adorei", "love", "encanta",
    "encanto", "buenisimo", "otimo", "amables", "amable", "incrivel",
];

#[derive(Debug)]
enum Part {
    Word(String),
    Prefix(String),
    Any,
}

/// Words are compared with doubled letters removed, so `pessimo` matches `pésimo` and
/// `horrivel` matches `horivel`; short words are compared as they are (`bbb`, `aff`).
fn key(word: &str) -> Cow<'_, str> {
    if word.chars().count() >= 4 {
        Cow::Owned(squeeze(word))
    } else {
        Cow::Borrowed(word)
    }
}

#[derive(Debug)]
struct Pattern {
    parts: Vec<Part>,
    signal: &'static str,
    weight: f32,
}

impl Pattern {
    fn new(text: &'static str, signal: &'static str, weight: f32) -> Self {
        let parts = text
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(|p| match p {
                "_" => Part::Any,
                p => match p.strip_suffix('*') {
                    Some(prefix) => Part::Prefix(key(prefix).into_owned()),
                    None => Part::Word(key(p).into_owned()),
                },
            })
            .collect();
        Pattern {
            parts,
            signal,
            weight,
        }
    }

    /// Whether the pattern matches `words` from `start`; returns the end.
    fn match_at(&self, words: &[Cow<'_, str>], start: usize) -> Option<usize> {
        let end = start + self.parts.len();
        if end > words.len() {
            return None;
        }
        let ok = self
            .parts
            .iter()
            .zip(&words[start..end])
            .all(|(p, w)| match p {
                Part::Word(x) => x == w,
                Part::Prefix(x) => w.starts_with(x.as_str()),
                Part::Any => true,
            });
        ok.then_some(end)
    }
}

struct Compiled {
    patterns: Vec<Pattern>,
    neutralisers: Vec<Pattern>,
    /// First word → patterns starting with it; patterns starting with a prefix or `_` are
    /// tried everywhere.
    by_first_word: HashMap<String, Vec<usize>>,
    anywhere: Vec<usize>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let patterns: Vec<Pattern> = LEXICON
            .iter()
            .flat_map(|(signal, weight, texts)| {
                texts.iter().map(|t| Pattern::new(t, signal, *weight))
            })
            .collect();
        let mut by_first_word: HashMap<String, Vec<usize>> = HashMap::new();
        let mut anywhere = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match p.parts.first() {
                Some(Part::Word(w)) => by_first_word.entry(w.clone()).or_default().push(i),
                _ => anywhere.push(i),
            }
        }
        Compiled {
            patterns,
            neutralisers: NEUTRALISERS
                .iter()
                .map(|t| Pattern::new(t, "", 0.0))
                .collect(),
            by_first_word,
            anywhere,
        }
    })
}

/// How frustrated `text` reads.
///
/// ```
/// use turno_nlu::frustration;
/// let f = frustration("el bot es inútil, NUNCA MÁS les compro!!!");
/// assert!(f.frustrated);
/// assert!(f.signals.contains(&"insult") && f.signals.contains(&"threat_to_leave"));
/// assert!(!frustration("muchas gracias!!!").frustrated);
/// ```
pub fn frustration(text: &str) -> Frustration {
    let compiled = compiled();
    let normalised = normalise(text);
    let plain: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
    let words: Vec<Cow<'_, str>> = plain.iter().map(|w| key(w)).collect();

    let mut neutral = vec![false; words.len()];
    for n in &compiled.neutralisers {
        for start in 0..words.len() {
            if let Some(end) = n.match_at(&words, start) {
                neutral[start..end].iter_mut().for_each(|x| *x = true);
            }
        }
    }

    // Every pattern that matches (once each), longest first; one inside the span of a longer
    // match is part of it ("again" in "never again") and does not count again.
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
    for start in 0..words.len() {
        let candidates = compiled
            .by_first_word
            .get(words[start].as_ref())
            .into_iter()
            .flatten()
            .chain(&compiled.anywhere);
        for &i in candidates {
            if found.iter().any(|(j, _, _)| *j == i) {
                continue;
            }
            if let Some(end) = compiled.patterns[i].match_at(&words, start)
                && !neutral[start..end].iter().all(|x| *x)
            {
                found.push((i, start, end));
            }
        }
    }
    found.sort_by_key(|(_, start, end)| std::cmp::Reverse(end - start));
    let mut covered = vec![false; words.len()];
    let mut score = 0.0f32;
    let mut signals: Vec<&'static str> = Vec::new();
    let mut note = |signal: &'static str, weight: f32, score: &mut f32| {
        *score += weight;
        if !signals.contains(&signal) {
            signals.push(signal);
        }
    };
    for (i, start, end) in found {
        if covered[start..end].iter().all(|x| *x) {
            continue;
        }
        covered[start..end].iter_mut().for_each(|x| *x = true);
        let p = &compiled.patterns[i];
        note(p.signal, p.weight, &mut score);
    }

    let positive = plain.iter().any(|w| POSITIVE.contains(w));
    if !positive {
        if let Some(weight) = shouting(text) {
            note("all_caps", weight, &mut score);
        } else if shouted_word(text) {
            note("all_caps", WEAK, &mut score);
        }
        if repeated_punctuation(text) {
            note("repeated_punctuation", WEAK, &mut score);
        }
    }

    Frustration {
        frustrated: score >= FRUSTRATED_AT,
        score,
        signals,
    }
}

/// Capitals: strong over a long message (12 letters and three words or more), weak over a
/// short one of two words or more; nothing for one word (`OK`, `HOLA`) or an acronym.
fn shouting(text: &str) -> Option<f32> {
    let letters = text.chars().filter(|c| c.is_alphabetic());
    let (upper, total) = letters.fold((0usize, 0usize), |(u, t), c| {
        (u + usize::from(c.is_uppercase()), t + 1)
    });
    let words = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    if total == 0 || (upper as f32) < 0.85 * total as f32 {
        return None;
    }
    match (total, words) {
        (12.., 3..) => Some(STRONG),
        (6.., 2..) => Some(WEAK),
        _ => None,
    }
}

/// Words that are shouted for emphasis ("give me my money back NOW"), unlike acronyms
/// (`UPS`, `PIX`, `VISA`), which are written in capitals anyway.
#[rustfmt::skip]
const EMPHASIS: &[&str] = &[
    "now", "ya", "ahora", "agora", "hoy", "today", "hoje", "urgent", "urgente", "asap", "never",
    "nunca", "nada", "nothing", "nobody", "nadie", "ninguem", "why", "porque", "still", "todavia",
    "ainda", "again", "help", "ayuda", "ajuda", "where", "donde", "onde", "cade", "please", "favor",
    "immediately", "what", "que", "not", "no", "nao",
];

fn shouted_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|w| {
        w.chars().count() >= 2
            && w.chars().all(|c| c.is_uppercase())
            && EMPHASIS.contains(&normalise(w).as_str())
    })
}

/// `!!!`, `???`, or `?!` mixed.
fn repeated_punctuation(text: &str) -> bool {
    let mut run = 0;
    let mut mixed = false;
    let mut last = None;
    for c in text.chars() {
        match c {
            '!' | '?' | '¡' | '¿' => {
                run += 1;
                if let Some(l) = last
                    && l != c
                    && matches!((l, c), ('!', '?') | ('?', '!'))
                {
                    mixed = true;
                }
                if run >= 3 || mixed {
                    return true;
                }
                last = Some(c);
            }
            _ => {
                run = 0;
                last = None;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(text: &str) -> Vec<&'static str> {
        frustration(text).signals
    }

    #[test]
    fn negative_wording_is_frustrated_in_each_language() {
        assert!(frustration("pésimo servicio").frustrated);
        assert!(frustration("worst experience ever").frustrated);
        assert!(frustration("que absurdo").frustrated);
        assert_eq!(signals("que palhaçada"), ["negative_wording"]);
    }

    #[test]
    fn doubled_or_single_letters_do_not_hide_a_word() {
        assert!(frustration("péssimo atendimento").frustrated);
        assert!(frustration("horrivel").frustrated);
        assert!(frustration("ridículo").frustrated);
    }

    #[test]
    fn insults_to_the_bot_are_frustrated() {
        assert_eq!(signals("bot inútil"), ["insult"]);
        assert_eq!(signals("this is useless"), ["insult"]);
        assert!(signals("esse bot não serve pra nada").contains(&"insult"));
    }

    #[test]
    fn threats_to_leave_are_frustrated() {
        assert_eq!(signals("nunca más les compro"), ["threat_to_leave"]);
        assert_eq!(signals("never again"), ["threat_to_leave"]);
        assert_eq!(signals("vou cancelar tudo"), ["threat_to_leave"]);
        assert_eq!(signals("vou reclamar no procon"), ["threat_to_complain"]);
    }

    #[test]
    fn a_long_message_in_capitals_is_shouting() {
        let f = frustration("WHERE IS MY ORDER");
        assert!(f.frustrated);
        assert_eq!(f.signals, ["all_caps"]);
    }

    #[test]
    fn a_short_message_in_capitals_is_not_enough() {
        assert!(!frustration("BUENOS DIAS").frustrated);
        assert!(!frustration("OK").frustrated);
        assert!(!frustration("UPS tracking number please").frustrated);
    }

    #[test]
    fn repeated_marks_add_to_other_evidence_but_are_not_enough_alone() {
        assert!(!frustration("where is my order???").frustrated);
        assert!(frustration("still waiting???").frustrated);
        assert!(repeated_punctuation("what?!"));
        assert!(!repeated_punctuation("ok!!"));
    }

    #[test]
    fn thanks_turn_capitals_and_marks_into_enthusiasm() {
        assert!(!frustration("MUCHAS GRACIAS POR TODO!!!").frustrated);
        assert!(!frustration("obrigado!!!").frustrated);
    }

    #[test]
    fn waiting_a_long_time_needs_company() {
        assert!(!frustration("llevo una semana esperando mi pedido").frustrated);
        assert!(frustration("llevo una semana esperando y nada").frustrated);
        assert_eq!(signals("llevo dos semanas"), ["long_wait"]);
    }

    #[test]
    fn asking_for_the_umpteenth_time_is_frustrated() {
        assert_eq!(signals("ya van 3 veces que pregunto"), ["repeated_request"]);
        assert!(frustration("how many times do I have to ask").frustrated);
    }

    #[test]
    fn negated_or_positive_phrases_do_not_count() {
        assert_eq!(frustration("not bad, thanks").score, 0.0);
        assert_eq!(frustration("no problem").score, 0.0);
        assert_eq!(frustration("sem problemas").score, 0.0);
        assert!(!frustration("thanks again!").frustrated);
    }

    #[test]
    fn ordinary_requests_are_not_frustrated() {
        for text in [
            "quiero cancelar mi pedido",
            "I want to cancel my order",
            "quero cancelar o pedido",
            "nunca recibí la factura",
            "me conta uma piada",
            "tell me a joke",
            "disculpe la molestia",
        ] {
            assert!(!frustration(text).frustrated, "{text}");
        }
    }
}
