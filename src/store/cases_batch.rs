//! `/case open` and delivery marks in group commits, for both backends: what queued while a
//! commit was in flight is written by the next one (see `batch`). A batch that fails is
//! written again one by one, so one bad opening or mark fails alone; a batch whose outcome
//! is unknown (the connection went away) fails every opening in it.

/// Implements the batched writes for a store with `group`, `insert_case`, `insert_cases`,
/// `mark_all`, `lost_race` and `write_tx`.
macro_rules! impl_case_batches {
    ($store:ty) => {
        const _: () = {
            use sqlx::QueryBuilder;

            use crate::{
                domain::{GuildId, case::NotifyTarget},
                store::{
                    StoreError,
                    batch::{MarkJob, OpenJob, failed_alike},
                    cases::{NewCase, NewEvent, Recorded},
                    rows::recipient_columns,
                },
            };

            impl $store {
                /// `CaseStore::open_case`, in the guild's next commit.
                pub(super) async fn open_grouped(
                    &self,
                    guild: GuildId,
                    case: &NewCase,
                    event: &NewEvent,
                    notify: &[NotifyTarget],
                ) -> Result<Recorded, StoreError> {
                    let job = OpenJob {
                        case: case.clone(),
                        event: event.clone(),
                        notify: notify.to_vec(),
                    };
                    let opens = self.group.opens(guild);
                    match opens.run(job, |jobs| self.open_batch(guild, jobs)).await {
                        Some(result) => result,
                        // The batch's task stopped: on its own, a replay if that batch committed.
                        None => self.open_one(guild, case, event, notify).await,
                    }
                }

                /// One opening in a commit of its own. A redelivered interaction fails on its
                /// unique ID and rolls back, number included, and is answered with its case.
                async fn open_one(
                    &self,
                    guild: GuildId,
                    case: &NewCase,
                    event: &NewEvent,
                    notify: &[NotifyTarget],
                ) -> Result<Recorded, StoreError> {
                    match self.insert_case(guild, case, event, notify).await {
                        Ok(recorded) => Ok(recorded),
                        Err(e) => self.lost_race(guild, event, e, "this case").await,
                    }
                }

                async fn open_batch(&self, guild: GuildId, jobs: Vec<OpenJob>) -> Vec<Result<Recorded, StoreError>> {
                    if let [job] = jobs.as_slice() {
                        return vec![self.open_one(guild, &job.case, &job.event, &job.notify).await];
                    }
                    let error = match self.insert_cases(guild, &jobs).await {
                        Ok(recorded) => return recorded.into_iter().map(Ok).collect(),
                        Err(error) => error,
                    };
                    if error.is_unreachable() {
                        tracing::warn!(%error, openings = jobs.len(), "a batch of openings failed: none is recorded");
                        return failed_alike(error, jobs.len());
                    }
                    // Nothing of the batch was written (the database refused it: a redelivery,
                    // a constraint): each on its own, so only what is wrong fails.
                    tracing::info!(%error, openings = jobs.len(), "a batch of openings was refused: opening them one by one");
                    let mut results = Vec::with_capacity(jobs.len());
                    for job in &jobs {
                        results.push(self.open_one(guild, &job.case, &job.event, &job.notify).await);
                    }
                    results
                }

                /// `CaseStore::mark_recipients`, in the store's next commit of marks.
                pub(super) async fn mark_grouped(&self, job: MarkJob) -> Result<(), StoreError> {
                    let (guild, event_id, delivery) = (job.guild, job.event_id, job.delivery);
                    let (recipients, reason) = (job.recipients.clone(), job.reason.clone());
                    match self.group.marks.run(job, |jobs| self.mark_batch(jobs)).await {
                        Some(result) => result,
                        // Marking is idempotent: done again on its own.
                        None => {
                            let job = MarkJob { guild, event_id, recipients, delivery, reason };
                            self.write_marks(std::slice::from_ref(&job)).await
                        }
                    }
                }

                async fn mark_batch(&self, jobs: Vec<MarkJob>) -> Vec<Result<(), StoreError>> {
                    match self.mark_all(&jobs).await {
                        Ok(()) => jobs.iter().map(|_| Ok(())).collect(),
                        Err(error) if jobs.len() > 1 => {
                            tracing::info!(%error, marks = jobs.len(), "a batch of delivery marks failed: writing them one by one");
                            let mut results = Vec::with_capacity(jobs.len());
                            for job in jobs {
                                results.push(self.write_marks(std::slice::from_ref(&job)).await);
                            }
                            results
                        }
                        Err(error) => vec![Err(error)],
                    }
                }

                /// The marks in one transaction, in the order they came: one statement each.
                pub(super) async fn write_marks(&self, jobs: &[MarkJob]) -> Result<(), StoreError> {
                    let doing = "recording a notification's delivery";
                    let mut tx = self.write_tx(doing).await?;
                    for job in jobs {
                        if job.recipients.as_ref().is_some_and(Vec::is_empty) {
                            continue;
                        }
                        let mut update = QueryBuilder::new("UPDATE notifications SET delivery = ");
                        update
                            .push_bind(job.delivery.as_str())
                            .push(", reason = ")
                            .push_bind(job.reason.clone())
                            .push(" WHERE guild_id = ")
                            .push_bind(job.guild.as_i64())
                            .push(" AND event_id = ")
                            .push_bind(job.event_id);
                        if let Some(recipients) = &job.recipients {
                            update.push(" AND (");
                            for (i, recipient) in recipients.iter().enumerate() {
                                let (kind, id) = recipient_columns(*recipient);
                                let or = if i == 0 { "" } else { " OR " };
                                update
                                    .push(or)
                                    .push("(recipient_kind = ")
                                    .push_bind(kind)
                                    .push(" AND recipient_id = ")
                                    .push_bind(id)
                                    .push(")");
                            }
                            update.push(")");
                        }
                        update.build().execute(&mut *tx).await.map_err(StoreError::db(doing))?;
                    }
                    tx.commit(doing).await
                }
            }
        };
    };
}

pub(super) use impl_case_batches;
