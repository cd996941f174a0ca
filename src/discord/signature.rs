//! Checking that an HTTP interaction really comes from Discord: Ed25519 over timestamp ‖ body,
//! and a timestamp close to now (serenity's verifier does not check its age).

use chrono::{DateTime, Utc};
use serenity::interactions_endpoint::Verifier;

/// How far a request's timestamp may be from our clock before it counts as a replay.
pub const MAX_CLOCK_SKEW_SECS: i64 = 5 * 60;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("missing X-Signature-Ed25519 or X-Signature-Timestamp header")]
    Missing,
    #[error("timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("timestamp is more than 5 minutes from now")]
    Stale,
    #[error("signature does not match")]
    Invalid,
}

pub struct SignatureVerifier {
    verifier: Verifier,
}

impl SignatureVerifier {
    /// From the application's public key as Discord shows it (64 hex digits).
    pub fn from_hex(public_key: &str) -> Result<Self, String> {
        let bad = || {
            "DISCORD_PUBLIC_KEY must be the 64 hex digits shown under General Information → Public Key in the Discord developer portal".to_owned()
        };
        let key = public_key.trim();
        if key.len() != 64 || !key.is_ascii() {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&key[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        let verifier = Verifier::try_new(bytes).map_err(|_| bad())?;
        Ok(Self { verifier })
    }

    /// Checks the headers' signature and timestamp against the raw body, before anything parses it.
    pub fn verify(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            return Err(SignatureError::Missing);
        };
        let seconds: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        if (now.timestamp() - seconds).abs() > MAX_CLOCK_SKEW_SECS {
            return Err(SignatureError::Stale);
        }
        self.verifier
            .verify(signature, timestamp, body)
            .map_err(|()| SignatureError::Invalid)
    }
}
