//! An RSS 2.0 or Atom feed: each entry is an incident of unknown impact; no components.

use chrono::{DateTime, Utc};
use quick_xml::{Reader, events::Event};

use super::{Incident, Snapshot, StatusDocumentError};

/// The most entries kept from one feed (feeds keep their history; the newest come first).
pub const MAX_FEED_ENTRIES: usize = 50;

/// The most characters kept of an entry's summary.
const MAX_SUMMARY_CHARS: usize = 500;

#[derive(Default)]
struct Entry {
    id: String,
    title: String,
    link: Option<String>,
    time: Option<DateTime<Utc>>,
    summary: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Title,
    Link,
    Time,
    Summary,
}

/// Where the reader is in the document.
#[derive(Default)]
struct Walk {
    root: Option<Vec<u8>>,
    depth: usize,
    /// The depth at which the open entry started, and what was read of it so far.
    entry: Option<(usize, Entry)>,
    /// The entry's field being read, at which depth, and its text so far.
    field: Option<(usize, Field, String)>,
    entries: Vec<Entry>,
}

impl Walk {
    fn open(&mut self, start: &quick_xml::events::BytesStart<'_>) -> Result<(), StatusDocumentError> {
        let name = start.local_name().as_ref().to_ascii_lowercase();
        self.depth += 1;
        if self.root.is_none() {
            if !matches!(name.as_slice(), b"rss" | b"rdf" | b"feed") {
                return Err(StatusDocumentError(format!(
                    "not an RSS or Atom feed: the document starts with <{}>",
                    String::from_utf8_lossy(&name)
                )));
            }
            self.root = Some(name);
            return Ok(());
        }
        if self.entry.is_none() {
            if matches!(name.as_slice(), b"item" | b"entry") {
                self.entry = Some((self.depth, Entry::default()));
            }
            return Ok(());
        }
        let Some((entry_depth, current)) = &mut self.entry else {
            return Ok(());
        };
        if self.depth != *entry_depth + 1 || self.field.is_some() {
            return Ok(());
        }
        let kind = match name.as_slice() {
            b"title" => Field::Title,
            b"guid" | b"id" => Field::Id,
            b"pubdate" | b"updated" | b"published" | b"date" => Field::Time,
            b"description" | b"summary" | b"content" => Field::Summary,
            b"link" => {
                // Atom: <link rel="alternate" href="…"/>; RSS: <link>…</link>.
                let mut href = None;
                let mut alternate = true;
                for attribute in start.attributes().flatten() {
                    let value = attribute.unescape_value().map_err(bad)?.into_owned();
                    match attribute.key.local_name().as_ref() {
                        b"href" => href = Some(value),
                        b"rel" => alternate = value == "alternate",
                        _ => {}
                    }
                }
                match href {
                    Some(href) => {
                        if alternate && current.link.is_none() {
                            current.link = Some(href);
                        }
                        return Ok(());
                    }
                    None => Field::Link,
                }
            }
            _ => return Ok(()),
        };
        self.field = Some((self.depth, kind, String::new()));
        Ok(())
    }

    fn text(&mut self, text: &str) {
        if let Some((_, _, buffer)) = &mut self.field {
            buffer.push_str(text);
        }
    }

    fn close(&mut self) {
        if let Some((field_depth, kind, text)) = self.field.take() {
            if field_depth == self.depth {
                if let Some((_, current)) = &mut self.entry {
                    store(current, kind, text.trim());
                }
            } else {
                self.field = Some((field_depth, kind, text));
            }
        }
        if self.entry.as_ref().is_some_and(|(d, _)| *d == self.depth)
            && let Some((_, done)) = self.entry.take()
            && self.entries.len() < MAX_FEED_ENTRIES
        {
            self.entries.push(done);
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

fn store(entry: &mut Entry, field: Field, text: &str) {
    match field {
        Field::Id => entry.id = text.to_owned(),
        Field::Title => entry.title = text.to_owned(),
        Field::Link => {
            if entry.link.is_none() && !text.is_empty() {
                entry.link = Some(text.to_owned());
            }
        }
        Field::Time => {
            let time = DateTime::parse_from_rfc3339(text)
                .or_else(|_| DateTime::parse_from_rfc2822(text))
                .ok()
                .map(|t| t.with_timezone(&Utc));
            // Atom has both `published` and `updated`: keep the later.
            if time > entry.time {
                entry.time = time;
            }
        }
        Field::Summary => {
            if entry.summary.is_empty() {
                entry.summary = plain_text(text);
            }
        }
    }
}

/// A summary's text without markup, on one line, cut to a readable length.
fn plain_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c => out.push(c),
        }
    }
    // The markup's own entities (`&amp;` inside CDATA); HTML-only ones stay as written.
    let out = quick_xml::escape::unescape(&out).map_or(out.clone(), |t| t.into_owned());
    let words: Vec<&str> = out.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(MAX_SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

fn bad(e: impl std::fmt::Display) -> StatusDocumentError {
    StatusDocumentError(format!("not a well-formed RSS or Atom feed: {e}"))
}

pub(super) fn parse(body: &[u8]) -> Result<Snapshot, StatusDocumentError> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut walk = Walk::default();
    loop {
        match reader.read_event().map_err(bad)? {
            Event::Start(start) => walk.open(&start)?,
            Event::Empty(start) => {
                walk.open(&start)?;
                walk.close();
            }
            Event::End(_) => walk.close(),
            Event::Text(text) => walk.text(&text.unescape().map_err(bad)?),
            Event::CData(data) => walk.text(&String::from_utf8_lossy(&data)),
            Event::Eof => break,
            _ => {}
        }
    }
    let Walk { root, entries, .. } = walk;
    if root.is_none() {
        return Err(StatusDocumentError(
            "not an RSS or Atom feed: no root element".into(),
        ));
    }
    let incidents = entries
        .into_iter()
        .filter(|e| !e.title.is_empty() || !e.id.is_empty() || e.link.is_some())
        .map(|e| {
            let id = if e.id.is_empty() {
                e.link.clone().unwrap_or_else(|| e.title.clone())
            } else {
                e.id
            };
            Incident {
                id,
                title: if e.title.is_empty() {
                    "(untitled entry)".into()
                } else {
                    e.title
                },
                impact: None,
                stage: None,
                link: e.link,
                latest_update: (!e.summary.is_empty()).then_some(e.summary),
                updated_at: e.time,
                components: Vec::new(),
            }
        })
        .collect();
    Ok(Snapshot {
        indicator: None,
        components: Vec::new(),
        incidents,
        maintenances: Vec::new(),
    })
}
