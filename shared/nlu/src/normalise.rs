//! Text normalisation: case, accents, punctuation, stretched letters and chat shorthand.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Chat shorthand and contractions → the words they stand for, after accents, case and
/// stretched letters are gone. Only tokens that mean the same in every language the bot
/// speaks (or belong to one language only) are here: `k` is handled apart because it means
/// `ok` on its own and `que` inside a sentence.
const SHORTHAND: &[(&str, &str)] = &[
    // Spanish / Portuguese
    ("q", "que"),
    ("qe", "que"),
    ("xq", "porque"),
    ("pq", "porque"),
    ("porq", "porque"),
    ("pork", "porque"),
    ("xk", "porque"),
    ("tb", "tambien"),
    ("tmb", "tambien"),
    ("tmbn", "tambien"),
    ("tbm", "tambem"),
    ("tbem", "tambem"),
    ("xfa", "por favor"),
    ("xfavor", "por favor"),
    ("porfa", "por favor"),
    ("porfis", "por favor"),
    ("porfavor", "por favor"),
    ("plis", "por favor"),
    ("pfv", "por favor"),
    ("pfvr", "por favor"),
    ("pf", "por favor"),
    ("d", "de"),
    ("dnd", "donde"),
    ("cdo", "cuando"),
    ("qdo", "quando"),
    ("qnd", "quando"),
    ("qndo", "quando"),
    ("msj", "mensaje"),
    ("xa", "para"),
    ("pa", "para"),
    ("toy", "estoy"),
    ("sta", "esta"),
    ("ta", "esta"),
    ("tas", "estas"),
    ("grax", "gracias"),
    ("grx", "gracias"),
    ("grs", "gracias"),
    ("grcs", "gracias"),
    ("graxias", "gracias"),
    ("bn", "bien"),
    ("vc", "voce"),
    ("vcs", "voces"),
    ("voc", "voce"),
    ("hj", "hoje"),
    ("td", "tudo"),
    ("tds", "todos"),
    ("blz", "beleza"),
    ("obg", "obrigado"),
    ("obgd", "obrigado"),
    ("obgda", "obrigada"),
    ("brigado", "obrigado"),
    ("brigada", "obrigada"),
    ("vlw", "valeu"),
    ("mto", "muito"),
    ("mt", "muito"),
    ("mta", "muita"),
    ("qto", "quanto"),
    ("qnt", "quanto"),
    ("qnto", "quanto"),
    ("qnta", "quanta"),
    ("qntos", "quantos"),
    ("kd", "cade"),
    ("aki", "aqui"),
    ("nd", "nada"),
    ("msg", "mensagem"),
    ("cmg", "comigo"),
    ("dps", "depois"),
    ("agr", "agora"),
    // English
    ("pls", "please"),
    ("plz", "please"),
    ("plx", "please"),
    ("pleas", "please"),
    ("thx", "thanks"),
    ("thnx", "thanks"),
    ("thanx", "thanks"),
    ("thnks", "thanks"),
    ("tnx", "thanks"),
    ("tks", "thanks"),
    ("tx", "thanks"),
    ("thankyou", "thank you"),
    ("thanku", "thank you"),
    ("ty", "thank you"),
    ("tysm", "thank you so much"),
    ("tyvm", "thank you very much"),
    ("u", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("ppl", "people"),
    ("cuz", "because"),
    ("coz", "because"),
    ("bc", "because"),
    ("wanna", "want to"),
    ("gonna", "going to"),
    ("gotta", "got to"),
    ("gimme", "give me"),
    ("lemme", "let me"),
    ("wassup", "what is up"),
    ("wasup", "what is up"),
    ("whassup", "what is up"),
    ("whatsup", "what is up"),
    ("wazzup", "what is up"),
    ("wsup", "what is up"),
    ("wsg", "what is good"),
    ("hru", "how are you"),
    ("gm", "good morning"),
    ("hrs", "hours"),
    ("hr", "hour"),
    ("im", "i am"),
    ("ive", "i have"),
    ("dont", "do not"),
    ("doesnt", "does not"),
    ("didnt", "did not"),
    ("cant", "can not"),
    ("cannot", "can not"),
    ("wont", "will not"),
    ("isnt", "is not"),
    ("arent", "are not"),
    ("wasnt", "was not"),
    ("hasnt", "has not"),
    ("havent", "have not"),
    ("whats", "what is"),
    ("wheres", "where is"),
    ("hows", "how is"),
    ("theres", "there is"),
    ("thats", "that is"),
    ("its", "it is"),
    // Everywhere
    ("okay", "ok"),
    ("okey", "ok"),
    ("oki", "ok"),
    ("okis", "ok"),
    ("oka", "ok"),
];

/// The words a chat shorthand or contraction stands for ("ty" → "thank you").
pub(crate) fn expand_shorthand(token: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE
        .get_or_init(|| SHORTHAND.iter().copied().collect())
        .get(token)
        .copied()
}

/// Lower case, accents and punctuation removed, white space folded, letters stretched three
/// times or more squeezed to one, apostrophes joined (`don't` → `dont`) and chat shorthand
/// expanded (`q` → `que`, `xq` → `porque`, `pls` → `please`, `vc` → `voce`, `tmb` →
/// `tambien`, `k` → `ok` alone and `que` elsewhere):
/// `"¿Dónde está   mi PEDIDO?"` → `"donde esta mi pedido"`, `"holaaaa q tal"` → `"hola que tal"`.
///
/// Digits are kept (`pedido 4412`). `info` is left as it is: it is a word in all three
/// languages.
pub fn normalise(text: &str) -> String {
    let raw = fold(text);
    let tokens: Vec<&str> = raw.split(' ').filter(|t| !t.is_empty()).collect();
    let alone = tokens.len() == 1;
    let mut out = String::with_capacity(raw.len() + 8);
    for token in tokens {
        let word = match token {
            "k" | "kk" if alone => "ok",
            "k" => "que",
            t => expand_shorthand(t).unwrap_or(t),
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Case, accents, punctuation, apostrophes and stretched letters, without shorthand.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut last: Option<char> = None;
    let mut run = 0usize;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if is_apostrophe(c) {
            // Joined, so `don't` and `dont` are one token; a quote between spaces is a gap.
            continue;
        }
        if !c.is_alphanumeric() {
            pending_space = true;
            last = None;
            run = 0;
            continue;
        }
        for lc in c.to_lowercase() {
            if pending_space && !out.is_empty() {
                out.push(' ');
                last = None;
                run = 0;
            }
            pending_space = false;
            if Some(lc) == last {
                run += 1;
            } else {
                last = Some(lc);
                run = 1;
            }
            if run <= 2 || lc.is_numeric() {
                out.push(lc);
            } else if run == 3 {
                // A third repeat means the letter was stretched ("holaaa"): squeeze to one.
                out.pop();
            }
        }
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´')
}

/// Removes doubled letters (`reembolso` → `rembolso`, `good` → `god`): a second key under
/// which a word stretched or mistyped with one letter too many or too few is still found.
pub(crate) fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    for c in word.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_accents_case_and_punctuation() {
        assert_eq!(
            normalise("¿Dónde está   mi PEDIDO?"),
            "donde esta mi pedido"
        );
        assert_eq!(normalise("Olá, bom dia!!!"), "ola bom dia");
        assert_eq!(normalise("Ação, Coração; Niño"), "acao coracao nino");
        assert_eq!(normalise("   "), "");
        assert_eq!(normalise("?!"), "");
    }

    #[test]
    fn squeezes_letters_stretched_three_times_or_more() {
        assert_eq!(normalise("holaaaa"), "hola");
        assert_eq!(normalise("HOLAAAA!!!"), "hola");
        assert_eq!(normalise("graciaaas"), "gracias");
        assert_eq!(normalise("thaaaanks"), "thanks");
    }

    #[test]
    fn keeps_real_double_letters_and_numbers() {
        assert_eq!(
            normalise("llamar carro reembolso"),
            "llamar carro reembolso"
        );
        assert_eq!(normalise("need a book"), "need a book");
        assert_eq!(normalise("pedido 10000"), "pedido 10000");
    }

    #[test]
    fn expands_spanish_and_portuguese_chat_shorthand() {
        assert_eq!(normalise("q pasa xq no llega"), "que pasa porque no llega");
        assert_eq!(normalise("pq vc nao responde"), "porque voce nao responde");
        assert_eq!(normalise("yo tmb"), "yo tambien");
        assert_eq!(normalise("eu tbm"), "eu tambem");
        assert_eq!(normalise("info xfa"), "info por favor");
        assert_eq!(normalise("k tal"), "que tal");
        assert_eq!(normalise("obg"), "obrigado");
    }

    #[test]
    fn expands_english_shorthand_and_contractions() {
        assert_eq!(normalise("help pls"), "help please");
        assert_eq!(normalise("plz"), "please");
        assert_eq!(normalise("I don't know"), "i do not know");
        assert_eq!(normalise("what's up"), "what is up");
        assert_eq!(normalise("thx u"), "thanks you");
        assert_eq!(normalise("wassup"), "what is up");
        assert_eq!(normalise("gm all"), "good morning all");
    }

    #[test]
    fn a_lone_k_means_ok() {
        assert_eq!(normalise("k"), "ok");
        assert_eq!(normalise("Okay!"), "ok");
    }

    #[test]
    fn squeeze_removes_doubled_letters() {
        assert_eq!(squeeze("reembolso"), "rembolso");
        assert_eq!(squeeze("good"), "god");
        assert_eq!(squeeze("pedido"), "pedido");
    }
}
