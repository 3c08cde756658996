//! The server's log, captured: one global subscriber for the whole test binary (so
//! other tests' lines are in it too), at the production default level and Assent's
//! own most verbose one. TEST_LOG=1 also prints it.

use std::sync::Mutex;

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Everything logged so far by every app in this test binary.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            eprint!("{}", String::from_utf8_lossy(buf));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (once per test binary).
pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn,assent=trace")
            .with_ansi(false)
            .with_writer(|| LogSink)
            .try_init();
    });
}

/// Checks the captured log: `seen` (e.g. a masked number) proves the capture saw
/// this test's activity, and no line holds any of `needles`.
pub fn assert_not_logged(seen: &str, needles: &[&str]) {
    let logged = logs();
    assert!(
        logged.contains(seen),
        "{seen} never logged: is the capture on?"
    );
    let leaks: Vec<&str> = logged
        .lines()
        .filter(|line| needles.iter().any(|n| line.contains(n)))
        .collect();
    assert!(
        leaks.is_empty(),
        "log lines with a number or a text: {leaks:#?}"
    );
}

/// How Assent shows a number in logs and reports: first two, last three digits.
pub fn masked_digits(wa_id: &str) -> String {
    let n = wa_id.len();
    format!("+{}{}{}", &wa_id[..2], "•".repeat(n - 5), &wa_id[n - 3..])
}
