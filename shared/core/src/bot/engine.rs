//! The level-1 bot: one step per customer message, a pure function of the configuration, the
//! conversation's bot state and the message. A step that needs the business's API returns a
//! [`FlowCall`]; the caller makes it and finishes the step with [`complete_call`]. The
//! optional LLM is asked the same way, by the caller, with the prompts built here.

use serde::{Deserialize, Serialize};

use crate::bot::config::{BotConfig, MenuAction, NluConfig};
use crate::bot::flow::{FlowConfig, Vars, render};
use crate::bot::keywords;
use crate::channel::message::{Content, Outbound};
use crate::desk::ticket::EscalationReason;
use crate::kernel::ids::TeamId;
use crate::kernel::lang::Lang;
use crate::kernel::levels::Priority;
use crate::kernel::text::normalise;

/// What the bot remembers between messages of one conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotState {
    /// Consecutive messages the bot did not understand.
    pub failed_attempts: u8,
    /// Whether the customer has seen the greeting in this conversation.
    pub greeted: bool,
    /// The slot the bot asked for and expects in the next message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting: Option<Awaiting>,
}

/// A flow waiting for the customer to give a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Awaiting {
    pub flow: String,
    pub slot: String,
    /// The slots already filled.
    #[serde(default)]
    pub vars: Vars,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub reason: EscalationReason,
    /// A team the customer chose from the menu; routing decides otherwise.
    pub team: Option<TeamId>,
    /// The menu key chosen, for routing rules.
    pub menu_choice: Option<String>,
    /// The intent understood, for routing rules.
    pub intent: Option<String>,
    /// Outside business hours: the out-of-hours path instead of a live handoff.
    pub out_of_hours: bool,
    /// The keyword trigger that fired, by name, and the least priority it asks for.
    pub keyword: Option<String>,
    pub priority: Option<Priority>,
}

/// An action to call before the step can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowCall {
    pub flow: String,
    pub action: String,
    /// The slots, filled.
    pub vars: Vars,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub replies: Vec<Outbound>,
    pub handoff: Option<Handoff>,
    pub state: BotState,
    /// What the bot made of the message, for logs and reports (`greeting`, `menu:2`, ...).
    pub understood_as: String,
    /// The action to call; the step is finished by [`complete_call`].
    pub call: Option<FlowCall>,
}

impl Step {
    pub(crate) fn reply(
        state: BotState,
        replies: Vec<Outbound>,
        understood_as: impl Into<String>,
    ) -> Self {
        Step {
            replies,
            handoff: None,
            state,
            understood_as: understood_as.into(),
            call: None,
        }
    }

    /// Whether the bot did not understand the message (a fallback or a failed-attempts
    /// handoff): the case for asking the LLM.
    pub fn not_understood(&self) -> bool {
        self.understood_as == NOT_UNDERSTOOD
    }
}

/// What the bot knows of the customer, for templates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer<'a> {
    pub name: Option<&'a str>,
}

impl Customer<'_> {
    fn vars(&self) -> Vars {
        let mut v = Vars::new();
        v.insert(
            "customer.name".into(),
            self.name.unwrap_or_default().trim().to_owned(),
        );
        v
    }
}

const NOT_UNDERSTOOD: &str = "not_understood";
/// The variable an action's URL or body names the conversation's language with.
pub const LANG_VAR: &str = "lang";
/// Up to this many words, a message naming a person (`agente por favor`) asks for one.
const SHORT_REQUEST_WORDS: usize = 3;

/// Runs one bot step for a message in `lang`.
pub fn step(config: &BotConfig, state: &BotState, lang: Lang, content: &Content) -> Step {
    step_for(config, state, lang, content, &Customer::default())
}

