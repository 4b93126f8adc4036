//! Three days of the demo desk through the use cases, and the checks.

use std::sync::Arc;

use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use turno_core::app::{Actor, Granularity, ReportQuery, StatusChange, Transfer};
use turno_core::channel::message::Content;
use turno_core::desk::agent::Role;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{AgentId, TicketId, WaId};
use turno_core::ports::{Clock, Store};
use turno_testkit::harness::{DEMO_CONFIG_YAML, TestTurno, demo_workspace, workspaces_from_yaml};
use turno_testkit::races::LosingStore;

use super::recompute;

/// The reports count days in Mexico City; the standard policy counts office hours in Madrid.
const TIME_ZONE: &str = "America/Mexico_City";

fn config() -> turno_core::config::Workspaces {
    let yaml = DEMO_CONFIG_YAML
        .replace(
            "    name: Tienda Lumen\n",
            &format!("    name: Tienda Lumen\n    time_zone: {TIME_ZONE}\n"),
        )
        .replace(
            "      first_response_secs: 900\n",
            "        - name: standard\n          calendar: office\n          first_response_secs: 900\n          next_response_secs: 1800\n          resolution_secs: 14400\n",
        );
    assert!(
        yaml.contains("name: standard"),
        "the demo's SLA section moved"
    );
    workspaces_from_yaml(&yaml)
}

/// Monday 2 March 2026, 09:00 in Madrid.
fn start() -> Timestamp {
    Timestamp::from_second(1_772_438_400).unwrap()
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

fn tap(score: u8) -> Content {
    Content::ListReply {
        id: format!("csat:{score}"),
        title: format!("{score}"),
        description: None,
    }
}

fn actor(agent: &str) -> Actor {
    let role = match agent {
        "bruno" => Role::Supervisor,
        "diego" => Role::Admin,
        _ => Role::Agent,
    };
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse(agent).unwrap(),
        role,
    }
}

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

struct Desk<'a> {
    t: &'a TestTurno,
    store: Arc<dyn Store>,
    seq: u32,
}

impl Desk<'_> {
    async fn says(&mut self, customer: &str, content: Content) {
        self.seq += 1;
        let id = format!("wamid.rep.{customer}.{}", self.seq);
        self.t.customer_sends(customer, &id, content).await;
    }

    async fn current(&self, customer: &str) -> Ticket {
        let ws = demo_workspace();
        let c = self
            .store
            .conversation(&ws, &WaId::parse(customer).unwrap())
            .await
            .unwrap()
            .expect("a conversation");
        let id = c.ticket_id.expect("a ticket");
        self.store.ticket(&ws, &id).await.unwrap().unwrap()
    }

    async fn wait(&self, s: i64) {
        self.t.advance_and_drain(secs(s)).await;
    }

    async fn reply(&self, id: &TicketId, who: &str, body: &str) {
        self.t
            .turno
            .agent_reply(&actor(who), id, body)
            .await
            .unwrap_or_else(|e| panic!("{who} replies: {e}"));
        self.t.drain().await;
    }

    async fn resolve(&self, id: &TicketId) {
        self.t
            .turno
            .change_status(&actor("bruno"), id, StatusChange::Resolved, None)
            .await
            .unwrap();
        self.t.drain().await;
    }

    /// A customer asks for a person; returns the ticket and who took it.
    async fn handoff(&mut self, customer: &str, words: &str) -> (TicketId, String) {
        self.says(customer, text(words)).await;
        let t = self.current(customer).await;
        assert!(t.status.is_human(), "{customer} handed off: {:?}", t.status);
        let who = t
            .assignee
            .as_ref()
            .map(|a| a.to_string())
            .expect("an online agent takes it");
        (t.id, who)
    }

    /// One customer's story, by kind.
    async fn story(&mut self, customer: &str, kind: u32) {
        match kind {
            // The bot answers and the customer goes quiet: resolved by the bot.
            0 => {
                self.says(customer, text("hola")).await;
                self.wait(1801).await;
            }
            // Reply in two minutes, a question, the next reply in five, resolved, a 5.
            1 => {
                let (id, who) = self.handoff(customer, "quiero hablar con un agente").await;
                self.wait(120).await;
                self.reply(&id, &who, "Hola, ¿en qué te ayudo?").await;
                self.wait(60).await;
                self.says(customer, text("mi pedido no llega")).await;
                self.wait(300).await;
                self.reply(&id, &who, "Lo reviso ahora mismo").await;
                self.wait(600).await;
                self.resolve(&id).await;
                self.wait(301).await;
                self.says(customer, tap(5)).await;
                self.wait(1801).await;
            }
            // The first reply comes after the 15-minute target: breached; a 2.
            2 => {
                let (id, who) = self.handoff(customer, "quiero hablar con un agente").await;
                self.wait(1000).await;
                self.reply(&id, &who, "Perdona la espera").await;
                self.wait(200).await;
                self.resolve(&id).await;
                self.wait(301).await;
                self.says(customer, tap(2)).await;
                self.wait(1801).await;
            }
            // Resolved, the customer writes again at once: reopened, answered, resolved.
            3 => {
                let (id, who) = self.handoff(customer, "quiero hablar con un agente").await;
                self.wait(60).await;
                self.reply(&id, &who, "Hola").await;
                self.wait(90).await;
                self.resolve(&id).await;
                self.wait(45).await;
                self.says(customer, text("una cosa más")).await;
                let again = self.current(customer).await;
                assert_eq!(again.id, id, "the same ticket, reopened");
                let who = again
                    .assignee
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| who.clone());
                self.wait(240).await;
                self.reply(&id, &who, "Claro, dime").await;
                self.wait(120).await;
                self.resolve(&id).await;
                self.wait(1801).await;
            }
            // Handed to Bruno by hand, who answers: not a first-contact resolution.
            4 => {
                let (id, who) = self.handoff(customer, "quiero hablar con un agente").await;
                self.wait(30).await;
                let to = if who == "bruno" { "ana" } else { "bruno" };
                self.t
                    .turno
                    .transfer(
                        &actor("bruno"),
                        &id,
                        Transfer {
                            agent_id: Some(AgentId::parse(to).unwrap()),
                            team_id: None,
                            note: Some("lo lleva otra persona".into()),
                        },
                    )
                    .await
                    .unwrap();
                self.t.drain().await;
                self.wait(400).await;
                self.reply(&id, to, "Te atiendo yo").await;
                self.wait(900).await;
                self.resolve(&id).await;
                self.wait(1801).await;
            }
            // The menu's "talk to a person"; answered, left open overnight (its resolution
            // clock runs on).
            _ => {
                self.says(customer, text("hola")).await;
                let (id, who) = self.handoff(customer, "4").await;
                self.wait(500).await;
                self.reply(&id, &who, "Hola, dime").await;
                self.wait(1801).await;
            }
        }
    }
}

