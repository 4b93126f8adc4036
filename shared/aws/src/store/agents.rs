//! [`AgentStore`] on DynamoDB.

use std::collections::HashMap;

use async_trait::async_trait;
use turno_core::desk::agent::{Agent, Availability};
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_core::ports::{AgentStore, StoreError};

use super::{
    DynamoStore, agent_item, agent_sk, agents_pk, attr, from_item, key, sdk_error, unexpected,
};

impl DynamoStore {
    pub(super) async fn read_agent(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
    ) -> Result<Option<Agent>, StoreError> {
        self.get("read agent", key(agents_pk(ws), agent_sk(id)))
            .await?
            .map(|item| from_item(item, "agent"))
            .transpose()
    }
}

#[async_trait]
impl AgentStore for DynamoStore {
    async fn agents(&self, ws: &WorkspaceId) -> Result<Vec<Agent>, StoreError> {
        let items = self
            .query_all(
                "list agents",
                || self.partition_query(agents_pk(ws)).consistent_read(true),
                None,
            )
            .await?;
        items.into_iter().map(|i| from_item(i, "agent")).collect()
    }

    async fn agent(&self, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        self.read_agent(ws, id).await
    }

    async fn upsert_agent_profile(&self, agent: &Agent) -> Result<(), StoreError> {
        // Profile fields are set; availability, load and last assignment only if new.
        let full = agent_item(agent)?;
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = Vec::new();
        for (i, (field, value)) in full
            .into_iter()
            .filter(|(k, _)| k != "PK" && k != "SK")
            .enumerate()
        {
            names.insert(format!("#f{i}"), field.clone());
            values.insert(format!(":v{i}"), value);
            let keep = matches!(field.as_str(), "availability" | "load" | "last_assigned_at");
            sets.push(if keep {
                format!("#f{i} = if_not_exists(#f{i}, :v{i})")
            } else {
                format!("#f{i} = :v{i}")
            });
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(&agent.workspace), agent_sk(&agent.id))))
            .update_expression(format!("SET {}", sets.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(unexpected("upsert agent profile"))?;
        Ok(())
    }

    async fn set_availability(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(ws), agent_sk(id))))
            .update_expression("SET #availability = :availability")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#availability", "availability")
            .expression_attribute_values(":availability", attr(&availability)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::Unexpected(sdk_error("set availability", e))),
        }
    }
}
