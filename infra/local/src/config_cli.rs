//! `turno config export` and `turno config import FILE`: the workspaces' configuration as
//! admins saved it, to and from YAML, for people who keep it in git. They work on the
//! database the runner uses (`TURNO_DATA_DIR`), whether or not it is running; a running
//! runner takes an import within seconds.

use std::sync::Arc;

use anyhow::{Context, bail};
use turno_core::app::{Ports, Turno};
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_embedded::{Db, SandboxWhatsApp, SqliteEventBus, SqliteQueues, SqliteStore};

use crate::LocalConfig;

pub(crate) const USAGE: &str = "usage: turno config export | turno config import FILE";

/// Who an import is audited as.
const IMPORTER: &str = "config-import";

pub(crate) async fn run(args: &[String]) -> anyhow::Result<()> {
    match args {
        [action] if action == "export" => {
            print!("{}", export(&turno()?).await?);
            Ok(())
        }
        [action, file] if action == "import" => {
            let text =
                std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?;
            for (ws, version) in import(&turno()?, &text).await? {
                println!("workspace {ws}: saved as version {version}");
            }
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

fn turno() -> anyhow::Result<Turno> {
    let cfg = LocalConfig::from_env()?;
    let workspaces = cfg.workspaces()?;
    std::fs::create_dir_all(&cfg.data_dir)?;
    let db = Db::open(&cfg.data_dir.join("turno.db"))?;
    over(db, workspaces, cfg.clock.clone())
}

/// The use cases over `db` with nothing that sends: an export and an import only read and
/// save the configuration.
pub(crate) fn over(
    db: Db,
    workspaces: turno_core::config::Workspaces,
    clock: Arc<dyn turno_core::ports::Clock>,
) -> anyhow::Result<Turno> {
    Ok(Turno::new(
        Ports {
            store: Arc::new(SqliteStore::new(db.clone())),
            queue: Arc::new(SqliteQueues::new(db.clone())),
            whatsapp: Arc::new(SandboxWhatsApp::new(db.clone())),
            notifier: Arc::new(turno_notify::WebhookNotifier::new(None)?),
            events: Arc::new(SqliteEventBus::new(db)),
            clock,
        },
        workspaces,
    ))
}

/// Every workspace's configuration in force, as a YAML configuration file.
pub(crate) async fn export(turno: &Turno) -> anyhow::Result<String> {
    let views = turno.config_views().await?;
    let workspaces: Vec<_> = views.into_iter().map(|v| v.config).collect();
    serde_yaml_ng::to_string(&serde_json::json!({ "workspaces": workspaces }))
        .context("cannot write the configuration as YAML")
}

/// Saves each workspace of a YAML configuration file as its next version, checked with the
/// loader's rules. Returns each workspace's new version.
pub(crate) async fn import(turno: &Turno, yaml: &str) -> anyhow::Result<Vec<(WorkspaceId, u64)>> {
    let file: serde_json::Value = serde_yaml_ng::from_str(yaml).context("the file is not YAML")?;
    let Some(list) = file.get("workspaces").and_then(serde_json::Value::as_array) else {
        bail!("the file has no `workspaces:` list");
    };
    let by = AgentId::parse(IMPORTER).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut saved = Vec::new();
    for ws in list {
        let id = ws
            .get("id")
            .and_then(serde_json::Value::as_str)
            .context("a workspace has no id")?;
        let id = WorkspaceId::parse(id).map_err(|e| anyhow::anyhow!("workspace id {id}: {e}"))?;
        let view = turno
            .import_config(&id, &by, ws.clone())
            .await
            .with_context(|| format!("workspace {id}"))?;
        saved.push((id, view.version));
    }
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Turno {
        let workspaces = crate::config::parse_config(crate::config::DEMO_CONFIG).unwrap();
        let db = Db::open_temporary().unwrap();
        over(db, workspaces, Arc::new(turno_core::ports::SystemClock)).unwrap()
    }

    #[tokio::test]
    async fn an_export_imports_back_as_the_next_version_and_a_bad_file_names_its_fault() {
        let turno = demo();
        let exported = export(&turno).await.unwrap();
        assert!(exported.contains("workspaces:"), "{exported}");
        let edited = exported.replacen("first_response_secs: 900", "first_response_secs: 600", 1);
        assert_ne!(
            edited, exported,
            "the demo's default target is in the export"
        );
        let saved = import(&turno, &edited).await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].1, 1);
        assert!(
            export(&turno)
                .await
                .unwrap()
                .contains("first_response_secs: 600")
        );

        let unknown_team = edited.replacen("default_team: support", "default_team: nobody", 1);
        let refused = import(&turno, &unknown_team).await.unwrap_err();
        assert!(
            format!("{refused:#}").contains("routing.default_team"),
            "{refused:#}"
        );
        assert!(import(&turno, "teams: []").await.is_err());
        assert!(run(&["export".into(), "extra".into()]).await.is_err());
    }
}
