//! Finishing a step that called the business's API: the answer, a value it does not know,
//! or its failure.

use super::{Awaiting, BotState, Customer, FlowCall, Step, handoff};
use crate::bot::config::BotConfig;
use crate::bot::flow::{Vars, render};
use crate::bot::integrations::IntegrationError;
use crate::channel::message::Outbound;
use crate::desk::ticket::EscalationReason;
use crate::kernel::lang::Lang;

/// Finishes a step that called an action: the answer with the action's fields; for a value
/// the business does not know (404), says so, counts a failed attempt and asks again; for a
/// failure (timeout, 5xx), apologises and hands off with reason `integration_failed`.
pub fn complete_call(
    config: &BotConfig,
    mut state: BotState,
    lang: Lang,
    call: &FlowCall,
    outcome: Result<Vars, IntegrationError>,
    customer: &Customer<'_>,
) -> Step {
    let name = &call.flow;
    let Some(flow) = config.flows.get(name) else {
        return handoff(
            config,
            state,
            lang,
            EscalationReason::IntegrationFailed,
            None,
            None,
            &format!("flow:{name}:unknown"),
        );
    };
    let mut vars = customer.vars();
    vars.extend(call.vars.clone());
    match outcome {
        Ok(fields) => {
            let prefix = flow.result_name().unwrap_or("result");
            vars.extend(
                fields
                    .into_iter()
                    .map(|(k, v)| (format!("{prefix}.{k}"), v)),
            );
            state.failed_attempts = 0;
            Step::reply(
                state,
                vec![Outbound::text(render(flow.answer.get(lang), &vars))],
                format!("flow:{name}:answered"),
            )
        }
        Err(IntegrationError::NotFound) => {
            state.failed_attempts = state.failed_attempts.saturating_add(1);
            let said = match &flow.not_found {
                Some(t) => Outbound::text(render(t.get(lang), &vars)),
                None => Outbound::text(config.fallback.get(lang)),
            };
            if state.failed_attempts >= config.max_failed_attempts {
                let mut s = handoff(
                    config,
                    state,
                    lang,
                    EscalationReason::FailedAttempts,
                    None,
                    None,
                    &format!("flow:{name}:not_found"),
                );
                s.replies.insert(0, said);
                return s;
            }
            let mut replies = vec![said];
            // Ask again for the slots, from the first.
            if let Some((slot_name, slot)) = flow.slots.iter().next() {
                if flow.not_found.is_none() {
                    replies.push(Outbound::text(render(slot.prompt.get(lang), &vars)));
                }
                state.awaiting = Some(Awaiting {
                    flow: name.clone(),
                    slot: slot_name.clone(),
                    vars: Vars::new(),
                });
            }
            Step::reply(state, replies, format!("flow:{name}:not_found"))
        }
        Err(_) => {
            let mut s = handoff(
                config,
                state,
                lang,
                EscalationReason::IntegrationFailed,
                None,
                None,
                &format!("flow:{name}:failed"),
            );
            if let Some(t) = &flow.failed {
                s.replies
                    .insert(0, Outbound::text(render(t.get(lang), &vars)));
            }
            s
        }
    }
}