/// Drives three days on `store` (None: the harness's SQLite) and checks the report.
pub async fn run_and_check(store: Option<Arc<dyn Store>>) {
    let t = match store {
        Some(s) => TestTurno::with_store(config(), start(), move |_| s),
        None => TestTurno::with_store(config(), start(), |s| s),
    };
    t.turno.seed_agents().await.unwrap();
    let store = Arc::clone(t.turno.store());
    // A fresh range of customers per run: DynamoDB Local's table is shared by the tests.
    let base = 5_215_550_000_000u64 + u64::from(rand_u16()) * 1000;
    let mut desk = Desk {
        t: &t,
        store: Arc::clone(&store),
        seq: 0,
    };
    let mut customers = Vec::new();
    for day in 0..3u32 {
        for i in 0..6u32 {
            let customer = (base + u64::from(day * 10 + i)).to_string();
            // Boxed: a story's future is too large for a debug build's test thread stack.
            Box::pin(desk.story(&customer, (day + i) % 6)).await;
            customers.push(customer);
        }
        // The next morning.
        let now = t.clock.now();
        let next = start() + secs(i64::from(day + 1) * 86_400);
        if next > now {
            t.advance_and_drain(next.duration_since(now)).await;
        }
    }
    let ws = demo_workspace();
    let mut tickets = Vec::new();
    for c in &customers {
        for ticket in store
            .customer_tickets(&ws, &WaId::parse(c).unwrap())
            .await
            .unwrap()
        {
            let transcript = store.transcript(&ws, &ticket.id).await.unwrap();
            tickets.push((ticket, transcript));
        }
    }
    assert!(tickets.len() >= 18, "{} tickets", tickets.len());
    let config = t.turno.workspaces().get(&ws).unwrap();
    let expected = recompute::recompute(&tickets, &config);
    let (from, to) = (date(2026, 3, 1), date(2026, 3, 6));
    let report = t
        .turno
        .report(
            &actor("bruno"),
            ReportQuery {
                from,
                to,
                granularity: Granularity::Day,
                team: None,
                agent: None,
                channel: None,
            },
        )
        .await
        .unwrap();
    recompute::compare(&report, &expected, from, to);
    assert!(
        report.totals.volumes.resolved_by_bot >= 3
            && report.totals.volumes.reopened >= 3
            && report.totals.sla.first_response.breached >= 3
            && report.totals.csat.responses >= 6,
        "the scenario covers what it means to: {:?}",
        report.totals
    );
    let weekly = t
        .turno
        .report(
            &actor("diego"),
            ReportQuery {
                from,
                to,
                granularity: Granularity::Week,
                team: None,
                agent: None,
                channel: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        weekly.totals, report.totals,
        "weeks add up to the same totals"
    );
    let refused = t
        .turno
        .report(
            &actor("ana"),
            ReportQuery {
                from,
                to,
                granularity: Granularity::Day,
                team: None,
                agent: None,
                channel: None,
            },
        )
        .await;
    assert!(refused.is_err(), "agents do not see reports");
}

fn rand_u16() -> u16 {
    let nanos = Timestamp::now().subsec_nanosecond();
    (nanos as u32 % 60_000) as u16
}

/// Writes that lose their version check, and messages delivered twice, add nothing twice.
pub async fn races_count_once() {
    let losing: std::sync::Mutex<Option<Arc<LosingStore>>> = std::sync::Mutex::new(None);
    let t = TestTurno::with_store(config(), start(), |inner| {
        let l = Arc::new(LosingStore::new(inner));
        *losing.lock().unwrap() = Some(Arc::clone(&l));
        l
    });
    let losing = losing.lock().unwrap().clone().unwrap();
    t.turno.seed_agents().await.unwrap();
    let store = Arc::clone(t.turno.store());
    let mut desk = Desk {
        t: &t,
        store: Arc::clone(&store),
        seq: 0,
    };
    let customer = "5215550009999";
    let (id, who) = desk.handoff(customer, "quiero hablar con un agente").await;
    desk.wait(60).await;
    // The reply's ticket write loses twice before it goes through.
    losing.lose(2);
    desk.reply(&id, &who, "Hola").await;
    assert!(losing.ticket_writes() >= 3, "the reply's write was retried");
    desk.wait(30).await;
    losing.lose(2);
    desk.resolve(&id).await;
    desk.wait(30).await;
    // The same message delivered again changes nothing.
    let again = "wamid.rep.twice";
    t.customer_sends(customer, again, text("gracias")).await;
    t.customer_sends(customer, again, text("gracias")).await;
    desk.wait(1801).await;
    let ws = demo_workspace();
    let ticket = store.ticket(&ws, &id).await.unwrap().unwrap();
    let transcript = store.transcript(&ws, &id).await.unwrap();
    let config = t.turno.workspaces().get(&ws).unwrap();
    let expected = recompute::recompute(&[(ticket, transcript)], &config);
    let day: Date = date(2026, 3, 2);
    let report = t
        .turno
        .report(
            &actor("bruno"),
            ReportQuery {
                from: day,
                to: day,
                granularity: Granularity::Day,
                team: None,
                agent: None,
                channel: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(report.totals.volumes.new, 1);
    assert_eq!(report.totals.volumes.escalated, 1);
    assert_eq!(report.totals.first_response.wall.count, 1);
    assert_eq!(report.totals.volumes.resolved_by_people, 1);
    assert_eq!(
        report.totals.volumes.reopened, 1,
        "the thanks reopened it once"
    );
    recompute::compare(&report, &expected, day, day);
}

/// An agent's online, away and offline time, split at midnight in the reports' time zone.
pub async fn activity_is_split_at_local_midnight() {
    use turno_core::desk::agent::Availability;
    // Monday 2 March 2026, 22:00 in Mexico City (04:00 UTC on the 3rd).
    let evening = Timestamp::from_second(1_772_510_400).unwrap();
    let t = TestTurno::with_store(config(), evening, |s| s);
    t.turno.seed_agents().await.unwrap();
    let marta = actor("marta");
    t.turno
        .set_availability(&marta, Availability::Online)
        .await
        .unwrap();
    t.advance(secs(3 * 3600));
    t.turno
        .set_availability(&marta, Availability::Away)
        .await
        .unwrap();
    t.advance(secs(1800));
    t.turno
        .set_availability(&marta, Availability::Offline)
        .await
        .unwrap();
    let report = |day: Date| {
        let turno = &t.turno;
        async move {
            turno
                .report(
                    &actor("bruno"),
                    ReportQuery {
                        from: day,
                        to: day,
                        granularity: Granularity::Day,
                        team: None,
                        agent: Some(AgentId::parse("marta").unwrap()),
                        channel: None,
                    },
                )
                .await
                .unwrap()
        }
    };
    let monday = report(date(2026, 3, 2)).await;
    let tuesday = report(date(2026, 3, 3)).await;
    let activity = |r: &turno_core::app::Report| {
        let a = &r.by_agent.first().expect("marta's row").activity;
        (a.online_secs, a.away_secs, a.offline_secs)
    };
    assert_eq!(
        activity(&monday),
        (2 * 3600, 0, 0),
        "22:00 to midnight online"
    );
    assert_eq!(
        activity(&tuesday),
        (3600, 1800, 0),
        "then an hour online, half an hour away"
    );
}
