//! What agents see of a template and fill in: its approved body, header and buttons in the
//! customer's language, its numbered placeholders (`{{1}}`, `{{2}}`…), the customer and
//! ticket fields that pre-fill some of them, and the checks on the values before anything
//! reaches WhatsApp (which answers error 132000 when the count does not match).

use serde::{Deserialize, Serialize};

use super::window::{TemplateConfig, TemplateVars};
use crate::kernel::lang::{Lang, Localized};

/// The longest value WhatsApp takes for a body placeholder.
pub const BODY_PARAM_MAX: usize = 1024;

/// The kind of header a template was approved with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderFormat {
    Text,
    Image,
    Video,
    Document,
    Location,
}

/// A template's header as approved: a text (per customer language) or a kind of media.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateHeader {
    pub format: HeaderFormat,
    /// The header's words, for a text header.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub text: Localized,
}

/// A customer or ticket field that fills a body placeholder before the agent sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateField {
    CustomerName,
    TicketId,
}

pub(super) fn is_empty(l: &Localized) -> bool {
    l.0.is_empty()
}

/// The placeholder numbers in `text`, in increasing order, each once: `{{1}}` → 1.
pub fn placeholders(text: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        if let Ok(n) = after[..end].trim().parse::<u32>() {
            found.push(n);
        }
        rest = &after[end + 2..];
    }
    found.sort_unstable();
    found.dedup();
    found
}

impl TemplateConfig {
    /// How many body placeholders the template takes: those of its approved body when the
    /// configuration gives it, otherwise as many as the configured values.
    pub fn param_count(&self) -> usize {
        self.body
            .0
            .values()
            .map(|b| placeholders(b).len())
            .max()
            .unwrap_or(self.body_params.len())
    }

    /// The approved language code for a customer speaking `lang`: its own variant when the
    /// template has one, the configured default otherwise.
    pub fn language_for(&self, lang: Lang) -> &str {
        self.languages.get(&lang).unwrap_or(&self.language)
    }

    /// Whether `code` is one of the languages the template was approved in.
    pub fn approved_in(&self, code: &str) -> bool {
        code == self.language || self.languages.values().any(|l| l == code)
    }

