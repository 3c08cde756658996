//! The landing page `/`: lists the numbers and how to start.

use crate::helpers::*;

#[tokio::test]
async fn the_landing_page_lists_the_sandbox_number_and_how_to_start() {
    let app = TestApp::spawn().await;
    let r = app.page("/").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let html = r.text().await.unwrap();
    assert!(html.contains(SANDBOX_ID) && html.contains("+12025550100") && html.contains("sandbox"));
    assert!(html.contains(&format!(
        "assent apikey create --phone-number-id {SANDBOX_ID}"
    )));
    let css = app.page("/static/assent.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}
