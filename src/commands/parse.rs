//! Parses a command typed as text (`/support aws`), as `backline ask` receives it.

use super::Command;

/// `/support <vendor>` or `/owner <vendor>`; the vendor may contain spaces and may be
/// written `vendor:<name>` as Discord shows options.
pub fn parse_command_line(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let vendor = rest.strip_prefix("vendor:").unwrap_or(rest).trim().to_owned();
    let needs_vendor = |cmd: &str| format!("`{cmd}` needs a vendor, e.g. `{cmd} aws`");
    match name.trim_start_matches('/').to_ascii_lowercase().as_str() {
        "support" if vendor.is_empty() => Err(needs_vendor("/support")),
        "support" => Ok(Command::Support { vendor }),
        "owner" if vendor.is_empty() => Err(needs_vendor("/owner")),
        "owner" => Ok(Command::Owner { vendor }),
        "vendor-status" if vendor.is_empty() => Ok(Command::VendorStatus { vendor: None }),
        "vendor-status" => Ok(Command::VendorStatus { vendor: Some(vendor) }),
        "" => Err("no command given: try `/support <vendor>` or `/owner <vendor>`".into()),
        other => Err(format!(
            "unknown command `/{other}`: try `/support <vendor>` or `/owner <vendor>`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_support_and_owner_with_multi_word_vendors() {
        assert_eq!(
            parse_command_line("/support aws"),
            Ok(Command::Support { vendor: "aws".into() })
        );
        assert_eq!(
            parse_command_line("/owner  Amazon Web Services "),
            Ok(Command::Owner {
                vendor: "Amazon Web Services".into()
            })
        );
        assert_eq!(
            parse_command_line("support vendor:aws"),
            Ok(Command::Support { vendor: "aws".into() })
        );
    }

    #[test]
    fn unknown_or_incomplete_commands_say_what_to_type() {
        assert!(
            parse_command_line("/support")
                .unwrap_err()
                .contains("/support aws")
        );
        assert!(
            parse_command_line("/pager aws")
                .unwrap_err()
                .contains("/support <vendor>")
        );
        assert_eq!(
            parse_command_line(""),
            Err("no command given: try `/support <vendor>` or `/owner <vendor>`".to_owned())
        );
    }
}
