//! `turno config export|import` (see `config_cli`) and
//! `turno dead-letters list|redrive [QUEUE] [--aws]`: the local queues' dead letters from a
//! terminal, on the same database the runner uses (`TURNO_DATA_DIR`), whether or not it is
//! running; with `--aws`, the dead-letter queues of a deployed stack instead.
//!
//! `--aws` reads the queue URLs from `TURNO_<QUEUE>_QUEUE_URL` and `TURNO_<QUEUE>_DLQ_URL`
//! (the stack's outputs, see the README's "Watch it") and the region and credentials the
//! usual AWS way. A listing shows ids and groups, not bodies: message bodies hold customers'
//! words.

use anyhow::{Context, bail};
use turno_core::ports::{DeadLetters, QueueName};
use turno_embedded::{Db, SqliteQueues};

use crate::LocalConfig;

const USAGE: &str = "usage: turno dead-letters list|redrive [inbound|ticket-writes|escalations|sla-timers] [--aws] | turno config export | turno config import FILE";

/// How many dead letters of each queue `list --aws` shows.
const AWS_LISTED: usize = 100;

/// Runs a `turno` subcommand; `None` when `args` name none (start the runner).
pub async fn run(args: &[String]) -> Option<anyhow::Result<()>> {
    let (first, rest) = args.split_first()?;
    if first == "config" {
        return Some(crate::config_cli::run(rest).await);
    }
    if first != "dead-letters" {
        return Some(Err(anyhow::anyhow!("unknown command {first:?}; {USAGE}")));
    }
    let aws = rest.iter().any(|a| a == "--aws");
    let rest: Vec<String> = rest.iter().filter(|a| *a != "--aws").cloned().collect();
    Some(if aws {
        aws_dead_letters(&rest).await
    } else {
        dead_letters(&rest)
    })
}

fn queues_of(arg: Option<&String>) -> anyhow::Result<Vec<QueueName>> {
    match arg {
        None => Ok(QueueName::ALL.to_vec()),
        Some(name) => match QueueName::ALL.into_iter().find(|q| q.as_str() == name) {
            Some(q) => Ok(vec![q]),
            None => bail!("no queue named {name:?}; {USAGE}"),
        },
    }
}

fn dead_letters(args: &[String]) -> anyhow::Result<()> {
    let (action, rest) = args.split_first().context(USAGE)?;
    let queues = queues_of(rest.first())?;
    if rest.len() > 1 {
        bail!("too many arguments; {USAGE}");
    }
    let cfg = LocalConfig::from_env()?;
    let db = Db::open(&cfg.data_dir.join("turno.db"))?;
    let q = SqliteQueues::new(db);
    match action.as_str() {
        "list" => {
            for queue in queues {
                for d in q.dead_letters(queue)? {
                    println!("{}", serde_json::to_string(&d)?);
                }
            }
        }
        "redrive" => {
            for queue in queues {
                let moved = q.redrive(queue)?;
                println!("{}: {moved} sent back", queue.as_str());
            }
        }
        other => bail!("unknown action {other:?}; {USAGE}"),
    }
    Ok(())
}

/// The deployed stack's dead-letter queues, through the same adapter as the agent API.
async fn aws_dead_letters(args: &[String]) -> anyhow::Result<()> {
    let (action, rest) = args.split_first().context(USAGE)?;
    let queues = queues_of(rest.first())?;
    if rest.len() > 1 {
        bail!("too many arguments; {USAGE}");
    }
    if !matches!(action.as_str(), "list" | "redrive") {
        bail!("unknown action {action:?}; {USAGE}");
    }
    let clients = turno_aws::Clients::new(&turno_aws::load_sdk_config().await);
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let port = turno_aws::SqsDeadLetters::from_env_with(clients.sqs, &env)
        .context("--aws needs the TURNO_*_QUEUE_URL and TURNO_*_DLQ_URL variables")?;
    for queue in queues {
        if action == "list" {
            for d in port.list(queue, AWS_LISTED).await? {
                println!("{}", serde_json::to_string(&d)?);
            }
        } else {
            let moved = port.redrive(queue).await?;
            println!("{}: {moved} sent back", queue.as_str());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_arguments_start_the_runner_and_unknown_ones_are_refused_with_the_usage() {
        assert!(run(&[]).await.is_none());
        let refused = run(&["serve".to_owned()]).await;
        assert!(matches!(refused, Some(Err(e)) if e.to_string().contains("usage")));
        let bad_queue = queues_of(Some(&"outbox".to_owned()));
        assert!(bad_queue.is_err_and(|e| e.to_string().contains("usage")));
        assert_eq!(
            queues_of(Some(&"inbound".to_owned())).ok(),
            Some(vec![QueueName::Inbound])
        );
    }
}

#[cfg(test)]
mod aws_tests {
    use super::*;

    #[tokio::test]
    async fn aws_without_the_queue_urls_names_the_variables_and_a_bad_action_the_usage() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let bad = run(&args(&["dead-letters", "peek", "--aws"])).await;
        assert!(matches!(bad, Some(Err(e)) if e.to_string().contains("usage")));
        if std::env::var("TURNO_INBOUND_DLQ_URL").is_err() {
            let missing = run(&args(&["dead-letters", "list", "--aws"])).await;
            assert!(
                matches!(&missing, Some(Err(e)) if format!("{e:#}").contains("TURNO_")),
                "{missing:?}"
            );
        }
    }
}
