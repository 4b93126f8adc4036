//! The sign-in directory on a Cognito user pool: an agent's account is the user named by its
//! id, with its email (verified: the invitation goes there) and its workspace
//! (`custom:workspace`); its role is its group, one of `agent`, `supervisor` and `admin` (the
//! groups of `template.yaml`).
//!
//! Every call is idempotent: inviting an agent whose account exists moves it to the role's
//! group (and enables it again if it was disabled), changing a role to the one it has changes
//! nothing, and disabling a missing or disabled account succeeds. An account of another
//! workspace is never touched: user names are unique in the pool, so an agent id taken by
//! another workspace is refused with the fix named.

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, DeliveryMediumType};
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_core::ports::Directory;

/// The variable naming the user pool (`template.yaml` sets it for the agent API).
pub const USER_POOL_ID_VAR: &str = "TURNO_USER_POOL_ID";

/// The attribute holding an agent's workspace.
const WORKSPACE_ATTRIBUTE: &str = "custom:workspace";

const ROLES: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];

/// The user pool group of a role, as `template.yaml` names them.
pub fn group_name(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Supervisor => "supervisor",
        Role::Admin => "admin",
    }
}

/// The agents' accounts in one Cognito user pool.
#[derive(Debug, Clone)]
pub struct CognitoDirectory {
    client: Client,
    pool: String,
}

impl CognitoDirectory {
    pub fn new(client: Client, user_pool_id: impl Into<String>) -> Self {
        Self {
            client,
            pool: user_pool_id.into(),
        }
    }

    /// The account's workspace and whether it is enabled; `None` if there is no such user.
    async fn account(&self, agent: &AgentId) -> anyhow::Result<Option<(Option<String>, bool)>> {
        match self
            .client
            .admin_get_user()
            .user_pool_id(&self.pool)
            .username(agent.as_str())
            .send()
            .await
        {
            Ok(user) => {
                let workspace = user
                    .user_attributes()
                    .iter()
                    .find(|a| a.name() == WORKSPACE_ATTRIBUTE)
                    .and_then(|a| a.value().map(str::to_owned));
                Ok(Some((workspace, user.enabled())))
            }
            Err(e) if e.code() == Some("UserNotFoundException") => Ok(None),
            Err(e) => Err(self.failed("AdminGetUser", agent, e)),
        }
    }

    /// The account of `agent`, which must be in `ws`; `None` if there is none.
    async fn own_account(&self, ws: &WorkspaceId, agent: &AgentId) -> anyhow::Result<Option<bool>> {
        let Some((workspace, enabled)) = self.account(agent).await? else {
            return Ok(None);
        };
        match workspace {
            Some(w) if w == ws.as_str() => Ok(Some(enabled)),
            Some(other) => bail!(
                "the user {agent} of the Cognito user pool {} belongs to workspace {other}, not \
                 {ws}: user names are unique in the pool, so give this agent another id",
                self.pool
            ),
            None => bail!(
                "the user {agent} of the Cognito user pool {} has no {WORKSPACE_ATTRIBUTE}: set \
                 it to {ws} (aws cognito-idp admin-update-user-attributes) or give this agent \
                 another id",
                self.pool
            ),
        }
    }

