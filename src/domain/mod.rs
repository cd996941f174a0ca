//! Plain types and rules of the support-plan registry; imports nothing from the rest of the crate.

pub mod case;
mod date;
pub mod diff;
mod duration;
pub mod findings;
mod hours;
mod ids;
pub mod lookup;
mod opening;
pub mod plans_file;
mod severity;
mod slug;
pub mod text;
mod vendor;
pub mod vendor_index;
mod vendor_text;

pub use date::Date;
pub use duration::ResponseTime;
pub use findings::{Finding, FindingKind, FindingLevel};
pub use hours::{Coverage, SupportHours, TimeOfDay};
pub use ids::{DiscordRoleId, DiscordUserId, GuildId};
pub use severity::{PerSeverity, Severity};
pub use slug::VendorSlug;
pub use vendor::{
    Contact, Criticality, EscalationLevel, Filing, Person, Plan, ResponseClock, Vendor, VendorSummary, WebUrl,
};
pub use vendor_index::{VendorIndex, VendorIndexBuilder};
