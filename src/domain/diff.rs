//! What changed between two versions of a vendor, field by field, for the change history.

use std::collections::BTreeMap;

use super::Vendor;

/// One changed field: dotted path, value before, value after (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
        write!(
            f,
            "{}: {} → {}",
            self.field,
            show(&self.before),
            show(&self.after)
        )
    }
}

/// Every leaf that differs between `before` and `after` (either may be absent), in path order.
pub fn changes(before: Option<&Vendor>, after: Option<&Vendor>) -> Vec<Change> {
    let (old, new) = (flatten(before), flatten(after));
    let mut fields: Vec<&String> = old.keys().chain(new.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| old.get(*f) != new.get(*f))
        .map(|f| Change {
            field: f.clone(),
            before: old.get(f).cloned(),
            after: new.get(f).cloned(),
        })
        .collect()
}

fn flatten(vendor: Option<&Vendor>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(value) = vendor.and_then(|v| toml::Value::try_from(v).ok()) {
        walk(&value, String::new(), &mut out);
    }
    out
}

fn walk(value: &toml::Value, path: String, out: &mut BTreeMap<String, String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, v) in table {
                let next = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(v, next, out);
            }
        }
        toml::Value::Array(items) if items.iter().any(|i| i.is_table()) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), out);
            }
        }
        toml::Value::String(s) => {
            out.insert(path, s.clone());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plans_file::parse_str;

    const AWS: &str = "[[vendor]]\nslug = \"aws\"\nname = \"AWS\"\ncriticality = \"high\"\n[vendor.owner]\nname = \"Dana\"\n";

    #[test]
    fn reports_changed_added_and_removed_fields() {
        let before = &parse_str("a", AWS).unwrap()[0];
        let after = &parse_str(
            "a",
            &AWS.replace("high", "critical")
                .replace("name = \"Dana\"", "name = \"Ravi\"\nteam = \"SRE\""),
        )
        .unwrap()[0];
        let shown: Vec<String> = changes(Some(before), Some(after))
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "criticality: high → critical",
                "owner.name: Dana → Ravi",
                "owner.team: (none) → SRE"
            ]
        );
        assert!(changes(Some(before), Some(before)).is_empty());
        assert_eq!(changes(None, Some(before)).len(), 4);
    }
}
