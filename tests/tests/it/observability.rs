//! What the SAM template promises an operator: tracing on every function, a dashboard that
//! shows every metric the functions write (by the names the code uses), and alarms on
//! WhatsApp errors, slow sends and a backlog of customers' messages.

use serde_yaml_ng::Value;
use turno_core::ports::{Counter, Timing};

use super::lambda_build::{tagged, template};

fn dashboard_body(t: &Value) -> String {
    let body = &t["Resources"]["Dashboard"]["Properties"]["DashboardBody"];
    tagged(body).expect("DashboardBody: !Sub").1
}

/// `text` with every `${...}` replaced by `x`.
fn without_substitutions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('x');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn every_function_is_traced() {
    let t = template();
    assert_eq!(t["Globals"]["Function"]["Tracing"].as_str(), Some("Active"));
    for (name, r) in t["Resources"].as_mapping().unwrap() {
        if r["Type"].as_str() == Some("AWS::Serverless::Function") {
            assert!(
                r["Properties"]["Tracing"].is_null(),
                "{name:?} must not turn tracing off"
            );
        }
    }
}

#[test]
fn the_dashboard_shows_every_metric_the_functions_write() {
    let t = template();
    let body = dashboard_body(&t);
    // The body is JSON once the template's ${...} are filled in.
    let parsed: serde_json::Value =
        serde_json::from_str(&without_substitutions(&body)).expect("the dashboard is JSON");
    assert!(parsed["widgets"].as_array().is_some_and(|w| w.len() >= 6));
    assert_eq!(turno_lambda::NAMESPACE, "turno");
    for name in Counter::ALL
        .iter()
        .map(|c| c.name())
        .chain(Timing::ALL.iter().filter(|t| t.on_aws()).map(|t| t.name()))
    {
        assert!(
            body.contains(&format!("\"{name}\"")) || body.contains(&format!("\\\"{name}\\\"")),
            "the dashboard does not show {name}"
        );
    }
    for label in Counter::ALL.iter().filter_map(|c| c.label()).chain(
        Timing::ALL
            .iter()
            .filter(|t| t.on_aws())
            .filter_map(|t| t.label()),
    ) {
        let dimension = format!("{}{}", label[..1].to_uppercase(), &label[1..]);
        assert!(
            body.contains(&format!("{{turno,Function,{dimension}}}")),
            "the dashboard does not split by {dimension}"
        );
    }
}

#[test]
fn whatsapp_errors_slow_sends_and_a_backlog_alarm() {
    let t = template();
    let r = &t["Resources"];
    let graph = &r["GraphErrorsAlarm"]["Properties"];
    assert_eq!(graph["Namespace"].as_str(), Some("turno"));
    assert_eq!(
        graph["MetricName"].as_str(),
        Some(Counter::GraphErrors.name())
    );
    assert_eq!(graph["Dimensions"][0]["Name"].as_str(), Some("Function"));
    let slow = &r["SendLatencyAlarm"]["Properties"];
    assert_eq!(
        slow["MetricName"].as_str(),
        Some(Timing::SendLatency.name())
    );
    assert_eq!(slow["ExtendedStatistic"].as_str(), Some("p99"));
    let backlog = &r["InboundBacklogAlarm"]["Properties"];
    assert_eq!(
        backlog["MetricName"].as_str(),
        Some("ApproximateAgeOfOldestMessage")
    );
    assert_eq!(
        tagged(&backlog["Dimensions"][0]["Value"]),
        Some(("!GetAtt".into(), "InboundQueue.QueueName".into()))
    );
    for alarm in [
        "GraphErrorsAlarm",
        "SendLatencyAlarm",
        "InboundBacklogAlarm",
    ] {
        assert!(
            !r[alarm]["Properties"]["AlarmActions"].is_null(),
            "{alarm} tells the alarm topic"
        );
    }
}
