//! The table's global secondary indexes as `template.yaml` defines them, and what a put costs
//! in them: DynamoDB bills each index an item lands in its own write of what that index
//! projects, beside the table's.

/// What an index keeps of an item besides its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    All,
    KeysOnly,
    Include(&'static [&'static str]),
}

/// One index: `GSI<n>`, keyed by `GSI<n>PK` and `GSI<n>SK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub projection: Projection,
}

impl Index {
    /// The index's partition and sort key attributes.
    pub fn keys(&self) -> (String, String) {
        (format!("{}PK", self.name), format!("{}SK", self.name))
    }
}

const fn all(name: &'static str) -> Index {
    Index {
        name,
        projection: Projection::All,
    }
}

/// The indexes of `template.yaml`'s table (a test holds the two to each other).
pub const INDEXES: [Index; 12] = [
    all("GSI1"),
    all("GSI2"),
    Index {
        name: "GSI3",
        projection: Projection::KeysOnly,
    },
    all("GSI4"),
    all("GSI5"),
    all("GSI6"),
    all("GSI7"),
    all("GSI8"),
    all("GSI9"),
    all("GSI10"),
    all("GSI11"),
    Index {
        name: "GSI12",
        projection: Projection::Include(&["team"]),
    },
];

/// The write units a put of `item` (DynamoDB's JSON) costs in the indexes it lands in: for
/// each index whose two keys it has, one per started KB of what that index projects (the
/// table's keys, the index's, and the projected attributes). A floor: a put that moves the
/// item inside an index (a changed sort key) bills a delete and a put there, and one that
/// takes it out of an index bills a delete, which the request alone does not show.
pub fn index_write_units(item: &serde_json::Value) -> f64 {
    let Some(attrs) = item.as_object() else {
        return 0.0;
    };
    INDEXES
        .iter()
        .filter_map(|index| {
            let (pk, sk) = index.keys();
            if !(attrs.contains_key(&pk) && attrs.contains_key(&sk)) {
                return None;
            }
            let size = match index.projection {
                Projection::All => crate::item_size(item),
                Projection::KeysOnly | Projection::Include(_) => {
                    let extra: &[&str] = match index.projection {
                        Projection::Include(names) => names,
                        _ => &[],
                    };
                    let kept: serde_json::Map<String, serde_json::Value> = attrs
                        .iter()
                        .filter(|(name, _)| {
                            ["PK", "SK", pk.as_str(), sk.as_str()].contains(&name.as_str())
                                || extra.contains(&name.as_str())
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    crate::item_size(&serde_json::Value::Object(kept))
                }
            };
            Some((size as f64 / 1024.0).ceil().max(1.0))
        })
        .fold(0.0, |sum, units| sum + units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_put_costs_a_write_in_each_index_it_lands_in_of_what_that_index_keeps() {
        let big = "x".repeat(1500);
        let item = serde_json::json!({
            "PK": {"S": "WS#1#TICKET#T1"}, "SK": {"S": "TICKET"},
            "GSI4PK": {"S": "WS#1#TICKETS"}, "GSI4SK": {"S": "0001#T1"},
            "GSI3PK": {"S": "SLA#1"}, "GSI3SK": {"S": "0002#T1"},
            "GSI12PK": {"S": "WS#1#CREATED"}, "GSI12SK": {"S": "0001#T1"},
            "GSI5PK": {"S": "only the partition key: not in GSI5"},
            "team": {"S": "support"},
            "body": {"S": big},
        });
        // GSI4 keeps all of it (2 KB started), GSI3 its keys, GSI12 its keys and team.
        assert_eq!(index_write_units(&item), 2.0 + 1.0 + 1.0);
        let plain = serde_json::json!({"PK": {"S": "A"}, "SK": {"S": "B"}});
        assert_eq!(index_write_units(&plain), 0.0);
    }

    #[cfg(feature = "testing")]
    #[test]
    fn the_indexes_are_template_yamls() {
        let text = std::fs::read_to_string(crate::testing::TEMPLATE).expect("template.yaml");
        let template: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("YAML");
        let defined: Vec<Index> =
            template["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"]
                .as_sequence()
                .expect("indexes")
                .iter()
                .map(|g| {
                    let name = g["IndexName"].as_str().expect("a name");
                    let index = INDEXES
                        .iter()
                        .find(|i| i.name == name)
                        .unwrap_or_else(|| panic!("{name} is missing from INDEXES"));
                    let keys: Vec<&str> = g["KeySchema"]
                        .as_sequence()
                        .expect("keys")
                        .iter()
                        .filter_map(|k| k["AttributeName"].as_str())
                        .collect();
                    let (pk, sk) = index.keys();
                    assert_eq!(keys, [pk.as_str(), sk.as_str()], "{name}'s keys");
                    let projection = &g["Projection"];
                    let included: Vec<&str> = projection["NonKeyAttributes"]
                        .as_sequence()
                        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
                        .unwrap_or_default();
                    let expected = match projection["ProjectionType"].as_str() {
                        Some("ALL") => Projection::All,
                        Some("KEYS_ONLY") => Projection::KeysOnly,
                        _ => match index.projection {
                            Projection::Include(names) => {
                                assert_eq!(names, included.as_slice(), "{name}'s attributes");
                                index.projection
                            }
                            other => panic!("{name} includes {included:?}, INDEXES says {other:?}"),
                        },
                    };
                    assert_eq!(index.projection, expected, "{name}'s projection");
                    *index
                })
                .collect();
        assert_eq!(defined, INDEXES, "the same indexes, in the same order");
    }
}
