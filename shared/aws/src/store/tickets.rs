//! [`TicketStore`] on DynamoDB.

use std::collections::HashMap;

use anyhow::anyhow;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use jiff::Timestamp;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use turno_core::ports::{
    CreatedCursor, CreatedRange, StatusCounts, StoreError, TicketCursor, TicketFilter, TicketQuery,
    TicketStore,
};

use super::{
    AGENT_TICKETS_INDEX, CondPut, DynamoStore, Item, QUEUE_INDEX, SLA_INDEX, SLA_SHARDS, TICKET_SK,
    TRANSACTION_ATTEMPTS, WORKSPACE_TICKETS_INDEX, agent_sk, agents_pk, attr, backoff, from_item,
    key, n, non_empty, s, sort_time, ticket_item, ticket_pk,
};

impl DynamoStore {
    /// Tickets read from items, each noted with the state it is stored in.
    fn entry_ticket_items(&self, items: Vec<Item>) -> Result<Vec<Ticket>, StoreError> {
        let tickets: Vec<Ticket> = items
            .into_iter()
            .map(|i| from_item(i, "ticket"))
            .collect::<Result<_, _>>()?;
        tickets.iter().for_each(|t| self.note_stored(t));
        Ok(tickets)
    }

    /// Takes one unit of `to`'s capacity (unless it already holds the ticket) and stamps the
    /// assignment time; the condition fails if `to` is missing or full.
    pub(super) fn take_unit(
        &self,
        ws: &WorkspaceId,
        to: &AgentId,
        same_agent: bool,
        now: Timestamp,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut names = HashMap::from([("#last".to_owned(), "last_assigned_at".to_owned())]);
        let mut values = HashMap::from([(":now".to_owned(), attr(&now)?)]);
        let (update, condition) = if same_agent {
            ("SET #last = :now", "attribute_exists(PK)")
        } else {
            names.insert("#load".into(), "load".into());
            names.insert("#capacity".into(), "capacity".into());
            values.insert(":one".into(), n(1));
            (
                "SET #last = :now, #load = #load + :one",
                "attribute_exists(PK) AND #load < #capacity",
            )
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(ws), agent_sk(to))))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Gives one unit back to `agent` if it has any (read just before): a missing agent or one
    /// at zero has nothing to give back. The condition fails if the load changed to zero.
    async fn give_unit_back(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let holds = self
            .read_agent(ws, agent)
            .await?
            .is_some_and(|a| a.load > 0);
        if !holds {
            return Ok(None);
        }
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(ws), agent_sk(agent))))
            .update_expression("SET #load = #load - :one")
            .condition_expression("attribute_exists(PK) AND #load > :zero")
            .expression_attribute_names("#load", "load")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":zero", n(0))
            .build()
            .map_err(|e| StoreError::Unexpected(e.into()))?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
    }
}

#[async_trait]
impl TicketStore for DynamoStore {
    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError> {
        let ticket: Option<Ticket> = self
            .get("read ticket", key(ticket_pk(ws, id), TICKET_SK))
            .await?
            .map(|item| {
                let expires_at = super::retention::expiry_of(&item);
                from_item(item, "ticket").map(|t: Ticket| Ticket { expires_at, ..t })
            })
            .transpose()?;
        if let Some(t) = &ticket {
            self.note_stored(t);
        }
        Ok(ticket)
    }

    async fn delete_ticket(
        &self,
        ticket: &Ticket,
        messages: &[MessageId],
    ) -> Result<(), StoreError> {
        self.delete_ticket_items(ticket, messages).await
    }

    async fn expire_ticket_items(&self, ticket: &Ticket) -> Result<(), StoreError> {
        self.expire_ticket_partition(ticket).await
    }

    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError> {
        let moves = self.write_moves(ticket).await?;
        let put = CondPut::versioned(ticket_item(ticket, ticket.version + 1)?, ticket.version);
        if moves.is_empty() {
            if !self.put("save ticket", put).await? {
                return Err(StoreError::Conflict);
            }
        } else {
            let put = put.into_transact(&self.table)?;
            let outcome = self
                .transact("save ticket", || {
                    let mut items = vec![put.clone()];
                    items.extend(moves.clone());
                    Ok(items)
                })
                .await?;
            if outcome.is_err() {
                return Err(StoreError::Conflict);
            }
        }
        ticket.version += 1;
        self.note_stored(ticket);
        Ok(())
    }

