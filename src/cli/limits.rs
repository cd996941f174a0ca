//! `serve`'s limits from the command line: durations such as `10s`, and the open-file limit
//! that the connection cap must stay below.

use std::time::Duration;

/// Parses `500ms`, `10s`, `2m` (one number, one unit) into a non-zero duration.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let bad = || format!("`{input}` is not a duration: write a number and ms, s or m, e.g. 10s");
    let input = input.trim();
    let digits = input.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let number: u64 = input[..digits].parse().map_err(|_| bad())?;
    let duration = match input[digits..].trim() {
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number.checked_mul(60).ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    if duration.is_zero() {
        return Err(format!("`{input}` is zero: a limit must be longer than that"));
    }
    Ok(duration)
}

/// File descriptors kept for everything that is not a client connection (the database
/// pool, the gateway, Discord REST calls, logs).
const RESERVED_DESCRIPTORS: u64 = 64;

/// The open-file limit before and after start-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenFiles {
    pub soft_before: Option<u64>,
    /// What the soft limit is now (`None`: unlimited).
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

impl OpenFiles {
    /// The most client connections that leave `RESERVED_DESCRIPTORS` free, at most `wanted`.
    pub fn connection_cap(&self, wanted: usize) -> usize {
        let Some(soft) = self.soft else { return wanted };
        let available = usize::try_from(soft.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
        wanted.min(available).max(1)
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit: the default soft limit (often 1024)
/// is what a crowd of slow clients exhausts first.
#[cfg(unix)]
pub fn raise_open_file_limit() -> OpenFiles {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let before = getrlimit(Resource::Nofile);
    let raised = rustix::process::Rlimit {
        current: before.maximum,
        maximum: before.maximum,
    };
    let soft = match setrlimit(Resource::Nofile, raised) {
        Ok(()) => before.maximum,
        Err(error) => {
            tracing::warn!(%error, "could not raise the open-file limit");
            before.current
        }
    };
    OpenFiles {
        soft_before: before.current,
        soft,
        hard: before.maximum,
    }
}

#[cfg(not(unix))]
pub fn raise_open_file_limit() -> OpenFiles {
    OpenFiles {
        soft_before: None,
        soft: None,
        hard: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_their_unit_and_refuse_the_rest() {
        for (text, expected) in [
            ("500ms", Duration::from_millis(500)),
            ("10s", Duration::from_secs(10)),
            (" 2m ", Duration::from_secs(120)),
            ("1 s", Duration::from_secs(1)),
        ] {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
        for text in ["", "10", "s", "0s", "1h", "-1s", "1.5s", "99999999999999999999s"] {
            assert!(parse_duration(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn the_connection_cap_stays_below_the_open_file_limit() {
        let limit = |soft| OpenFiles {
            soft_before: soft,
            soft,
            hard: soft,
        };
        assert_eq!(limit(Some(1024)).connection_cap(5000), 960);
        assert_eq!(limit(Some(1024)).connection_cap(100), 100);
        assert_eq!(limit(Some(10)).connection_cap(100), 1, "never zero");
        assert_eq!(limit(None).connection_cap(5000), 5000);
    }
}
