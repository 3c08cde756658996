//! A person submits a form: throttled per IP address, per phone number and per
//! form, then queued. Nothing here depends on who the person is: a suppressed
//! number is answered like any other, in the same time; `process` decides later.

use crate::db::{new_id, now_ms};
use crate::domain::{CategoryList, Locale, PhoneNumber};
use crate::forms::{self, Counter, Form};
use crate::services::Services;
use crate::throttle::{self, Limit};
use std::time::Duration;

/// By default at most 10 submissions from one IP address in 10 minutes, 3 for
/// one phone number in an hour (so the form cannot be used to message a stranger
/// again and again), and 600 a minute for one form (documented in README).
pub const LIMITS: [Limit; 3] = [
    Limit {
        what: "form-ip",
        hits: 10,
        window: Duration::from_secs(10 * 60),
    },
    Limit {
        what: "form-phone",
        hits: 3,
        window: Duration::from_secs(60 * 60),
    },
    Limit {
        what: "form",
        hits: 600,
        window: Duration::from_secs(60),
    },
];

/// What the person sent, parsed.
pub struct Submission {
    pub phone: PhoneNumber,
    pub categories: CategoryList,
    pub locale: Locale,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("too many submissions")]
    Throttled,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for IntakeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

pub async fn submit(s: &Services, form: &Form, sub: Submission) -> Result<(), IntakeError> {
    let (locale, text) = form.text_in(sub.locale);
    let mut w = s.db.write().await?;
    let keys = [
        sub.ip.clone().unwrap_or_default(),
        sub.phone.as_e164().to_owned(),
        form.slug.clone(),
    ];
    for (limit, key) in s.opt_in.limits.into_iter().zip(keys) {
        if !throttle::hit(&mut w, &s.secret, limit, &key).await? {
            w.commit().await?;
            tracing::info!(form = %form.slug, limit = limit.what, "form submission throttled");
            return Err(IntakeError::Throttled);
        }
    }
    let now = now_ms();
    sqlx::query(
        "INSERT INTO form_submissions (id, form_id, phone, categories, language, notice_id, ip, user_agent, \
         state, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9)",
    )
    .bind(new_id())
    .bind(&form.id)
    .bind(sub.phone.as_e164())
    .bind(sub.categories.to_stored())
    .bind(locale.code())
    .bind(&text.notice_id)
    .bind(sub.ip)
    .bind(sub.user_agent)
    .bind(now)
    .execute(&mut *w)
    .await?;
    forms::count(&mut w, &form.slug, Counter::Submissions).await?;
    w.commit().await?;
    s.opt_in_wake.notify_one();
    Ok(())
}
