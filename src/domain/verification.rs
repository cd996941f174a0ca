//! A `/vendor verify` confirmation applied to a vendor's people.

use chrono::{DateTime, Utc};

use super::{Date, Vendor};

impl Vendor {
    /// The vendor with a Discord-side verification applied: a person's `verified` date is
    /// the later of the file's and the last `/vendor verify`.
    pub fn with_verification(mut self, verified: Option<DateTime<Utc>>) -> Vendor {
        let Some(at) = verified else { return self };
        let date = Date::new(at.date_naive());
        let bump = |current: &mut Option<Date>| {
            if current.is_none_or(|c| c < date) {
                *current = Some(date);
            }
        };
        bump(&mut self.owner.verified);
        if let Some(backup) = self.backup.as_mut() {
            bump(&mut backup.verified);
        }
        for level in &mut self.escalation {
            for contact in &mut level.contacts {
                bump(&mut contact.verified);
            }
        }
        self
    }
}
