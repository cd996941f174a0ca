//! Plain types and rules of the support-plan registry; imports nothing from the rest of the crate.

pub mod case;
mod date;
pub mod diff;
mod duration;
pub mod findings;
pub mod history;
mod hours;
mod ids;
pub mod lookup;
mod opening;
pub mod plans_file;
mod rights;
mod settings;
mod severity;
mod slug;
pub mod status;
pub mod text;
mod timeline;
mod vendor;
pub mod vendor_index;
mod vendor_text;
mod verification;

pub use date::Date;
pub use duration::ResponseTime;
pub use findings::{Finding, FindingKind, FindingLevel};
pub use history::{ChangeSource, HistoryEntry};
pub use hours::{Coverage, SupportHours, TimeOfDay};
pub use ids::{DiscordRoleId, DiscordUserId, GuildId};
pub use rights::Rights;
pub use settings::{GuildSettings, StatusAlerts};
pub use severity::{PerSeverity, Severity};
pub use slug::VendorSlug;
pub use status::{StatusKind, StatusSource};
pub use timeline::Timeline;
pub use vendor::{
    Contact, Criticality, EscalationLevel, Filing, Person, Plan, ResponseClock, Vendor, VendorSummary, WebUrl,
};
pub use vendor_index::{VendorIndex, VendorIndexBuilder};
