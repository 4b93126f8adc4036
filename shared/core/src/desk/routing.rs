//! Routing: which team, tier and priority a handoff goes to, and why.

use serde::{Deserialize, Serialize};

use crate::desk::ticket::EscalationReason;
use crate::kernel::ids::TeamId;
use crate::kernel::lang::Lang;
use crate::kernel::levels::{Priority, Tier};
use crate::kernel::text::{Phrase, normalise};

/// What routing looks at.
#[derive(Debug, Clone)]
pub struct RoutingInput<'a> {
    pub reason: EscalationReason,
    pub requested_team: Option<&'a TeamId>,
    pub menu_choice: Option<&'a str>,
    /// The customer's last words, normalised or not.
    pub text: &'a str,
    pub language: Lang,
    /// The customer's tags (`vip`, ...).
    pub tags: &'a [String],
    /// The intent the bot understood, if any.
    pub intent: Option<&'a str>,
    /// The keyword trigger that fired, by name.
    pub keyword: Option<&'a str>,
    /// The least priority the handoff asks for (a keyword trigger's).
    pub priority: Option<Priority>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingDecision {
    pub team: TeamId,
    pub tier: Tier,
    pub priority: Priority,
    /// Reason codes: the escalation's and the rule's.
    pub reasons: Vec<String>,
}

pub fn route(
    config: &RoutingConfig,
    teams: &[TeamConfig],
    input: &RoutingInput<'_>,
) -> RoutingDecision {
    let mut decision = route_by_rules(config, teams, input);
    if let Some(k) = input.keyword {
        decision.reasons.insert(1, format!("keyword:{k}"));
    }
    decision.priority = decision.priority.max(input.priority.unwrap_or_default());
    decision
}

fn route_by_rules(
    config: &RoutingConfig,
    teams: &[TeamConfig],
    input: &RoutingInput<'_>,
) -> RoutingDecision {
    let text = normalise(input.text);
    let tier_of = |team: &TeamId| {
        teams
            .iter()
            .find(|t| &t.id == team)
            .map(|t| t.tier)
            .unwrap_or(Tier::L2)
    };
    let mut reasons = vec![input.reason.code().to_owned()];
    if let Some(team) = input.requested_team {
        reasons.push(match input.keyword {
            Some(_) => "route:keyword_team".into(),
            None => "route:menu_team".into(),
        });
        return RoutingDecision {
            team: team.clone(),
            tier: tier_of(team),
            priority: Priority::Normal,
            reasons,
        };
    }
    let matched = config.rules.iter().find(|r| {
        r.reason.as_deref().is_none_or(|x| x == input.reason.code())
            && r.menu_choice
                .as_deref()
                .is_none_or(|m| Some(m) == input.menu_choice)
            && r.language.is_none_or(|l| l == input.language)
            && (r.tags.is_empty() || r.tags.iter().any(|t| input.tags.contains(t)))
            && (r.intents.is_empty()
                || input
                    .intent
                    .is_some_and(|i| r.intents.iter().any(|x| x == i)))
            && (r.keywords.is_empty() || r.keywords.iter().any(|k| k.is_in(&text)))
    });
    match matched {
        Some(rule) => {
            reasons.push(format!("rule:{}", rule.name));
            RoutingDecision {
                team: rule.team.clone(),
                tier: rule.tier.unwrap_or_else(|| tier_of(&rule.team)),
                priority: rule.priority.unwrap_or_default(),
                reasons,
            }
        }
        None => {
            reasons.push("route:default".into());
            RoutingDecision {
                team: config.default_team.clone(),
                tier: tier_of(&config.default_team),
                priority: Priority::Normal,
                reasons,
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    pub id: TeamId,
    pub name: String,
    pub tier: Tier,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    pub default_team: TeamId,
    #[serde(default)]
    pub rules: Vec<RoutingRule>,
}

/// The first rule whose every given condition holds decides team, tier and priority.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    /// A name for the decision, kept on the ticket as a reason code (`rule:<name>`).
    pub name: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub menu_choice: Option<String>,
    #[serde(default)]
    pub keywords: Vec<Phrase>,
    #[serde(default)]
    pub language: Option<Lang>,
    /// Customer tags, any of which must be on the ticket (`vip`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Intents, one of which the bot must have understood (`refund`, `billing`).
    #[serde(default)]
    pub intents: Vec<String>,
    pub team: TeamId,
    #[serde(default)]
    pub tier: Option<Tier>,
    #[serde(default)]
    pub priority: Option<Priority>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::routing::RoutingRule;

    fn team(id: &str) -> TeamId {
        TeamId::parse(id).unwrap()
    }

    fn setup() -> (RoutingConfig, Vec<TeamConfig>) {
        let teams = vec![
            TeamConfig {
                id: team("support"),
                name: "Support".into(),
                tier: Tier::L2,
            },
            TeamConfig {
                id: team("specialists"),
                name: "Specialists".into(),
                tier: Tier::L3,
            },
        ];
        let config = RoutingConfig {
            default_team: team("support"),
            rules: vec![RoutingRule {
                name: "legal".into(),
                reason: None,
                menu_choice: None,
                keywords: vec!["abogado".into(), "denuncia".into()],
                language: None,
                tags: vec![],
                intents: vec![],
                team: team("specialists"),
                tier: None,
                priority: Some(Priority::High),
            }],
        };
        (config, teams)
    }

    fn input(text: &str) -> RoutingInput<'_> {
        RoutingInput {
            reason: EscalationReason::ExplicitRequest,
            requested_team: None,
            menu_choice: None,
            text,
            language: Lang::Es,
            tags: &[],
            intent: None,
            keyword: None,
            priority: None,
        }
    }

    #[test]
    fn a_keyword_trigger_names_its_team_and_raises_the_priority() {
        let (c, t) = setup();
        let support = team("support");
        let d = route(
            &c,
            &t,
            &RoutingInput {
                reason: EscalationReason::Keyword,
                requested_team: Some(&support),
                keyword: Some("fraud"),
                priority: Some(Priority::Urgent),
                ..input("esto es un fraude")
            },
        );
        assert_eq!(d.team, support);
        assert_eq!(d.priority, Priority::Urgent);
        assert_eq!(
            d.reasons,
            ["keyword", "keyword:fraud", "route:keyword_team"]
        );
        let by_rule = route(
            &c,
            &t,
            &RoutingInput {
                reason: EscalationReason::Keyword,
                keyword: Some("legal"),
                priority: Some(Priority::Low),
                ..input("hablaré con mi abogado")
            },
        );
        assert_eq!(by_rule.team, team("specialists"));
        assert_eq!(by_rule.priority, Priority::High, "the rule's, the higher");
    }

    #[test]
    fn no_rule_matching_goes_to_the_default_team_with_its_reason() {
        let (c, t) = setup();
        let d = route(&c, &t, &input("quiero un agente"));
        assert_eq!(d.team, team("support"));
        assert_eq!(d.tier, Tier::L2);
        assert_eq!(d.reasons, vec!["explicit_request", "route:default"]);
    }

    #[test]
    fn keyword_rule_routes_to_specialists_at_their_tier() {
        let (c, t) = setup();
        let d = route(
            &c,
            &t,
            &input("Voy a poner una DENUNCIA, pásame con un agente"),
        );
        assert_eq!(d.team, team("specialists"));
        assert_eq!(d.tier, Tier::L3);
        assert_eq!(d.priority, Priority::High);
        assert!(d.reasons.contains(&"rule:legal".to_owned()));
    }
}
