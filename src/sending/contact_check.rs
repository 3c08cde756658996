//! The provider's contact check (on-premises style `/v1/contacts`), cached for 7
//! days per number, as those APIs do themselves.

use crate::db::now_ms;
use crate::domain::PhoneNumber;
use crate::numbers::BusinessNumber;
use crate::providers::{ContactCheck, ContactStatus};
use crate::services::Services;

const TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// `None` when the number's provider has no contact check. No connection is held
/// during the provider call.
pub async fn check(
    s: &Services,
    number: &BusinessNumber,
    phone: &PhoneNumber,
    force: bool,
) -> anyhow::Result<Option<ContactCheck>> {
    if !force {
        let cached: Option<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT status, wa_id, checked_at FROM contact_checks WHERE business_number_id = $1 AND input = $2",
        )
        .bind(&number.id)
        .bind(phone.as_e164())
        .fetch_optional(&s.db.pool)
        .await?;
        if let Some((status, wa_id, at)) = cached
            && now_ms() - at < TTL_MS
        {
            return Ok(Some(ContactCheck {
                status: ContactStatus::parse(&status),
                wa_id,
            }));
        }
    }
    let Some(result) = s.providers.check_contact(number, phone).await else {
        return Ok(None);
    };
    let check = match result {
        Ok(check) => check,
        Err(e) => {
            // Not cached: the next send asks again.
            tracing::warn!(error = %e, to = %phone.masked(), "contact check failed");
            return Ok(Some(ContactCheck {
                status: ContactStatus::Failed,
                wa_id: None,
            }));
        }
    };
    s.db.write_one(
        sqlx::query(
            "INSERT INTO contact_checks (business_number_id, input, wa_id, status, checked_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (business_number_id, input) DO UPDATE SET wa_id = $3, status = $4, checked_at = $5",
        )
        .bind(&number.id)
        .bind(phone.as_e164())
        .bind(&check.wa_id)
        .bind(check.status.as_str())
        .bind(now_ms()),
    )
    .await?;
    Ok(Some(check))
}

/// Deletes the cached check of the person's number (erasure).
pub async fn forget(
    conn: &mut sqlx::AnyConnection,
    business_number_id: &str,
    wa_id: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "DELETE FROM contact_checks WHERE business_number_id = $1 AND (wa_id = $2 OR input = $3)",
    )
    .bind(business_number_id)
    .bind(wa_id)
    .bind(format!("+{wa_id}"))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
