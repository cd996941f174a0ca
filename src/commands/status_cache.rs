//! Status readings kept in memory for a few seconds, so that `/support` reads the database
//! at most once per source per few seconds however often it is asked (the poller writes a
//! source at most once per interval, 60 s by default).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::{
    domain::status::SourceReading,
    store::{Store, StoreError},
};

/// How long a reading read from the database is served from memory. Another replica's
/// poll shows here at most this late; this process's own polls show at once (`forget`).
const FRESH_FOR: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(crate) struct StatusCache {
    entries: Mutex<HashMap<String, (Instant, Option<SourceReading>)>>,
}

impl StatusCache {
    /// The source's reading: from memory while fresh, else one read by primary key. When the
    /// database fails, the last reading held is served (the card shows its age).
    pub async fn reading(&self, store: &dyn Store, url: &str) -> Result<Option<SourceReading>, StoreError> {
        let held = self.entries.lock().ok().and_then(|e| e.get(url).cloned());
        if let Some((at, reading)) = &held
            && at.elapsed() < FRESH_FOR
        {
            return Ok(reading.clone());
        }
        match store.status_reading(url).await {
            Ok(reading) => {
                if let Ok(mut entries) = self.entries.lock() {
                    entries.insert(url.to_owned(), (Instant::now(), reading.clone()));
                }
                Ok(reading)
            }
            Err(error) => match held {
                Some((_, reading)) => Ok(reading),
                None => Err(error),
            },
        }
    }

    /// Drops what is held for `url` (this process just recorded a poll of it).
    pub fn forget(&self, url: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(url);
        }
    }
}
