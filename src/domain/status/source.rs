//! A status source as the plans file writes it:
//! `status = { statuspage = "https://www.githubstatus.com", components = ["Git Operations"] }`.

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, MapAccess, Visitor},
    ser::SerializeMap,
};

use super::{StatusKind, StatusSource};
use crate::domain::{WebUrl, text::name_key};

const FIELDS: &[&str] = &["statuspage", "slack", "betterstack", "feed", "components"];

impl StatusSource {
    /// The address of the document to fetch: the kind's API path under the page's base
    /// address (kept as is when it is already written out), the feed's own address.
    pub fn document_url(&self) -> String {
        let suffix = match self.kind {
            StatusKind::Statuspage => "/api/v2/summary.json",
            StatusKind::Slack => "/api/v2.0.0/current",
            StatusKind::BetterStack => "/index.json",
            StatusKind::Feed => return self.url.as_str().to_owned(),
        };
        let base = self.url.as_str();
        let (base, query) = match base.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (base, None),
        };
        let base = base.trim_end_matches('/');
        let mut out = if base.ends_with(suffix) {
            base.to_owned()
        } else {
            format!("{base}{suffix}")
        };
        if let Some(query) = query {
            out.push('?');
            out.push_str(query);
        }
        out
    }

    /// Whether `name` is one of the components this source watches (every component when
    /// the list is empty); case-insensitive.
    pub fn watches(&self, name: &str) -> bool {
        self.components.is_empty() || self.components.iter().any(|c| same_name(c, name))
    }
}

/// Component names compare case-insensitively (and in one Unicode form).
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || name_key(a) == name_key(b)
}

impl StatusKind {
    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == input)
    }
}

impl Serialize for StatusSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(self.kind.as_str(), self.url.as_str())?;
        if !self.components.is_empty() {
            map.serialize_entry("components", &self.components)?;
        }
        map.end()
    }
}

/// A status address: https, or plain http to a loopback host (tests, local mirrors).
struct StatusUrl(WebUrl);

/// Whether `url` may be polled: https anywhere, http only on this machine.
pub fn check_status_url(url: &WebUrl) -> Result<(), String> {
    let parsed = url::Url::parse(url.as_str()).map_err(|e| e.to_string())?;
    if parsed.scheme() == "https" || is_loopback(&parsed) {
        return Ok(());
    }
    Err(format!(
        "`{url}` must start with https:// (plain http:// only for loopback addresses: 127.0.0.0/8, ::1, localhost)"
    ))
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl<'de> Deserialize<'de> for StatusUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let url = WebUrl::deserialize(d)?;
        check_status_url(&url).map_err(de::Error::custom)?;
        Ok(Self(url))
    }
}

/// The watched component names: no two the same, whatever their case.
struct Components(Vec<String>);

impl<'de> Deserialize<'de> for Components {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        for (i, name) in names.iter().enumerate() {
            if let Some(first) = names[..i].iter().find(|n| same_name(n, name)) {
                return Err(de::Error::custom(format!(
                    "component `{name}` is listed twice (as `{first}`): list each component once"
                )));
            }
        }
        Ok(Self(names))
    }
}

impl<'de> Deserialize<'de> for StatusSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SourceVisitor)
    }
}

struct SourceVisitor;

impl<'de> Visitor<'de> for SourceVisitor {
    type Value = StatusSource;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a table such as { statuspage = \"https://www.githubstatus.com\", components = [\"Git Operations\"] }")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StatusSource, A::Error> {
        let mut source: Option<(StatusKind, WebUrl)> = None;
        let mut components: Option<Vec<String>> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "components" {
                if components.is_some() {
                    return Err(de::Error::duplicate_field("components"));
                }
                components = Some(map.next_value::<Components>()?.0);
                continue;
            }
            let Some(kind) = StatusKind::parse(&key) else {
                return Err(de::Error::unknown_field(&key, FIELDS));
            };
            if let Some((first, _)) = &source {
                return Err(de::Error::custom(format!(
                    "a status source has exactly one kind: `{}` and `{key}` are both given",
                    first.as_str()
                )));
            }
            let url = map.next_value::<StatusUrl>()?.0;
            source = Some((kind, url));
        }
        let Some((kind, url)) = source else {
            return Err(de::Error::custom(
                "a status source needs exactly one of `statuspage`, `slack`, `betterstack` or `feed`, e.g. status = { statuspage = \"https://www.githubstatus.com\" }",
            ));
        };
        Ok(StatusSource {
            kind,
            url,
            components: components.unwrap_or_default(),
        })
    }
}

impl schemars::JsonSchema for StatusSource {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatusSource".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let url = |what: &str| {
            serde_json::json!({
                "description": what,
                "type": "string",
                "format": "uri",
                "pattern": "^https?://"
            })
        };
        schemars::json_schema!({
            "description": "Where the vendor's live status comes from: exactly one of `statuspage`, `slack`, `betterstack` or `feed`, and the components the plan depends on. https only (plain http for loopback addresses).",
            "type": "object",
            "properties": {
                "statuspage": url("An Atlassian Statuspage's address, e.g. https://www.githubstatus.com (read at /api/v2/summary.json)."),
                "slack": url("Slack's status site, https://slack-status.com (read at /api/v2.0.0/current)."),
                "betterstack": url("A Better Stack status page's address (read at /index.json)."),
                "feed": url("An RSS 2.0 or Atom feed's own address; entries are read as incidents, no components."),
                "components": {
                    "description": "The components the plan depends on, by the page's own names (case-insensitive); `backline status check` lists them. Left out: every component counts.",
                    "type": "array",
                    "items": { "type": "string" },
                    "uniqueItems": true
                }
            },
            "additionalProperties": false,
            "oneOf": [
                { "required": ["statuspage"] },
                { "required": ["slack"] },
                { "required": ["betterstack"] },
                { "required": ["feed"] }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: StatusKind, url: &str, components: &[&str]) -> StatusSource {
        StatusSource {
            kind,
            url: WebUrl::parse(url).unwrap(),
            components: components.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn document_urls_follow_the_kind() {
        let url = |kind, base| source(kind, base, &[]).document_url();
        assert_eq!(
            url(StatusKind::Statuspage, "https://www.githubstatus.com"),
            "https://www.githubstatus.com/api/v2/summary.json"
        );
        assert_eq!(
            url(
                StatusKind::Statuspage,
                "https://www.githubstatus.com/api/v2/summary.json"
            ),
            "https://www.githubstatus.com/api/v2/summary.json"
        );
        assert_eq!(
            url(StatusKind::Slack, "https://slack-status.com/"),
            "https://slack-status.com/api/v2.0.0/current"
        );
        assert_eq!(
            url(StatusKind::BetterStack, "http://127.0.0.1:8080/pages/x"),
            "http://127.0.0.1:8080/pages/x/index.json"
        );
        assert_eq!(
            url(StatusKind::Feed, "https://status.example.net/feed.rss"),
            "https://status.example.net/feed.rss"
        );
    }

    #[test]
    fn status_addresses_are_https_except_on_loopback() {
        let check = |u: &str| check_status_url(&WebUrl::parse(u).unwrap());
        assert!(check("https://www.githubstatus.com").is_ok());
        assert!(check("http://127.0.0.1:9000").is_ok());
        assert!(check("http://127.8.0.1").is_ok());
        assert!(check("http://[::1]:9000").is_ok());
        assert!(check("http://localhost:9000").is_ok());
        assert!(
            check("http://www.githubstatus.com")
                .unwrap_err()
                .contains("https://")
        );
        assert!(check("http://10.0.0.1").is_err());
    }
}
