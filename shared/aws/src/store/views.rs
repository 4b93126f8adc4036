//! The console's ticket views and status counters on DynamoDB.
//!
//! Every view is a few `Query`s, each over one index partition in `<updated at>#<id>` order,
//! newest first, reading `limit + 1` items from the cursor on (`SK < cursor`); the app merges
//! them. A filter expression is used only where what it discards is small by construction: a
//! single status inside an assignee's status group, a team inside one agent's tickets, and
//! search, whose partitions hold one customer's tickets or the names sharing two first letters.
//!
//! Counters (`WS#<ws>#COUNTS`, `<team or ->#<status>`, `n`) are moved from the table's stream
//! by the ticket-counts function (`counts`), a batch of ticket writes at a time: a count read
//! lags the writes by that function's batching window.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{TeamId, WorkspaceId};
use turno_core::ports::{
    ALL_STATUSES, AssigneeKey, NAME_PREFIX_MIN, StatusCounts, StatusGroup, StatusScope, StoreError,
    TicketCursor, TicketQuery, TicketSource, merge_pages, name_key,
};

use super::{DynamoStore, Item, TICKET_SK, from_item, key, s, sort_time, ticket_pk};

/// The view indexes, as in `template.yaml`.
pub const STATUS_INDEX: &str = "GSI5";
pub const GROUP_INDEX: &str = "GSI6";
pub const TEAM_STATUS_INDEX: &str = "GSI7";
pub const TEAM_GROUP_INDEX: &str = "GSI8";
pub const ASSIGNEE_GROUP_INDEX: &str = "GSI9";
pub const CUSTOMER_INDEX: &str = "GSI10";
pub const NAME_INDEX: &str = "GSI11";

pub(super) const NOBODY: &str = "-";

fn page_sk(t: &Ticket) -> String {
    format!("{}#{}", sort_time(t.updated_at), t.id)
}

fn name_bucket(key: &str) -> String {
    key.chars().take(NAME_PREFIX_MIN).collect()
}

fn status_pk(ws: &WorkspaceId, status: TicketStatus) -> String {
    format!("WS#{ws}#S#{}", status.as_str())
}
fn group_pk(ws: &WorkspaceId, g: StatusGroup) -> String {
    format!("WS#{ws}#G#{}", g.as_str())
}
fn team_status_pk(ws: &WorkspaceId, team: &TeamId, status: TicketStatus) -> String {
    format!("WS#{ws}#T#{team}#S#{}", status.as_str())
}
fn team_group_pk(ws: &WorkspaceId, team: &TeamId, g: StatusGroup) -> String {
    format!("WS#{ws}#T#{team}#G#{}", g.as_str())
}
fn assignee_group_pk(ws: &WorkspaceId, who: &str, g: StatusGroup) -> String {
    format!("WS#{ws}#A#{who}#G#{}", g.as_str())
}

/// Whether `status` is the only status of its group (the bot's): its group's view (GSI6)
/// holds exactly its tickets, so a ticket in it carries no status view keys (GSI5) and, while
/// nobody holds it, no assignee view keys (GSI9): two fewer index entries, and an item a
/// fifth smaller.
fn alone_in_group(status: TicketStatus) -> bool {
    StatusGroup::of(status).statuses() == [status]
}

/// The view index attributes of a ticket item.
pub(super) fn view_keys(t: &Ticket) -> Item {
    let ws = &t.workspace;
    let group = StatusGroup::of(t.status);
    let sk = page_sk(t);
    let mut keys = Item::new();
    let mut put = |index: &str, pk: String| {
        keys.insert(format!("{index}PK"), s(pk));
        keys.insert(format!("{index}SK"), s(sk.clone()));
    };
    // A status alone in its group (the bot's) is read through the group's view.
    if !alone_in_group(t.status) {
        put(STATUS_INDEX, status_pk(ws, t.status));
    }
    put(GROUP_INDEX, group_pk(ws, group));
    if let Some(team) = &t.team {
        put(TEAM_STATUS_INDEX, team_status_pk(ws, team, t.status));
        put(TEAM_GROUP_INDEX, team_group_pk(ws, team, group));
    }
    // Nobody's tickets of a status alone in its group are read through the group's view,
    // filtered by assignee.
    if t.assignee.is_some() || !alone_in_group(t.status) {
        let who = t.assignee.as_ref().map_or(NOBODY, |a| a.as_str());
        put(ASSIGNEE_GROUP_INDEX, assignee_group_pk(ws, who, group));
    }
    put(CUSTOMER_INDEX, format!("WS#{ws}#C#{}", t.customer));
    if let Some(name) = t.customer_name.as_deref().map(name_key)
        && name.chars().count() >= NAME_PREFIX_MIN
    {
        put(NAME_INDEX, format!("WS#{ws}#N#{}", name_bucket(&name)));
        keys.insert("name_key".into(), s(name));
    }
    keys
}

/// One index partition to read, with what a filter must still check.
struct Leg {
    index: &'static str,
    pk: String,
    status: Option<TicketStatus>,
    team: Option<TeamId>,
    assignee: Option<AssigneeKey>,
    name_prefix: Option<String>,
}

