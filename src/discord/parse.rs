//! Slash-command interactions → typed commands: subcommands, options, resolved users.

use serenity::all::{CommandDataOption, CommandDataOptionValue, CommandInteraction};

use crate::{
    commands::{Command, DirectoryFilter, OpenCase, PersonEdit, Text, UpdateCase},
    domain::Criticality,
};

fn required_option(name: &str) -> Text {
    Text::from("The ").code(name).plain(" option is required.")
}

/// A command or subcommand this version does not have: the registered list is older.
fn retired(name: &str, list: &str) -> Text {
    Text::from("backline has no ")
        .code(name)
        .plain(format!(" {list}. An admin can refresh the commands with "))
        .code("backline discord register")
        .plain(".")
}

fn string_option(options: &[CommandDataOption], name: &str) -> Option<String> {
    options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| o.value.as_str())
        .map(str::to_owned)
        .filter(|v| !v.trim().is_empty())
}

pub(super) fn parse_command(interaction: &CommandInteraction) -> Result<Command, Text> {
    let options = &interaction.data.options;
    let required = |options: &[CommandDataOption], name: &str| {
        string_option(options, name).ok_or_else(|| required_option(name))
    };
    match interaction.data.name.as_str() {
        "support" => Ok(Command::Support {
            vendor: required(options, "vendor")?,
        }),
        "owner" => Ok(Command::Owner {
            vendor: required(options, "vendor")?,
        }),
        "case" => {
            let Some(sub) = options.first() else {
                return Err("Pick a /case subcommand.".into());
            };
            let CommandDataOptionValue::SubCommand(args) = &sub.value else {
                return Err("Pick a /case subcommand.".into());
            };
            match sub.name.as_str() {
                "open" => Ok(Command::CaseOpen(OpenCase {
                    vendor: required(args, "vendor")?,
                    severity: required(args, "severity")?,
                    summary: required(args, "summary")?,
                    vendor_case_id: string_option(args, "vendor_case_id"),
                    link: string_option(args, "link"),
                })),
                "escalate" => Ok(Command::CaseEscalate {
                    case: required(args, "case")?,
                }),
                "update" => Ok(Command::CaseUpdate(UpdateCase {
                    case: required(args, "case")?,
                    vendor_case_id: string_option(args, "vendor_case_id"),
                    status: string_option(args, "status"),
                    note: string_option(args, "note"),
                })),
                "close" => Ok(Command::CaseClose {
                    case: required(args, "case")?,
                    resolution: string_option(args, "resolution"),
                }),
                "list" => Ok(Command::CaseList {
                    vendor: string_option(args, "vendor"),
                    status: string_option(args, "status"),
                }),
                "show" => Ok(Command::CaseShow {
                    case: required(args, "case")?,
                }),
                other => Err(retired(&format!("/case {other}"), "subcommand")),
            }
        }
        "vendor" => parse_vendor_command(interaction),
        other => Err(retired(&format!("/{other}"), "command any more")),
    }
}

