//! `turno dead-letters list|redrive [QUEUE]`: the local queues' dead letters from a terminal,
//! on the same database the runner uses (`TURNO_DATA_DIR`), whether or not it is running.

use anyhow::{Context, bail};
use turno_core::ports::QueueName;
use turno_embedded::{Db, SqliteQueues};

use crate::LocalConfig;

const USAGE: &str =
    "usage: turno dead-letters list|redrive [inbound|ticket-writes|escalations|sla-timers]";

/// Runs a `turno` subcommand; `None` when `args` name none (start the runner).
pub fn run(args: &[String]) -> Option<anyhow::Result<()>> {
    let (first, rest) = args.split_first()?;
    if first != "dead-letters" {
        return Some(Err(anyhow::anyhow!("unknown command {first:?}; {USAGE}")));
    }
    Some(dead_letters(rest))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_start_the_runner_and_unknown_ones_are_refused_with_the_usage() {
        assert!(run(&[]).is_none());
        let refused = run(&["serve".to_owned()]);
        assert!(matches!(refused, Some(Err(e)) if e.to_string().contains("usage")));
        let bad_queue = queues_of(Some(&"outbox".to_owned()));
        assert!(bad_queue.is_err_and(|e| e.to_string().contains("usage")));
        assert_eq!(
            queues_of(Some(&"inbound".to_owned())).ok(),
            Some(vec![QueueName::Inbound])
        );
    }
}
