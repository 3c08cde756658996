//! Downloads made row by row (the ledger export, the blocked-sends report): the
//! encoder hands its bytes to a `Sink` a chunk at a time, either a file (the
//! command line) or a bounded channel that an HTTP body reads as the socket
//! takes it. A few chunks wait at most, so memory stays flat however many rows
//! there are.

use std::future::Future;
use std::io::Write;
use tokio::sync::mpsc;

/// Encoders hand their bytes on once they hold this much.
pub const CHUNK: usize = 64 * 1024;

/// Where encoded bytes go, a chunk at a time.
pub trait Sink {
    fn chunk(&mut self, bytes: Vec<u8>) -> impl Future<Output = anyhow::Result<()>> + Send;
}

pub struct ToWriter<'a>(pub &'a mut (dyn Write + Send));

impl Sink for ToWriter<'_> {
    async fn chunk(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.0.write_all(&bytes)?;
        Ok(())
    }
}

pub struct ToChannel(mpsc::Sender<Vec<u8>>);

impl Sink for ToChannel {
    async fn chunk(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.0
            .send(bytes)
            .await
            .map_err(|_| anyhow::anyhow!("the download was cancelled"))
    }
}

/// Runs `produce` in the background, its chunks readable from the receiver as
/// they come. Dropping the receiver (the person cancelled the download) stops
/// it at its next chunk. A failure midway is logged and ends the stream early,
/// so the reader gets a truncated file rather than a hung one.
pub fn spawn<F>(what: &'static str, produce: impl FnOnce(ToChannel) -> F) -> mpsc::Receiver<Vec<u8>>
where
    F: Future<Output = anyhow::Result<u64>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(4);
    let work = produce(ToChannel(tx));
    tokio::spawn(async move {
        match work.await {
            Ok(rows) => tracing::info!(rows, what, "download streamed"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), what, "download ended early"),
        }
    });
    rx
}