/// `/vendor …`: its subcommand and options, with a user option's display name from the
/// members and users Discord resolved for the interaction.
fn parse_vendor_command(interaction: &CommandInteraction) -> Result<Command, Text> {
    let Some(sub) = interaction.data.options.first() else {
        return Err("Pick a /vendor subcommand.".into());
    };
    let CommandDataOptionValue::SubCommand(args) = &sub.value else {
        return Err("Pick a /vendor subcommand.".into());
    };
    let vendor = || string_option(args, "vendor").ok_or_else(|| required_option("vendor"));
    let person = || -> Result<PersonEdit, Text> {
        let user = args
            .iter()
            .find(|o| o.name == "user")
            .and_then(|o| match o.value {
                CommandDataOptionValue::User(id) => Some(id),
                _ => None,
            })
            .ok_or_else(|| {
                Text::from("The ")
                    .code("user")
                    .plain(" option is required: pick the person.")
            })?;
        let resolved = &interaction.data.resolved;
        let shown = resolved
            .members
            .get(&user)
            .and_then(|m| m.nick.clone())
            .or_else(|| {
                resolved
                    .users
                    .get(&user)
                    .map(|u| u.global_name.clone().unwrap_or_else(|| u.name.clone()))
            });
        Ok(PersonEdit {
            user: user.get(),
            name: string_option(args, "name")
                .or(shown)
                .unwrap_or_else(|| user.to_string()),
            team: string_option(args, "team"),
            email: string_option(args, "email"),
        })
    };
    match sub.name.as_str() {
        "audit" => Ok(Command::VendorAudit),
        "verify" => Ok(Command::VendorVerify { vendor: vendor()? }),
        "set-owner" => Ok(Command::VendorSetOwner {
            vendor: vendor()?,
            person: person()?,
        }),
        "set-backup" => Ok(Command::VendorSetBackup {
            vendor: vendor()?,
            person: person()?,
        }),
        "note" => Ok(Command::VendorNote {
            vendor: vendor()?,
            text: string_option(args, "text").unwrap_or_default(),
        }),
        "history" => Ok(Command::VendorHistory { vendor: vendor()? }),
        "list" => {
            let criticality = string_option(args, "criticality")
                .map(|c| Criticality::parse(&c))
                .transpose()
                .map_err(Text::from)?;
            let covered_now = args
                .iter()
                .find(|o| o.name == "covered-now")
                .is_some_and(|o| matches!(o.value, CommandDataOptionValue::Boolean(true)));
            let team = string_option(args, "team");
            let filter =
                DirectoryFilter::new(criticality, team.as_deref(), covered_now).map_err(Text::from)?;
            Ok(Command::VendorList { filter, page: 1 })
        }
        "status" => Ok(Command::VendorStatus {
            vendor: string_option(args, "vendor"),
        }),
        other => Err(retired(&format!("/vendor {other}"), "subcommand")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// A slash command as Discord sends it, with every field serenity requires.
    fn interaction(name: &str, options: Value, resolved: Value) -> CommandInteraction {
        serde_json::from_value(json!({
            "type": 2, "id": "100000000000000001", "application_id": "200000000000000001",
            "token": "tok", "version": 1, "channel_id": "500000000000000001", "locale": "en-US",
            "app_permissions": "0", "entitlements": [], "attachment_size_limit": 10_485_760,
            "guild_id": "400000000000000001", "guild_locale": "en-US", "context": 0,
            "authorizing_integration_owners": {"0": "400000000000000001"},
            "member": {"user": {"id": "300000000000000001", "username": "alice", "discriminator": "0",
                                "global_name": null, "avatar": null},
                       "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00",
                       "deaf": false, "mute": false, "flags": 0, "permissions": "0"},
            "data": {"id": "600000000000000001", "name": name, "type": 1, "options": options,
                     "resolved": resolved},
        }))
        .expect("an interaction serenity accepts")
    }

    fn strings(options: &[(&str, &str)]) -> Value {
        options
            .iter()
            .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
            .collect()
    }

    fn sub(name: &str, options: &[(&str, &str)]) -> Value {
        json!([{"name": name, "type": 1, "options": strings(options)}])
    }

    fn parsed(name: &str, options: Value) -> Result<Command, Text> {
        parse_command(&interaction(name, options, json!({})))
    }

    #[test]
    fn each_command_parses_into_its_typed_form() {
        let open = OpenCase {
            vendor: "aws".into(),
            severity: "sev1".into(),
            summary: "Checkout down".into(),
            vendor_case_id: None,
            link: Some("https://x.example".into()),
        };
        let table: Vec<(&str, Value, Command)> = vec![
            (
                "support",
                strings(&[("vendor", "aws")]),
                Command::Support { vendor: "aws".into() },
            ),
            (
                "owner",
                strings(&[("vendor", "Amazon Web Services")]),
                Command::Owner {
                    vendor: "Amazon Web Services".into(),
                },
            ),
            (
                "case",
                sub(
                    "open",
                    &[
                        ("vendor", "aws"),
                        ("severity", "sev1"),
                        ("summary", "Checkout down"),
                        ("link", "https://x.example"),
                    ],
                ),
                Command::CaseOpen(open),
            ),
            (
                "case",
                sub("escalate", &[("case", "12")]),
                Command::CaseEscalate { case: "12".into() },
            ),
            (
                "case",
                sub(
                    "update",
                    &[("case", "#3"), ("status", "vendor-responded"), ("note", "  ")],
                ),
                Command::CaseUpdate(UpdateCase {
                    case: "#3".into(),
                    status: Some("vendor-responded".into()),
                    ..UpdateCase::default()
                }),
            ),
            (
                "case",
                sub("close", &[("case", "3")]),
                Command::CaseClose {
                    case: "3".into(),
                    resolution: None,
                },
            ),
            (
                "case",
                sub("list", &[("status", "open")]),
                Command::CaseList {
                    vendor: None,
                    status: Some("open".into()),
                },
            ),
            (
                "case",
                sub("show", &[("case", "3")]),
                Command::CaseShow { case: "3".into() },
            ),
            ("vendor", sub("audit", &[]), Command::VendorAudit),
            (
                "vendor",
                sub("verify", &[("vendor", "aws")]),
                Command::VendorVerify { vendor: "aws".into() },
            ),
            (
                "vendor",
                sub("note", &[("vendor", "aws"), ("text", "Renewal in Q1")]),
                Command::VendorNote {
                    vendor: "aws".into(),
                    text: "Renewal in Q1".into(),
                },
            ),
            (
                "vendor",
                sub("history", &[("vendor", "aws")]),
                Command::VendorHistory { vendor: "aws".into() },
            ),
            (
                "vendor",
                sub("list", &[]),
                Command::VendorList {
                    filter: DirectoryFilter::default(),
                    page: 1,
                },
            ),
            (
                "vendor",
                json!([{"name": "list", "type": 1, "options": [
                    {"name": "criticality", "type": 3, "value": "high"},
                    {"name": "team", "type": 3, "value": " SRE "},
                    {"name": "covered-now", "type": 5, "value": true},
                ]}]),
                Command::VendorList {
                    filter: DirectoryFilter::new(Some(Criticality::High), Some("SRE"), true).unwrap(),
                    page: 1,
                },
            ),
        ];
        for (name, options, expected) in table {
            assert_eq!(parsed(name, options.clone()), Ok(expected), "/{name} {options}");
        }
    }

    #[test]
    fn a_user_option_takes_the_typed_name_else_the_members_nick_else_the_user_name() {
        let options = |extra: &[(&str, &str)]| {
            let mut args: Vec<Value> = vec![
                json!({"name": "vendor", "type": 3, "value": "aws"}),
                json!({"name": "user", "type": 6, "value": "77"}),
            ];
            args.extend(
                extra
                    .iter()
                    .map(|(n, v)| json!({"name": n, "type": 3, "value": v})),
            );
            json!([{"name": "set-owner", "type": 1, "options": args}])
        };
        let user = json!({"id": "77", "username": "lee", "discriminator": "0", "global_name": "Lee P", "avatar": null});
        let member = json!({"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false,
                            "mute": false, "flags": 0, "nick": "Lee (SRE)", "permissions": "0"});
        let name_of = |options: Value, resolved: Value| match parse_command(&interaction(
            "vendor", options, resolved,
        )) {
            Ok(Command::VendorSetOwner { person, .. }) => (person.user, person.name),
            other => panic!("{other:?}"),
        };
        let with_member = json!({"users": {"77": user.clone()}, "members": {"77": member}});
        assert_eq!(
            name_of(options(&[("name", "Lee Park")]), with_member.clone()),
            (77, "Lee Park".into())
        );
        assert_eq!(name_of(options(&[]), with_member), (77, "Lee (SRE)".into()));
        assert_eq!(
            name_of(options(&[]), json!({"users": {"77": user}})),
            (77, "Lee P".into())
        );
        assert_eq!(name_of(options(&[]), json!({})), (77, "77".into()));
    }

    #[test]
    fn missing_or_unknown_parts_say_what_to_do() {
        let table: Vec<(&str, Value, &str)> = vec![
            ("support", json!([]), "The `vendor` option is required."),
            (
                "support",
                strings(&[("vendor", "   ")]),
                "The `vendor` option is required.",
            ),
            ("case", json!([]), "Pick a /case subcommand."),
            (
                "case",
                sub("open", &[("vendor", "aws"), ("severity", "sev1")]),
                "The `summary` option is required.",
            ),
            (
                "case",
                sub("reopen", &[]),
                "backline has no `/case reopen` subcommand",
            ),
            (
                "vendor",
                sub("set-owner", &[("vendor", "aws")]),
                "The `user` option is required",
            ),
            (
                "vendor",
                sub("rename", &[]),
                "backline has no `/vendor rename` subcommand",
            ),
            ("pager", json!([]), "backline has no `/pager` command any more"),
        ];
        for (name, options, expected) in table {
            let error = parsed(name, options.clone()).unwrap_err().to_string();
            assert!(error.starts_with(expected), "/{name} {options}: {error}");
        }
    }
}
