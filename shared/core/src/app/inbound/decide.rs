//! Deciding a turn from what was read: which ticket the message belongs to (the thread
//! window: join, reopen, or start a new one), the customer's transcript entry, and the bot's
//! step or the person's clock.

use tracing::info;

use super::DecidedTurn;
use crate::app::csat::Prefetched;
use crate::app::{JobError, Turno};
use crate::bot::conversation::{BotTicket, Conversation};
use crate::bot::engine;
use crate::bot::turn::{Effect, TurnRecord};
use crate::channel::message::{Author, Body, Content, InboundMessage, Outbound, TranscriptEntry};
use crate::config::WorkspaceConfig;
use crate::desk::escalation::EscalationJob;
use crate::desk::ticket::{EscalationReason, Ticket, TicketStatus};
use crate::ports::TurnOutbox;

impl Turno {
    pub(super) async fn decide_turn(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
        read: Prefetched,
    ) -> Result<DecidedTurn, JobError> {
        let now = self.now();
        let Prefetched {
            conversation,
            current,
            held,
            bot_ticket_changes,
            ..
        } = read;
        let mut conversation = conversation.unwrap_or_else(|| {
            Conversation::new(msg.workspace.clone(), msg.from.clone(), ws.default_language)
        });
        // Only a confident detection changes the conversation's language; short or
        // ambiguous text keeps it.
        let raw = msg.content.text_for_bot().unwrap_or_default();
        let language = crate::kernel::lang::language_after(raw, conversation.language);
        // A ticket the bot holds, unread (the store vouched for what the conversation keeps of
        // it): a stand-in with its id, status and times. A turn never writes a ticket the bot
        // holds unless it creates it (below, the branches that change a ticket all start from
        // another status), so the stand-in is never stored.
        let current = current.or_else(|| {
            held.map(|h| Ticket {
                id: h.id,
                previous_ticket: h.previous_ticket,
                ..Ticket::new(
                    msg.workspace.clone(),
                    msg.from.clone(),
                    None,
                    conversation.language,
                    h.updated_at,
                )
            })
        });
        // The thread window: within it a message joins the current ticket (a resolved one
        // reopens to its team); after it, or after a close, a new ticket links to the old.
        let last_activity = current.as_ref().map(|t| {
            conversation
                .last_customer_message_at
                .map_or(t.updated_at, |m| m.max(t.updated_at))
        });
        let within_window =
            last_activity.is_some_and(|at| now.duration_since(at) <= ws.tickets.thread_window());
        let mut reopened = false;
        let sla_before = current.as_ref().and_then(|t| t.sla.next_event_with_clock());
        let (mut ticket, ticket_created) = match current {
            // An event (a reaction, an edit...) belongs with what it is about: it joins the
            // current ticket as it is, never reopening it or starting a new one.
            Some(t) if msg.content.is_event() => (t, false),
            Some(mut t) if t.status == TicketStatus::Resolved && within_window => {
                t.reopen(&ws.routing.default_team, ws.sla.policies(), now)
                    .map_err(JobError::permanent)?;
                t.record(
                    now,
                    None,
                    "reopened",
                    Some("the customer wrote within the thread window".into()),
                );
                reopened = true;
                (t, false)
            }
            // A person owns it: it stays one conversation however long the pause.
            Some(t) if t.status.is_human() => (t, false),
            Some(t) if t.status == TicketStatus::Bot && within_window => (t, false),
            previous => {
                // A new thread: the bot starts afresh.
                conversation.bot = engine::BotState::default();
                let mut t = Ticket::new(
                    msg.workspace.clone(),
                    msg.from.clone(),
                    msg.profile_name.clone(),
                    language,
                    now,
                );
                t.tags = ws.customer_tags(&msg.from);
                t.previous_ticket = previous.map(|p| p.id);
                t.record(
                    now,
                    None,
                    "created",
                    t.previous_ticket.as_ref().map(|p| format!("follows {p}")),
                );
                (t, true)
            }
        };
        conversation.ticket_id = Some(ticket.id.clone());
        if msg.profile_name.is_some() {
            conversation.profile_name = msg.profile_name.clone();
        }
        // Only the customer opens the 24-hour window: the business's own echoes do not.
        if msg.content.from_customer() {
            conversation.last_customer_message_at = Some(
                conversation
                    .last_customer_message_at
                    .map_or(msg.at, |prev| prev.max(msg.at)),
            );
        }
        let (author, body) = match &msg.content {
            Content::Echo { content } => (
                Author::BusinessApp,
                Body::Outbound {
                    message: Outbound::from_echo(content),
                },
            ),
            content => (
                Author::Customer,
                Body::Inbound {
                    content: content.clone(),
                    context: msg.context.clone(),
                },
            ),
        };

        let mut effects = vec![Effect::Record {
            entry: TranscriptEntry {
                workspace: msg.workspace.clone(),
                ticket_id: ticket.id.clone(),
                message_id: msg.id.clone(),
                customer: msg.from.clone(),
                author,
                at: msg.at,
                body,
                delivery: None,
                delivery_error: None,
                amended: None,
            },
        }];
        let mut ticket_changed = ticket_created || reopened;
        let mut insight = None;
        if reopened {
            // The message that reopens it waits for a reply, as the reports count it.
            ticket.customer_waits(now);
            effects.push(Effect::Escalate {
                job: EscalationJob {
                    workspace: msg.workspace.clone(),
                    ticket_id: ticket.id.clone(),
                    reason: EscalationReason::Reopened,
                    requested_team: ticket.team.clone(),
                    menu_choice: None,
                    text: String::new(),
                    language,
                    trigger: Some(msg.id.clone()),
                    intent: None,
                    out_of_hours: false,
                    keyword: None,
                    priority: None,
                },
            });
        } else if msg.content.is_event() {
            // Not a question: no reply, and no customer-waiting clock for the agent either.
            info!(workspace = %msg.workspace, wamid = %msg.id, ticket_id = %ticket.id, kind = msg.content.kind(), "event recorded, not answered");
        } else if ticket.status.is_human() {
            // A person owns the conversation: the bot stays silent.
            ticket.customer_wrote(ws.sla.policies(), now);
            ticket_changed = true;
            info!(workspace = %msg.workspace, wamid = %msg.id, ticket_id = %ticket.id, "message for a human-owned ticket");
        } else {
            conversation.language = language;
            ticket.language = language;
            let (step, bot) = self
                .bot_step(ws, &conversation, language, &msg.content, now)
                .await;
            insight = Some(Box::new(bot));
            info!(
                workspace = %msg.workspace, wamid = %msg.id, ticket_id = %ticket.id,
                kind = msg.content.kind(), understood_as = %step.understood_as, "bot turn"
            );
            conversation.bot = step.state;
            effects.extend(
                step.replies
                    .into_iter()
                    .map(|message| Effect::Reply { message }),
            );
            if let Some(h) = step.handoff {
                effects.push(Effect::Escalate {
                    job: EscalationJob {
                        workspace: msg.workspace.clone(),
                        ticket_id: ticket.id.clone(),
                        reason: h.reason,
                        requested_team: h.team,
                        menu_choice: h.menu_choice,
                        text: msg.content.text_for_bot().unwrap_or_default().to_owned(),
                        language,
                        trigger: Some(msg.id.clone()),
                        intent: h.intent,
                        out_of_hours: h.out_of_hours,
                        keyword: h.keyword,
                        priority: h.priority,
                    },
                });
            }
        }
        // What the next turn needs of a ticket the bot still holds; none for a surveyed one
        // (a late answer reads it).
        conversation.bot_ticket = (ticket.status == TicketStatus::Bot && ticket.csat.is_none())
            .then(|| BotTicket {
                id: ticket.id.clone(),
                updated_at: ticket.updated_at,
                previous_ticket: ticket.previous_ticket.clone(),
                changes: bot_ticket_changes,
            });
        let record = TurnRecord {
            workspace: msg.workspace.clone(),
            message_id: msg.id.clone(),
            customer: msg.from.clone(),
            ticket_id: ticket.id.clone(),
            effects,
            // The customer's message (the first effect) is written with the commit.
            done: 1,
            bot: insight,
        };
        let (ticket, unchanged) = if ticket_changed {
            (Some(ticket), None)
        } else {
            (None, Some(ticket))
        };
        Ok(DecidedTurn {
            conversation,
            ticket,
            unchanged,
            ticket_created,
            record,
            sla_before,
            outbox: TurnOutbox::default(),
            send_failed: None,
            escalate_now: None,
            handed: None,
        })
    }
}
