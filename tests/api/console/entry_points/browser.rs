//! A marketer in a real headless Chromium, on a phone and a desktop: creates an
//! entry point (previewing its link first), lands on its page and downloads its
//! QR code, which reads back as the tracking link. Clean console, no sideways
//! scrolling, screenshots in target/screenshots/.

use super::downloads::decode;
use super::*;
use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use base64::Engine as _;

#[tokio::test]
async fn a_marketer_creates_an_entry_point_and_downloads_its_qr_code_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    app.add_staff(MARKETER, Role::Marketer, PASSWORD).await;
    // Some figures for the charts to draw.
    app.entry_point("SHOWN-1", &["offers"], "en").await;
    for _ in 0..3 {
        app.page("/l/SHOWN-1").await;
    }
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    browser.goto(&app.url("/admin/entry-points")).await;
    browser.fill("#email", MARKETER).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;

    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        let name = viewport.name;
        let code = format!("QR-{}", name.to_uppercase());
        browser.goto(&app.url("/admin/entry-points")).await;
        browser.check_whole("entry-points").await;

        browser.fill("#code", &code).await;
        browser
            .fill("#name", &format!("Poster for the {name}"))
            .await;
        browser.tick("#category-offers").await;
        browser
            .fill("#prefilled_text", "Hola, quiero las ofertas")
            .await;
        browser.click("button[value=preview]").await;
        let link = browser
            .eval("return document.getElementById('preview-link').href;")
            .await;
        assert_eq!(
            link.as_str().unwrap(),
            format!(
                "{WA_ME}Hola%2C%20quiero%20las%20ofertas%20%28QR%2D{}%29",
                name.to_uppercase()
            ),
            "on the {name}"
        );
        browser.check_whole("entry-points-preview").await;

        browser.click("button[value=create]").await;
        let at = browser.eval("return location.pathname;").await;
        assert_eq!(
            at,
            format!("/admin/entry-points/{code}").as_str(),
            "on the {name}"
        );
        let tracking = format!("https://assent.example/l/{code}");
        let shown = browser
            .eval("return document.getElementById('tracking-link').textContent;")
            .await;
        assert_eq!(shown, tracking.as_str());
        let qr = browser
            .eval("const i = document.querySelector('figure.qr img'); return [i.complete, i.naturalWidth];")
            .await;
        assert_eq!(qr[0], true, "the QR code loaded: {qr}");
        assert!(qr[1].as_u64().unwrap() > 0, "the QR code drawn: {qr}");
        browser.check_whole("entry-point").await;

        // Typing a new text into the edit form previews its link as one types
        // (static/entry-point-preview.js asks the server), and saves nothing.
        browser.fill("#prefilled_text", "Otra vez").await;
        let want = format!("{WA_ME}Otra%20vez%20%28{}%29", code.replace('-', "%2D"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let shown = browser
                .eval(
                    "const a = document.getElementById('preview-link'); return a ? a.href : null;",
                )
                .await;
            if shown == want.as_str() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "on the {name}: the live preview shows {shown}, not {want}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        browser.assert_clean_console().await;
        browser.screenshot("entry-point-live-preview").await;

        // The download, as the browser fetches the page's own link (the small print size).
        let got = browser
            .eval(
                "const a = document.querySelector('.downloads a');\
                 return fetch(a.href).then(async r => {\
                   const b = new Uint8Array(await r.arrayBuffer()); let s = '';\
                   for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);\
                   return [r.status, r.headers.get('content-disposition'), btoa(s)]; });",
            )
            .await;
        assert_eq!(got[0], 200, "on the {name}");
        assert_eq!(
            got[1].as_str().unwrap(),
            format!("attachment; filename=\"{code}-qr-small-600px.png\"")
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(got[2].as_str().unwrap())
            .unwrap();
        let image = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(image.dimensions(), (600, 600));
        assert_eq!(decode(image), tracking, "on the {name}");

        // The charts of one with visits are drawn.
        browser.goto(&app.url("/admin/entry-points/SHOWN-1")).await;
        let size = browser
            .eval("const r = document.querySelector('figure.chart svg').getBoundingClientRect(); return [r.width, r.height];")
            .await;
        assert!(size[0].as_f64().unwrap() > 300.0, "on the {name}: {size}");
        browser.check_whole("entry-point-charts").await;
    }
    browser.close().await;
    assert!(
        stored(&app).await.iter().all(|e| !e.3.contains("Otra vez")),
        "a live preview saves nothing"
    );
    assert_eq!(
        stored(&app).await.len(),
        3,
        "SHOWN-1 and the two made in the browser"
    );
}
