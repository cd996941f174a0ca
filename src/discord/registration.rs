//! The slash commands backline offers, and registering them with Discord.

use serenity::all::{
    ApplicationId, CommandOptionType, CreateCommand, CreateCommandOption, GuildId, Http, InteractionContext,
};

use crate::{
    commands::{
        cases::{LINK_MAX, NOTE_MAX, VENDOR_CASE_ID_MAX},
        directory::TEAM_FILTER_MAX,
    },
    domain::case::CaseSummary,
    secret::Secret,
};

fn vendor(description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, "vendor", description)
        .required(true)
        .set_autocomplete(true)
        .max_length(100)
}

fn case() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::String,
        "case",
        "The case (number, or pick from the list)",
    )
    .required(true)
    .set_autocomplete(true)
    .max_length(20)
}

fn text(name: &str, description: &str, max: usize) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, description)
        .max_length(u16::try_from(max).unwrap_or(6000))
}

fn sub(name: &str, description: &str, options: Vec<CreateCommandOption>) -> CreateCommandOption {
    options.into_iter().fold(
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description),
        |sub, option| sub.add_sub_option(option),
    )
}

/// The command set, as Discord's bulk-overwrite endpoint takes it.
pub fn commands() -> Vec<CreateCommand> {
    let severity = ["sev1", "sev2", "sev3", "sev4"].into_iter().fold(
        CreateCommandOption::new(CommandOptionType::String, "severity", "Our severity").required(true),
        |o, s| o.add_string_choice(s, s),
    );
    let status = ["open", "vendor-responded", "closed"].into_iter().fold(
        CreateCommandOption::new(CommandOptionType::String, "status", "Only cases with this status"),
        |o, s| o.add_string_choice(s, s),
    );
    let update_status = CreateCommandOption::new(
        CommandOptionType::String,
        "status",
        "Set the status (stops the response clock)",
    )
    .add_string_choice("vendor-responded", "vendor-responded");
    let list_vendor =
        CreateCommandOption::new(CommandOptionType::String, "vendor", "Only cases with this vendor")
            .set_autocomplete(true)
            .max_length(100);
    vec![
        CreateCommand::new("support")
            .description("How to get help from a vendor now: plan, hours, response times, filing, escalation")
            .contexts(vec![InteractionContext::Guild])
            .add_option(vendor("Vendor slug, name or alias")),
        CreateCommand::new("owner")
            .description("Who owns the relationship with a vendor, and their backup")
            .contexts(vec![InteractionContext::Guild])
            .add_option(vendor("Vendor slug, name or alias")),
        CreateCommand::new("case")
            .description("Record a support case with a vendor and notify the right people")
            .contexts(vec![InteractionContext::Guild])
            .add_option(sub(
                "open",
                "Record a case opened with a vendor and notify its owners and first contacts",
                vec![
                    vendor("The vendor the case is with"),
                    severity,
                    text(
                        "summary",
                        "What is broken, in one sentence",
                        CaseSummary::MAX_CHARS,
                    )
                    .required(true),
                    text(
                        "vendor_case_id",
                        "The vendor's case ID, if filed",
                        VENDOR_CASE_ID_MAX,
                    ),
                    text("link", "Link to the vendor case", LINK_MAX),
                ],
            ))
            .add_option(sub(
                "escalate",
                "Go to the next level of the vendor's escalation ladder",
                vec![case()],
            ))
            .add_option(sub(
                "update",
                "Add the vendor case ID, record the vendor's response, or add a note",
                vec![
                    case(),
                    text("vendor_case_id", "The vendor's case ID", VENDOR_CASE_ID_MAX),
                    update_status,
                    text("note", "A note for the timeline", NOTE_MAX),
                ],
            ))
            .add_option(sub(
                "close",
                "Close a case",
                vec![case(), text("resolution", "How it ended", NOTE_MAX)],
            ))
            .add_option(sub(
                "list",
                "Cases in this server, open first",
                vec![list_vendor, status],
            ))
            .add_option(sub(
                "show",
                "A case's whole timeline, with who was notified",
                vec![case()],
            )),
        CreateCommand::new("vendor")
            .description("Keep the vendor registry true: audit, verify contacts, fix owners, see changes")
            .contexts(vec![InteractionContext::Guild])
            .add_option(sub(
                "audit",
                "Everything wrong with this server's vendor registry, worst first",
                vec![],
            ))
            .add_option(sub(
                "verify",
                "Confirm a vendor's contacts are still right (owner, backup or manager)",
                vec![vendor("The vendor")],
            ))
            .add_option(sub(
                "set-owner",
                "Make someone the vendor's relationship owner (managers)",
                person_options(),
            ))
            .add_option(sub(
                "set-backup",
                "Make someone the vendor's backup owner (managers)",
                person_options(),
            ))
            .add_option(sub(
                "note",
                "Set the note shown on the vendor's support card (managers)",
                vec![
                    vendor("The vendor"),
                    text("text", "The note", NOTE_MAX).required(true),
                ],
            ))
            .add_option(sub(
                "history",
                "Every change to a vendor: who, when, before and after",
                vec![vendor("The vendor")],
            ))
            .add_option(sub(
                "list",
                "Every vendor: plan, hours, covered now, owner, worst finding",
                list_options(),
            ))
            .add_option(sub(
                "status",
                "Vendors whose status page reports a problem, worst first; or one vendor's recent changes",
                vec![
                    CreateCommandOption::new(
                        CommandOptionType::String,
                        "vendor",
                        "Only this vendor: its recent status changes",
                    )
                    .set_autocomplete(true)
                    .max_length(100),
                ],
            )),
    ]
}

fn list_options() -> Vec<CreateCommandOption> {
    let criticality = ["critical", "high", "medium", "low"].into_iter().fold(
        CreateCommandOption::new(
            CommandOptionType::String,
            "criticality",
            "Only vendors this critical",
        ),
        |o, c| o.add_string_choice(c, c),
    );
    vec![
        criticality,
        text(
            "team",
            "Only vendors whose owner is in this team",
            TEAM_FILTER_MAX,
        ),
        CreateCommandOption::new(
            CommandOptionType::Boolean,
            "covered-now",
            "Only vendors whose support plan answers right now",
        ),
    ]
}

fn person_options() -> Vec<CreateCommandOption> {
    vec![
        vendor("The vendor"),
        CreateCommandOption::new(CommandOptionType::User, "user", "The person").required(true),
        text("name", "Name to record (default: their server name)", 100),
        text("team", "Their team", 100),
        text("email", "Their email", 200),
    ]
}

/// The JSON body `register --dry-run` prints and the registration sends.
pub fn registration_body() -> serde_json::Value {
    serde_json::to_value(commands()).unwrap_or_default()
}

/// Overwrites the application's commands globally, or for one guild (instant, for testing).
pub async fn register(token: &Secret, application_id: u64, guild: Option<u64>) -> anyhow::Result<usize> {
    let http = Http::new(token.expose());
    http.set_application_id(ApplicationId::new(application_id));
    let registered = match guild {
        Some(id) => GuildId::new(id).set_commands(&http, commands()).await?,
        None => serenity::all::Command::set_global_commands(&http, commands()).await?,
    };
    Ok(registered.len())
}
