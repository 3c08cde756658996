//! Static files, compiled into the binary. Each is served under a name carrying a
//! hash of its content, so browsers may keep it for a year and still see a new
//! version the moment it changes; nothing is ever loaded from another origin.

use super::page::{PageError, Problem};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::LazyLock;

struct Asset {
    stem: &'static str,
    extension: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: [Asset; 3] = [
    Asset {
        stem: "assent",
        extension: "css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/assent.css"),
    },
    Asset {
        stem: "icon",
        extension: "svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
    Asset {
        stem: "copy",
        extension: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/copy.js"),
    },
];

const FAVICON_ICO: &[u8] = include_bytes!("../../static/favicon.ico");

/// The URLs pages link to.
pub struct Assets {
    pub css: String,
    pub icon: String,
    /// Copy buttons (progressive enhancement).
    pub copy_js: String,
    names: Vec<String>,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let names: Vec<String> = FILES
        .iter()
        .map(|a| {
            let hash = crate::digest::sha256_hex(a.body);
            format!("{}.{}.{}", a.stem, &hash[..12], a.extension)
        })
        .collect();
    Assets {
        css: format!("/static/{}", names[0]),
        icon: format!("/static/{}", names[1]),
        copy_js: format!("/static/{}", names[2]),
        names,
    }
});

pub fn urls() -> &'static Assets {
    &ASSETS
}

/// `/static/{name}`: only the current, hashed names exist.
pub async fn file(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, PageError> {
    let Some(n) = ASSETS.names.iter().position(|known| *known == *name) else {
        return Err(PageError::new(Problem::NotFound, &req));
    };
    let asset = &FILES[n];
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, asset.content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(asset.body))
}

/// `/favicon.ico`, for the clients that ask for it without reading the page.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/x-icon"))
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON_ICO)
}
