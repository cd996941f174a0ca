//! Who may change the registry from Discord.

use crate::commands::Caller;

/// Who may change the registry from Discord: Manage Server, Administrator, or the manager role.
pub fn is_manager(caller: &Caller, manager_role: Option<u64>) -> bool {
    const ADMINISTRATOR: u64 = 1 << 3;
    const MANAGE_GUILD: u64 = 1 << 5;
    caller
        .permissions
        .is_some_and(|p| p & (ADMINISTRATOR | MANAGE_GUILD) != 0)
        || manager_role.is_some_and(|role| caller.roles.contains(&role))
}
