//! Discord identifiers as the registry stores them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The Discord server a registry belongs to. Every stored row carries one.
///
/// `GuildId::LOCAL` (0) is the registry the command line uses when no guild is named;
/// Discord never issues 0 as a snowflake, so it cannot collide with a real server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GuildId(u64);

impl GuildId {
    pub const LOCAL: GuildId = GuildId(0);

    pub fn new(id: u64) -> Result<Self, String> {
        if id > i64::MAX as u64 {
            return Err(format!("guild ID {id} is not a Discord ID (too large)"));
        }
        Ok(Self(id))
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// The value stored in the database (Discord IDs fit in 63 bits).
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }
}

impl std::str::FromStr for GuildId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let id: u64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a guild ID: expected digits, e.g. 123456789012345678"))?;
        Self::new(id)
    }
}

impl fmt::Display for GuildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Declares a Discord snowflake type, written in the plans file as a string of digits (as
/// Discord shows it with "Copy … ID") or as an integer.
macro_rules! discord_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u64);

        impl $name {
            pub fn new(id: u64) -> Result<Self, String> {
                if id == 0 || id > i64::MAX as u64 {
                    return Err(format!("{id} is not a Discord {} ID", $what));
                }
                Ok(Self(id))
            }

            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0.to_string())
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": concat!("A Discord ", $what, " ID (Discord: Developer Mode on, right-click, Copy ID)."),
                    "type": ["string", "integer"],
                    "pattern": "^[0-9]{1,19}$"
                })
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        write!(f, "a Discord {} ID as a string of digits, e.g. \"123456789012345678\"", $what)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                        let id: u64 = v.trim().parse().map_err(|_| {
                            E::custom(format!(
                                "`{v}` is not a Discord {} ID: expected digits, e.g. \"123456789012345678\" (Discord: right-click, Copy ID)",
                                $what
                            ))
                        })?;
                        $name::new(id).map_err(E::custom)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                        let id = u64::try_from(v).map_err(|_| E::custom(format!("{v} is not a Discord {} ID", $what)))?;
                        $name::new(id).map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                        $name::new(v).map_err(E::custom)
                    }
                }
                d.deserialize_any(Visitor)
            }
        }
    };
}

discord_id!(
    /// A Discord user ID.
    DiscordUserId,
    "user"
);

discord_id!(
    /// A Discord role ID: a role to mention (for example the on-call role for sev1).
    DiscordRoleId,
    "role"
);