    async fn ticket_page(
        &self,
        ws: &WorkspaceId,
        query: &TicketQuery,
        after: Option<&TicketCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<TicketCursor>), StoreError> {
        self.view_page(ws, query, after, limit).await
    }

    async fn tickets_created(
        &self,
        ws: &WorkspaceId,
        range: &CreatedRange,
        after: Option<&CreatedCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<CreatedCursor>), StoreError> {
        self.created_page(ws, range, after, limit).await
    }

    async fn ticket_counts(
        &self,
        ws: &WorkspaceId,
        team: Option<&TeamId>,
    ) -> Result<StatusCounts, StoreError> {
        self.counts(ws, team).await
    }

    async fn list_tickets(
        &self,
        ws: &WorkspaceId,
        filter: &TicketFilter,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut conditions = Vec::new();
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let (index, pk) = match &filter.assignee {
            Some(agent) => (
                AGENT_TICKETS_INDEX,
                ("GSI2PK", format!("WS#{ws}#AGENT#{agent}")),
            ),
            None => (
                WORKSPACE_TICKETS_INDEX,
                ("GSI4PK", format!("WS#{ws}#TICKETS")),
            ),
        };
        values.insert(":pk".to_owned(), s(pk.1));
        if let Some(status) = filter.status {
            conditions.push("#status = :status".to_owned());
            names.insert("#status".to_owned(), "status".to_owned());
            values.insert(":status".to_owned(), s(status.as_str()));
        }
        if let Some(team) = &filter.team {
            conditions.push("#team = :team".to_owned());
            names.insert("#team".to_owned(), "team".to_owned());
            values.insert(":team".to_owned(), s(team.as_str()));
        }
        if let Some(teams) = &filter.teams {
            let mut visible = Vec::new();
            if !teams.is_empty() {
                let placeholders: Vec<String> =
                    (0..teams.len()).map(|i| format!(":team{i}")).collect();
                for (p, t) in placeholders.iter().zip(teams) {
                    values.insert(p.clone(), s(t.as_str()));
                }
                names.insert("#team".to_owned(), "team".to_owned());
                visible.push(format!("#team IN ({})", placeholders.join(", ")));
            }
            if let Some(agent) = &filter.visible_to_agent {
                names.insert("#assignee".to_owned(), "assignee".to_owned());
                values.insert(":visible".to_owned(), s(agent.as_str()));
                visible.push("#assignee = :visible".to_owned());
            }
            if visible.is_empty() {
                return Ok(Vec::new());
            }
            conditions.push(format!("({})", visible.join(" OR ")));
        }
        let filter_expression = (!conditions.is_empty()).then(|| conditions.join(" AND "));
        let items = self
            .query_all(
                "list tickets",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(index)
                        .key_condition_expression(format!("{} = :pk", pk.0))
                        .set_filter_expression(filter_expression.clone())
                        .set_expression_attribute_names(non_empty(names.clone()))
                        .set_expression_attribute_values(Some(values.clone()))
                        .scan_index_forward(false)
                },
                filter.limit.map(|l| l as usize),
            )
            .await?;
        self.entry_ticket_items(items)
    }

    async fn customer_tickets(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Vec<Ticket>, StoreError> {
        // The customer view (GSI10): every ticket of the customer, and nothing else.
        let items = self
            .query_all(
                "read customer tickets",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(super::CUSTOMER_INDEX)
                        .key_condition_expression("GSI10PK = :pk")
                        .expression_attribute_values(":pk", s(format!("WS#{ws}#C#{customer}")))
                },
                None,
            )
            .await?;
        let mut tickets = self.entry_ticket_items(items)?;
        tickets.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(tickets)
    }

    async fn queued_tickets(
        &self,
        ws: &WorkspaceId,
        team: &TeamId,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        // DynamoDB refuses a `Limit` of 0.
        if limit == 0 {
            return Ok(Vec::new());
        }
        let items = self
            .query_all(
                "read team queue",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(QUEUE_INDEX)
                        .key_condition_expression("GSI1PK = :pk")
                        .expression_attribute_values(":pk", s(format!("WS#{ws}#QUEUE#{team}")))
                        .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                },
                Some(limit as usize),
            )
            .await?;
        self.entry_ticket_items(items)
    }

    async fn tickets_sla_due(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(WorkspaceId, TicketId)>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // '$' sorts right after '#', so every key at `before` itself is included.
        let upper = format!("{}$", sort_time(before));
        let shards = (0..SLA_SHARDS).map(|shard| {
            let upper = upper.clone();
            async move {
                self.query_all(
                    "list tickets with SLA due",
                    || {
                        self.client
                            .query()
                            .table_name(&self.table)
                            .index_name(SLA_INDEX)
                            .key_condition_expression("GSI3PK = :pk AND GSI3SK < :upper")
                            .expression_attribute_values(":pk", s(format!("SLA#{shard}")))
                            .expression_attribute_values(":upper", s(upper.clone()))
                            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                    },
                    Some(limit as usize),
                )
                .await
            }
        });
        let mut keys: Vec<String> = Vec::new();
        for items in futures::future::try_join_all(shards).await? {
            keys.extend(
                items
                    .into_iter()
                    .filter_map(|mut i| match i.remove("GSI3SK") {
                        Some(AttributeValue::S(k)) => Some(k),
                        _ => None,
                    }),
            );
        }
        keys.sort();
        keys.truncate(limit as usize);
        keys.into_iter()
            .map(|k| {
                let mut parts = k.splitn(3, '#');
                let (_, ws, id) = (parts.next(), parts.next(), parts.next());
                let (Some(ws), Some(id)) = (ws, id) else {
                    return Err(StoreError::Unexpected(anyhow!(
                        "malformed SLA index key {k:?}"
                    )));
                };
                let ws = WorkspaceId::parse(ws).map_err(|e| StoreError::Unexpected(e.into()))?;
                let id = TicketId::parse(id).map_err(|e| StoreError::Unexpected(e.into()))?;
                Ok((ws, id))
            })
            .collect()
    }

    async fn assign_ticket(
        &self,
        ticket: &mut Ticket,
        to: &AgentId,
        release: Option<&AgentId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let ws = ticket.workspace.clone();
        // Handing a ticket to the agent who already holds it changes nobody's load.
        let same_agent = release == Some(to);
        for attempt in 1..=TRANSACTION_ATTEMPTS {
            let moves = self.write_moves(ticket).await?;
            let give_back = match release.filter(|_| !same_agent) {
                Some(previous) => self.give_unit_back(&ws, previous).await?,
                None => None,
            };
            let outcome = self
                .transact("assign ticket", || {
                    let mut items = vec![
                        CondPut::versioned(
                            ticket_item(ticket, ticket.version + 1)?,
                            ticket.version,
                        )
                        .into_transact(&self.table)?,
                        self.take_unit(&ws, to, same_agent, now)?,
                    ];
                    items.extend(give_back.clone());
                    items.extend(moves.clone());
                    Ok(items)
                })
                .await?;
            match outcome {
                Ok(()) => {
                    ticket.version += 1;
                    self.note_stored(ticket);
                    return Ok(());
                }
                Err(failed) if failed.contains(&1) => {
                    return match self.read_agent(&ws, to).await? {
                        Some(_) => Err(StoreError::AtCapacity),
                        None => Err(StoreError::Unexpected(anyhow!(
                            "there is no agent {to} in {ws}"
                        ))),
                    };
                }
                Err(failed) if failed.contains(&0) => return Err(StoreError::Conflict),
                // The previous agent's load went to zero meanwhile: read it again.
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Conflict)
    }

    async fn release_ticket(&self, ticket: &mut Ticket, agent: &AgentId) -> Result<(), StoreError> {
        let ws = ticket.workspace.clone();
        for attempt in 1..=TRANSACTION_ATTEMPTS {
            let moves = self.write_moves(ticket).await?;
            let give_back = self.give_unit_back(&ws, agent).await?;
            let outcome = self
                .transact("release ticket", || {
                    let mut items = vec![
                        CondPut::versioned(
                            ticket_item(ticket, ticket.version + 1)?,
                            ticket.version,
                        )
                        .into_transact(&self.table)?,
                    ];
                    items.extend(give_back.clone());
                    items.extend(moves.clone());
                    Ok(items)
                })
                .await?;
            match outcome {
                Ok(()) => {
                    ticket.version += 1;
                    self.note_stored(ticket);
                    return Ok(());
                }
                Err(failed) if failed.contains(&0) => return Err(StoreError::Conflict),
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Conflict)
    }
}
