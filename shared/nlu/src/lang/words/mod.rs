//! The detector's word lists: frequent words of each language, and the function words of all
//! three.

mod en;
mod es;
mod pt;

pub(super) use en::EN_WORDS;
pub(super) use es::ES_WORDS;
pub(super) use pt::PT_WORDS;

/// Articles, prepositions, pronouns, possessives, conjunctions and auxiliary verbs: words
/// that say which language a message is in but nothing about what the customer wants.
/// Question words (`donde`, `when`, `quanto`) are not here: they do carry intent.
pub(super) const FUNCTION_WORDS: &[&str] = &[
    // es
    "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "pero", "de", "del", "al",
    "en", "con", "por", "para", "sin", "sobre", "mi", "mis", "tu", "tus", "su", "sus", "yo",
    "usted", "ustedes", "me", "te", "se", "nos", "les", "le", "lo", "es", "son", "esta", "estan",
    "estoy", "soy", "eres", "fue", "ser", "estar", "hay", "he", "ha", "han", "muy", "que", "este",
    "esa", "ese", "eso", "esto", "si", // en
    "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "from",
    "by", "is", "are", "was", "were", "be", "been", "am", "i", "you", "he", "she", "it", "we",
    "they", "my", "your", "our", "their", "me", "him", "her", "us", "them", "this", "that",
    "these", "those", "do", "does", "did", "can", "could", "would", "will", "should", "have",
    "has", "had", "what", "so", "very", "just", "there", // pt
    "o", "os", "as", "um", "uma", "uns", "umas", "e", "ou", "mas", "do", "da", "dos", "das", "no",
    "na", "nos", "nas", "ao", "em", "num", "numa", "com", "pra", "pro", "sem", "meu", "minha",
    "meus", "minhas", "seu", "sua", "seus", "suas", "eu", "voce", "voces", "ele", "ela", "lhe",
    "sao", "estou", "sou", "foi", "tem", "isso", "isto", "esse", "essa",
];
