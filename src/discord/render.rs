//! Reply model → Discord message: spans rendered as Discord markdown (plain text escaped,
//! names single-line), cut to Discord's limits, mentions exactly as intended.

use chrono::{DateTime, Utc};
use serenity::all::{
    CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditMessage, RoleId, UserId,
};

use super::{
    components::{buttons, modal},
    limits::{self, Fitted},
    split::{Part, appendix, split},
};
use crate::commands::{Mentions, Reply, Span, Text, TimeStyle};

/// Exactly the users and roles the reply names; never @everyone, never "all users".
pub fn allowed_mentions(mentions: &Mentions) -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .users(mentions.users.iter().map(|&u| UserId::new(u)))
        .roles(mentions.roles.iter().map(|&r| RoleId::new(r)))
}

/// Sets the parts every message has, on either kind of message builder.
/// The content and mentions come from the first part of the reply's split.
macro_rules! with_parts {
    ($builder:expr, $reply:expr, $fitted:expr, $part:expr) => {{
        let (reply, fitted, part): (&Reply, &Fitted, &Part) = ($reply, $fitted, $part);
        let mut message = $builder.allowed_mentions(allowed_mentions(&part.mentions));
        if let Some(content) = &part.content {
            message = message.content(content);
        }
        if fitted.has_embed() {
            message = message.embed(embed(fitted));
        }
        if !reply.buttons.is_empty() {
            message = message.components(vec![buttons(&reply.buttons)]);
        }
        message
    }};
}

/// The first message of a reply (its card and the mentions that fit), with the parts
/// still to send after it as follow-ups.
fn message_of(reply: &Reply) -> (CreateInteractionResponseMessage, Vec<Part>) {
    let mut parts = split(reply).into_iter();
    let first = parts.next().unwrap_or_default();
    let message = with_parts!(
        CreateInteractionResponseMessage::new(),
        reply,
        &limits::fit(reply),
        &first
    );
    let message = if reply.ephemeral {
        message.ephemeral(true)
    } else {
        message
    };
    let parts = std::iter::once(first).chain(parts).chain(appendix(reply));
    (message, parts.collect())
}

pub fn message(reply: &Reply) -> CreateInteractionResponseMessage {
    message_of(reply).0
}

/// The same reply as the channel messages the bot posts on its own (reminders, digests),
/// with the users and roles each one mentions: one message unless the mentions need more.
pub fn channel_messages(reply: &Reply) -> Vec<(CreateMessage, Mentions)> {
    let fitted = limits::fit(reply);
    split(reply)
        .into_iter()
        .chain(appendix(reply))
        .enumerate()
        .map(|(i, part)| {
            let message = if i == 0 {
                with_parts!(CreateMessage::new(), reply, &fitted, &part)
            } else {
                super::notify::channel_follow_up(&part)
            };
            (message, part.mentions)
        })
        .collect()
}

/// An edit that makes a message the bot posted say `reply` (its first part: an edited
/// message carries one card).
pub fn edit_message(reply: &Reply) -> EditMessage {
    let first = split(reply).into_iter().next().unwrap_or_default();
    with_parts!(EditMessage::new(), reply, &limits::fit(reply), &first)
}

pub fn response(reply: &Reply) -> CreateInteractionResponse {
    responses(reply).0
}

/// The response to an interaction and the message parts it takes: the first part is in
/// the response, the others are to be sent as follow-ups. No parts for a form.
pub fn responses(reply: &Reply) -> (CreateInteractionResponse, Vec<Part>) {
    match &reply.modal {
        Some(form) => (CreateInteractionResponse::Modal(modal(form)), Vec::new()),
        None if reply.replaces => {
            // The message being replaced keeps its own visibility: an update sets no flags.
            let (message, parts) = message_of(&Reply {
                ephemeral: false,
                ..reply.clone()
            });
            (CreateInteractionResponse::UpdateMessage(message), parts)
        }
        None => {
            let (message, parts) = message_of(reply);
            (CreateInteractionResponse::Message(message), parts)
        }
    }
}

