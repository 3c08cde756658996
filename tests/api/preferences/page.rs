//! What the page shows: every category with its title, description and state, a
//! ticked box for what the person receives (or waits to confirm), two buttons, a
//! labelled form with its hidden token, in the person's language, and no cookie.

use crate::helpers::chat::*;
use crate::helpers::preferences::*;
use crate::helpers::*;
use serde_json::json;

/// (category, title, description) in English.
const EN: [(&str, &str, &str); 3] = [
    (
        "order_updates",
        "Order updates",
        "Confirmations, shipping and delivery of what you ordered.",
    ),
    (
        "offers",
        "Offers and promotions",
        "Discounts, sales and special offers.",
    ),
    (
        "product_news",
        "Product news",
        "New products, and news about the ones you know.",
    ),
];

/// Every visible input has a `<label for>` naming it.
fn assert_every_input_is_labelled(html: &str) {
    for tag in html.split("<input ").skip(1) {
        let tag = &tag[..tag.find('>').unwrap()];
        if tag.contains(r#"type="hidden""#) {
            continue;
        }
        let id = tag
            .split(r#"id=""#)
            .nth(1)
            .map(|r| &r[..r.find('"').unwrap()])
            .unwrap_or_else(|| panic!("an input without an id cannot be labelled: {tag}"));
        assert!(
            html.contains(&format!(r#"<label for="{id}">"#)),
            "no label for {id}"
        );
    }
}

#[tokio::test]
async fn the_page_shows_every_category_with_its_state_and_sets_no_cookie() {
    let app = TestApp::spawn().await;
    let ana = person(20);
    let path = accepted_with_link(&app, &ana).await;
    text(&app, &ana, "STOP offers").await;

    for path in [path.clone(), format!("{path}?lang=es")] {
        let r = app.page(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers().get_all("set-cookie").iter().next().is_none(),
            "a public page sets no cookie: {:?}",
            r.headers()
        );
    }
    let r = app.page(&path).await;
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let html = r.text().await.unwrap();

    assert!(html.contains("<h1>"), "{html}");
    assert!(html.contains("<fieldset"), "the boxes are grouped: {html}");
    assert!(html.contains("<legend>Topics</legend>"), "{html}");
    for (category, title, description) in EN {
        assert!(
            html.contains(&format!(
                r#"<label for="category-{category}">{title}</label>"#
            )),
            "{category} is labelled with its title: {html}"
        );
        assert!(html.contains(description), "{category}: {description}");
    }
    assert!(ticked(&html, "order_updates") && ticked(&html, "product_news"));
    assert!(!ticked(&html, "offers"), "offers was withdrawn");
    assert_eq!(state_text(&html, "order_updates"), "receiving");
    assert_eq!(state_text(&html, "product_news"), "receiving");
    assert_eq!(state_text(&html, "offers"), "not receiving");
    assert_every_input_is_labelled(&html);

    assert!(html.contains(">Save my choices</button>"), "{html}");
    assert!(html.contains(">Stop all messages</button>"), "{html}");
    assert!(
        html.contains(r#"name="stop_all" value="1""#),
        "Stop all is a button of the same form: {html}"
    );
    assert!(html.contains(r#"<input type="hidden" name="csrf_token""#));
    assert!(!csrf_token(&html).is_empty());
    assert!(
        notice_href(&html).starts_with("/notices/"),
        "the page links the notice"
    );
    // The person's number is not on the page (anyone the link is forwarded to
    // would see it).
    assert!(!html.contains(&ana[2..]), "{html}");
}

#[tokio::test]
async fn the_page_speaks_the_language_asked_for() {
    let app = TestApp::spawn().await;
    let eva = person(21);
    let path = accepted_with_link(&app, &eva).await;

    let (status, html) = app.prefs_page(&format!("{path}?lang=es")).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<html lang="es">"#), "{html}");
    for needle in [
        "Ofertas y promociones",
        "Descuentos, rebajas y ofertas especiales.",
        "Actualizaciones de pedidos",
        "Novedades de productos",
        "<legend>Temas</legend>",
        ">Guardar mis preferencias</button>",
        ">Dejar de recibir todo</button>",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    assert_eq!(state_text(&html, "offers"), "recibiendo");
    assert!(!html.contains("Offers and promotions"), "{html}");
    // The form posts back in the same language.
    assert!(form_action(&html).contains("lang=es"), "{html}");

    let r = app.page_in(&path, "pt-BR,pt;q=0.9").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for needle in [
        "Ofertas e promoções",
        "Atualizações de pedidos",
        ">Salvar minhas escolhas</button>",
        ">Parar todas as mensagens</button>",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    assert_eq!(state_text(&html, "product_news"), "recebendo");
}

#[tokio::test]
async fn a_pending_opt_in_is_ticked_and_waits_for_confirmation_in_whatsapp() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .register_template("confirm_offers", "MARKETING", "offers")
        .await;
    assert!(status.is_success(), "{body}");
    let ivo = person(22);
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"phone": e164(&ivo), "category": "offers", "action": "grant",
                    "confirmation_template": "confirm_offers"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        state_of(&app.consents(&e164(&ivo)).await, "offers"),
        "pending"
    );

    // The person asks for their link in chat.
    text(&app, &ivo, "PREFERENCES").await;
    let reply = last_reply(&app, &ivo).await;
    let path = path_of(
        reply
            .strip_prefix("Choose which messages you get here: ")
            .unwrap_or_else(|| panic!("{reply}")),
    );
    let (status, html) = app.prefs_page(&path).await;
    assert_eq!(status, 200);
    assert!(ticked(&html, "offers"), "a pending opt-in is ticked");
    assert_eq!(
        state_text(&html, "offers"),
        "waiting for your confirmation in WhatsApp"
    );
    for category in ["order_updates", "product_news"] {
        assert!(!ticked(&html, category), "{category}");
        assert_eq!(state_text(&html, category), "not receiving");
    }

    // Saving with it left ticked changes nothing: it stays pending.
    let events = app.count("ledger_events").await;
    app.save_choices(&path, &["offers"]).await;
    assert_eq!(app.count("ledger_events").await, events);
    assert_eq!(
        state_of(&app.consents(&e164(&ivo)).await, "offers"),
        "pending"
    );

    // Unticking it withdraws it.
    app.save_choices(&path, &[]).await;
    assert_eq!(
        state_of(&app.consents(&e164(&ivo)).await, "offers"),
        "withdrawn"
    );
    let (_, html) = app.prefs_page(&path).await;
    assert!(!ticked(&html, "offers"));
    assert_eq!(state_text(&html, "offers"), "not receiving");
}
