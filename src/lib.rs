//! backline: a self-hosted Discord bot that tells incident responders how to get help from a vendor.

pub mod cli;
pub mod commands;
pub mod discord;
pub mod domain;
pub mod http;
pub mod secret;
pub mod status;
pub mod store;
