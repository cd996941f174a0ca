//! Which text rule each text field of a vendor follows: one table, used by the plans
//! validator and the JSON Schema alike.

use super::text::{EMAIL, LINE, NAME, PARAGRAPH, TextRule, URL};

/// The rule for the text at `path`, a dotted field path with list positions left out
/// (`escalation[].contacts[].name`, `aliases[]`); `None` for values that are not text
/// (slugs, durations, dates, IDs are checked by their own types). The limits are checked by
/// the validator, not when reading: a registry stored before a limit existed still loads.
pub fn rule_for(path: &str) -> Option<TextRule> {
    let rule = match path {
        "name"
        | "aliases[]"
        | "workloads[]"
        | "owner.name"
        | "owner.team"
        | "backup.name"
        | "backup.team"
        | "plan.tier"
        | "plan.account_id"
        | "filing.phone"
        | "escalation[].name"
        | "escalation[].contacts[].name"
        | "escalation[].contacts[].role"
        | "escalation[].contacts[].phone"
        | "status.components[]" => NAME,
        p if p.starts_with("plan.severity_names.") => NAME,
        "owner.email" | "backup.email" | "filing.email" | "escalation[].contacts[].email" => EMAIL,
        "filing.steps[]" | "filing.required_info[]" => LINE,
        "notes" | "filing.template" => PARAGRAPH,
        "status_page" | "filing.portal" | "status.statuspage" | "status.slack" | "status.betterstack"
        | "status.feed" => URL,
        _ => return None,
    };
    Some(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_an_autocomplete_choice_and_notes_an_embed_field() {
        assert_eq!(rule_for("name").map(|r| r.max_chars), Some(100));
        assert_eq!(rule_for("plan.severity_names.sev1"), Some(NAME));
        assert_eq!(rule_for("notes"), Some(PARAGRAPH));
        assert_eq!(rule_for("slug"), None);
        assert_eq!(rule_for("filing.portal"), Some(super::super::text::URL));
    }
}
