//! `GET /api/v1/access?phone=` (or `user_id=`): an access request from the
//! business's systems: everything Assent holds about the person on the key's
//! number, the same document as the console's download, audited under the key.

use super::auth::ApiKey;
use super::consents::recipient;
use super::error::ApiError;
use crate::access::{self, Subject};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// `?phone=` or `?user_id=`.
#[derive(Deserialize)]
pub struct Who {
    phone: Option<String>,
    user_id: Option<String>,
}

pub async fn show(
    key: ApiKey,
    who: web::Query<Who>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let recipient = recipient(who.phone.as_deref(), who.user_id.as_deref())?;
    let subject = Subject::Known {
        number: &key.number,
        who: &recipient,
    };
    let document = access::request(&services.db, &services.secret, &key.doer(), subject)
        .await?
        .ok_or_else(|| anyhow::anyhow!("an access request about a known number found no answer"))?;
    Ok(HttpResponse::Ok().json(document))
}
