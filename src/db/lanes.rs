//! Group writing. Requests that write the same kind of thing wait in a lane (one
//! per key: a business number, say), and the lane's writer takes whatever waits
//! each time it is free and writes it all at once, with the statements one
//! would have needed alone. Under load many requests share one write; with
//! nothing waiting, a request is written at once, as by itself. A lane keeps
//! the order its items arrived in, and answers each only after its write
//! returned (the write commits before it returns).

use super::Db;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// What a lane's writer does with what waited: one answer per item, in order;
/// on an error, nothing of it is written (one transaction).
pub type Work<T, R> = Arc<
    dyn Fn(Db, String, Vec<T>) -> Pin<Box<dyn Future<Output = anyhow::Result<Vec<R>>> + Send>>
        + Send
        + Sync,
>;

type Answer<R> = oneshot::Sender<anyhow::Result<R>>;
type Lane<T, R> = mpsc::UnboundedSender<(T, Answer<R>)>;

pub struct Lanes<T, R> {
    lanes: Arc<Mutex<HashMap<String, Lane<T, R>>>>,
    work: Work<T, R>,
    /// Most items one write takes.
    most: usize,
}

impl<T, R> Clone for Lanes<T, R> {
    fn clone(&self) -> Self {
        Self {
            lanes: self.lanes.clone(),
            work: self.work.clone(),
            most: self.most,
        }
    }
}

impl<T: Send + 'static, R: Send + 'static> Lanes<T, R> {
    pub fn new(most: usize, work: Work<T, R>) -> Self {
        Self {
            lanes: Arc::default(),
            work,
            most,
        }
    }

    /// Writes `item` with whatever else waits in the lane `key`, and answers
    /// once that write returned.
    pub async fn write(&self, db: &Db, key: &str, item: T) -> anyhow::Result<R> {
        let (answer, answered) = oneshot::channel();
        let mut waiting = (item, answer);
        // A lane whose writer is gone (its runtime stopped) is started afresh, once.
        for _ in 0..2 {
            match self.lane(db, key).send(waiting) {
                Ok(()) => {
                    return answered.await.unwrap_or_else(|_| {
                        Err(anyhow::anyhow!("the writer stopped before it answered"))
                    });
                }
                Err(mpsc::error::SendError(back)) => {
                    waiting = back;
                    // Only a dead lane goes: another caller may have started
                    // its successor already.
                    let mut lanes = self.lanes();
                    if lanes.get(key).is_some_and(|lane| lane.is_closed()) {
                        lanes.remove(key);
                    }
                }
            }
        }
        Err(anyhow::anyhow!("the writer could not be started"))
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lane<T, R>>> {
        self.lanes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lane(&self, db: &Db, key: &str) -> Lane<T, R> {
        self.lanes()
            .entry(key.to_owned())
            .or_insert_with(|| {
                let (send, receive) = mpsc::unbounded_channel();
                db.spawn(writer(
                    db.clone(),
                    key.to_owned(),
                    receive,
                    self.work.clone(),
                    self.most,
                ));
                send
            })
            .clone()
    }
}

/// A lane's writer: ends when its `Lanes` is dropped.
async fn writer<T: Send + 'static, R: Send + 'static>(
    db: Db,
    key: String,
    mut waiting: mpsc::UnboundedReceiver<(T, Answer<R>)>,
    work: Work<T, R>,
    most: usize,
) {
    while let Some(first) = waiting.recv().await {
        let mut batch = vec![first];
        while batch.len() < most {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (items, answers): (Vec<T>, Vec<Answer<R>>) = batch.into_iter().unzip();
        let started = std::time::Instant::now();
        let written = work(db.clone(), key.clone(), items).await;
        tracing::debug!(
            lane = %key,
            items = answers.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "a group written"
        );
        match written {
            Ok(outcomes) if outcomes.len() == answers.len() => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Ok(outcomes) => {
                let why = format!(
                    "a group of {} gave {} answers",
                    answers.len(),
                    outcomes.len()
                );
                for answer in answers {
                    let _ = answer.send(Err(anyhow::anyhow!("{why}")));
                }
            }
            Err(e) => {
                // Nothing of the group was written: each request hears so.
                let why = format!("{e:#}");
                for answer in answers {
                    let _ = answer.send(Err(anyhow::anyhow!("{why}")));
                }
            }
        }
    }
}

/// Splits items, in order, into runs in which no key comes up twice (an item
/// may have several keys): the length of each run. What a group writes in one
/// go must not depend on itself, so an item whose person (say) comes up again
/// starts a new round, checked against what the round before it wrote.
pub fn rounds<K, Keys>(items: impl IntoIterator<Item = Keys>) -> Vec<usize>
where
    K: Eq + Hash,
    Keys: IntoIterator<Item = K>,
{
    let mut lengths: Vec<usize> = Vec::new();
    let mut seen: HashSet<K> = HashSet::new();
    for keys in items {
        let keys: Vec<K> = keys.into_iter().collect();
        if lengths.is_empty() || keys.iter().any(|k| seen.contains(k)) {
            lengths.push(0);
            seen.clear();
        }
        seen.extend(keys);
        if let Some(length) = lengths.last_mut() {
            *length += 1;
        }
    }
    lengths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_ends_where_a_key_comes_up_again() {
        let keys = [
            ("ana", "marketing"),
            ("ben", "marketing"),
            ("ana", "utility"),
            ("ana", "marketing"),
            ("ben", "utility"),
            ("ana", "marketing"),
        ];
        assert_eq!(rounds(keys.iter().map(std::iter::once)), [3, 2, 1]);
        assert!(rounds(Vec::<[u8; 1]>::new()).is_empty());
    }

    #[test]
    fn any_of_an_items_keys_coming_up_again_ends_the_round() {
        let items = [
            vec!["ana", "key-1"],
            vec!["ben"],
            vec!["cy", "key-1"],
            vec!["ben"],
        ];
        assert_eq!(rounds(items), [2, 2]);
    }
}
