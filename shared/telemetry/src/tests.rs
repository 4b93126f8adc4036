use super::*;

#[test]
fn prometheus_text_has_counters_with_labels_and_histograms_with_cumulative_buckets() {
    let r = Registry::for_prometheus();
    r.count(Counter::InboundMessages, None, 2);
    r.count(Counter::InboundMessages, None, 1);
    r.count(Counter::Escalations, Some("explicit_request"), 1);
    r.count(Counter::Escalations, Some("frustration"), 2);
    r.count(Counter::GraphErrors, Some("131047"), 1);
    r.time(Timing::SendLatency, None, Duration::from_millis(40));
    r.time(Timing::SendLatency, None, Duration::from_millis(300));
    r.time(Timing::QueueAge, Some("inbound"), Duration::from_secs(7200));

    let text = r.prometheus();

    assert!(
        text.contains(
            "# TYPE turno_inbound_messages_total counter\nturno_inbound_messages_total 3\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("turno_bot_resolved_total 0\n"),
        "unlabelled counters start at 0: {text}"
    );
    assert!(
        text.contains("turno_escalations_total{reason=\"explicit_request\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_escalations_total{reason=\"frustration\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_graph_errors_total{code=\"131047\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE turno_send_latency_seconds histogram\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_send_latency_seconds_bucket{le=\"0.025\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_send_latency_seconds_bucket{le=\"0.05\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_send_latency_seconds_bucket{le=\"0.5\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_send_latency_seconds_bucket{le=\"+Inf\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_send_latency_seconds_count 2\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_send_latency_seconds_sum 0.34\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_queue_age_seconds_bucket{queue=\"inbound\",le=\"3600\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("turno_queue_age_seconds_bucket{queue=\"inbound\",le=\"+Inf\"} 1\n"),
        "{text}"
    );
}

#[test]
fn label_values_are_escaped_cut_and_bounded() {
    let r = Registry::for_prometheus();
    r.count(Counter::Escalations, Some("a\"b\\c\nd"), 1);
    r.count(Counter::GraphErrors, Some(&"x".repeat(500)), 1);
    for i in 0..150 {
        r.count(Counter::SlaBreaches, Some(&format!("clock{i}")), 1);
    }
    let text = r.prometheus();
    assert!(
        text.contains(r#"turno_escalations_total{reason="a\"b\\c\nd"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(&format!("code=\"{}\"", "x".repeat(64))),
        "{text}"
    );
    assert!(!text.contains(&"x".repeat(65)));
    let breaches = text
        .lines()
        .filter(|l| l.starts_with("turno_sla_breaches_total{"))
        .count();
    assert_eq!(breaches, 101, "100 label values and `other`");
    assert!(
        text.contains("turno_sla_breaches_total{clock=\"other\"} 50\n"),
        "{text}"
    );
}

#[test]
fn emf_documents_carry_the_function_and_label_dimensions_and_are_drained() {
    let r = Registry::for_emf();
    r.count(Counter::InboundMessages, None, 3);
    r.count(Counter::Escalations, Some("keyword"), 1);
    r.time(
        Timing::QueueAge,
        Some("inbound"),
        Duration::from_millis(1500),
    );

    let docs: Vec<Value> = r
        .take_emf("turno", "bot-turn", 1_700_000_000_000)
        .iter()
        .map(|d| serde_json::from_str(d).expect("JSON"))
        .collect();

    assert_eq!(docs.len(), 3);
    let inbound = &docs[0];
    assert_eq!(inbound["InboundMessages"], 3);
    assert_eq!(inbound["Function"], "bot-turn");
    let directive = &inbound["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "turno");
    assert_eq!(directive["Dimensions"], json!([["Function"]]));
    assert_eq!(
        directive["Metrics"],
        json!([{ "Name": "InboundMessages", "Unit": "Count" }])
    );
    assert_eq!(inbound["_aws"]["Timestamp"], 1_700_000_000_000_i64);
    let escalations = &docs[1];
    assert_eq!(escalations["Reason"], "keyword");
    assert_eq!(
        escalations["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["Function"], ["Function", "Reason"]])
    );
    let age = &docs[2];
    assert_eq!(age["QueueAge"], json!([1500.0]));
    assert_eq!(
        age["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
        "Milliseconds"
    );

    assert!(r.take_emf("turno", "bot-turn", 0).is_empty(), "drained");
    assert!(
        r.prometheus().contains("turno_inbound_messages_total 3"),
        "the totals stay"
    );
}

#[test]
fn many_timings_are_split_into_documents_of_100_values() {
    let r = Registry::for_emf();
    for _ in 0..250 {
        r.time(Timing::SendLatency, None, Duration::from_millis(10));
    }
    let docs = r.take_emf("turno", "bot-turn", 0);
    let sizes: Vec<usize> = docs
        .iter()
        .map(|d| {
            let v: Value = serde_json::from_str(d).expect("JSON");
            v["SendLatency"].as_array().expect("values").len()
        })
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
}

#[test]
fn the_prometheus_registry_keeps_nothing_for_emf() {
    let r = Registry::for_prometheus();
    r.count(Counter::InboundMessages, None, 1);
    r.time(Timing::SendLatency, None, Duration::from_millis(10));
    assert!(r.take_emf("turno", "local", 0).is_empty());
}