    /// An SDK error, with what to do about the usual causes.
    fn failed<E, R>(
        &self,
        operation: &str,
        agent: &AgentId,
        e: aws_sdk_cognitoidentityprovider::error::SdkError<E, R>,
    ) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let pool = &self.pool;
        let fix = match e.code() {
            Some("ResourceNotFoundException") => format!(
                "; {USER_POOL_ID_VAR} must name an existing user pool with the groups agent, \
                 supervisor and admin (template.yaml's UserPool)"
            ),
            Some("AccessDeniedException" | "NotAuthorizedException") => format!(
                "; the function's role needs cognito-idp:{operation} on the user pool {pool} \
                 (template.yaml)"
            ),
            Some("InvalidParameterException") => format!(
                "; the user pool needs the custom attribute {WORKSPACE_ATTRIBUTE} and an email \
                 attribute (template.yaml's UserPool)"
            ),
            Some("TooManyRequestsException" | "LimitExceededException") => {
                "; Cognito throttled the call: try again in a moment".to_owned()
            }
            _ => String::new(),
        };
        anyhow!(
            "Cognito {operation} for user {agent} in user pool {pool} failed: {}{fix}",
            DisplayErrorContext(&e)
        )
    }

    async fn groups_of(&self, agent: &AgentId) -> anyhow::Result<Vec<String>> {
        let mut groups = Vec::new();
        let mut next = None;
        loop {
            let page = self
                .client
                .admin_list_groups_for_user()
                .user_pool_id(&self.pool)
                .username(agent.as_str())
                .set_next_token(next)
                .send()
                .await
                .map_err(|e| self.failed("AdminListGroupsForUser", agent, e))?;
            groups.extend(
                page.groups()
                    .iter()
                    .filter_map(|g| g.group_name().map(str::to_owned)),
            );
            next = page.next_token().map(str::to_owned);
            if next.is_none() {
                return Ok(groups);
            }
        }
    }

    /// Puts the account in the role's group and takes it out of the other roles' groups.
    async fn move_to(&self, agent: &AgentId, role: Role) -> anyhow::Result<()> {
        let want = group_name(role);
        let groups = self.groups_of(agent).await?;
        if !groups.iter().any(|g| g == want) {
            self.client
                .admin_add_user_to_group()
                .user_pool_id(&self.pool)
                .username(agent.as_str())
                .group_name(want)
                .send()
                .await
                .map_err(|e| self.failed("AdminAddUserToGroup", agent, e))?;
        }
        for other in ROLES.into_iter().map(group_name).filter(|g| *g != want) {
            if groups.iter().any(|g| g == other) {
                self.client
                    .admin_remove_user_from_group()
                    .user_pool_id(&self.pool)
                    .username(agent.as_str())
                    .group_name(other)
                    .send()
                    .await
                    .map_err(|e| self.failed("AdminRemoveUserFromGroup", agent, e))?;
            }
        }
        Ok(())
    }
}

fn attribute(name: &str, value: &str) -> anyhow::Result<AttributeType> {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .with_context(|| format!("the Cognito attribute {name}"))
}

#[async_trait]
impl Directory for CognitoDirectory {
    async fn invite(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
        email: &str,
        role: Role,
    ) -> anyhow::Result<()> {
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.pool)
            .username(agent.as_str())
            .user_attributes(attribute("email", email)?)
            .user_attributes(attribute("email_verified", "true")?)
            .user_attributes(attribute(WORKSPACE_ATTRIBUTE, ws.as_str())?)
            // Cognito makes the temporary password and emails it with the sign-in link.
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.code() == Some("UsernameExistsException") => {
                // Invited before (or deactivated since): the same account, in the new role.
                let enabled = self.own_account(ws, agent).await?;
                if enabled == Some(false) {
                    self.client
                        .admin_enable_user()
                        .user_pool_id(&self.pool)
                        .username(agent.as_str())
                        .send()
                        .await
                        .map_err(|e| self.failed("AdminEnableUser", agent, e))?;
                }
            }
            Err(e) => return Err(self.failed("AdminCreateUser", agent, e)),
        }
        self.move_to(agent, role).await
    }

    async fn set_role(&self, ws: &WorkspaceId, agent: &AgentId, role: Role) -> anyhow::Result<()> {
        if self.own_account(ws, agent).await?.is_none() {
            bail!(
                "agent {agent} has no user in the Cognito user pool {}: invite it (POST \
                 /api/v1/admin/agents) or create the user with the agent id as its name",
                self.pool
            );
        }
        self.move_to(agent, role).await
    }

    async fn disable(&self, ws: &WorkspaceId, agent: &AgentId) -> anyhow::Result<()> {
        if self.own_account(ws, agent).await?.is_none() {
            return Ok(());
        }
        self.client
            .admin_disable_user()
            .user_pool_id(&self.pool)
            .username(agent.as_str())
            .send()
            .await
            .map_err(|e| self.failed("AdminDisableUser", agent, e))?;
        // Its refresh tokens stop working; the API refuses the ID tokens still valid.
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&self.pool)
            .username(agent.as_str())
            .send()
            .await
            .map_err(|e| self.failed("AdminUserGlobalSignOut", agent, e))?;
        Ok(())
    }
}
