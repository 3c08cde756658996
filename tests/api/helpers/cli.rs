//! The `assent` command, run as a person would: on a database URL, with standard
//! input, and its exit code and both outputs kept.

use super::TestApp;

/// The outcome of one run of the `assent` binary.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `assent args…` on the database at `db_url`, with `stdin` as its input.
pub fn cli(db_url: &str, args: &[&str], stdin: Option<&str>) -> Run {
    run(db_url, args, stdin, &[])
}

/// Runs `assent args…` on the database at `db_url` with these environment
/// variables too (the server's secret key, say).
pub fn cli_with_env(db_url: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    run(db_url, args, None, env)
}

fn run(db_url: &str, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_assent"))
        .args(args)
        .env("ASSENT_DATABASE_URL", db_url)
        .env("ASSENT_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command that refuses its arguments may exit before reading its input.
    if let Err(e) = input.write_all(stdin.unwrap_or("").as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `assent` on `db` and expects exit 0.
pub fn cli_ok(db: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let r = cli(db, args, stdin);
    assert!(r.ok(), "assent {args:?} failed: {r}");
    r
}

/// Runs `assent` on `db`, expects a non-zero exit and an error that mentions each of
/// `needles` (case-insensitive), on standard error.
pub fn cli_fails(db: &str, args: &[&str], stdin: Option<&str>, needles: &[&str]) {
    let r = cli(db, args, stdin);
    assert!(!r.ok(), "assent {args:?} should fail: {r}");
    let stderr = r.stderr.to_lowercase();
    for needle in needles {
        assert!(
            stderr.contains(&needle.to_lowercase()),
            "assent {args:?}: the error should mention {needle:?}: {r}"
        );
    }
}

impl TestApp {
    /// Runs the `assent` binary against this app's database.
    pub fn cli(&self, args: &[&str]) -> Run {
        cli(&self.db.url, args, None)
    }
}
