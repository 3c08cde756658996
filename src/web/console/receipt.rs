//! `/admin/contacts/{id}/receipts/{event id}`: the consent receipt of one ledger
//! event, as a page to print and (`.json`) as the file to hand on. Handing it on
//! exports personal data, so the download is in the audit log.

use super::Staff;
use super::person::download;
use crate::audit::{self, Entry};
use crate::people;
use crate::receipts::{self, Receipt};
use crate::services::Services;
use crate::web::page::{Page, PageError, Problem};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "console/receipt.html")]
pub struct ReceiptPage {
    page: Page,
    contact_id: String,
    receipt: Receipt,
    at: String,
}

async fn receipt(
    page: &Page,
    services: &Services,
    contact_id: &str,
    event_id: &str,
) -> Result<Receipt, PageError> {
    let record = people::read(&services.db, &services.secret, contact_id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    receipts::of_record(
        &record,
        event_id,
        services.jurisdiction.as_deref(),
        &services.public_url,
    )
    .ok_or_else(|| page.error(Problem::NotFound))
}

pub async fn show(
    page: Page,
    path: web::Path<(String, String)>,
    services: web::Data<Services>,
) -> Result<ReceiptPage, PageError> {
    let page = page.for_staff();
    let (contact_id, event_id) = path.into_inner();
    let receipt = receipt(&page, &services, &contact_id, &event_id).await?;
    Ok(ReceiptPage {
        at: super::dates::when(receipt.consent_timestamp * 1000),
        page,
        contact_id,
        receipt,
    })
}

pub async fn json(
    page: Page,
    staff: Staff,
    path: web::Path<(String, String)>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (contact_id, event_id) = path.into_inner();
    let receipt = receipt(&page, &services, &contact_id, &event_id).await?;
    audit::record_alone(
        &services.db,
        &staff.doer(),
        Entry {
            action: "contact.receipt_exported",
            target: &format!("contact:{contact_id}"),
            detail: &format!(
                "consent receipt of ledger event {}",
                receipt.consent_event.seq
            ),
        },
    )
    .await
    .map_err(|e| page.internal(e))?;
    Ok(download(&format!("receipt-{event_id}.json"), &receipt))
}
