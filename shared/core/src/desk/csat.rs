//! Customer satisfaction (CSAT): the survey sent after a ticket is resolved, the score and
//! comment it collects, and the rolling average that alerts a workspace when it drops.
//!
//! Inside the 24-hour window the survey is an interactive list (WhatsApp allows at most 3
//! reply buttons, and a list up to 10 rows, so a 1 to 5 scale is a list); outside it, the
//! configured template, whose quick-reply buttons carry the payloads `csat_1` to `csat_5`.

use std::collections::VecDeque;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::channel::message::{Content, ListRow, Outbound};
use crate::kernel::ids::{AgentId, MessageId, TeamId};
use crate::kernel::lang::Lang;

/// The lowest and highest score.
pub const MIN_SCORE: u8 = 1;
pub const MAX_SCORE: u8 = 5;

/// A workspace's survey settings (`csat:` in its configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsatConfig {
    #[serde(default)]
    pub enabled: bool,
    /// How long after the ticket is resolved the survey goes out.
    #[serde(default = "default_delay_secs")]
    pub delay_secs: u64,
    /// The template use (under `templates:`) sent outside the 24-hour window.
    #[serde(default = "default_template")]
    pub template: String,
    /// The rolling average below which supervisors are alerted; no alert when absent.
    #[serde(default)]
    pub alert_below: Option<f64>,
    /// How many of the latest answers the rolling average is over.
    #[serde(default = "default_alert_window")]
    pub alert_window: usize,
    /// How long after the survey a typed digit still counts as the score.
    #[serde(default = "default_answer_window_secs")]
    pub answer_window_secs: u64,
    /// How long after the score the customer's next text is kept as their comment.
    #[serde(default = "default_comment_window_secs")]
    pub comment_window_secs: u64,
}

fn default_delay_secs() -> u64 {
    600
}
fn default_template() -> String {
    crate::channel::window::CSAT.to_owned()
}
fn default_alert_window() -> usize {
    20
}
fn default_answer_window_secs() -> u64 {
    24 * 3600
}
fn default_comment_window_secs() -> u64 {
    600
}

impl Default for CsatConfig {
    fn default() -> Self {
        CsatConfig {
            enabled: false,
            delay_secs: default_delay_secs(),
            template: default_template(),
            alert_below: None,
            alert_window: default_alert_window(),
            answer_window_secs: default_answer_window_secs(),
            comment_window_secs: default_comment_window_secs(),
        }
    }
}

/// The most answers a rolling average may cover (the ring stays a small record).
pub const MAX_ALERT_WINDOW: usize = 500;
/// The longest delay: a survey a week after the resolution is no longer about it.
pub const MAX_DELAY_SECS: u64 = 7 * 24 * 3600;

impl CsatConfig {
    /// Checks the settings; `template_payloads` are the quick-reply payloads of the template
    /// named by `template`, or `None` if no such template is configured.
    pub fn validate(&self, template_payloads: Option<&[String]>) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        if self.delay_secs > MAX_DELAY_SECS {
            return Err(format!("csat.delay_secs must be at most {MAX_DELAY_SECS}"));
        }
        if self.alert_window == 0 || self.alert_window > MAX_ALERT_WINDOW {
            return Err(format!("csat.alert_window must be 1 to {MAX_ALERT_WINDOW}"));
        }
        if let Some(t) = self.alert_below
            && !(f64::from(MIN_SCORE)..=f64::from(MAX_SCORE)).contains(&t)
        {
            return Err(format!(
                "csat.alert_below must be between {MIN_SCORE} and {MAX_SCORE}"
            ));
        }
        if self.answer_window_secs == 0 || self.comment_window_secs == 0 {
            return Err(
                "csat.answer_window_secs and csat.comment_window_secs must be above 0".into(),
            );
        }
        let Some(payloads) = template_payloads else {
            return Err(format!(
                "csat.template {:?} is not one of the workspace's templates",
                self.template
            ));
        };
        if payloads.is_empty() {
            return Err(format!(
                "templates.{}: the survey template needs quick-reply buttons (button_payloads csat_1 to csat_5)",
                self.template
            ));
        }
        if let Some(p) = payloads.iter().find(|p| payload_score(p).is_none()) {
            return Err(format!(
                "templates.{}: button payload {p:?} is not a score (csat_1 to csat_5)",
                self.template
            ));
        }
        Ok(())
    }
}

/// How the survey went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyChannel {
    /// The interactive list, inside the 24-hour window.
    List,
    /// The configured template, outside it.
    Template,
}

