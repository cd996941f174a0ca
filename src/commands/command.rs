//! The commands backline knows, parsed: what a transport hands the core.

use super::{DirectoryFilter, OpenCase, PersonEdit, UpdateCase};

/// A command someone asked for, already parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/support <vendor>`: everything needed to get help from the vendor now.
    Support {
        vendor: String,
    },
    /// `/owner <vendor>`: who owns the relationship.
    Owner {
        vendor: String,
    },
    /// The "Open a case" button on a support card: the form that asks for the details.
    CaseForm {
        vendor: String,
    },
    CaseOpen(OpenCase),
    CaseEscalate {
        case: String,
    },
    CaseUpdate(UpdateCase),
    CaseClose {
        case: String,
        resolution: Option<String>,
    },
    CaseList {
        vendor: Option<String>,
        status: Option<String>,
    },
    CaseShow {
        case: String,
    },
    /// `/vendor audit`: everything wrong with this server's registry.
    VendorAudit,
    /// `/vendor verify`: the owner (or a manager) confirms the contacts are still right.
    VendorVerify {
        vendor: String,
    },
    /// The owner's answer to the verification DM ("Still correct" or "Needs update").
    VerifyAnswer {
        vendor: String,
        still_correct: bool,
    },
    VendorSetOwner {
        vendor: String,
        person: PersonEdit,
    },
    VendorSetBackup {
        vendor: String,
        person: PersonEdit,
    },
    VendorNote {
        vendor: String,
        text: String,
    },
    VendorHistory {
        vendor: String,
    },
    /// `/vendor list` and its paging buttons: one page (1-based) of the vendor directory.
    VendorList {
        filter: DirectoryFilter,
        page: u32,
    },
    /// `/vendor status`: vendors whose status page reports a problem, worst first; with a
    /// vendor, its recent status changes.
    VendorStatus {
        vendor: Option<String>,
    },
}
