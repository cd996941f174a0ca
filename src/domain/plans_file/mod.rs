//! The plans file: TOML `[[vendor]]` tables, parsed with every error located by file, line,
//! column and field, and written back so that an export re-imports to the same registry.

use std::{collections::HashMap, fmt, ops::Range};

use serde::{Deserialize, Serialize};
use toml::{
    Spanned,
    de::{DeTable, DeValue, ValueDeserializer},
};

use super::{
    Vendor,
    text::{self, name_key},
    vendor_text::rule_for,
};

mod chunks;
mod locate;
mod schema;

pub use chunks::{VendorBatches, VendorDocument};
pub use locate::vendor_positions;
use locate::{
    LineIndex, Segment, deepest_path, insert_placeholder, key_span_in, remove_path, render_path, span_of_path,
};
pub use schema::json_schema;

/// One plans file as read from disk: the name to show in errors, and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// A problem in a plans file, located precisely enough to fix it without searching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The vendor's slug when it could be read.
    pub vendor: Option<String>,
    /// Dotted path inside the vendor (`plan.response.sev1`), or the top-level key.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        match (&self.vendor, &self.field) {
            (Some(v), Some(field)) => write!(f, "vendor `{v}`, field `{field}`: ")?,
            (Some(v), None) => write!(f, "vendor `{v}`: ")?,
            (None, Some(field)) => write!(f, "field `{field}`: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

/// The most errors reported for a single vendor table before giving up on it.
const MAX_ERRORS_PER_VENDOR: usize = 20;

/// Parses all files into one registry, or returns every error found in any of them.
pub fn parse_files(files: &[SourceFile]) -> Result<Vec<Vendor>, Vec<PlanError>> {
    let mut errors = Vec::new();
    let lines: Vec<LineIndex<'_>> = files.iter().map(|f| LineIndex::new(&f.text)).collect();
    let mut vendors: Vec<(Vendor, Location<'_>)> = Vec::new();
    for (file, lines) in files.iter().zip(&lines) {
        let (parsed, file_errors) = chunks::parse_file(file, lines);
        errors.extend(file_errors);
        vendors.extend(parsed);
    }
    errors.extend(cross_vendor_errors(&vendors));
    if errors.is_empty() {
        let mut vendors: Vec<Vendor> = vendors.into_iter().map(|(v, _)| v).collect();
        vendors.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(vendors)
    } else {
        Err(errors)
    }
}

/// Parses one file's text (a convenience for tests and `check`).
pub fn parse_str(name: &str, text: &str) -> Result<Vec<Vendor>, Vec<PlanError>> {
    parse_files(&[SourceFile {
        name: name.to_owned(),
        text: text.to_owned(),
    }])
}

/// Where a vendor was defined, for errors that involve two vendors.
#[derive(Clone, Debug)]
struct Location<'a> {
    file: &'a str,
    lines: &'a LineIndex<'a>,
    slug_span: Range<usize>,
    name_span: Range<usize>,
    alias_spans: Vec<Range<usize>>,
}

#[derive(Serialize)]
struct PlansFileOut<'a> {
    vendor: &'a [Vendor],
}

/// The registry as a plans file: one `[[vendor]]` per vendor, sorted by slug.
pub fn to_toml(vendors: &[Vendor]) -> Result<String, toml::ser::Error> {
    let mut sorted = vendors.to_vec();
    sorted.sort_by(|a, b| a.slug.cmp(&b.slug));
    let body = toml::to_string_pretty(&PlansFileOut { vendor: &sorted })?;
    Ok(format!(
        "# backline support plans (exported). Format: docs/plans-format.md; JSON Schema for editors:\n# docs/plans.schema.json in the backline repository.\n\n{body}"
    ))
}

/// One vendor as a standalone TOML table (how the store keeps it).
pub fn vendor_to_toml(vendor: &Vendor) -> Result<String, toml::ser::Error> {
    toml::to_string(vendor)
}

pub fn vendor_from_toml(text: &str) -> Result<Vendor, toml::de::Error> {
    toml::from_str(text)
}

