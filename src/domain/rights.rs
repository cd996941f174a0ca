//! What a caller may do with a guild's registry: a domain value, decided by the adapter
//! that knows how its platform grants rights (on Discord: permissions and a manager role).

/// The caller's standing in the guild.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rights {
    /// Reads the registry and works cases; verifies only the vendors they own or back up.
    #[default]
    Member,
    /// May also change the registry from the chat (owners, backups, notes, any verification).
    Manager,
}
