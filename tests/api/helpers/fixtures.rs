//! The fixture corpus in `../shared/fixtures/meta-webhooks` (outside the
//! repository, never copied into it): Meta's OpenAPI examples and pywa's webhook
//! payloads. Without it the tests that read it say so and pass, except under CI=true.

use std::path::PathBuf;

/// The Meta OpenAPI examples.
pub fn corpus() -> Option<PathBuf> {
    corpus_root().map(|root| root.join("meta-openapi"))
}

/// The whole fixture folder (pywa/ and meta-openapi/).
pub fn corpus_root() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/meta-webhooks");
    if dir.join("meta-openapi").is_dir() && dir.join("pywa").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "fixture corpus missing at {} (required in CI)",
        dir.display()
    );
    eprintln!("SKIPPED: fixture corpus not found at {}", dir.display());
    None
}
