//! The direct message that asks an owner to confirm a vendor's contacts.

use crate::{
    commands::{Button, ComponentId, Reply, Text},
    domain::{GuildId, Vendor},
};

/// The direct message asking an owner whether the vendor's contacts are still right.
pub fn verify_request(guild: GuildId, vendor: &Vendor) -> Reply {
    Reply {
        content: Some(
            Text::from("Are the support contacts of ")
                .bold(vendor.name.as_str())
                .plain(format!(
                    " ({}) still right? backline's records are due for review. Check the plan, filing steps and escalation ladder (",
                    vendor.slug
                ))
                .code(format!("/support {}", vendor.slug))
                .plain("), then answer:"),
        ),
        buttons: vec![
            Button {
                id: ComponentId::VerifyAnswer {
                    guild,
                    vendor: vendor.slug.clone(),
                    still_correct: true,
                },
                label: "Still correct".into(),
            },
            Button {
                id: ComponentId::VerifyAnswer {
                    guild,
                    vendor: vendor.slug.clone(),
                    still_correct: false,
                },
                label: "Needs update".into(),
            },
        ],
        ..Reply::default()
    }
}