/// The vendors of `file.text[part]`, a document on its own, with spans and errors located
/// in the whole file.
fn parse_part<'a>(
    file: &'a SourceFile,
    lines: &'a LineIndex<'a>,
    part: Range<usize>,
) -> (Vec<(Vendor, Location<'a>)>, Vec<PlanError>) {
    let offset = part.start;
    let at = |span: Range<usize>| span.start + offset..span.end + offset;
    let error_at = |span: Range<usize>, vendor: Option<String>, field: Option<String>, message: String| {
        let (line, column) = lines.position(span.start + offset);
        PlanError {
            file: file.name.clone(),
            line,
            column,
            vendor,
            field,
            message,
        }
    };
    let (root, syntax_errors) = DeTable::parse_recoverable(&file.text[part]);
    if !syntax_errors.is_empty() {
        let errors = syntax_errors
            .into_iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                error_at(span, None, None, format!("TOML syntax: {}", e.message()))
            })
            .collect();
        return (Vec::new(), errors);
    }
    let mut errors = Vec::new();
    let mut vendors = Vec::new();
    for (key, value) in root.get_ref().iter() {
        if key.get_ref() != "vendor" {
            errors.push(error_at(
                key.span(),
                None,
                Some(key.get_ref().to_string()),
                "unknown top-level key: a plans file holds only [[vendor]] tables".into(),
            ));
            continue;
        }
        let DeValue::Array(array) = value.get_ref() else {
            errors.push(error_at(
                value.span(),
                None,
                Some("vendor".into()),
                "`vendor` must be an array of tables: write each vendor as [[vendor]]".into(),
            ));
            continue;
        };
        for item in array.iter() {
            let slug = item
                .get_ref()
                .get("slug")
                .and_then(|s| s.get_ref().as_str())
                .map(str::to_owned);
            let (vendor, mut vendor_errors) = deserialize_vendor(item);
            // Text is checked on what was written, whatever else is wrong with the vendor,
            // so all of a vendor's errors come at once.
            vendor_errors.extend(text_errors(item));
            let faultless = vendor_errors.is_empty();
            for (span, field, message) in vendor_errors {
                errors.push(error_at(span, slug.clone(), field, message));
            }
            let Some(vendor) = vendor else { continue };
            if faultless {
                let span_of = |key: &str| at(span_of_path(item, key).unwrap_or(item.span()));
                let location = Location {
                    file: &file.name,
                    lines,
                    slug_span: span_of("slug"),
                    name_span: span_of("name"),
                    alias_spans: (0..vendor.aliases.len())
                        .map(|i| span_of(&format!("aliases[{i}]")))
                        .collect(),
                };
                vendors.push((vendor, location));
            }
        }
    }
    errors.sort_by_key(|e| (e.line, e.column));
    (vendors, errors)
}

/// A problem inside one vendor table: where, which field, what.
type LocatedProblem = (Range<usize>, Option<String>, String);

/// Deserializes one `[[vendor]]` table, collecting as many errors as it can: after each
/// error the offending entry is removed (or, for a missing required field of the vendor
/// itself, a placeholder stood in) and the table tried again, so one mistake does not hide
/// the next. Stops when an error cannot be pinned to an entry.
fn deserialize_vendor(item: &Spanned<DeValue<'_>>) -> (Option<Vendor>, Vec<LocatedProblem>) {
    // Most vendors are right: one copy of the table to read them, another only to look
    // further after an error.
    if let Ok(vendor) = Vendor::deserialize(ValueDeserializer::from(item.clone())) {
        return (Some(vendor), Vec::new());
    }
    let mut item = item.clone();
    let mut errors = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut inserted: Vec<String> = Vec::new();
    for _ in 0..MAX_ERRORS_PER_VENDOR {
        match Vendor::deserialize(ValueDeserializer::from(item.clone())) {
            Ok(vendor) => return (errors.is_empty().then_some(vendor), errors),
            Err(e) => {
                let mut span = e.span().unwrap_or(item.span());
                let mut path = deepest_path(&item, span.start);
                // serde reports an unknown key at its table; point at the key itself.
                if let Some(key) = unknown_field(e.message())
                    && let Some(key_span) = key_span_in(&item, &path, key)
                {
                    span = key_span;
                    path.push(Segment::Key(key.to_owned()));
                }
                let field = render_path(&path);
                // A placeholder of ours is at fault: nothing true left to say.
                if let Some(Segment::Key(top)) = path.first()
                    && inserted.contains(top)
                {
                    break;
                }
                if let Some(missing) = missing_field(e.message()) {
                    let full = join_path(field.as_deref(), missing);
                    if inserted.contains(&full) {
                        break;
                    }
                    // A field we removed ourselves after reporting it: nothing new to say.
                    if !removed.contains(&full) {
                        errors.push((span, Some(full.clone()), friendly(e.message())));
                    }
                    if path.is_empty() {
                        // The vendor's own required field: every other key has been read,
                        // but another required field may be missing too. Stand a value in
                        // for this one and read on.
                        if !insert_placeholder(&mut item, missing) {
                            break;
                        }
                        inserted.push(full);
                        continue;
                    }
                    // serde checks required fields after a table's other keys, so the rest of
                    // this table is fine; drop it to look at the keys after it.
                    if !remove_path(&mut item, &path) {
                        break;
                    }
                    removed.push(field.unwrap_or_default());
                    continue;
                }
                errors.push((span, field.clone(), friendly(e.message())));
                if path.is_empty() || !remove_path(&mut item, removal_path(&path)) {
                    break;
                }
                removed.push(field.unwrap_or_default());
            }
        }
    }
    (None, errors)
}