/// A ticket's survey and what the customer answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCsat {
    /// When the survey was claimed for sending (once per ticket).
    pub sent_at: Timestamp,
    pub channel: SurveyChannel,
    /// WhatsApp's id of the survey message, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_message: Option<MessageId>,
    /// 1 (very unsatisfied) to 5 (very satisfied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Timestamp>,
    /// The customer's message that carried the score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_message: Option<MessageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commented_at: Option<Timestamp>,
    /// The customer's message that carried the comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_message: Option<MessageId>,
    /// Who handled the ticket when it was resolved: the agent and team the score is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
}

impl TicketCsat {
    /// Whether a typed digit at `now` still answers the survey.
    pub fn awaits_score(&self, now: Timestamp, window_secs: u64) -> bool {
        self.score.is_none() && within(self.sent_at, now, window_secs)
    }

    /// Whether the customer's next text at `now` is their comment.
    pub fn awaits_comment(&self, now: Timestamp, window_secs: u64) -> bool {
        self.comment.is_none()
            && self
                .answered_at
                .is_some_and(|a| within(a, now, window_secs))
    }
}

fn within(from: Timestamp, now: Timestamp, secs: u64) -> bool {
    let elapsed = now.duration_since(from).as_secs();
    elapsed >= 0 && elapsed.unsigned_abs() <= secs
}

/// The list rows' ids: `csat:1` to `csat:5`.
const LIST_ID_PREFIX: &str = "csat:";
/// The template buttons' payloads: `csat_1` to `csat_5`.
const PAYLOAD_PREFIX: &str = "csat_";

fn digit_score(s: &str) -> Option<u8> {
    match s.as_bytes() {
        [d @ b'1'..=b'5'] => Some(d - b'0'),
        _ => None,
    }
}

/// The score a template button's payload stands for.
pub fn payload_score(payload: &str) -> Option<u8> {
    payload.strip_prefix(PAYLOAD_PREFIX).and_then(digit_score)
}

/// How a customer's message answers a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A tap on the survey's list or template: a score whenever it comes.
    Tap(u8),
    /// A typed digit: a score only right after the survey.
    Digit(u8),
}

impl Answer {
    pub fn score(self) -> u8 {
        match self {
            Answer::Tap(s) | Answer::Digit(s) => s,
        }
    }
}

/// Reads a customer's message as a survey answer, if it is one.
pub fn answer_in(content: &Content) -> Option<Answer> {
    match content {
        Content::ListReply { id, .. } => id
            .strip_prefix(LIST_ID_PREFIX)
            .and_then(digit_score)
            .map(Answer::Tap),
        Content::TemplateButton { payload, .. } => payload_score(payload).map(Answer::Tap),
        Content::Text { body } => digit_score(body.trim()).map(Answer::Digit),
        _ => None,
    }
}

/// The longest comment kept.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The survey as an interactive list, in the customer's language.
pub fn survey_list(lang: Lang) -> Outbound {
    let (body, button, labels) = match lang {
        Lang::Es => (
            "¿Cómo calificarías la atención que recibiste? Elige de 1 a 5.",
            "Calificar",
            ["Muy mala", "Mala", "Regular", "Buena", "Excelente"],
        ),
        Lang::Pt => (
            "Como você avalia o atendimento que recebeu? Escolha de 1 a 5.",
            "Avaliar",
            ["Muito ruim", "Ruim", "Regular", "Bom", "Excelente"],
        ),
        Lang::En => (
            "How would you rate the help you received? Choose 1 to 5.",
            "Rate",
            ["Very poor", "Poor", "Okay", "Good", "Excellent"],
        ),
    };
    let rows = (MIN_SCORE..=MAX_SCORE)
        .rev()
        .zip(labels.iter().rev())
        .map(|(score, label)| ListRow {
            id: format!("{LIST_ID_PREFIX}{score}"),
            title: format!("{score} · {label}"),
            description: None,
        })
        .collect();
    Outbound::List {
        body: body.to_owned(),
        button: button.to_owned(),
        rows,
    }
}

/// The thanks for a score, inviting a comment.
pub fn thanks_for_score(lang: Lang) -> Outbound {
    Outbound::text(match lang {
        Lang::Es => {
            "¡Gracias por tu respuesta! Si quieres, cuéntanos en un mensaje qué podemos mejorar."
        }
        Lang::Pt => {
            "Obrigado pela sua resposta! Se quiser, conte-nos em uma mensagem o que podemos melhorar."
        }
        Lang::En => {
            "Thank you for your answer! If you like, tell us in a message what we could do better."
        }
    })
}

/// The thanks for a comment.
pub fn thanks_for_comment(lang: Lang) -> Outbound {
    Outbound::text(match lang {
        Lang::Es => "¡Gracias! Tu comentario nos ayuda a mejorar.",
        Lang::Pt => "Obrigado! Seu comentário nos ajuda a melhorar.",
        Lang::En => "Thank you! Your comment helps us improve.",
    })
}

