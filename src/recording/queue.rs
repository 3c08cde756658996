//! The API's consent decisions wait in their number's lane (`db::lanes`), and
//! whatever waits is recorded in one transaction with a fixed few statements
//! (`record_all`): decisions stay serialised per number, in the order they
//! arrived, each checked against what the ones before it did, and each is
//! answered only after its transaction committed.

use super::{Decision, RecordError, Recorded, Refused, record_all};
use crate::db::Db;
use crate::db::lanes::Lanes;
use std::sync::Arc;

/// Most decisions one transaction records: a failure fails no more than these.
const MOST_AT_ONCE: usize = 256;

/// The lanes of a running Assent, one per business number that recorded.
#[derive(Clone)]
pub struct Queue {
    lanes: Lanes<Decision, Result<Recorded, Refused>>,
}

impl Default for Queue {
    fn default() -> Self {
        Self {
            lanes: Lanes::new(
                MOST_AT_ONCE,
                Arc::new(|db, number, decisions| Box::pin(write(db, number, decisions))),
            ),
        }
    }
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
        Ok(self.lanes.write(db, business_number_id, d).await??)
    }
}

async fn write(
    db: Db,
    business_number_id: String,
    decisions: Vec<Decision>,
) -> anyhow::Result<Vec<Result<Recorded, Refused>>> {
    let mut tx = db.write_for(&business_number_id).await?;
    let outcomes = record_all(&mut tx, &business_number_id, decisions).await?;
    tx.commit().await?;
    Ok(outcomes)
}
