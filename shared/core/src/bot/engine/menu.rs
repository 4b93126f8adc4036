//! The menu, how a customer picks from it, and the greetings a message may open with.

use crate::bot::config::{BotConfig, MenuOption};
use crate::channel::message::{Content, ListRow, Outbound};
use crate::kernel::lang::Lang;
use crate::kernel::text::normalise;

const MENU_CHOICE_PREFIX: &str = "menu:";

pub(super) const GREETING: &str = "greeting";

/// What follows the greetings `text` (normalised) opens with, if it opens with one: `""` for
/// a message that is only greetings. A greeting's last letter may be drawn out (`holaaa`,
/// `heyyy`, `oiii`).
pub(super) fn strip_greeting<'t>(config: &BotConfig, text: &'t str) -> Option<&'t str> {
    let mut rest = text;
    let mut found = false;
    loop {
        let longest = config
            .greeting_words
            .iter()
            .filter_map(|g| greeting_length(rest, g.normalised()))
            .max();
        match longest {
            Some(n) => {
                rest = rest[n..].trim_start();
                found = true;
            }
            None => return found.then_some(rest),
        }
    }
}

/// How much of `text` the greeting `g` takes when `text` opens with it as a whole word, its
/// last letter repeated any number of times.
fn greeting_length(text: &str, g: &str) -> Option<usize> {
    let last = g.chars().last()?;
    let after = text.strip_prefix(g)?;
    let drawn_out = after.trim_start_matches(last);
    (drawn_out.is_empty() || drawn_out.starts_with(' ')).then_some(text.len() - drawn_out.len())
}

/// Words a customer may put before a menu key (normalised).
const CHOICE_WORDS: &[&str] = &[
    "opcion", "opciones", "la", "el", "numero", "opcao", "a", "o", "option", "number",
];

pub(super) fn chosen_option<'a>(
    config: &'a BotConfig,
    content: &Content,
    text: &str,
) -> Option<&'a MenuOption> {
    let options = &config.menu.options;
    if let Some(id) = content
        .choice_id()
        .and_then(|id| id.strip_prefix(MENU_CHOICE_PREFIX))
    {
        return options.iter().find(|o| o.key == id);
    }
    // "opción 2", "la 2", "number 2": the key after a word that only points at it.
    let text = text
        .split_once(' ')
        .filter(|(first, _)| CHOICE_WORDS.contains(first))
        .map_or(text, |(_, rest)| rest);
    options.iter().find(|o| {
        text == normalise(&o.key)
            || o.title.0.values().any(|t| {
                let t = normalise(t);
                !t.is_empty() && text == t
            })
    })
}

/// The menu, as numbered text or as an interactive list.
pub fn menu(config: &BotConfig, lang: Lang) -> Outbound {
    let m = &config.menu;
    if m.interactive {
        let button = match m.button.get(lang) {
            "" => "Menu",
            b => b,
        };
        return Outbound::List {
            body: m.prompt.get(lang).to_owned(),
            button: button.to_owned(),
            rows: m
                .options
                .iter()
                .map(|o| ListRow {
                    id: format!("{MENU_CHOICE_PREFIX}{}", o.key),
                    title: o.title.get(lang).to_owned(),
                    description: None,
                })
                .collect(),
        };
    }
    let mut body = m.prompt.get(lang).to_owned();
    for o in &m.options {
        body.push_str(&format!("\n{}. {}", o.key, o.title.get(lang)));
    }
    Outbound::text(body)
}