/// The latest scores of a workspace and whether its alert has fired (kept as one record,
/// updated with a conditional write).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreRing {
    /// Oldest first; at most the configured window.
    pub scores: VecDeque<u8>,
    /// The alert fired and has not re-armed yet.
    #[serde(default)]
    pub alerting: bool,
}

/// What one new score did to the alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlertChange {
    /// The average dropped below the threshold: alert once.
    Fired { average: f64 },
    /// The average climbed back to the threshold or above: the next drop alerts again.
    Rearmed { average: f64 },
}

impl ScoreRing {
    pub fn average(&self) -> Option<f64> {
        if self.scores.is_empty() {
            return None;
        }
        let sum: u32 = self.scores.iter().map(|s| u32::from(*s)).sum();
        Some(f64::from(sum) / self.scores.len() as f64)
    }

    /// Adds a score, keeping the latest `window`; with a threshold, says whether the alert
    /// fires (the average of a full window below it, not alerting yet) or re-arms.
    pub fn push(&mut self, score: u8, window: usize, below: Option<f64>) -> Option<AlertChange> {
        self.scores.push_back(score);
        while self.scores.len() > window.max(1) {
            self.scores.pop_front();
        }
        let threshold = below?;
        let average = self.average()?;
        if !self.alerting && self.scores.len() >= window && average < threshold {
            self.alerting = true;
            return Some(AlertChange::Fired { average });
        }
        if self.alerting && average >= threshold {
            self.alerting = false;
            return Some(AlertChange::Rearmed { average });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_from_taps_and_single_digits_only() {
        let list = Content::ListReply {
            id: "csat:4".into(),
            title: "4 · Buena".into(),
            description: None,
        };
        assert_eq!(answer_in(&list), Some(Answer::Tap(4)));
        let button = Content::TemplateButton {
            payload: "csat_2".into(),
            text: "2".into(),
        };
        assert_eq!(answer_in(&button), Some(Answer::Tap(2)));
        let digit = Content::Text { body: " 5 ".into() };
        assert_eq!(answer_in(&digit), Some(Answer::Digit(5)));
        for text in ["6", "0", "55", "5 stars", ""] {
            assert_eq!(
                answer_in(&Content::Text { body: text.into() }),
                None,
                "{text:?}"
            );
        }
        let other = Content::ListReply {
            id: "menu:1".into(),
            title: "x".into(),
            description: None,
        };
        assert_eq!(answer_in(&other), None);
    }

    #[test]
    fn the_survey_list_fits_whatsapp_limits_in_every_language() {
        for lang in Lang::ALL {
            let list = survey_list(lang);
            assert_eq!(list.validate(), Ok(()), "{lang:?}");
            let Outbound::List { rows, .. } = list else {
                panic!("not a list");
            };
            assert_eq!(rows.len(), 5);
        }
    }

    #[test]
    fn the_alert_fires_once_below_the_threshold_and_rearms_above_it() {
        let mut ring = ScoreRing::default();
        assert_eq!(
            ring.push(1, 3, Some(3.5)),
            None,
            "the window is not full yet"
        );
        assert_eq!(ring.push(2, 3, Some(3.5)), None);
        assert!(matches!(
            ring.push(3, 3, Some(3.5)),
            Some(AlertChange::Fired { .. })
        ));
        assert_eq!(ring.push(1, 3, Some(3.5)), None, "fires once");
        assert_eq!(ring.push(5, 3, Some(3.5)), None);
        assert!(matches!(
            ring.push(5, 3, Some(3.5)),
            Some(AlertChange::Rearmed { .. })
        ));
        assert_eq!(ring.scores, VecDeque::from([1, 5, 5]));
        assert_eq!(ring.push(1, 3, Some(3.5)), None, "5, 5, 1 is still above");
        assert!(matches!(
            ring.push(1, 3, Some(3.5)),
            Some(AlertChange::Fired { .. })
        ));
    }

    #[test]
    fn validation_wants_score_payloads_on_the_template() {
        let on = CsatConfig {
            enabled: true,
            ..CsatConfig::default()
        };
        assert!(on.validate(None).unwrap_err().contains("not one of"));
        let good: Vec<String> = (1..=5).map(|n| format!("csat_{n}")).collect();
        assert_eq!(on.validate(Some(&good)), Ok(()));
        let bad = vec!["csat_good".to_owned()];
        assert!(on.validate(Some(&bad)).unwrap_err().contains("csat_good"));
        let off = CsatConfig::default();
        assert_eq!(off.validate(None), Ok(()));
    }
}
