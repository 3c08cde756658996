//! Sends wait in their number's lane (`db::lanes`), and whatever waits is
//! decided and queued in one transaction (`accept_all`): sends stay serialised
//! per number with its consent decisions, in the order they arrived, and each
//! is answered only after its transaction committed.

use super::{Answer, Send, accept_all};
use crate::db::Db;
use crate::db::lanes::Lanes;
use std::sync::Arc;

/// Most sends one transaction takes: a failure fails no more than these.
const MOST_AT_ONCE: usize = 256;

/// The lanes of a running Assent, one per business number that sent.
#[derive(Clone)]
pub struct Sends {
    lanes: Lanes<Send, Answer>,
}

impl Default for Sends {
    fn default() -> Self {
        Self {
            lanes: Lanes::new(
                MOST_AT_ONCE,
                Arc::new(|db, number, sends| Box::pin(write(db, number, sends))),
            ),
        }
    }
}

impl Sends {
    /// Decides and queues `send` with whatever else waits for its number, and
    /// answers once that is committed.
    pub async fn accept(&self, db: &Db, send: Send) -> anyhow::Result<Answer> {
        let number = send.number.id.clone();
        self.lanes.write(db, &number, send).await
    }
}

async fn write(
    db: Db,
    business_number_id: String,
    sends: Vec<Send>,
) -> anyhow::Result<Vec<Answer>> {
    let mut tx = db.write_for(&business_number_id).await?;
    let answers = accept_all(&mut tx, &business_number_id, sends).await?;
    tx.commit().await?;
    Ok(answers)
}