/// [`step`] for a known customer (their name fills `{customer.name}`).
pub fn step_for(
    config: &BotConfig,
    state: &BotState,
    lang: Lang,
    content: &Content,
    customer: &Customer<'_>,
) -> Step {
    let text = content.text_for_bot().map(normalise).unwrap_or_default();
    let raw = content.text_for_bot().unwrap_or_default();
    let mut next = state.clone();
    let awaiting = next.awaiting.take();

    if let Some(trigger) = keywords::find(&config.keyword_triggers, &text) {
        let mut s = handoff(
            config,
            next,
            lang,
            EscalationReason::Keyword,
            trigger.team.clone(),
            None,
            &format!("keyword:{}", trigger.name),
        );
        if let Some(h) = s.handoff.as_mut() {
            h.keyword = Some(trigger.name.clone());
            h.priority = trigger.priority;
        }
        return s;
    }

    // A keyword names a person in a short message or in an explicit request; "the first
    // person on the moon" asks for nobody.
    let short = text.split(' ').filter(|w| !w.is_empty()).count() <= SHORT_REQUEST_WORDS;
    if config.escalation_keywords.iter().any(|k| k.is_in(&text))
        && (short || turno_nlu::asks_for_person(raw))
    {
        return handoff(
            config,
            next,
            lang,
            EscalationReason::ExplicitRequest,
            None,
            None,
            "explicit_request",
        );
    }

    if let Some(nlu) = &config.nlu
        && nlu.frustration_handoff
        && !raw.trim().is_empty()
    {
        let f = turno_nlu::frustration(raw);
        if f.frustrated {
            return handoff(
                config,
                next,
                lang,
                EscalationReason::Frustration,
                None,
                None,
                &format!("frustrated:{}", f.signals.join("+")),
            );
        }
    }

    if let Some(a) = &awaiting
        && let Some(flow) = config.flows.get(&a.flow)
        && let Some(value) = flow.slots.get(&a.slot).and_then(|s| s.find(raw))
    {
        // Not reset yet: a value the business does not know is still a failed attempt.
        next.greeted = true;
        let mut vars = a.vars.clone();
        vars.insert(a.slot.clone(), value);
        return run_flow(next, lang, &a.flow, flow, vars, raw, customer);
    }

    if let Some(option) = chosen_option(config, content, &text) {
        next.failed_attempts = 0;
        next.greeted = true;
        return match &option.action {
            MenuAction::Answer(answer) => Step::reply(
                next,
                vec![Outbound::text(answer.get(lang))],
                format!("menu:{}", option.key),
            ),
            MenuAction::Handoff { team } => handoff(
                config,
                next,
                lang,
                EscalationReason::MenuChoice,
                team.clone(),
                Some(option.key.clone()),
                &format!("menu:{}", option.key),
            ),
            MenuAction::Flow(name) => match config.flows.get(name) {
                Some(flow) => run_flow(next, lang, name, flow, Vars::new(), "", customer),
                None => not_understood(config, next, lang, None),
            },
        };
    }

    let understood = config
        .nlu
        .as_ref()
        .and_then(|nlu| nlu.classifier().map(|c| (nlu, c.classify(raw))))
        .filter(|_| !text.is_empty());
    // A greeting in front of a request: the request is answered (and the greeting said
    // first, to a customer not yet greeted).
    let after_greeting = strip_greeting(config, &text);
    let request = understood.as_ref().and_then(|(nlu, c)| {
        let intent = c.intent.as_deref().filter(|i| *i != GREETING);
        match (intent, after_greeting) {
            (Some(i), _) => Some((*nlu, i.to_owned())),
            (None, Some(rest)) => nlu
                .classifier()
                .and_then(|cl| cl.classify(rest).intent)
                .filter(|i| i != GREETING)
                .map(|i| (*nlu, i)),
            (None, None) => None,
        }
    });
    if let Some((nlu, intent)) = request
        && let Some(mut s) = on_intent(config, nlu, next.clone(), lang, &intent, raw, customer)
    {
        if !state.greeted && after_greeting.is_some() {
            s.replies
                .insert(0, Outbound::text(config.greeting.get(lang)));
        }
        // A question answered in passing ("ok", "do you take cards?") leaves the flow waiting
        // for its slot: the order number may still come next.
        if s.handoff.is_none() && s.call.is_none() && s.state.awaiting.is_none() {
            s.state.awaiting = awaiting;
        }
        return s;
    }

    // A message holding a flow's value and nothing else the bot understood ("#123456",
    // "y mi pedio 456789?"): that flow, with the value.
    if let Some((name, flow)) = flow_by_value(config, raw) {
        next.greeted = true;
        let mut s = run_flow(next, lang, name, flow, Vars::new(), raw, customer);
        if !state.greeted && after_greeting.is_some() {
            s.replies
                .insert(0, Outbound::text(config.greeting.get(lang)));
        }
        return s;
    }

    let is_greeting = after_greeting.is_some()
        || understood
            .as_ref()
            .is_some_and(|(_, c)| c.intent.as_deref() == Some(GREETING));
    if is_greeting || !state.greeted {
        // "ok", "hola" or "beleza" while a flow waits for a slot: it still waits for it.
        next.awaiting = awaiting;
        // A first message that is not a greeting and was not understood still counts as a
        // failed attempt: three unintelligible messages hand off, the first one included.
        next.failed_attempts = match is_greeting || raw.trim().is_empty() {
            true => 0,
            false => next.failed_attempts.saturating_add(1),
        };
        next.greeted = true;
        return Step::reply(
            next,
            vec![
                Outbound::text(config.greeting.get(lang)),
                menu(config, lang),
            ],
            "greeting",
        );
    }

    not_understood(config, next, lang, awaiting)
}

