//! Customers as agents see them: the profile agents keep (tags, custom attributes, consent),
//! the configured tags, and their previous tickets.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::effects::{Retry, retry_on_conflict};
use super::{Actor, AppError, Turno};
use crate::app::inbox::normalise_tags;
use crate::desk::agent::Role;
use crate::desk::ticket::{TicketStatus, VIP_TAG};
use crate::kernel::ids::{TeamId, TicketId, WaId, WorkspaceId};
use crate::ports::{StatusScope, TicketQuery};

/// How many of a customer's latest tickets a profile reads.
const CUSTOMER_TICKETS_READ: u32 = 200;
use crate::ports::records::{Record, RecordKind};

const MAX_ATTRIBUTES: usize = 50;
const MAX_PREVIOUS: usize = 50;

/// What agents keep about a customer (stored as a record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerProfile {
    /// A name agents set; WhatsApp's profile name is used when absent.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Whether the customer agreed to receive marketing templates; `None`: not asked.
    #[serde(default)]
    pub marketing_consent: Option<bool>,
    #[serde(default)]
    pub consent_updated_at: Option<Timestamp>,
}

/// A change to a profile; absent fields stay as they are. An attribute set to `null` is
/// removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<BTreeMap<String, Option<String>>>,
    pub marketing_consent: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousTicket {
    pub id: TicketId,
    pub status: TicketStatus,
    pub team: Option<TeamId>,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerView {
    pub wa_id: WaId,
    pub name: Option<String>,
    /// The configured tags and the ones agents added.
    pub tags: Vec<String>,
    pub vip: bool,
    pub attributes: BTreeMap<String, String>,
    pub marketing_consent: Option<bool>,
    pub consent_updated_at: Option<Timestamp>,
    /// Newest first.
    pub tickets: Vec<PreviousTicket>,
}

impl Turno {
    pub(super) async fn profile_record(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<(CustomerProfile, Option<Record>), AppError> {
        let record = self
            .ports
            .store
            .record(ws, RecordKind::Customer, customer.as_str())
            .await?;
        let profile = match &record {
            Some(r) => serde_json::from_value(r.value.clone()).map_err(|e| {
                AppError::Unexpected(anyhow::anyhow!("stored customer profile: {e}"))
            })?,
            None => CustomerProfile::default(),
        };
        Ok((profile, record))
    }

    /// The customer's tags: the configured ones, then the ones agents keep on the profile.
    pub(super) async fn customer_tags(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Vec<String>, AppError> {
        let (profile, _) = self.profile_record(ws, customer).await?;
        let mut tags = self
            .config(ws)
            .await
            .map(|c| c.customer_tags(customer))
            .unwrap_or_default();
        for t in profile.tags {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        Ok(tags)
    }

    /// Carries a profile's change of tags (`before` to `after`) onto the customer's tickets
    /// not yet resolved: tags the profile dropped go (unless configured), new ones come, the
    /// SLA policy is chosen again and the queue re-ranks the ticket (a new VIP goes ahead).
    async fn apply_profile_tags(
        &self,
        actor: &Actor,
        customer: &WaId,
        before: &[String],
        after: &[String],
    ) -> Result<(), AppError> {
        let Some(ws) = self.config(&actor.workspace).await else {
            return Ok(());
        };
        let configured = ws.customer_tags(customer);
        let query = TicketQuery {
            customer: Some(customer.clone()),
            ..TicketQuery::workspace(StatusScope::All)
        };
        let (tickets, _) = self
            .ports
            .store
            .ticket_page(&actor.workspace, &query, None, CUSTOMER_TICKETS_READ)
            .await?;
        let now = self.now();
        for open in tickets
            .iter()
            .filter(|t| !matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed))
        {
            let (configured, ws) = (&configured, &ws);
            let updated = self
                .update_ticket(&actor.workspace, &open.id, |t| {
                    let mut tags: Vec<String> = t
                        .tags
                        .iter()
                        .filter(|x| {
                            !before.contains(x) || after.contains(x) || configured.contains(x)
                        })
                        .cloned()
                        .collect();
                    for x in after {
                        if !tags.contains(x) {
                            tags.push(x.clone());
                        }
                    }
                    if tags != t.tags {
                        t.record(now, Some(&actor.agent), "tags", Some(tags.join(", ")));
                        t.tags = tags;
                        t.updated_at = now;
                        t.refresh_sla(ws.sla.policies(), now);
                    }
                    Ok::<_, AppError>(None)
                })
                .await?;
            if let Some(super::effects::Updated { ticket, sla_before }) = updated {
                self.after_change(ws, &ticket, sla_before, ticket.team.as_slice())
                    .await?;
            }
        }
        Ok(())
    }

    /// The customer as `actor` sees it, without checking that they may (the caller did).
    pub(crate) async fn customer_view_unchecked(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
        actor: &Actor,
    ) -> Result<CustomerView, AppError> {
        let (profile, _) = self.profile_record(ws, customer).await?;
        // The customer's latest tickets, by the customer index.
        let query = TicketQuery {
            customer: Some(customer.clone()),
            ..TicketQuery::workspace(StatusScope::All)
        };
        let (mut tickets, _) = self
            .ports
            .store
            .ticket_page(ws, &query, None, CUSTOMER_TICKETS_READ)
            .await?;
        tickets.sort_by_key(|t| std::cmp::Reverse(t.created_at));
        let agent = self.actor_agent(actor).await?;
        let may_see = |t: &crate::desk::ticket::Ticket| Self::may_see(actor, &agent, t);
        let name = profile
            .name
            .clone()
            .or_else(|| tickets.iter().find_map(|t| t.customer_name.clone()));
        let mut tags = self
            .config(ws)
            .await
            .map(|c| c.customer_tags(customer))
            .unwrap_or_default();
        for t in &profile.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        Ok(CustomerView {
            wa_id: customer.clone(),
            name,
            vip: tags.iter().any(|t| t == VIP_TAG),
            tags,
            attributes: profile.attributes,
            marketing_consent: profile.marketing_consent,
            consent_updated_at: profile.consent_updated_at,
            tickets: tickets
                .iter()
                .filter(|t| may_see(t))
                .take(MAX_PREVIOUS)
                .map(|t| PreviousTicket {
                    id: t.id.clone(),
                    status: t.status,
                    team: t.team.clone(),
                    created_at: t.created_at,
                    resolved_at: t.resolved_at,
                })
                .collect(),
        })
    }

    /// A customer, for a supervisor, or for an agent who may see one of their tickets; to
    /// anyone else the customer does not exist.
    pub async fn customer(&self, actor: &Actor, customer: &WaId) -> Result<CustomerView, AppError> {
        let view = self
            .customer_view_unchecked(&actor.workspace, customer, actor)
            .await?;
        let known = !view.tickets.is_empty()
            || self
                .ports
                .store
                .record(&actor.workspace, RecordKind::Customer, customer.as_str())
                .await?
                .is_some()
            || self
                .ports
                .store
                .conversation(&actor.workspace, customer)
                .await?
                .is_some();
        if !known || (actor.role < Role::Supervisor && view.tickets.is_empty()) {
            return Err(AppError::NotFound("customer"));
        }
        Ok(view)
    }

    /// Changes what agents keep about a customer.
    pub async fn update_customer(
        &self,
        actor: &Actor,
        customer: &WaId,
        patch: CustomerPatch,
    ) -> Result<CustomerView, AppError> {
        self.customer(actor, customer).await?;
        let tags = patch.tags.as_deref().map(normalise_tags).transpose()?;
        let name = patch.name.as_deref().map(|n| n.trim().to_owned());
        if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return Err(AppError::Invalid(
                "the name is longer than 200 characters".into(),
            ));
        }
        if let Some(attrs) = &patch.attributes {
            for (k, v) in attrs {
                let key_ok = !k.is_empty()
                    && k.len() <= 64
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
                if !key_ok {
                    return Err(AppError::Invalid(format!(
                        "attribute name {k:?} must be 1 to 64 letters, digits, '_', '-' or '.'"
                    )));
                }
                if v.as_ref().is_some_and(|v| v.chars().count() > 500) {
                    return Err(AppError::Invalid(format!(
                        "attribute {k:?} is longer than 500 characters"
                    )));
                }
            }
        }
        let now = self.now();
        let (name, tags, patch) = (&name, &tags, &patch);
        let tags_before = retry_on_conflict(|_| async move {
            let (mut profile, record) = self.profile_record(&actor.workspace, customer).await?;
            let tags_before = profile.tags.clone();
            if let Some(n) = &name {
                profile.name = (!n.is_empty()).then(|| n.clone());
            }
            if let Some(t) = &tags {
                profile.tags = t.clone();
            }
            if let Some(attrs) = &patch.attributes {
                for (k, v) in attrs {
                    match v {
                        Some(v) => profile.attributes.insert(k.clone(), v.clone()),
                        None => profile.attributes.remove(k),
                    };
                }
                if profile.attributes.len() > MAX_ATTRIBUTES {
                    return Err(Retry::Fail(AppError::Invalid(format!(
                        "a customer has at most {MAX_ATTRIBUTES} attributes"
                    ))));
                }
            }
            if let Some(c) = patch.marketing_consent
                && profile.marketing_consent != Some(c)
            {
                profile.marketing_consent = Some(c);
                profile.consent_updated_at = Some(now);
            }
            let mut record = Record {
                workspace: actor.workspace.clone(),
                kind: RecordKind::Customer,
                key: customer.as_str().to_owned(),
                value: serde_json::to_value(&profile)
                    .map_err(|e| AppError::Unexpected(e.into()))?,
                updated_at: now,
                version: record.map_or(0, |r| r.version),
            };
            self.ports.store.put_record(&mut record).await?;
            Ok(tags_before)
        })
        .await?;
        if let Some(after) = tags
            && *after != tags_before
        {
            self.apply_profile_tags(actor, customer, &tags_before, after)
                .await?;
        }
        self.customer_view_unchecked(&actor.workspace, customer, actor)
            .await
    }
}
