//! Finding where in a TOML document an error is: key paths and their spans.

use std::ops::Range;

use toml::{Spanned, de::DeValue};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

pub(super) fn render_path(path: &[Segment]) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    let mut out = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) if out.is_empty() => out.push_str(k),
            Segment::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    Some(out)
}

/// The longest path of keys/indices whose key or value span contains `pos`.
pub(super) fn deepest_path(value: &Spanned<DeValue<'_>>, pos: usize) -> Vec<Segment> {
    fn walk(value: &DeValue<'_>, pos: usize, path: &mut Vec<Segment>, best: &mut Vec<Segment>) {
        match value {
            DeValue::Table(table) => {
                for (k, v) in table.iter() {
                    path.push(Segment::Key(k.get_ref().to_string()));
                    if (k.span().contains(&pos) || v.span().contains(&pos)) && path.len() > best.len() {
                        *best = path.clone();
                    }
                    walk(v.get_ref(), pos, path, best);
                    path.pop();
                }
            }
            DeValue::Array(array) => {
                for (i, v) in array.iter().enumerate() {
                    path.push(Segment::Index(i));
                    if v.span().contains(&pos) && path.len() > best.len() {
                        *best = path.clone();
                    }
                    walk(v.get_ref(), pos, path, best);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut best = Vec::new();
    walk(value.get_ref(), pos, &mut Vec::new(), &mut best);
    best
}

pub(super) fn remove_path(value: &mut Spanned<DeValue<'_>>, path: &[Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut current = value.get_mut();
    for seg in parents {
        current = match (current, seg) {
            (DeValue::Table(t), Segment::Key(k)) => match t.get_mut(k.as_str()) {
                Some(v) => v.get_mut(),
                None => return false,
            },
            (DeValue::Array(a), Segment::Index(i)) => match a.get_mut(*i) {
                Some(v) => v.get_mut(),
                None => return false,
            },
            _ => return false,
        };
    }
    match (current, last) {
        (DeValue::Table(t), Segment::Key(k)) => t.remove(k.as_str()).is_some(),
        (DeValue::Array(a), Segment::Index(i)) if *i < a.len() => {
            let old = std::mem::replace(a, std::iter::empty().collect());
            *a = old
                .into_iter()
                .enumerate()
                .filter(|(j, _)| j != i)
                .map(|(_, v)| v)
                .collect();
            true
        }
        _ => false,
    }
}

/// Stands a valid value in for the required top-level `key` a vendor table lacks (its error
/// already reported), so the vendor is read on and its other errors found too. False when
/// the vendor is not a table.
pub(super) fn insert_placeholder(value: &mut Spanned<DeValue<'_>>, key: &str) -> bool {
    let span = value.span();
    let at = span.start..span.start;
    let DeValue::Table(table) = value.get_mut() else {
        return false;
    };
    let text = |s: &'static str| Spanned::new(at.clone(), DeValue::String(s.into()));
    let placeholder = match key {
        "criticality" => text("low"),
        "owner" => {
            let mut owner = toml::de::DeTable::new();
            owner.insert(Spanned::new(at.clone(), "name".into()), text("placeholder"));
            Spanned::new(at.clone(), DeValue::Table(owner))
        }
        _ => text("placeholder"),
    };
    table.insert(Spanned::new(at.clone(), key.to_owned().into()), placeholder);
    true
}

/// The span of the value at a dotted path such as `escalation[1].contacts[0].name`.
pub(super) fn span_of_path(value: &Spanned<DeValue<'_>>, path: &str) -> Option<Range<usize>> {
    let mut current = value;
    for part in path.split('.') {
        let (key, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        current = current.get_ref().get(key)?;
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            current = current.get_ref().get(index.parse::<usize>().ok()?)?;
        }
    }
    Some(current.span())
}

/// The span of key `key` in the table at `path`, if that table has it.
pub(super) fn key_span_in(value: &Spanned<DeValue<'_>>, path: &[Segment], key: &str) -> Option<Range<usize>> {
    let mut current = value;
    for seg in path {
        current = match seg {
            Segment::Key(k) => current.get_ref().get(k.as_str())?,
            Segment::Index(i) => current.get_ref().get(*i)?,
        };
    }
    let DeValue::Table(table) = current.get_ref() else {
        return None;
    };
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(k, _)| k.span())
}

/// What `visit_strings` calls for each string: shape, path, span, text.
pub(super) type StringVisitor<'v, 'a> = dyn FnMut(&str, &[Segment], Range<usize>, &'a str) + 'v;

/// Visits every string in `value` with its path without list positions
/// (`escalation[].contacts[].name`), its path with them (`escalation[1].contacts[0].name`,
/// as segments: most strings are fine, and their path is never written out), its span and
/// its text.
pub(super) fn visit_strings<'a>(value: &'a Spanned<DeValue<'a>>, visit: &mut StringVisitor<'_, 'a>) {
    fn walk<'a>(
        value: &'a Spanned<DeValue<'a>>,
        shape: &mut String,
        path: &mut Vec<Segment>,
        visit: &mut StringVisitor<'_, 'a>,
    ) {
        let before = shape.len();
        match value.get_ref() {
            DeValue::String(s) => visit(shape, path, value.span(), s),
            DeValue::Table(table) => {
                for (k, v) in table.iter() {
                    if !shape.is_empty() {
                        shape.push('.');
                    }
                    shape.push_str(k.get_ref());
                    path.push(Segment::Key(k.get_ref().to_string()));
                    walk(v, shape, path, visit);
                    path.pop();
                    shape.truncate(before);
                }
            }
            DeValue::Array(array) => {
                shape.push_str("[]");
                for (i, v) in array.iter().enumerate() {
                    path.push(Segment::Index(i));
                    walk(v, shape, path, visit);
                    path.pop();
                }
                shape.truncate(before);
            }
            _ => {}
        }
    }
    walk(value, &mut String::new(), &mut Vec::new(), visit);
}

/// Where each vendor of the files is defined: its slug → (file, line, column) of the slug's
/// value (for annotating a finding on the line that names the vendor). Files that do not
/// parse contribute nothing.
pub fn vendor_positions(
    files: &[super::SourceFile],
) -> std::collections::HashMap<String, (String, usize, usize)> {
    let mut positions = std::collections::HashMap::new();
    for file in files {
        let Ok(root) = toml::de::DeTable::parse(&file.text) else {
            continue;
        };
        let lines = LineIndex::new(&file.text);
        let Some(DeValue::Array(vendors)) = root.get_ref().get("vendor").map(Spanned::get_ref) else {
            continue;
        };
        for item in vendors.iter() {
            let Some(slug) = item.get_ref().get("slug") else {
                continue;
            };
            let Some(name) = slug.get_ref().as_str() else {
                continue;
            };
            let (line, column) = lines.position(slug.span().start);
            positions
                .entry(name.to_owned())
                .or_insert((file.name.clone(), line, column));
        }
    }
    positions
}

/// Byte offset → (line, column), both 1-based, column counted in characters. The line
/// starts are found on the first question: a file without errors never needs them.
#[derive(Debug)]
pub(super) struct LineIndex<'a> {
    text: &'a str,
    starts: std::sync::OnceLock<Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text,
            starts: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let starts = self.starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let offset = offset.min(self.text.len());
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }
}
