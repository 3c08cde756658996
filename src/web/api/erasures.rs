//! `POST /api/v1/erasures`: the business's systems erase a person of the key's
//! number, through the same `privacy::erase` as the console and the command line.
//! Asking twice is safe: the second answer says that nothing was left (200 both
//! times, so a retry after a lost answer is not an error).

use super::auth::ApiKey;
use super::body;
use super::consents::recipient;
use super::error::ApiError;
use crate::domain::Recipient;
use crate::privacy::{self, Erasure, Removed};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureRequest {
    phone: Option<String>,
    user_id: Option<String>,
}

pub async fn erase(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let req: ErasureRequest = body::json(payload).await?;
    let who = recipient(req.phone.as_deref(), req.user_id.as_deref())?;
    let done = privacy::erase_recipient(
        &services.db,
        &services.secret,
        &key.number.id,
        &who,
        &key.doer(),
    )
    .await?;
    let mut answer = match done {
        Erasure::Erased {
            contact_id,
            event,
            removed,
            suppression_keys,
        } => json!({
            "erased": true,
            "contact_id": contact_id,
            "removed": removed,
            "kept": {
                "ledger_events": "every consent event, naming only contact_id; evidence deleted, hashes kept",
                "suppression_keys": suppression_keys,
            },
            "ledger_event": {"id": event.id, "seq": event.seq, "hash": event.hash},
            "details": "Erased: the person's data is deleted and a keyed hash keeps them from being messaged again.",
        }),
        Erasure::NothingLeft { suppressed } => json!({
            "erased": false,
            "removed": Removed::default(),
            "suppressed": suppressed,
            "details": if suppressed {
                "Nothing was left to erase: this person was erased before and is on the suppression list."
            } else {
                "Nothing was left to erase: Assent holds nothing about this person for this number."
            },
        }),
    };
    match &who {
        Recipient::Phone(p) => answer["phone"] = json!(p.as_e164()),
        Recipient::User(u) => answer["user_id"] = json!(u.as_str()),
    }
    Ok(HttpResponse::Ok().json(answer))
}
