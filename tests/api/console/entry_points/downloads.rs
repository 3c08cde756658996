//! The QR code downloads of an entry point's page: PNG in three print sizes and
//! SVG, as files to save, each reading back as the tracking link.

use super::*;
pub use crate::entry_points::qr::decode;
use crate::entry_points::qr::rasterise;

#[tokio::test]
async fn the_png_downloads_come_in_print_sizes_and_read_back_as_the_tracking_link() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.entry_point("PRINT-1", &["offers"], "en").await;
    let page = html(&app, "/admin/entry-points/PRINT-1").await;
    for (name, px) in [("small", 600), ("medium", 1200), ("large", 2400)] {
        let path = format!("/admin/entry-points/PRINT-1/qr.png?size={name}");
        assert!(
            page.contains(&format!(r#"href="{}""#, path.replace('&', "&amp;"))),
            "{name}: linked"
        );
        let r = app.page(&path).await;
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(
            r.headers()["content-disposition"],
            format!("attachment; filename=\"PRINT-1-qr-{name}-{px}px.png\"").as_str()
        );
        let bytes = r.bytes().await.unwrap();
        let image = image::load_from_memory(&bytes).unwrap().to_luma8();
        assert_eq!(image.dimensions(), (px, px), "{name}");
        assert_eq!(decode(image), "https://assent.example/l/PRINT-1", "{name}");
    }
    // Without a size: medium. A size not offered: 400.
    let r = app.page("/admin/entry-points/PRINT-1/qr.png").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("medium-1200px")
    );
    assert_eq!(
        app.page("/admin/entry-points/PRINT-1/qr.png?size=9999")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn the_svg_download_is_the_same_code_as_a_file() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.entry_point("PRINT-2", &["offers"], "en").await;
    let r = app.page("/admin/entry-points/PRINT-2/qr.svg").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"PRINT-2-qr.svg\""
    );
    let svg = r.text().await.unwrap();
    let (image, _) = rasterise(&svg);
    assert_eq!(decode(image), "https://assent.example/l/PRINT-2");
    // The same drawing as the public SVG, whose decoding tests/api/entry_points/qr.rs reads.
    let public = app.page("/qr/PRINT-2.svg").await.text().await.unwrap();
    assert_eq!(svg, public);
    // And the page shows that code.
    let page = html(&app, "/admin/entry-points/PRINT-2").await;
    assert!(page.contains(r#"<img src="/qr/PRINT-2.svg""#));
}
