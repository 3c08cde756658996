//! The web-form opt-in (MT-flow, SPEC §5). A person submits a form (`intake`):
//! the answer is the same whoever they are, and the submission waits in a queue.
//! A worker (`process`) then records it in the ledger and sends the welcome
//! template through the sending core, or does nothing for a suppressed number. A
//! double opt-in stays pending until the person confirms in WhatsApp (`confirm`),
//! or expires (`expiry`). A known customer's number can come pre-filled in a
//! sealed link (`prefill`).

mod confirm;
mod expiry;
mod intake;
mod prefill;
mod process;

pub use confirm::{CONFIRM_PAYLOAD, confirm, contact_card};
pub use expiry::expire_due;
pub use intake::{IntakeError, LIMITS, Submission, submit};
pub use prefill::{Prefilled, prefilled_link, prefilled_phone};
pub use process::process_one;

use crate::services::Services;
use std::time::Duration;
use tokio::sync::watch;

/// An iframe for the business's own site; the form must list the site's origin in
/// `frame_ancestors` for a browser to show it.
pub fn embed_html(url: &str, title: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        r#"<iframe src="{}" title="{}" width="100%" height="720" loading="lazy"></iframe>"#,
        escape(url),
        escape(title)
    )
}

/// Records submissions as they arrive, and expires unconfirmed double opt-ins
/// (looked for every minute).
pub async fn run(services: Services, stop: watch::Receiver<bool>) {
    let expiry = {
        let services = services.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let never = tokio::sync::Notify::new();
            crate::jobs::work(
                "opt-in expiry",
                stop,
                &never,
                Duration::from_secs(60),
                || expire_due(&services),
            )
            .await;
        })
    };
    let poll = services.dispatch.poll;
    crate::jobs::work("opt-in", stop, &services.opt_in_wake, poll, || {
        process_one(&services)
    })
    .await;
    let _ = expiry.await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embed_snippet_escapes_what_it_quotes() {
        let html = super::embed_html("https://a.example/f/x?a=1&b=2", "Say \"yes\" <now>");
        assert_eq!(
            html,
            r#"<iframe src="https://a.example/f/x?a=1&amp;b=2" title="Say &quot;yes&quot; &lt;now&gt;" width="100%" height="720" loading="lazy"></iframe>"#
        );
    }
}