/// The one flow whose first slot finds a value in `text`, if exactly one does.
fn flow_by_value<'a>(config: &'a BotConfig, text: &str) -> Option<(&'a str, &'a FlowConfig)> {
    let mut found = config.flows.iter().filter(|(_, f)| {
        f.slots
            .values()
            .next()
            .is_some_and(|slot| slot.find(text).is_some())
    });
    let (name, flow) = found.next()?;
    found.next().is_none().then_some((name.as_str(), flow))
}

/// The step for a message nobody understood: a failed attempt, and the handoff at the limit.
/// A flow waiting for a slot asks for it again instead of showing the menu.
fn not_understood(
    config: &BotConfig,
    mut next: BotState,
    lang: Lang,
    awaiting: Option<Awaiting>,
) -> Step {
    next.failed_attempts = next.failed_attempts.saturating_add(1);
    if next.failed_attempts >= config.max_failed_attempts {
        return handoff(
            config,
            next,
            lang,
            EscalationReason::FailedAttempts,
            None,
            None,
            NOT_UNDERSTOOD,
        );
    }
    let prompt = awaiting.as_ref().and_then(|a| {
        config
            .flows
            .get(&a.flow)
            .and_then(|f| f.slots.get(&a.slot))
            .map(|s| Outbound::text(s.prompt.get(lang)))
    });
    let second = match prompt {
        Some(p) => {
            next.awaiting = awaiting;
            p
        }
        None => menu(config, lang),
    };
    Step::reply(
        next,
        vec![Outbound::text(config.fallback.get(lang)), second],
        NOT_UNDERSTOOD,
    )
}

/// What the bot does with an intent it recognised, if it handles that intent at all.
pub(crate) fn on_intent(
    config: &BotConfig,
    nlu: &NluConfig,
    mut next: BotState,
    lang: Lang,
    intent: &str,
    raw: &str,
    customer: &Customer<'_>,
) -> Option<Step> {
    next.failed_attempts = 0;
    next.greeted = true;
    next.awaiting = None;
    let reason = if intent == "human_agent" {
        Some(EscalationReason::ExplicitRequest)
    } else if nlu.handoff_intents.iter().any(|i| i == intent) {
        Some(EscalationReason::SensitiveTopic)
    } else {
        None
    };
    if let Some(reason) = reason {
        let mut s = handoff(
            config,
            next,
            lang,
            reason,
            None,
            None,
            &format!("intent:{intent}"),
        );
        if let Some(h) = s.handoff.as_mut() {
            h.intent = Some(intent.to_owned());
        }
        return Some(s);
    }
    if let Some(flow) = config.flows.get(intent) {
        return Some(run_flow(
            next,
            lang,
            intent,
            flow,
            Vars::new(),
            raw,
            customer,
        ));
    }
    nlu.answers.get(intent).map(|answer| {
        Step::reply(
            next,
            vec![Outbound::text(answer.get(lang))],
            format!("intent:{intent}"),
        )
    })
}

