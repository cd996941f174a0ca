//! The same reply on every surface (Discord, the terminal, the Markdown wiki): structure
//! comes from the reply model, and text from the plans file or members stays text.

use backline::{
    commands::{Reply, Text, TimeStyle, markdown, wiki},
    discord::render,
    domain::{Date, Vendor},
};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::helpers::{example_plans, parse};

/// Every construct Discord or CommonMark could read as structure, or as a ping.
const HOSTILE: &str = "# h1 *em* **b** __u__ ~~s~~ ||spoiler|| `code` ```fence``` ~~~tilde \
    [link](https://evil.example) ![img](x.png) <b>html</b> <@123> <@&456> <#789> <t:0:R> @everyone @here \
    \\escaped\\ | pipe | &amp; > quote";

fn surfaces(text: &Text) -> [String; 3] {
    [render::markdown(text), text.to_string(), markdown::inline(text)]
}

#[test]
fn one_text_renders_on_each_surface() {
    let at = "2026-11-25T10:00:00Z".parse().unwrap();
    let cases: Vec<(Text, [&str; 3])> = vec![
        (
            Text::new().bold("Case #12").plain(" opened with ").bold("AWS"),
            [
                "**Case #12** opened with **AWS**",
                "Case #12 opened with AWS",
                "**Case \\#12** opened with **AWS**",
            ],
        ),
        (
            Text::from("Account ID: ").code("4821-0937"),
            [
                "Account ID: `4821-0937`",
                "Account ID: `4821-0937`",
                "Account ID: `4821-0937`",
            ],
        ),
        (
            Text::from("Portal: ").url("https://support.example.com/a_b"),
            [
                "Portal: https://support.example.com/a_b",
                "Portal: https://support.example.com/a_b",
                "Portal: <https://support.example.com/a_b>",
            ],
        ),
        (
            Text::from("Owner ")
                .user(42, Some("Dana Whitfield"))
                .plain(", role ")
                .role(7),
            [
                "Owner <@42>, role <@&7>",
                "Owner Dana Whitfield, role Discord role 7",
                "Owner Dana Whitfield, role Discord role 7",
            ],
        ),
        (
            Text::new().url("https://x.example/ @everyone <@&1>"),
            [
                "https://x.example/ \\@everyone \\<@&1>",
                "https://x.example/ @everyone <@&1>",
                "https://x.example/ @everyone \\<@\\&1\\>",
            ],
        ),
        (
            Text::from("Dana").chat_only(Text::from(" · ").user(42, Some("Dana"))),
            ["Dana · <@42>", "Dana", "Dana"],
        ),
        (
            Text::from("by ").user(42, None),
            ["by <@42>", "by Discord user 42", "by Discord user 42"],
        ),
        (
            Text::from("due ").time(at, TimeStyle::Full),
            [
                "due <t:1795600800:f> (<t:1795600800:R>)",
                "due 2026-11-25 10:00 UTC",
                "due 2026-11-25 10:00 UTC",
            ],
        ),
        (
            Text::from("record it").chat_hint(" (or the button)").plain("."),
            ["record it (or the button).", "record it.", "record it."],
        ),
        (
            Text::from("1. first").line_break().plain("- second"),
            [
                "1\\. first\n\\- second",
                "1. first\n- second",
                "1\\. first\n\\- second",
            ],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(surfaces(&text), expected.map(str::to_owned), "{text:?}");
    }
}

/// Discord's own unescaping: a backslash before punctuation shows the punctuation.
fn discord_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a CommonMark reader sees: the text of each block, and whether anything but
/// paragraphs and text came out.
fn commonmark_text(markdown: &str) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut structure = Vec::new();
    for event in Parser::new_ext(
        markdown,
        pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH,
    ) {
        match event {
            Event::Text(t) => text.push_str(&t),
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            other => structure.push(format!("{other:?}")),
        }
    }
    (text, structure)
}