fn embed(fitted: &Fitted) -> CreateEmbed {
    let mut embed = CreateEmbed::new();
    if let Some(title) = &fitted.title {
        embed = embed.title(title);
    }
    if let Some(url) = &fitted.url {
        embed = embed.url(url);
    }
    if let Some(description) = &fitted.description {
        embed = embed.description(description);
    }
    if let Some(color) = fitted.color {
        embed = embed.color(color);
    }
    for field in &fitted.fields {
        embed = embed.field(&field.name, &field.value, field.inline);
    }
    if let Some(footer) = &fitted.footer {
        embed = embed.footer(CreateEmbedFooter::new(footer));
    }
    embed
}

// ---- Text → Discord markdown ----

/// Escaped wherever they stand: emphasis, underline, strikethrough, spoilers, code,
/// masked links, mentions, timestamps and custom emoji.
const ALWAYS: &[char] = &['\\', '*', '_', '~', '`', '|', '<', '[', ']'];
/// Escaped at a line's start: headings, subtext, block quotes, lists.
const AT_LINE_START: &[char] = &['#', '>', '-', '+'];

/// Plain text as pieces that are never cut apart: one character with its escape.
fn plain_atoms(s: &str, line_start: &mut bool) -> Vec<String> {
    let mut atoms = Vec::with_capacity(s.len());
    plain_escaped(s, line_start, |atom| atoms.push(atom.to_owned()));
    atoms
}

/// Plain text escaped as Discord markdown, in one string (the common case: nothing is cut).
fn plain_markdown(s: &str, line_start: &mut bool) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    plain_escaped(s, line_start, |atom| out.push_str(atom));
    out
}

/// Hands `emit` each piece of `s` escaped: one character, with its backslash when it needs
/// one. Line breaks become spaces (a name is one line).
fn plain_escaped(s: &str, line_start: &mut bool, mut emit: impl FnMut(&str)) {
    let mut buf = [0u8; 8];
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let c = if c == '\n' || c == '\r' { ' ' } else { c };
        if *line_start && c.is_ascii_digit() {
            // `1.` at a line's start makes a list.
            emit(c.encode_utf8(&mut buf));
            while let Some(&(_, d)) = chars.peek()
                && d.is_ascii_digit()
            {
                emit(d.encode_utf8(&mut buf));
                chars.next();
            }
            if let Some(&(_, '.')) = chars.peek() {
                emit("\\.");
                chars.next();
            }
            *line_start = false;
            continue;
        }
        let escape = ALWAYS.contains(&c)
            || (*line_start && AT_LINE_START.contains(&c))
            // `@everyone` and `@here` are shown, never read as a mention.
            || (c == '@' && (s[i..].starts_with("@everyone") || s[i..].starts_with("@here")));
        if !(c == ' ' || c == '\t') {
            *line_start = false;
        }
        if escape {
            buf[0] = b'\\';
            let n = c.encode_utf8(&mut buf[1..]).len();
            emit(std::str::from_utf8(&buf[..=n]).unwrap_or("\\"));
        } else {
            emit(c.encode_utf8(&mut buf));
        }
    }
}

fn inline_code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if !s.contains('`') {
        format!("`{s}`")
    } else if !s.contains("``") && !s.ends_with('`') && !s.starts_with('`') {
        format!("``{s}``")
    } else {
        // Discord has no escape inside code: show look-alike quotes instead.
        format!("`{}`", s.replace('`', "ˋ"))
    }
}

fn code_block(s: &str) -> String {
    format!("```\n{}\n```", s.trim_end().replace("```", "'''"))
}

fn timestamp(at: DateTime<Utc>, style: TimeStyle) -> String {
    let t = at.timestamp();
    match style {
        TimeStyle::Full => format!("<t:{t}:f> (<t:{t}:R>)"),
        TimeStyle::DateTime => format!("<t:{t}:f>"),
        TimeStyle::Time => format!("<t:{t}:T>"),
        TimeStyle::Relative => format!("<t:{t}:R>"),
    }
}

/// A web address Discord links as it is: no blanks, no markup or mention syntax in it.
fn is_plain_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '<' | '>' | '`' | '"' | '\\' | '|' | '[' | ']' | '(' | ')' | '@'
                )
        })
}

