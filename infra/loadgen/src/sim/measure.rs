//! Times what the console and the reports read on the simulated month, as a table. Each
//! measured step is one small async function returning what it found; [`measure_all`] lists
//! them, so a new read is one function and one line.

use std::future::Future;
use std::time::{Duration, Instant};

use turno_core::app::{
    ExportParams, Granularity, ListParams, ListView, ReportQuery, csv_header, push_row,
};
use turno_core::kernel::ids::TeamId;

use super::world::{World, supervisor};
use super::{Options, month_start, script};

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Measured {
    pub name: String,
    pub took: Duration,
    /// DynamoDB requests the step made (DynamoDB runs only).
    pub requests: Option<u64>,
    pub detail: String,
}

/// The measured steps so far.
#[derive(Debug, Default)]
pub struct Table {
    pub rows: Vec<Measured>,
}

impl Table {
    /// Times `step` and counts the DynamoDB requests it makes.
    pub async fn step(
        &mut self,
        world: &World,
        name: &str,
        step: impl Future<Output = anyhow::Result<String>>,
    ) -> anyhow::Result<()> {
        let before = world.requests.as_ref().map(|r| r.count());
        let began = Instant::now();
        let detail = step.await?;
        let took = began.elapsed();
        let requests = world
            .requests
            .as_ref()
            .zip(before)
            .map(|(r, b)| r.count() - b);
        self.rows.push(Measured {
            name: name.to_owned(),
            took,
            requests,
            detail,
        });
        Ok(())
    }

    pub fn print(&self) {
        println!("{:<34} {:>10} {:>9}  detail", "step", "ms", "requests");
        for r in &self.rows {
            println!(
                "{:<34} {:>10.1} {:>9}  {}",
                r.name,
                r.took.as_secs_f64() * 1000.0,
                r.requests.map_or("-".into(), |n| n.to_string()),
                r.detail
            );
        }
    }
}

/// `VmHWM` (peak) and `VmRSS` (now) of this process, in MiB.
pub fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

async fn inbox_page(
    world: &World,
    cursor: Option<String>,
) -> anyhow::Result<(String, Option<String>)> {
    let page = world
        .turno
        .ticket_page(
            &supervisor(),
            ListParams {
                view: ListView::Open,
                cursor,
                limit: Some(50),
                ..ListParams::default()
            },
        )
        .await?;
    let open: u64 = ["queued", "assigned", "pending", "snoozed"]
        .iter()
        .filter_map(|s| page.counts.get(*s))
        .sum();
    Ok((
        format!("{} tickets, {open} open in all", page.items.len()),
        page.next_cursor,
    ))
}

async fn search(world: &World, q: &str) -> anyhow::Result<String> {
    let page = world
        .turno
        .ticket_page(
            &supervisor(),
            ListParams {
                q: Some(q.to_owned()),
                limit: Some(50),
                ..ListParams::default()
            },
        )
        .await?;
    Ok(format!("{q:?}: {} tickets", page.items.len()))
}

async fn dashboard(world: &World) -> anyhow::Result<String> {
    let d = world.turno.dashboard(&supervisor()).await?;
    let v = serde_json::to_value(&d)?;
    Ok(format!("{} keys", v.as_object().map_or(0, |o| o.len())))
}

async fn poll_nothing_new(world: &World) -> anyhow::Result<String> {
    let version = world.turno.list_version(&supervisor()).await?;
    Ok(format!("list version {}", version.len()))
}

/// The whole month as CSV, a page of 500 at a time, as the streamed download reads it.
async fn export_month(world: &World, o: &Options) -> anyhow::Result<String> {
    let from = month_start()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .yesterday()?;
    let to = month_start()
        .checked_add(jiff::SignedDuration::from_hours(
            24 * i64::from(o.days) + 24,
        ))?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let (hwm_before, rss_before) = memory_mb();
    let mut rss_max = rss_before;
    let mut buf = csv_header();
    let (mut rows, mut bytes) = (0u64, buf.len() as u64);
    let mut cursor = None;
    let began = Instant::now();
    loop {
        let page = world
            .turno
            .conversation_page(
                &supervisor(),
                ExportParams {
                    from,
                    to,
                    team: None,
                    cursor,
                    limit: Some(500),
                },
            )
            .await?;
        buf.clear();
        for r in &page.rows {
            push_row(&mut buf, r);
        }
        rows += page.rows.len() as u64;
        bytes += buf.len() as u64;
        rss_max = rss_max.max(memory_mb().1);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let secs = began.elapsed().as_secs_f64();
    let (hwm_after, _) = memory_mb();
    Ok(format!(
        "{rows} rows, {:.0} rows/s, {:.1} MB of CSV; RSS {rss_before:.0} MB before, {rss_max:.0} MB at most while exporting; peak RSS {hwm_before:.0} → {hwm_after:.0} MB",
        rows as f64 / secs.max(1e-9),
        bytes as f64 / 1e6
    ))
}

/// A report over `days` local days ending with the simulated month's last day, by
/// `granularity`, for the whole workspace or one team.
async fn report(
    world: &World,
    o: &Options,
    days: i64,
    granularity: Granularity,
    team: Option<&str>,
) -> anyhow::Result<String> {
    let to = month_start()
        .checked_add(jiff::SignedDuration::from_hours(
            24 * i64::from(o.days.max(1)) - 1,
        ))?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let from = to.checked_sub(jiff::Span::new().days(days - 1))?;
    let r = world
        .turno
        .report(
            &supervisor(),
            ReportQuery {
                from,
                to,
                granularity,
                team: team.map(TeamId::parse).transpose()?,
                agent: None,
                channel: None,
            },
        )
        .await?;
    let v = &r.totals.volumes;
    Ok(format!(
        "{from}..{to}: {} new, {} escalated, {} by the bot, {} by people; {} periods, {} agents",
        v.new,
        v.escalated,
        v.resolved_by_bot,
        v.resolved_by_people,
        r.series.len(),
        r.by_agent.len()
    ))
}

/// Every measured step, in order.
pub async fn measure_all(world: &World, o: &Options) -> anyhow::Result<Table> {
    let mut t = Table::default();
    let mut next = None;
    t.step(world, "inbox, open view, first page", async {
        let (detail, cursor) = inbox_page(world, None).await?;
        next = cursor;
        Ok(detail)
    })
    .await?;
    let cursor = next.clone();
    t.step(world, "inbox, open view, next page", async {
        Ok(inbox_page(world, cursor).await?.0)
    })
    .await?;
    t.step(world, "poll with nothing new", poll_nothing_new(world))
        .await?;
    let n = o.conversations / 2;
    let name: String = script::name(n).chars().take(4).collect();
    t.step(world, "search by name", search(world, &name))
        .await?;
    t.step(world, "search by number", search(world, &script::number(n)))
        .await?;
    t.step(world, "dashboard", dashboard(world)).await?;
    t.step(
        world,
        "report, 30 days by day",
        report(world, o, 30, Granularity::Day, None),
    )
    .await?;
    t.step(
        world,
        "report, 30 days, one team",
        report(world, o, 30, Granularity::Day, Some("support")),
    )
    .await?;
    t.step(
        world,
        "report, 90 days by week",
        report(world, o, 90, Granularity::Week, None),
    )
    .await?;
    t.step(
        world,
        "export of the whole month (CSV)",
        export_month(world, o),
    )
    .await?;
    Ok(t)
}
