//! The JSON Schema of the plans file, generated from the types so it cannot drift.

use serde_json::Value;

use super::{
    super::text::{Lines, TextRule},
    Vendor, rule_for,
};

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
    add_text_limits(&mut schema);
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

/// Gives every free-text field the limits of its text rule (`maxLength`, no control
/// characters; one line where one line is shown), from the same table the validator uses.
fn add_text_limits(schema: &mut Value) {
    let mut edits = Vec::new();
    if let Some(vendor) = schema.pointer("/properties/vendor/items") {
        collect_text_fields(
            schema,
            vendor,
            "/properties/vendor/items".into(),
            String::new(),
            &mut edits,
            0,
        );
    }
    for (pointer, rule) in edits {
        let Some(Value::Object(field)) = schema.pointer_mut(&pointer) else {
            continue;
        };
        let (pattern, lines) = match rule.lines {
            Lines::Single => (r"^[^\u0000-\u001F\u007F-\u009F\u2028\u2029]*$", "one line"),
            Lines::Multi => (
                r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$",
                "newlines and tabs allowed",
            ),
        };
        field.insert("maxLength".into(), rule.max_chars.into());
        // A field with a pattern of its own (a URL's `^https?://`) keeps it.
        field.entry("pattern").or_insert(pattern.into());
        let limit = format!(
            "Text: at most {} characters, {lines}, no control characters, not only spaces.",
            rule.max_chars
        );
        let description = match field.get("description").and_then(Value::as_str) {
            Some(d) => format!("{d} {limit}"),
            None => limit,
        };
        field.insert("description".into(), description.into());
    }
}

/// Walks the schema from `node` (at JSON pointer `pointer`, field path `shape`), following
/// references, and lists the string fields that have a text rule.
fn collect_text_fields(
    root: &Value,
    node: &Value,
    pointer: String,
    shape: String,
    edits: &mut Vec<(String, TextRule)>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let reference = node
        .get("$ref")
        .or_else(|| node.pointer("/allOf/0/$ref"))
        .and_then(Value::as_str);
    if let Some(target) = reference.and_then(|r| r.strip_prefix('#'))
        && let Some(definition) = root.pointer(target)
    {
        return collect_text_fields(root, definition, target.to_owned(), shape, edits, depth + 1);
    }
    if node.get("type").and_then(Value::as_str) == Some("string")
        && let Some(rule) = rule_for(&shape)
    {
        edits.push((pointer.clone(), rule));
    }
    if let Some(Value::Object(properties)) = node.get("properties") {
        for (key, value) in properties {
            let shape = if shape.is_empty() {
                key.clone()
            } else {
                format!("{shape}.{key}")
            };
            collect_text_fields(
                root,
                value,
                format!("{pointer}/properties/{key}"),
                shape,
                edits,
                depth + 1,
            );
        }
    }
    if let Some(items) = node.get("items") {
        collect_text_fields(
            root,
            items,
            format!("{pointer}/items"),
            format!("{shape}[]"),
            edits,
            depth + 1,
        );
    }
}
