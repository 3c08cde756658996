//! A number's rate limit, as a token bucket held by whoever dispatches for the
//! number: one instance at a time (the lane's lease, `lanes`), so the bucket
//! lives in memory and a message costs no write for it. A new holder starts
//! empty, so a hand-over never adds a burst.

use std::time::Duration;
use tokio::time::Instant;

pub struct Bucket {
    tokens: f64,
    at: Instant,
    rate: f64,
    burst: f64,
}

impl Bucket {
    pub fn new(rate_per_second: f64, burst: f64) -> Self {
        Self {
            tokens: 0.0,
            at: Instant::now(),
            rate: rate_per_second.max(0.001),
            burst: burst.max(1.0),
        }
    }

    /// Waits until the number may send one more message, and takes that token.
    pub async fn take(&mut self) {
        loop {
            let now = Instant::now();
            self.tokens = refill(self.tokens, now - self.at, self.rate, self.burst);
            self.at = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return;
            }
            let wait = (1.0 - self.tokens) / self.rate;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }
}

/// Tokens in a bucket `elapsed` after it held `tokens`.
fn refill(tokens: f64, elapsed: Duration, rate: f64, burst: f64) -> f64 {
    (tokens + elapsed.as_secs_f64() * rate).min(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refills_at_the_rate_up_to_the_burst() {
        let ms = Duration::from_millis;
        assert_eq!(refill(0.0, ms(500), 80.0, 80.0), 40.0);
        assert_eq!(
            refill(10.0, ms(60_000), 80.0, 80.0),
            80.0,
            "never above the burst"
        );
        assert_eq!(refill(0.5, ms(10), 50.0, 150.0), 1.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_bucket_starts_empty_and_paces_at_the_rate() {
        let mut bucket = Bucket::new(100.0, 10.0);
        let start = Instant::now();
        for _ in 0..50 {
            bucket.take().await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(490) && took <= Duration::from_millis(520),
            "{took:?}"
        );
    }
}