    /// The body placeholders' values before the agent types anything: a configured field
    /// (the customer's name, the ticket id), else the configured value with its fields filled
    /// in, else empty (the agent must write it).
    pub fn prefill(&self, vars: &TemplateVars<'_>) -> Vec<String> {
        (1..=self.param_count())
            .map(|n| {
                let field = self.fields.get(&n.to_string());
                match field {
                    Some(TemplateField::CustomerName) => vars
                        .customer_name
                        .map(str::trim)
                        .unwrap_or_default()
                        .to_owned(),
                    Some(TemplateField::TicketId) => vars.ticket_id.unwrap_or_default().to_owned(),
                    None => self
                        .body_params
                        .get(n - 1)
                        .map(|v| fill(v, vars))
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Checks the values an agent gives for the body placeholders as WhatsApp will: as many
    /// as the template takes, none empty, none too long or holding new lines or tabs. The
    /// reason names the placeholder (`{{2}}`).
    pub fn check_params(&self, values: &[String]) -> Result<(), String> {
        let want = self.param_count();
        if values.len() > want {
            return Err(format!(
                "template {} takes {want} parameter(s), not {}",
                self.name,
                values.len()
            ));
        }
        for n in 1..=want {
            let v = values.get(n - 1).map(String::as_str).unwrap_or_default();
            if v.trim().is_empty() {
                return Err(format!(
                    "template {} needs parameter {{{{{n}}}}}: it is missing or empty",
                    self.name
                ));
            }
            if v.chars().count() > BODY_PARAM_MAX {
                return Err(format!(
                    "template {} parameter {{{{{n}}}}} is longer than {BODY_PARAM_MAX} characters",
                    self.name
                ));
            }
            if v.contains(['\n', '\t']) || v.contains("     ") {
                return Err(format!(
                    "template {} parameter {{{{{n}}}}} may not hold new lines, tabs or more than four spaces in a row",
                    self.name
                ));
            }
        }
        Ok(())
    }

    /// The configuration's own consistency: every language's body has the placeholders
    /// `{{1}}` to `{{n}}` with the same `n`; fields and configured values fit within them.
    pub(super) fn check_form(&self) -> Result<(), String> {
        let n = self.param_count();
        for (lang, body) in &self.body.0 {
            let found = placeholders(body);
            let expected: Vec<u32> = (1..=n as u32).collect();
            if found != expected {
                return Err(format!(
                    "body.{}: the placeholders must be {{{{1}}}} to {{{{{n}}}}} as in the other languages",
                    lang.code()
                ));
            }
        }
        if !self.body.0.is_empty() && !self.body_params.is_empty() && self.body_params.len() != n {
            return Err(format!(
                "body_params has {} value(s) but the body takes {n}",
                self.body_params.len()
            ));
        }
        for key in self.fields.keys() {
            if !key.parse::<usize>().is_ok_and(|k| (1..=n).contains(&k)) {
                return Err(format!(
                    "fields: {key:?} is not a placeholder of the body (1 to {n})"
                ));
            }
        }
        Ok(())
    }
}

/// A configured value with `{customer_name}` and `{ticket_id}` filled in.
fn fill(value: &str, vars: &TemplateVars<'_>) -> String {
    value
        .replace(
            "{customer_name}",
            vars.customer_name.map(str::trim).unwrap_or_default(),
        )
        .replace("{ticket_id}", vars.ticket_id.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(v: serde_json::Value) -> TemplateConfig {
        serde_json::from_value(v).expect("template")
    }

    fn order_update() -> TemplateConfig {
        template(json!({
            "name": "order_update",
            "language": "es",
            "languages": { "en": "en_US" },
            "body": { "es": "Hola {{1}}, tu pedido {{2}} ha salido.", "en": "Hi {{1}}, order {{2}} shipped." },
            "header": { "format": "text", "text": { "es": "Tu pedido", "en": "Your order" } },
            "buttons": [{ "es": "Gracias", "en": "Thanks" }],
            "fields": { "1": "customer_name" }
        }))
    }

    #[test]
    fn placeholders_are_read_in_order_once_each() {
        assert_eq!(placeholders("{{2}} y {{1}}, {{2}}"), vec![1, 2]);
        assert_eq!(placeholders("{{ 3 }} {{x}} {{4"), vec![3]);
        assert!(placeholders("nada").is_empty());
    }

    #[test]
    fn the_body_sets_the_count_and_fields_prefill_it() {
        let t = order_update();
        t.check_form().unwrap();
        assert_eq!(t.param_count(), 2);
        let vars = TemplateVars {
            customer_name: Some(" Lucía "),
            ticket_id: Some("T-1"),
        };
        assert_eq!(t.prefill(&vars), vec!["Lucía".to_owned(), String::new()]);
        assert_eq!(t.language_for(Lang::En), "en_US");
        assert_eq!(t.language_for(Lang::Pt), "es");
        assert!(t.approved_in("en_US") && !t.approved_in("pt_BR"));
    }

    #[test]
    fn values_are_checked_naming_the_placeholder() {
        let t = order_update();
        let err = t.check_params(&["Lucía".into()]).unwrap_err();
        assert!(err.contains("{{2}}"), "{err}");
        let err = t.check_params(&["Lucía".into(), "  ".into()]).unwrap_err();
        assert!(err.contains("{{2}}"), "{err}");
        let err = t
            .check_params(&["a".into(), "b".into(), "c".into()])
            .unwrap_err();
        assert!(err.contains("takes 2"), "{err}");
        let long = "x".repeat(BODY_PARAM_MAX + 1);
        assert!(t.check_params(&["a".into(), long]).is_err());
        assert!(t.check_params(&["a".into(), "b\nc".into()]).is_err());
        t.check_params(&["Lucía".into(), "456789".into()]).unwrap();
    }

    #[test]
    fn inconsistent_bodies_and_stray_fields_are_refused() {
        let t = template(json!({
            "name": "x", "language": "es",
            "body": { "es": "{{1}} {{2}}", "en": "{{1}}" }
        }));
        assert!(t.check_form().unwrap_err().contains("body."));
        let t = template(json!({
            "name": "x", "language": "es", "body": { "es": "{{1}}" }, "fields": { "2": "ticket_id" }
        }));
        assert!(t.check_form().unwrap_err().contains("fields"));
        let t = template(json!({
            "name": "x", "language": "es", "body": { "es": "{{1}}" }, "body_params": ["a", "b"]
        }));
        assert!(t.check_form().unwrap_err().contains("body_params"));
    }
}
