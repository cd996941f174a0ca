//! Keeping the registry true, one file per job: the audit, members who leave, the digest,
//! the verification DM.

mod audit;
mod digest;
mod members;
mod verify_card;

pub use audit::{Audited, worst_first};
pub use digest::digest;
pub use members::MemberDirectory;
pub use verify_card::verify_request;