/// One span as Discord markdown.
fn span_markdown(span: &Span, line_start: &mut bool) -> String {
    let out = match span {
        Span::Plain(s) => return plain_markdown(s, line_start),
        Span::ChatOnly(text) => {
            return text
                .spans()
                .iter()
                .map(|s| span_markdown(s, line_start))
                .collect();
        }
        Span::Bold(s) => {
            let inner = plain_markdown(s.trim(), &mut false);
            if inner.is_empty() {
                inner
            } else {
                format!("**{inner}**")
            }
        }
        Span::Code(s) => inline_code(s),
        Span::CodeBlock(s) => {
            let block = code_block(s);
            if *line_start { block } else { format!("\n{block}") }
        }
        // An address someone typed that could carry markup or a mention is shown as text.
        Span::Link { text, url } if !is_plain_url(url) => {
            let mut shown = plain_atoms(text, line_start);
            if text != url {
                shown.extend(plain_atoms(&format!(" ({url})"), line_start));
            }
            return shown.concat();
        }
        Span::Link { text, url } if text == url => url.clone(),
        Span::Link { text, url } => format!("[{}]({url})", plain_markdown(text, &mut false)),
        Span::User { id, .. } => format!("<@{id}>"),
        Span::Role(id) => format!("<@&{id}>"),
        Span::Time(at, style) => timestamp(*at, *style),
        Span::LineBreak => {
            *line_start = true;
            return "\n".to_owned();
        }
    };
    *line_start = false;
    out
}

/// The text as Discord markdown, plain spans escaped.
pub fn markdown(text: &Text) -> String {
    markdown_within(text.spans(), usize::MAX)
}

/// At most `max` characters of markdown. What does not fit is cut between spans, or between
/// characters of a plain, bold or code span (never inside an escape, a mention, a link or a
/// timestamp, which are left out whole), and the cut ends with "…".
pub fn markdown_within(spans: &[Span], max: usize) -> String {
    let mut line_start = true;
    let whole: Vec<String> = spans.iter().map(|s| span_markdown(s, &mut line_start)).collect();
    if whole.iter().map(|s| s.chars().count()).sum::<usize>() <= max {
        return whole.concat();
    }
    let budget = max.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    let mut line_start = true;
    for (span, rendered) in spans.iter().zip(&whole) {
        let size = rendered.chars().count();
        if used + size <= budget {
            out.push_str(rendered);
            used += size;
            // Keep the line-start state in step with what was written.
            span_markdown(span, &mut line_start);
            continue;
        }
        let left = budget - used;
        let (open, atoms, close) = match span {
            Span::Plain(s) => (String::new(), plain_atoms(s, &mut line_start), String::new()),
            Span::Bold(s) => (
                "**".to_owned(),
                plain_atoms(s.trim(), &mut false),
                "**".to_owned(),
            ),
            Span::Code(s) => (
                "`".to_owned(),
                s.replace(['\n', '\r', '`'], " ")
                    .chars()
                    .map(String::from)
                    .collect(),
                "`".to_owned(),
            ),
            Span::CodeBlock(s) => {
                let open = if line_start { "```\n" } else { "\n```\n" };
                (
                    open.to_owned(),
                    s.replace("```", "'''").chars().map(String::from).collect(),
                    "\n```".to_owned(),
                )
            }
            _ => (String::new(), Vec::new(), String::new()),
        };
        let frame = open.chars().count() + close.chars().count();
        let mut taken = String::new();
        let mut taken_len = 0;
        for atom in atoms {
            let n = atom.chars().count();
            if frame + taken_len + n > left {
                break;
            }
            taken.push_str(&atom);
            taken_len += n;
        }
        if taken_len > 0 {
            out.push_str(&open);
            out.push_str(&taken);
            out.push_str(&close);
        }
        break;
    }
    out.push('…');
    out
}

/// Text where Discord shows markdown as typed (embed footers): nothing to escape.
pub fn literal(text: &Text) -> String {
    text.spans()
        .iter()
        .map(|span| match span {
            Span::Plain(s) | Span::Bold(s) => s.replace(['\n', '\r'], " "),
            Span::ChatOnly(text) => literal(text),
            Span::Code(s) => format!("`{s}`"),
            Span::CodeBlock(s) => s.clone(),
            Span::Link { url, .. } => url.clone(),
            Span::User { id, name } => name.clone().unwrap_or_else(|| format!("Discord user {id}")),
            Span::Role(id) => format!("Discord role {id}"),
            Span::Time(at, _) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
            Span::LineBreak => "\n".to_owned(),
        })
        .collect()
}
