//! Group commit: writes that arrive while another is being committed go together into the
//! next commit, so a burst of N writes costs one commit instead of N, and a lone write waits
//! for nobody (no timer: only what queued meanwhile is taken).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::oneshot;

use super::{
    StoreError,
    cases::{NewCase, NewEvent, Recorded},
};
use crate::domain::{
    GuildId,
    case::{Delivery, NotifyTarget, Recipient},
};

/// At most this many writes go into one commit.
pub(super) const MAX_BATCH: usize = 64;

/// A queue of jobs and the turn to commit them. Whoever holds the turn takes up to
/// `MAX_BATCH` queued jobs (its own among them, or ahead of it), commits them together and
/// hands each its result; the others wait for their result or for the turn, whichever
/// comes first. Jobs are taken in the order they were queued.
pub(super) struct Batcher<J, R> {
    queue: Mutex<VecDeque<(J, oneshot::Sender<R>)>>,
    turn: tokio::sync::Mutex<()>,
}

impl<J, R> Default for Batcher<J, R> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(VecDeque::new()),
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

impl<J, R> Batcher<J, R> {
    /// Runs `job` in a batch with whatever queued meanwhile; `commit` writes a batch and
    /// gives one result per job, in order. `None`: the task committing the batch this job
    /// was in stopped (was cancelled) before handing out results, so whether it committed
    /// is unknown; the caller finds out on its own (a write that can be replayed).
    pub(super) async fn run<F, Commit>(&self, job: J, mut commit: F) -> Option<R>
    where
        F: FnMut(Vec<J>) -> Commit,
        Commit: Future<Output = Vec<R>>,
    {
        let (done, mut result) = oneshot::channel();
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back((job, done));
        loop {
            let turn = tokio::select! {
                biased;
                result = &mut result => return result.ok(),
                turn = self.turn.lock() => turn,
            };
            match result.try_recv() {
                Ok(result) => return Some(result),
                Err(oneshot::error::TryRecvError::Closed) => return None,
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch: Vec<_> = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                let n = queue.len().min(MAX_BATCH);
                queue.drain(..n).collect()
            };
            let (jobs, waiting): (Vec<J>, Vec<oneshot::Sender<R>>) = batch.into_iter().unzip();
            let results = commit(jobs).await;
            // A waiter that went away (its request cancelled) has its write done all the same.
            for (waiting, result) in waiting.into_iter().zip(results) {
                let _ = waiting.send(result);
            }
            drop(turn);
        }
    }
}

/// A `/case open` waiting for its commit: what `CaseStore::open_case` was given.
pub(super) struct OpenJob {
    pub case: NewCase,
    pub event: NewEvent,
    pub notify: Vec<NotifyTarget>,
}

/// A delivery mark waiting for its commit: what `CaseStore::mark_recipients` was given.
pub(super) struct MarkJob {
    pub guild: GuildId,
    pub event_id: i64,
    pub recipients: Option<Vec<Recipient>>,
    pub delivery: Delivery,
    pub reason: Option<String>,
}

pub(super) type Opens = Batcher<OpenJob, Result<Recorded, StoreError>>;

/// The store's batches: openings per guild (each guild's numbers are its own, and guilds
/// need not wait for each other), delivery marks for the whole store.
#[derive(Default)]
pub(super) struct GroupCommit {
    opens: Mutex<HashMap<GuildId, Arc<Opens>>>,
    pub marks: Batcher<MarkJob, Result<(), StoreError>>,
}

impl GroupCommit {
    /// The guild's queue of openings.
    pub(super) fn opens(&self, guild: GuildId) -> Arc<Opens> {
        let mut opens = self.opens.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(opens.entry(guild).or_default())
    }
}

/// A batch failed without saying whether it committed (the connection went away): every
/// job in it fails, the first with the error itself and the others with its description,
/// read as the same kind of failure (the database unreachable), so none is answered as
/// recorded.
pub(super) fn failed_alike<T>(error: StoreError, jobs: usize) -> Vec<Result<T, StoreError>> {
    let mut described = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        described = format!("{described}: {cause}");
        source = cause.source();
    }
    let mut results = vec![Err(error)];
    results.extend((1..jobs).map(|_| {
        Err(StoreError::Database {
            doing: "opening a case in a batch that failed",
            source: sqlx::Error::Io(std::io::Error::other(described.clone())),
        })
    }));
    results
}
