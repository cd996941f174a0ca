//! The whole history of a case: its events and who was notified of each.

use super::case::{CaseEvent, Notification};

/// The whole history of a case, in order.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub events: Vec<CaseEvent>,
    pub notifications: Vec<Notification>,
}
