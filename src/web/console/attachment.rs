//! A download as an HTTP response: a file to save, its body streamed as the
//! chunks come (`crate::download`), never held whole, and never cached.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use actix_web::web::Bytes;
use tokio::sync::mpsc::Receiver;

pub fn attachment(chunks: Receiver<Vec<u8>>, filename: &str, content_type: &str) -> HttpResponse {
    let body = futures_util::stream::unfold(chunks, |mut chunks| async move {
        let chunk = chunks.recv().await?;
        Some((
            Ok::<_, std::convert::Infallible>(Bytes::from(chunk)),
            chunks,
        ))
    });
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        // Personal data: no copy in a shared or browser cache.
        .insert_header((CACHE_CONTROL, "no-store"))
        .streaming(body)
}

/// `assent-ledger-2026-11-30.csv`
pub fn filename(what: &str, extension: &str) -> String {
    let day = super::dates::iso_date(crate::consent::tally::day_of(crate::db::now_ms()));
    format!("assent-{what}-{day}.{extension}")
}
