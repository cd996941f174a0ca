//! Vendor suggestions for autocomplete, read from the guild's index without copying it.

use std::fmt;

use super::{Caller, Choice, CommandError, Core, registry_cache::Current};
use crate::domain::{GuildId, vendor_index::IndexedVendor, vendor_index::Ranked};

/// Vendors ranked for what someone is typing, best first, borrowed from the registry they
/// were ranked in.
pub struct VendorChoices {
    /// None in a direct message: nothing to suggest.
    registry: Option<Current>,
    ranked: Vec<Ranked>,
}

/// One suggested vendor: `Display` is the label shown, `value` what is sent back.
#[derive(Clone, Copy, Debug)]
pub struct VendorChoice<'a>(IndexedVendor<'a>);

impl<'a> VendorChoice<'a> {
    pub fn value(&self) -> &'a str {
        self.0.slug
    }

    /// The label's pieces, in order: `Name (slug, criticality)`. Pushed onto a string
    /// kept for every choice, no string is built per choice.
    pub fn label_parts(&self) -> [&'a str; 6] {
        let v = &self.0;
        [v.name, " (", v.slug, ", ", v.criticality.as_str(), ")"]
    }
}

impl fmt::Display for VendorChoice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.label_parts()
            .into_iter()
            .try_for_each(|part| f.write_str(part))
    }
}

impl VendorChoices {
    const NONE: Self = Self {
        registry: None,
        ranked: Vec::new(),
    };

    fn ranked(registry: Current, typed: &str, limit: usize) -> Self {
        let ranked = registry.index.ranked(typed, limit);
        Self {
            registry: Some(registry),
            ranked,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = VendorChoice<'_>> {
        let index = self.registry.as_ref().map(|r| &r.index);
        index
            .into_iter()
            .flat_map(|index| self.ranked.iter().map(|&r| VendorChoice(index.vendor(r))))
    }
}

impl Core {
    /// Vendors matching what someone is typing, best first, for autocomplete: at most
    /// `limit`, from the caller's guild only (none in a direct message).
    pub async fn vendor_choices(
        &self,
        caller: &Caller,
        typed: &str,
        limit: usize,
    ) -> Result<Vec<Choice>, CommandError> {
        let choices = match caller.guild {
            Some(guild) => {
                let registry = self.registry.registry(self.store.as_ref(), guild).await?;
                VendorChoices::ranked(registry, typed, limit)
            }
            None => VendorChoices::NONE,
        };
        Ok(choices
            .iter()
            .map(|c| Choice {
                label: c.to_string(),
                value: c.value().to_owned(),
            })
            .collect())
    }

    /// `vendor_choices`, when it can be answered without waiting: the guild's registry is
    /// known current without asking the database (the steady state). None otherwise: ask
    /// `vendor_choices`, which reads what it must.
    pub fn vendor_choices_now(
        &self,
        guild: Option<GuildId>,
        typed: &str,
        limit: usize,
    ) -> Option<VendorChoices> {
        let Some(guild) = guild else {
            return Some(VendorChoices::NONE);
        };
        let registry = self.registry.registry_now(self.store.as_ref(), guild)?;
        Some(VendorChoices::ranked(registry, typed, limit))
    }
}
