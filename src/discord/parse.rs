//! Slash-command interactions → typed commands: subcommands, options, resolved users.

use serenity::all::{CommandDataOption, CommandDataOptionValue, CommandInteraction};

use crate::commands::{Command, OpenCase, PersonEdit, UpdateCase};

fn string_option(options: &[CommandDataOption], name: &str) -> Option<String> {
    options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| o.value.as_str())
        .map(str::to_owned)
        .filter(|v| !v.trim().is_empty())
}

pub(super) fn parse_command(interaction: &CommandInteraction) -> Result<Command, String> {
    let options = &interaction.data.options;
    let required = |options: &[CommandDataOption], name: &str| {
        string_option(options, name).ok_or_else(|| format!("The `{name}` option is required."))
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
                other => Err(format!(
                    "backline has no `/case {other}`. An admin can refresh the commands with `backline discord register`."
                )),
            }
        }
        "vendor" => parse_vendor_command(interaction),
        other => Err(format!(
            "backline has no `/{other}` command any more. An admin can refresh the list with `backline discord register`."
        )),
    }
}

/// `/vendor …`: its subcommand and options, with a user option's display name from the
/// members and users Discord resolved for the interaction.
fn parse_vendor_command(interaction: &CommandInteraction) -> Result<Command, String> {
    let Some(sub) = interaction.data.options.first() else {
        return Err("Pick a /vendor subcommand.".into());
    };
    let CommandDataOptionValue::SubCommand(args) = &sub.value else {
        return Err("Pick a /vendor subcommand.".into());
    };
    let vendor =
        || string_option(args, "vendor").ok_or_else(|| "The `vendor` option is required.".to_owned());
    let person = || -> Result<PersonEdit, String> {
        let user = args
            .iter()
            .find(|o| o.name == "user")
            .and_then(|o| match o.value {
                CommandDataOptionValue::User(id) => Some(id),
                _ => None,
            })
            .ok_or_else(|| "The `user` option is required: pick the person.".to_owned())?;
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
        other => Err(format!(
            "backline has no `/vendor {other}`. An admin can refresh the commands with `backline discord register`."
        )),
    }
}