fn legs(ws: &WorkspaceId, q: &TicketQuery, src: &TicketSource) -> Vec<Leg> {
    let leg = |index, pk| Leg {
        index,
        pk,
        status: None,
        team: None,
        assignee: None,
        name_prefix: None,
    };
    let groups = |scope: StatusScope| -> Vec<StatusGroup> {
        match scope {
            StatusScope::All => StatusGroup::ALL.to_vec(),
            StatusScope::Group(g) => vec![g],
            StatusScope::Only(s) => vec![StatusGroup::of(s)],
        }
    };
    let only = match q.status {
        StatusScope::Only(s) => Some(s),
        _ => None,
    };
    // Search: one small partition, everything else filtered.
    if q.customer.is_some() || q.name_prefix.is_some() {
        let (index, pk) = match (&q.customer, &q.name_prefix) {
            (Some(c), _) => (CUSTOMER_INDEX, format!("WS#{ws}#C#{c}")),
            (None, Some(p)) => (NAME_INDEX, format!("WS#{ws}#N#{}", name_bucket(p))),
            (None, None) => return Vec::new(),
        };
        return vec![Leg {
            status: None,
            team: src.team.clone(),
            assignee: src.assignee.clone(),
            name_prefix: q.name_prefix.clone(),
            ..leg(index, pk)
        }];
    }
    match (&src.team, &src.assignee) {
        (None, None) => match q.status {
            StatusScope::All => vec![leg(
                super::WORKSPACE_TICKETS_INDEX,
                format!("WS#{ws}#TICKETS"),
            )],
            StatusScope::Group(g) => vec![leg(GROUP_INDEX, group_pk(ws, g))],
            StatusScope::Only(s) if alone_in_group(s) => {
                vec![leg(GROUP_INDEX, group_pk(ws, StatusGroup::of(s)))]
            }
            StatusScope::Only(s) => vec![leg(STATUS_INDEX, status_pk(ws, s))],
        },
        (Some(team), None) => match q.status {
            StatusScope::Only(s) => vec![leg(TEAM_STATUS_INDEX, team_status_pk(ws, team, s))],
            scope => groups(scope)
                .into_iter()
                .map(|g| leg(TEAM_GROUP_INDEX, team_group_pk(ws, team, g)))
                .collect(),
        },
        (team, Some(who)) => {
            let who_key = match who {
                AssigneeKey::Agent(a) => a.as_str(),
                AssigneeKey::Nobody => NOBODY,
            };
            groups(q.status)
                .into_iter()
                .map(|g| match (who, g.statuses()) {
                    (AssigneeKey::Nobody, [alone]) if alone_in_group(*alone) => Leg {
                        status: only,
                        team: team.clone(),
                        assignee: Some(AssigneeKey::Nobody),
                        ..leg(GROUP_INDEX, group_pk(ws, g))
                    },
                    _ => Leg {
                        status: only,
                        team: team.clone(),
                        ..leg(ASSIGNEE_GROUP_INDEX, assignee_group_pk(ws, who_key, g))
                    },
                })
                .collect()
        }
    }
}