/// Moves a flow on: takes what slots `text` holds, asks for the first still missing, or
/// calls the action (or answers, for a flow without one) once all are there.
fn run_flow(
    mut next: BotState,
    lang: Lang,
    name: &str,
    flow: &FlowConfig,
    mut vars: Vars,
    text: &str,
    customer: &Customer<'_>,
) -> Step {
    for (slot_name, slot) in &flow.slots {
        if vars.contains_key(slot_name) {
            continue;
        }
        match slot.find(text) {
            Some(v) => {
                vars.insert(slot_name.clone(), v);
            }
            None => {
                let mut all = customer.vars();
                all.extend(vars.clone());
                next.awaiting = Some(Awaiting {
                    flow: name.to_owned(),
                    slot: slot_name.clone(),
                    vars,
                });
                return Step::reply(
                    next,
                    vec![Outbound::text(render(slot.prompt.get(lang), &all))],
                    format!("flow:{name}:ask:{slot_name}"),
                );
            }
        }
    }
    match &flow.call {
        Some(action) => Step {
            // `{lang}` in the action's URL or body: the business answers in the customer's
            // language.
            call: Some(FlowCall {
                flow: name.to_owned(),
                action: action.clone(),
                vars: {
                    let mut vars = vars;
                    vars.insert(LANG_VAR.into(), lang.code().into());
                    vars
                },
            }),
            replies: Vec::new(),
            handoff: None,
            state: next,
            understood_as: format!("flow:{name}:call"),
        },
        None => {
            next.failed_attempts = 0;
            let mut all = customer.vars();
            all.extend(vars);
            Step::reply(
                next,
                vec![Outbound::text(render(flow.answer.get(lang), &all))],
                format!("flow:{name}:answered"),
            )
        }
    }
}

/// Turns a handoff step into the out-of-hours path: the out-of-hours text (when to expect an
/// answer, other ways to write) instead of the handoff text, and the handoff marked so the
/// ticket waits in its queue. Steps without a handoff are returned as they are.
pub fn out_of_hours(config: &BotConfig, mut step: Step, lang: Lang) -> Step {
    let (Some(h), Some(text)) = (step.handoff.as_mut(), config.out_of_hours.as_ref()) else {
        return step;
    };
    h.out_of_hours = true;
    // The handoff text is always a handoff step's last reply.
    step.replies.pop();
    step.replies.push(Outbound::text(text.get(lang)));
    step.understood_as.push_str("+out_of_hours");
    step
}

fn handoff(
    config: &BotConfig,
    mut state: BotState,
    lang: Lang,
    reason: EscalationReason,
    team: Option<TeamId>,
    menu_choice: Option<String>,
    understood_as: &str,
) -> Step {
    state.failed_attempts = 0;
    state.awaiting = None;
    Step {
        replies: vec![Outbound::text(config.handoff.get(lang))],
        handoff: Some(Handoff {
            reason,
            team,
            menu_choice,
            intent: None,
            out_of_hours: false,
            keyword: None,
            priority: None,
        }),
        state,
        understood_as: understood_as.into(),
        call: None,
    }
}

mod call;
mod menu;
#[cfg(test)]
mod tests;

pub use call::complete_call;
pub use menu::menu;
use menu::{GREETING, chosen_option, strip_greeting};
