//! What one message of a kind (bot-handled, escalated, a status callback) costs: its AWS
//! requests and DynamoDB units, and in dollars per million at us-east-1 list prices.

use std::collections::BTreeMap;

use clap::ValueEnum;

use crate::deployment::Probe;
use crate::proxy::Usage;
use crate::{MEMORY_MB, Round};

/// What Meta's webhook reaches webhook-ingress through (the template's `WebhookEndpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Front {
    /// The function's own URL: nothing per request beyond the invocation.
    FunctionUrl,
    /// An HTTP API route: $1.00 per million requests.
    HttpApi,
}

impl Front {
    pub(crate) const BOTH: [Front; 2] = [Front::FunctionUrl, Front::HttpApi];

    /// Dollars per million webhooks at the door.
    fn per_million(self) -> f64 {
        match self {
            Front::FunctionUrl => 0.0,
            Front::HttpApi => 1.0,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Front::FunctionUrl => "function URL",
            Front::HttpApi => "HTTP API",
        }
    }

    /// The sample event of a signed delivery through this door.
    pub(crate) fn sample_event(self) -> &'static str {
        match self {
            Front::FunctionUrl => "events/furl-webhook-post.json",
            Front::HttpApi => "events/apigw-webhook-post.json",
        }
    }
}

/// One message of a kind, averaged over a round.
pub(crate) struct Kind {
    /// The round's usage, all messages together.
    total: Usage,
    messages: f64,
    invocations: f64,
    lambda_ms: f64,
    /// SQS requests of the event source mappings (one receive and one delete per batch).
    esm_fifo: f64,
    esm_standard: f64,
}

impl Kind {
    pub(crate) fn of_round(r: &Round) -> Kind {
        let probes: Vec<&Probe> = r.probes.iter().collect();
        Kind::of(&probes, &r.hops, r.messages)
    }

    /// The functions' usage in `probes` per message, for `messages` messages whose queue hops
    /// carried `hops` records.
    pub(crate) fn of(
        probes: &[&Probe],
        hops: &BTreeMap<&'static str, usize>,
        messages: usize,
    ) -> Kind {
        let messages = messages.max(1) as f64;
        let mut total = Usage::default();
        let mut esm_fifo = 0.0;
        let mut esm_standard = 0.0;
        for p in probes {
            let u = &p.usage;
            for (op, n) in &u.requests {
                *total.requests.entry(op.clone()).or_default() += n;
            }
            total.wcu += u.wcu;
            total.index_wcu += u.index_wcu;
            total.rcu += u.rcu;
            total.sqs_fifo += u.sqs_fifo;
            total.sqs_standard += u.sqs_standard;
            total.events += u.events;
        }
        for (q, n) in hops {
            if *n == 0 {
                continue;
            }
            if q.ends_with("inbound") || q.ends_with("ticket-writes") {
                esm_fifo += 2.0;
            } else {
                esm_standard += 2.0;
            }
        }
        Kind {
            total,
            messages,
            invocations: probes.iter().map(|p| p.invocations as f64).sum::<f64>() / messages,
            lambda_ms: probes
                .iter()
                .map(|p| p.invoke_ms.iter().sum::<f64>())
                .sum::<f64>()
                / messages,
            esm_fifo: esm_fifo / messages,
            esm_standard: esm_standard / messages,
        }
    }

    /// AWS requests per message.
    pub(crate) fn requests(&self) -> f64 {
        self.total.total() as f64 / self.messages
    }

    pub(crate) fn rcu(&self) -> f64 {
        self.total.rcu / self.messages
    }

    pub(crate) fn wcu(&self) -> f64 {
        self.total.wcu / self.messages
    }

    /// Index write units per message, at least.
    pub(crate) fn index_wcu(&self) -> f64 {
        self.total.index_wcu / self.messages
    }

    /// Requests per message by operation.
    pub(crate) fn by_operation(&self) -> String {
        let ops: Vec<String> = self
            .total
            .requests
            .iter()
            .map(|(op, n)| format!("{op} {:.1}", *n as f64 / self.messages))
            .collect();
        ops.join(", ")
    }

    /// Dollars per million messages of this kind; each is one webhook, which costs what
    /// `front` charges per request.
    pub(crate) fn cost(&self, front: Front) -> Cost {
        let gb = MEMORY_MB as f64 / 1024.0;
        let per = |n: u64| n as f64 / self.messages;
        Cost {
            lambda_compute: 1_000_000.0 * self.lambda_ms / 1000.0 * gb * 0.000_013_333_4,
            lambda_requests: self.invocations * 0.20,
            sqs: (per(self.total.sqs_fifo) + self.esm_fifo) * 0.50
                + (per(self.total.sqs_standard) + self.esm_standard) * 0.40,
            dynamodb: self.wcu() * 0.625 + self.rcu() * 0.125,
            dynamodb_indexes: self.index_wcu() * 0.625,
            eventbridge: per(self.total.events),
            apigw: front.per_million(),
        }
    }
}

/// Dollars per million, by service.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cost {
    pub(crate) lambda_compute: f64,
    pub(crate) lambda_requests: f64,
    pub(crate) sqs: f64,
    pub(crate) dynamodb: f64,
    /// The indexes' writes, at least: not in the issue-era figures, so apart.
    pub(crate) dynamodb_indexes: f64,
    pub(crate) eventbridge: f64,
    pub(crate) apigw: f64,
}

impl Cost {
    pub(crate) fn total(&self) -> f64 {
        self.lambda_compute
            + self.lambda_requests
            + self.sqs
            + self.dynamodb
            + self.dynamodb_indexes
            + self.eventbridge
            + self.apigw
    }

    /// The sum of `parts`, each weighted.
    pub(crate) fn mix(parts: &[(f64, &Cost)]) -> Cost {
        let mut out = Cost::default();
        for (w, c) in parts {
            out.lambda_compute += w * c.lambda_compute;
            out.lambda_requests += w * c.lambda_requests;
            out.sqs += w * c.sqs;
            out.dynamodb += w * c.dynamodb;
            out.dynamodb_indexes += w * c.dynamodb_indexes;
            out.eventbridge += w * c.eventbridge;
            out.apigw += w * c.apigw;
        }
        out
    }

    pub(crate) fn print(&self, name: &str) {
        println!(
            "{name:<22} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            self.lambda_compute,
            self.lambda_requests,
            self.sqs,
            self.dynamodb,
            self.dynamodb_indexes,
            self.eventbridge,
            self.apigw,
            self.total()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind() -> Kind {
        Kind {
            total: Usage::default(),
            messages: 1.0,
            invocations: 2.0,
            lambda_ms: 10.0,
            esm_fifo: 0.0,
            esm_standard: 0.0,
        }
    }

    #[test]
    fn the_function_url_costs_nothing_per_webhook_and_the_http_api_a_dollar_per_million() {
        let url = kind().cost(Front::FunctionUrl);
        let api = kind().cost(Front::HttpApi);
        assert_eq!(url.apigw, 0.0);
        assert_eq!(api.apigw, 1.0);
        // Nothing else depends on the door.
        assert!((api.total() - url.total() - 1.0).abs() < 1e-9);
        assert_eq!(url.lambda_requests, api.lambda_requests);
    }

    #[test]
    fn the_mix_weighs_each_kind() {
        let api = kind().cost(Front::HttpApi);
        let mix = Cost::mix(&[(0.8, &api), (0.2, &api), (4.65, &api)]);
        assert!((mix.apigw - 5.65).abs() < 1e-9, "{}", mix.apigw);
        assert!((mix.lambda_requests - 5.65 * 0.4).abs() < 1e-9);
    }
}
