//! The JSON Schema of the plans file, generated from the types so it cannot drift.

use super::Vendor;

/// A backline plans file: the vendors your workloads rely on and how to get support from each.
/// Reference: docs/plans-format.md.
#[derive(schemars::JsonSchema)]
#[schemars(title = "backline plans file", deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "only its schema is used; files are parsed vendor by vendor"
)]
struct PlansFileSchema {
    /// One table per vendor: write each as [[vendor]].
    #[serde(default)]
    vendor: Vec<Vendor>,
}

/// The JSON Schema (draft 7, which taplo / Even Better TOML read) of the plans file.
pub fn json_schema() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<PlansFileSchema>().to_value();
    drop_null_alternatives(&mut schema);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// TOML has no null: an optional field is one that is left out. schemars writes
/// `Option<T>` as "T or null"; keep only T (and the field's description).
fn drop_null_alternatives(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let is_null = |v: &Value| v.get("type") == Some(&Value::String("null".into()));
            if let Some(Value::Array(alternatives)) = map.get("anyOf")
                && alternatives.len() == 2
                && alternatives.iter().any(is_null)
                && let Some(Value::Object(kept)) = alternatives.iter().find(|v| !is_null(v)).cloned()
            {
                map.remove("anyOf");
                for (k, v) in kept {
                    map.entry(k).or_insert(v);
                }
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            map.values_mut().for_each(drop_null_alternatives);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_alternatives),
        _ => {}
    }
}
