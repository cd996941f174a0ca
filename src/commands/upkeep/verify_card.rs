//! The direct message that asks an owner to confirm a vendor's contacts.

use crate::{
    commands::{Button, Reply},
    domain::{GuildId, Vendor},
};

/// The direct message asking an owner whether the vendor's contacts are still right.
pub fn verify_request(guild: GuildId, vendor: &Vendor) -> Reply {
    Reply {
        content: Some(format!(
            "Are the support contacts of **{}** ({}) still right? backline's records are due for review. Check the plan, filing steps and escalation ladder (`/support {}`), then answer:",
            vendor.name, vendor.slug, vendor.slug
        )),
        buttons: vec![
            Button {
                custom_id: format!("verify-yes:{guild}:{}", vendor.slug),
                label: "Still correct".into(),
            },
            Button {
                custom_id: format!("verify-no:{guild}:{}", vendor.slug),
                label: "Needs update".into(),
            },
        ],
        ..Reply::default()
    }
}
