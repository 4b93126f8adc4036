//! Agent records on AWS: the workspace configuration lists the agents; the table needs a
//! record for each before they can use the console or be assigned tickets.

use anyhow::Context;
use turno_core::app::Turno;
use turno_core::desk::agent::{Agent, Availability};

/// Writes the record of every configured agent the table does not have yet, as the local
/// runner's seeding does (`Turno::seed_agents`); agents already there keep their profile,
/// availability and load. agent-api calls it at cold start, so a new deployment, or a
/// configuration with a new agent, needs no separate step. Returns how many it wrote.
pub async fn write_missing_agents(turno: &Turno) -> anyhow::Result<usize> {
    let store = turno.store();
    // The configuration admins saved, when there is one, names the agents.
    turno
        .load_stored_config()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("reading the stored configuration")?;
    let mut written = 0;
    for ws in turno.workspaces().iter() {
        for a in &ws.agents {
            let context = || format!("agent {} of workspace {}", a.id, ws.id);
            let known = store
                .agent(&ws.id, &a.id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("reading {}", context()))?;
            if known.is_some() {
                continue;
            }
            // Written offline first: the profile write keeps a stored availability, so the
            // configured one is set by itself below.
            let agent = Agent {
                availability: Availability::Offline,
                ..a.record(&ws.id)
            };
            store
                .upsert_agent_profile(&agent)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("writing {}", context()))?;
            if a.online {
                store
                    .set_availability(&ws.id, &a.id, Availability::Online)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))
                    .with_context(|| format!("setting {} online", context()))?;
            }
            written += 1;
        }
    }
    if written > 0 {
        tracing::info!(written, "configured agents written to the table");
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use turno_core::Timestamp;
    use turno_core::kernel::ids::{AgentId, WorkspaceId};

    use super::*;
    use turno_testkit::harness::TestTurno;

    fn now() -> Timestamp {
        Timestamp::from_second(1_748_876_945).expect("time")
    }

    fn demo_ws() -> WorkspaceId {
        WorkspaceId::parse("100200300400500").expect("id")
    }

    #[tokio::test]
    async fn a_new_table_gets_every_configured_agent_once() {
        let t = TestTurno::demo_without_agents(now());
        let ana = AgentId::parse("ana").expect("id");
        assert!(
            t.turno
                .store()
                .agent(&demo_ws(), &ana)
                .await
                .expect("read")
                .is_none()
        );

        let first = write_missing_agents(&t.turno).await.expect("written");
        let second = write_missing_agents(&t.turno).await.expect("nothing to do");

        let configured: usize = t.turno.workspaces().iter().map(|ws| ws.agents.len()).sum();
        assert!(configured >= 2, "the demo configures agents");
        assert_eq!((first, second), (configured, 0));
        let stored = t.turno.store().agent(&demo_ws(), &ana).await.expect("read");
        let stored = stored.expect("ana has a record");
        assert_eq!(stored.name, "Ana García");
        assert_eq!(stored.availability, Availability::Online);
    }

    #[tokio::test]
    async fn an_agent_who_went_offline_stays_offline_after_a_cold_start() {
        let t = TestTurno::demo(now()).await;
        let ana = AgentId::parse("ana").expect("id");
        t.turno
            .store()
            .set_availability(&demo_ws(), &ana, Availability::Offline)
            .await
            .expect("offline");

        let written = write_missing_agents(&t.turno).await.expect("ran");

        assert_eq!(written, 0);
        let stored = t.turno.store().agent(&demo_ws(), &ana).await.expect("read");
        assert_eq!(stored.expect("ana").availability, Availability::Offline);
    }
}