#[test]
fn a_hostile_plain_span_is_that_literal_text_everywhere() {
    let hostile = Text::from(HOSTILE);
    let [discord, terminal, commonmark] = surfaces(&hostile);
    assert_eq!(terminal, HOSTILE);
    assert_eq!(discord_unescape(&discord), HOSTILE);
    assert!(
        discord.starts_with("\\# h1"),
        "a heading at the line start is escaped"
    );
    // Every character Discord could read as markup is escaped where it stands.
    let live = [
        "<@123>",
        "<@&456>",
        "<#789>",
        "<t:0:R>",
        "@everyone",
        "@here",
        "*",
        "_",
        "`",
        "[",
        "|",
        "~",
    ];
    for needle in live {
        for (at, _) in discord.match_indices(needle) {
            assert!(
                discord[..at].ends_with('\\'),
                "{needle} is live at {at} in {discord}"
            );
        }
    }
    let (text, structure) = commonmark_text(&commonmark);
    assert_eq!(text, HOSTILE);
    assert!(structure.is_empty(), "{structure:?}");
}

#[test]
fn a_name_cannot_fake_a_line_of_the_card_on_discord() {
    let reply = Reply {
        title: Some("Evil\n**Owner**: me".into()),
        ..Reply::default()
    }
    .field("Owner", Text::from("Mallory\n**Owner**: <@1>"));
    let fitted = backline::discord::limits::fit(&reply);
    let title = fitted.title.unwrap();
    assert!(
        !title.contains('\n') && title.contains("\\*\\*Owner\\*\\*"),
        "{title}"
    );
    let value = &fitted.fields[0].value;
    assert_eq!(value, "Mallory \\*\\*Owner\\*\\*: \\<@1>");
}

fn hostile_registry() -> Vec<Vendor> {
    let mut vendors = parse(&example_plans());
    for (i, v) in vendors.iter_mut().enumerate() {
        v.name = format!("{HOSTILE} {i}");
        v.aliases = vec!["=====".into(), "- [ ] task".into()];
        v.workloads = vec!["<script>alert(1)</script>".into(), "1) one".into()];
        v.notes = Some("---\n***\n___".into());
        v.filing.steps = vec![
            "# not a heading".into(),
            "===".into(),
            "---".into(),
            "    indented code".into(),
            "```".into(),
            "~~~".into(),
            "1. nested".into(),
            "> quote".into(),
            "| a | b |".into(),
        ];
        v.filing.required_info = vec!["* star".into(), "+ plus".into(), "<div>".into()];
        v.filing.template = Some("```\nfence\n~~~\ntilde\n````".into());
        v.filing.phone = Some("[call](javascript:alert(1))".into());
        v.owner.name = "**Owner** <@1>".into();
        v.owner.team = Some("Team\n## Injected".into());
        for level in &mut v.escalation {
            level.name = "### Level".into();
            for contact in &mut level.contacts {
                contact.name = "![x](y) _c_".into();
            }
        }
    }
    vendors
}

#[test]
fn the_wiki_of_a_hostile_registry_keeps_its_structure() {
    let vendors = hostile_registry();
    let page = wiki::markdown(&vendors, Date::parse("2026-11-25").unwrap());
    let mut headings: Vec<(HeadingLevel, String)> = Vec::new();
    let mut current: Option<(HeadingLevel, String)> = None;
    let mut html = Vec::new();
    let mut text = String::new();
    let mut code_blocks = Vec::new();
    for event in Parser::new_ext(&page, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => current = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                headings.extend(current.take());
                text.push('\n');
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h)) = current.as_mut() {
                    h.push_str(&t);
                }
                text.push_str(&t);
            }
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.to_string()),
            Event::Start(Tag::CodeBlock(_)) => code_blocks.push(()),
            Event::End(_) | Event::SoftBreak | Event::HardBreak => text.push('\n'),
            _ => {}
        }
    }
    let count = |level| headings.iter().filter(|(l, _)| *l == level).count();
    assert_eq!(count(HeadingLevel::H1), 1, "{headings:?}");
    assert_eq!(count(HeadingLevel::H2), vendors.len(), "{headings:?}");
    let h3 = headings.iter().filter(|(l, _)| *l == HeadingLevel::H3).count();
    assert_eq!(
        h3,
        vendors.len() * 4 + headings.iter().filter(|(_, h)| h == "Open findings").count(),
        "{headings:?}"
    );
    assert!(
        headings.iter().all(|(l, _)| *l != HeadingLevel::H4),
        "{headings:?}"
    );
    assert_eq!(
        code_blocks.len(),
        vendors.len(),
        "one case template block per vendor"
    );
    // The only HTML is the anchors the page writes itself.
    assert!(
        html.iter().all(|h| h.starts_with("<a id=\"") || h == "</a>"),
        "{html:?}"
    );
    for v in &vendors {
        for expected in [
            v.name.as_str(),
            "# not a heading",
            "| a | b |",
            "> quote",
            "1. nested",
            "[call](javascript:alert(1))",
            "<div>",
            "![x](y) _c_",
        ] {
            assert!(text.contains(expected), "{expected:?} is not text in the page");
        }
    }
}

