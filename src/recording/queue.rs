//! Group recording: the decisions the API brings for one business number wait in
//! that number's lane, and its writer records whatever waits each time it is
//! free, in one transaction with a fixed few statements (`record_all`). Under
//! load many decisions share the cost one would have had alone; with nothing
//! waiting, a decision is recorded at once, as by itself. Decisions stay
//! serialised per number, in the order they arrived, and each is answered only
//! after its transaction committed.

use super::{Decision, RecordError, Recorded, record_all};
use crate::db::Db;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Most decisions one transaction records: under the statements' row limit,
/// and a failure fails no more than these.
const MOST_AT_ONCE: usize = 256;

type Answer = oneshot::Sender<Result<Recorded, RecordError>>;
type Lane = mpsc::UnboundedSender<(Decision, Answer)>;

/// The lanes of a running Assent, one per business number that recorded.
#[derive(Clone, Default)]
pub struct Queue {
    lanes: Arc<Mutex<HashMap<String, Lane>>>,
}

impl Queue {
    /// Records `d` with whatever else waits for the number, and answers once
    /// that is committed.
    pub async fn record(
        &self,
        db: &Db,
        business_number_id: &str,
        d: Decision,
    ) -> Result<Recorded, RecordError> {
        let (answer, answered) = oneshot::channel();
        let mut item = (d, answer);
        // A lane whose writer is gone (its runtime stopped) is started afresh, once.
        for _ in 0..2 {
            match self.lane(db, business_number_id).send(item) {
                Ok(()) => {
                    return answered.await.unwrap_or_else(|_| {
                        Err(anyhow::anyhow!("the consent writer stopped before it answered").into())
                    });
                }
                Err(mpsc::error::SendError(back)) => {
                    item = back;
                    self.lanes().remove(business_number_id);
                }
            }
        }
        Err(anyhow::anyhow!("the consent writer could not be started").into())
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lane>> {
        self.lanes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lane(&self, db: &Db, business_number_id: &str) -> Lane {
        self.lanes()
            .entry(business_number_id.to_owned())
            .or_insert_with(|| {
                let (send, receive) = mpsc::unbounded_channel();
                db.spawn(writer(db.clone(), business_number_id.to_owned(), receive));
                send
            })
            .clone()
    }
}

/// A lane's writer: ends when its `Queue` is dropped.
async fn writer(
    db: Db,
    business_number_id: String,
    mut waiting: mpsc::UnboundedReceiver<(Decision, Answer)>,
) {
    while let Some(first) = waiting.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST_AT_ONCE {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (decisions, answers): (Vec<Decision>, Vec<Answer>) = batch.into_iter().unzip();
        let started = std::time::Instant::now();
        let written = write(&db, &business_number_id, decisions).await;
        tracing::debug!(
            decisions = answers.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "a group of consent decisions recorded"
        );
        match written {
            Ok(outcomes) => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(outcome.map_err(RecordError::Refused));
                }
            }
            Err(e) => {
                // Nothing of the group was committed: each request hears so.
                let why = format!("{e:#}");
                for answer in answers {
                    let _ = answer.send(Err(anyhow::anyhow!("{why}").into()));
                }
            }
        }
    }
}

async fn write(
    db: &Db,
    business_number_id: &str,
    decisions: Vec<Decision>,
) -> anyhow::Result<Vec<Result<Recorded, super::Refused>>> {
    let mut tx = db.write_for(business_number_id).await?;
    let outcomes = record_all(&mut tx, business_number_id, decisions).await?;
    tx.commit().await?;
    Ok(outcomes)
}
