//! Pages anyone may open. They show nothing internal: no ids, no providers, no
//! numbers but the business's own.

mod entry_points;
mod landing;
mod notice;
pub(crate) mod opt_in;
mod preferences;

use super::assets;
use super::endpoint::Endpoint;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/").get(landing::show).for_people())
        .service(
            Endpoint::new("/notices/{id}")
                .get(notice::show)
                .for_people(),
        )
        .service(
            Endpoint::new("/f/{slug}")
                .get(opt_in::show)
                .post(opt_in::submit)
                .for_people(),
        )
        .service(
            Endpoint::new("/p/{token}")
                .get(preferences::show)
                .post(preferences::save)
                .for_people(),
        )
        .service(
            Endpoint::new("/l/{code}")
                .get(entry_points::visit)
                .for_people(),
        )
        .service(
            Endpoint::new("/qr/{code}.png")
                .get(entry_points::png)
                .for_people(),
        )
        .service(
            Endpoint::new("/qr/{code}.svg")
                .get(entry_points::svg)
                .for_people(),
        )
        .service(
            Endpoint::new("/static/{name}")
                .get(assets::file)
                .for_people(),
        )
        .service(
            Endpoint::new("/favicon.ico")
                .get(assets::favicon)
                .for_people(),
        );
}