impl DynamoStore {
    async fn read_leg(
        &self,
        leg: &Leg,
        status_scope: StatusScope,
        after: Option<&TicketCursor>,
        take: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut conditions = Vec::new();
        let mut names = HashMap::new();
        let mut values: Item = HashMap::from([(":pk".to_owned(), s(leg.pk.clone()))]);
        let mut key_condition = format!("{}PK = :pk", leg.index);
        if let Some(c) = after {
            key_condition.push_str(&format!(" AND {}SK < :before", leg.index));
            values.insert(
                ":before".into(),
                s(format!("{}#{}", sort_time(c.updated_at), c.id)),
            );
        }
        let searching = leg.index == CUSTOMER_INDEX || leg.index == NAME_INDEX;
        if let Some(st) = leg.status {
            conditions.push("#status = :status".to_owned());
            names.insert("#status".to_owned(), "status".to_owned());
            values.insert(":status".into(), s(st.as_str()));
        } else if searching && status_scope != StatusScope::All {
            let statuses: Vec<TicketStatus> = ALL_STATUSES
                .into_iter()
                .filter(|x| status_scope.holds(*x))
                .collect();
            let marks: Vec<String> = (0..statuses.len()).map(|i| format!(":st{i}")).collect();
            for (m, st) in marks.iter().zip(&statuses) {
                values.insert(m.clone(), s(st.as_str()));
            }
            names.insert("#status".to_owned(), "status".to_owned());
            conditions.push(format!("#status IN ({})", marks.join(", ")));
        }
        if let Some(team) = &leg.team {
            conditions.push("#team = :team".to_owned());
            names.insert("#team".to_owned(), "team".to_owned());
            values.insert(":team".into(), s(team.as_str()));
        }
        {
            match &leg.assignee {
                Some(AssigneeKey::Agent(a)) => {
                    conditions.push("#assignee = :assignee".to_owned());
                    values.insert(":assignee".into(), s(a.as_str()));
                    names.insert("#assignee".to_owned(), "assignee".to_owned());
                }
                Some(AssigneeKey::Nobody) => {
                    conditions.push(
                        "(attribute_not_exists(#assignee) OR attribute_type(#assignee, :null))"
                            .to_owned(),
                    );
                    values.insert(":null".into(), s("NULL"));
                    names.insert("#assignee".to_owned(), "assignee".to_owned());
                }
                None => {}
            }
        }
        if let Some(prefix) = &leg.name_prefix {
            conditions.push("begins_with(name_key, :prefix)".to_owned());
            values.insert(":prefix".into(), s(prefix.clone()));
        }
        let filter = (!conditions.is_empty()).then(|| conditions.join(" AND "));
        let items = self
            .query_all(
                "read a ticket view",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(leg.index)
                        .key_condition_expression(key_condition.clone())
                        .set_filter_expression(filter.clone())
                        .set_expression_attribute_names(super::non_empty(names.clone()))
                        .set_expression_attribute_values(Some(values.clone()))
                        .scan_index_forward(false)
                        .limit(i32::try_from(take).unwrap_or(i32::MAX))
                },
                Some(take as usize),
            )
            .await?;
        items.into_iter().map(|i| from_item(i, "ticket")).collect()
    }

    pub(super) async fn view_page(
        &self,
        ws: &WorkspaceId,
        query: &TicketQuery,
        after: Option<&TicketCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<TicketCursor>), StoreError> {
        if limit == 0 {
            return Ok((Vec::new(), None));
        }
        let take = limit.saturating_add(1);
        let legs: Vec<Leg> = query
            .sources
            .iter()
            .flat_map(|src| legs(ws, query, src))
            .collect();
        let pages = futures::future::try_join_all(
            legs.iter()
                .map(|leg| self.read_leg(leg, query.status, after, take)),
        )
        .await?;
        Ok(merge_pages(pages, limit as usize))
    }

    pub(super) async fn counts(
        &self,
        ws: &WorkspaceId,
        team: Option<&TeamId>,
    ) -> Result<StatusCounts, StoreError> {
        self.catch_up_counts().await?;
        let prefix = team.map(|t| format!("{t}#"));
        let items = self
            .query_all(
                "count tickets",
                || {
                    let q = self
                        .client
                        .query()
                        .table_name(&self.table)
                        .expression_attribute_values(":pk", s(counts_pk(ws)))
                        .consistent_read(true);
                    match &prefix {
                        Some(p) => q
                            .key_condition_expression("PK = :pk AND begins_with(SK, :team)")
                            .expression_attribute_values(":team", s(p.clone())),
                        None => q.key_condition_expression("PK = :pk"),
                    }
                },
                None,
            )
            .await?;
        let mut counts: StatusCounts = ALL_STATUSES.iter().map(|s| (*s, 0)).collect();
        for item in items {
            let (Some(AttributeValue::S(sk)), Some(AttributeValue::N(v))) =
                (item.get("SK"), item.get("n"))
            else {
                continue;
            };
            let status = sk.rsplit('#').next().unwrap_or_default();
            if let Some(st) = ALL_STATUSES.iter().find(|x| x.as_str() == status) {
                *counts.entry(*st).or_insert(0) += v.parse::<i64>().unwrap_or(0).max(0) as u64;
            }
        }
        Ok(counts)
    }

    /// The updates a write of `t` carries besides the ticket: the count of writes to its
    /// customer's bot-held tickets if the stored status is the bot's, after reading what is
    /// stored (unless this process noted it). `Conflict` if the stored version is not the one
    /// `t` was read at. Status counters and rollups move later, from the stream (`counts`).
    pub(super) async fn write_moves(
        &self,
        t: &Ticket,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        self.write_moves_counting(t, true).await
    }

    /// [`write_moves`](Self::write_moves); `count_bot_write`: whether a write of a ticket
    /// stored as the bot's moves its customer's count of such writes (not when the same write
    /// stores the customer's conversation keeping no such ticket: no turn is vouched for).
    pub(super) async fn write_moves_counting(
        &self,
        t: &Ticket,
        count_bot_write: bool,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        if !count_bot_write || t.version == 0 {
            return Ok(Vec::new());
        }
        let status = match self.stored_status(t) {
            Some(status) => status,
            None => {
                let item = self
                    .get(
                        "read ticket",
                        key(ticket_pk(&t.workspace, &t.id), TICKET_SK),
                    )
                    .await?
                    .ok_or(StoreError::Conflict)?;
                let stored: Ticket = from_item(item, "ticket")?;
                if stored.version != t.version {
                    return Err(StoreError::Conflict);
                }
                stored.status
            }
        };
        if status == TicketStatus::Bot {
            // The customer's next turn reads the ticket again.
            Ok(vec![self.bot_ticket_write(t)?])
        } else {
            Ok(Vec::new())
        }
    }
}

pub(super) fn counts_pk(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#COUNTS")
}
