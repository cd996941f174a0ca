//! The Discord adapter: interactions in, responses out, for both the gateway and the HTTP
//! endpoint. The only module that imports serenity (the rest of the crate calls it here).

pub mod auth;
mod autocomplete;
mod body;
mod components;
mod deadline;
mod deliver;
mod dispatch;
pub mod gateway;
pub mod limits;
mod markdown;
mod notify;
mod observe;
mod parse;
pub mod poster;
pub mod registration;
pub mod render;
mod signature;
pub mod split;

pub use body::interaction_from_json;
pub use deadline::{DEFAULT_ANSWER_WITHIN, follow_up_client};
pub use dispatch::{Answer, Dispatcher};
pub use signature::{SignatureError, SignatureVerifier};
