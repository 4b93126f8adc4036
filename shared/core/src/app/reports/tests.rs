use jiff::civil::date;

use super::*;

fn q(from: Date, to: Date, granularity: Granularity) -> ReportQuery {
    ReportQuery {
        from,
        to,
        granularity,
        team: None,
        agent: None,
        channel: None,
    }
}

fn item(day: Date, dim: Dim, pairs: &[(&str, i64)]) -> Rollup {
    let mut counters = Counters::default();
    for (k, v) in pairs {
        counters.add(k, *v);
    }
    Rollup { day, dim, counters }
}

#[test]
fn ranges_are_checked() {
    assert!(
        q(date(2026, 1, 1), date(2026, 12, 31), Granularity::Day)
            .check()
            .is_ok()
    );
    assert!(
        q(date(2024, 1, 1), date(2024, 12, 31), Granularity::Day)
            .check()
            .is_ok(),
        "366 days"
    );
    let long = q(date(2026, 1, 1), date(2027, 1, 2), Granularity::Day).check();
    assert!(matches!(long, Err(AppError::Invalid(m)) if m.contains("at most 366")));
    let backwards = q(date(2026, 2, 1), date(2026, 1, 1), Granularity::Day).check();
    assert!(matches!(backwards, Err(AppError::Invalid(m)) if m.contains("after")));
    let mut two = q(date(2026, 1, 1), date(2026, 1, 2), Granularity::Day);
    two.team = Some(TeamId::parse("a").unwrap());
    two.channel = Some("whatsapp".into());
    assert!(matches!(two.check(), Err(AppError::Invalid(_))));
}

#[test]
fn weeks_are_iso_weeks_named_by_their_monday() {
    // Thursday 2026-10-29 to Tuesday 2026-11-10: three weeks.
    let p = periods(date(2026, 10, 29), date(2026, 11, 10), Granularity::Week);
    assert_eq!(
        p,
        vec![date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)]
    );
    assert_eq!(
        periods(date(2026, 11, 1), date(2026, 11, 3), Granularity::Day).len(),
        3
    );
}

#[test]
fn a_report_sums_its_days_into_periods_and_breaks_down_by_dimension() {
    let items = vec![
        item(
            date(2026, 10, 30),
            Dim::All,
            &[(names::NEW, 2), (names::ESCALATED, 1)],
        ),
        item(
            date(2026, 11, 2),
            Dim::All,
            &[(names::NEW, 3), (names::ESCALATED, 2)],
        ),
        item(
            date(2026, 11, 2),
            Dim::Team("billing".into()),
            &[(names::ESCALATED, 2)],
        ),
        item(
            date(2026, 11, 2),
            Dim::Agent("ana".into()),
            &[(names::ONLINE, 3600)],
        ),
        item(
            date(2026, 11, 2),
            Dim::Reason("keyword".into()),
            &[(names::ESCALATED, 2)],
        ),
        item(
            date(2026, 10, 30),
            Dim::Reason("menu_choice".into()),
            &[(names::ESCALATED, 1)],
        ),
        // Outside the range: ignored.
        item(date(2026, 11, 20), Dim::All, &[(names::NEW, 100)]),
    ];
    let teams = [
        TeamId::parse("billing").unwrap(),
        TeamId::parse("support").unwrap(),
    ];
    let agents = [(
        AgentId::parse("ana").unwrap(),
        "Ana".to_owned(),
        vec![TeamId::parse("support").unwrap()],
    )];
    let r = build_report(
        &q(date(2026, 10, 29), date(2026, 11, 10), Granularity::Week),
        "UTC",
        &items,
        &teams,
        &agents,
    );
    assert_eq!(r.totals.volumes.new, 5);
    assert_eq!(r.totals.escalation_rate_pct, Some(60.0));
    assert_eq!(r.series.len(), 3);
    assert_eq!(r.series[0].figures.volumes.new, 2);
    assert_eq!(r.series[1].figures.volumes.new, 3);
    assert_eq!(r.series[2].figures.volumes.new, 0);
    assert_eq!(r.by_team.len(), 2);
    assert_eq!(r.by_team[0].figures.volumes.escalated, 2);
    assert_eq!(r.by_agent[0].name, "Ana");
    assert_eq!(r.by_agent[0].activity.online_secs, 3600);
    assert_eq!(r.by_channel.len(), 1);
    assert_eq!(
        r.by_reason,
        vec![
            ReasonCount {
                reason: "keyword".into(),
                escalated: 2
            },
            ReasonCount {
                reason: "menu_choice".into(),
                escalated: 1
            },
        ]
    );
    // One team: its totals, and only its agents.
    let mut billing = q(date(2026, 10, 29), date(2026, 11, 10), Granularity::Day);
    billing.team = Some(TeamId::parse("billing").unwrap());
    let r = build_report(&billing, "UTC", &items, &teams, &agents);
    assert_eq!(r.totals.volumes.escalated, 2);
    assert_eq!(r.totals.volumes.new, 0);
    assert_eq!(r.series.len(), 13);
    assert_eq!(r.by_team.len(), 1);
    assert!(r.by_agent.is_empty(), "Ana is not in billing");
    assert!(r.by_channel.is_empty());
}
