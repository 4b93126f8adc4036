//! The runner's own sign-in material: the JWT secret kept beside the database, and the tokens
//! it prints for the configured agents (and, for admins, as operators).

use std::path::Path;

use anyhow::Context;
use turno_core::app::Turno;
use turno_core::desk::agent::Role;
use turno_http::Auth;

use crate::AgentToken;
use crate::config::LocalConfig;

/// The JWT secret: from the environment, or generated once and kept beside the database so
/// tokens survive a restart.
pub(crate) fn jwt_secret(cfg: &LocalConfig) -> anyhow::Result<String> {
    if let Some(s) = &cfg.jwt_secret {
        return Ok(s.clone());
    }
    let path = cfg.data_dir.join("jwt-secret");
    if let Ok(s) = std::fs::read_to_string(&path)
        && s.trim().len() >= 32
    {
        return Ok(s.trim().to_owned());
    }
    let secret: String = {
        use rand::Rng;
        let bytes: [u8; 32] = rand::rng().random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    write_private(&path, &secret)?;
    Ok(secret)
}

pub(crate) fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

pub(crate) fn issue_tokens(turno: &Turno, auth: &Auth) -> anyhow::Result<Vec<AgentToken>> {
    let mut tokens = Vec::new();
    for ws in turno.workspaces().iter() {
        for a in &ws.agents {
            tokens.push(AgentToken {
                workspace: ws.id.to_string(),
                agent: a.id.clone(),
                name: a.name.clone(),
                token: auth.issue(&ws.id, &a.id, a.role, 12 * 3600)?,
            });
        }
    }
    tokens.sort_by(|a, b| a.agent.cmp(&b.agent));
    Ok(tokens)
}

pub(crate) fn issue_operator_tokens(turno: &Turno, auth: &Auth) -> anyhow::Result<Vec<AgentToken>> {
    let mut tokens = Vec::new();
    for ws in turno.workspaces().iter() {
        for a in ws.agents.iter().filter(|a| a.role == Role::Admin) {
            tokens.push(AgentToken {
                workspace: ws.id.to_string(),
                agent: a.id.clone(),
                name: a.name.clone(),
                token: auth.issue_operator(&ws.id, &a.id, a.role, 12 * 3600)?,
            });
        }
    }
    Ok(tokens)
}