/// What to drop after an error at `path` to look for the next one: the entry itself, but
/// the whole `status` table for an error inside it (without its bad entry, the table would
/// only report a second, made-up error).
fn removal_path(path: &[Segment]) -> &[Segment] {
    match path.first() {
        Some(Segment::Key(key)) if key == "status" => &path[..1],
        _ => path,
    }
}

/// Every string of a vendor table that breaks the text rule of its field.
fn text_errors(item: &Spanned<DeValue<'_>>) -> Vec<LocatedProblem> {
    let mut errors = Vec::new();
    locate::visit_strings(item, &mut |shape, path, span, value| {
        if let Some(rule) = rule_for(shape)
            && let Err(error) = text::check(value, rule)
        {
            errors.push((
                span,
                Some(render_path(path).unwrap_or_default()),
                error.to_string(),
            ));
        }
    });
    errors
}

fn unknown_field(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn join_path(parent: Option<&str>, child: &str) -> String {
    match parent {
        Some(p) if !p.is_empty() => format!("{p}.{child}"),
        _ => child.to_owned(),
    }
}

/// serde's wording, made to say what to do where it does not.
fn friendly(message: &str) -> String {
    let message = message.trim_end();
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("required field `{field}` is missing");
    }
    if message.starts_with("unknown field") {
        return format!("{message} (check the spelling; the format is in docs/plans-format.md)");
    }
    message.to_owned()
}

fn cross_vendor_errors(vendors: &[(Vendor, Location<'_>)]) -> Vec<PlanError> {
    let mut errors = Vec::new();
    // Every name a vendor answers to must lead to exactly one vendor, whatever its case or
    // Unicode form (`ＡＷＳ` is `aws`).
    let mut claimed: HashMap<String, (usize, &str)> = HashMap::new();
    for (index, (vendor, location)) in vendors.iter().enumerate() {
        let mut names: Vec<(String, Range<usize>, &str)> = vec![
            (
                vendor.slug.as_str().to_owned(),
                location.slug_span.clone(),
                "slug",
            ),
            (name_key(&vendor.name), location.name_span.clone(), "name"),
        ];
        for (alias, span) in vendor.aliases.iter().zip(&location.alias_spans) {
            names.push((name_key(alias), span.clone(), "aliases"));
        }
        let mut own: Vec<String> = Vec::new();
        for (name, span, field) in names {
            if own.contains(&name) {
                continue;
            }
            own.push(name.clone());
            if let Some((first, _)) = claimed.get(&name) {
                let (other, other_location) = &vendors[*first];
                let (line, column) = location.lines.position(span.start);
                let (other_line, _) = other_location.lines.position(other_location.slug_span.start);
                let message = if field == "slug" && other.slug == vendor.slug {
                    format!(
                        "duplicate slug `{name}`: already defined at {}:{other_line}; each vendor needs its own slug",
                        other_location.file
                    )
                } else {
                    format!(
                        "`{name}` already names vendor `{}` ({}:{other_line}): a name or alias must lead to one vendor",
                        other.slug, other_location.file
                    )
                };
                errors.push(PlanError {
                    file: location.file.to_owned(),
                    line,
                    column,
                    vendor: Some(vendor.slug.to_string()),
                    field: Some(field.to_owned()),
                    message,
                });
            } else {
                claimed.insert(name, (index, field));
            }
        }
    }
    errors
}