/// Text as Discord shows it (its markdown), for assertions on what a card says.
pub fn md(text: &Text) -> String {
    render::markdown(text)
}

/// An optional text (a reply's content or description) as Discord markdown.
pub fn md_of(text: &Option<Text>) -> String {
    text.as_ref().map(md).unwrap_or_default()
}

/// Text built from pieces every surface could read as structure.
fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pieces = vec![
        "#",
        "##",
        "=",
        "===",
        "-",
        "---",
        "*",
        "**",
        "_",
        "__",
        "`",
        "```",
        "~",
        "~~~",
        "<",
        ">",
        "[",
        "]",
        "(",
        ")",
        "!",
        "|",
        "\\",
        "&",
        "&amp;",
        "1.",
        "2)",
        "+",
        " ",
        "    ",
        "\n",
        "a",
        "word",
        "<div>",
        "<@1>",
        "<@&2>",
        "@everyone",
        "@here",
        "<t:0:R>",
        "||",
        ":",
    ];
    proptest::collection::vec(prop::sample::select(pieces), 1..16).prop_map(|p| format!("v{}", p.concat()))
}

/// Whitespace folded, as a reader sees it.
fn folded(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 64, ..Default::default() })]

    #[test]
    fn generated_hostile_text_stays_text_on_discord(text in hostile_text()) {
        let discord = render::markdown(&Text::from(text.as_str()));
        proptest::prop_assert_eq!(discord_unescape(&discord), text.replace('\n', " "));
        for needle in ["<", "*", "_", "`", "[", "|", "~", "@everyone", "@here"] {
            for (at, _) in discord.match_indices(needle) {
                proptest::prop_assert!(discord[..at].ends_with('\\'), "{} is live in {}", needle, discord);
            }
        }
    }

    #[test]
    fn a_generated_hostile_registry_keeps_the_wikis_structure(
        names in proptest::collection::vec(hostile_text(), 6),
        steps in proptest::collection::vec(hostile_text(), 1..4),
        contact in hostile_text(),
    ) {
        let mut vendors = parse(&example_plans());
        for (v, name) in vendors.iter_mut().zip(&names) {
            v.name = name.clone();
            v.filing.steps = steps.clone();
            for level in &mut v.escalation {
                level.name = contact.clone();
                for c in &mut level.contacts {
                    c.name = contact.clone();
                }
            }
        }
        let page = wiki::markdown(&vendors, Date::parse("2026-11-25").unwrap());
        let (mut h1, mut h2, mut text) = (0, 0, String::new());
        for event in Parser::new_ext(&page, pulldown_cmark::Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }) => h1 += 1,
                Event::Start(Tag::Heading { level: HeadingLevel::H2, .. }) => h2 += 1,
                Event::Start(Tag::Heading { level: HeadingLevel::H4 | HeadingLevel::H5 | HeadingLevel::H6, .. }) => {
                    proptest::prop_assert!(false, "a heading came out of vendor text: {}", page);
                }
                Event::Text(t) | Event::Code(t) => text.push_str(&t),
                Event::Html(h) | Event::InlineHtml(h) => {
                    proptest::prop_assert!(h.starts_with("<a id=\"") || h.as_ref() == "</a>", "HTML {} in {}", h, page);
                }
                _ => text.push(' '),
            }
        }
        proptest::prop_assert_eq!(h1, 1);
        proptest::prop_assert_eq!(h2, vendors.len());
        let text = folded(&text);
        for expected in names.iter().chain(&steps).chain([&contact]) {
            proptest::prop_assert!(text.contains(&folded(expected)), "{:?} is not text in {}", expected, page);
        }
    }
}
