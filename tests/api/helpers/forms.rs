//! Opt-in forms: made through the API, filled in as a person does.

use super::TestApp;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// The template every test form welcomes people with (utility, order_updates).
pub const WELCOME: &str = "welcome_optin";

/// A form body with sensible defaults; change fields as needed.
pub fn form_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": "News from Acme on WhatsApp",
        "notice": "Acme will send you WhatsApp messages about the topics you choose. Reply STOP at any time.",
        "categories": ["offers", "product_news"],
        "welcome_template": {"name": WELCOME, "language": "en"},
        "translations": {
            "es": {"title": "Novedades de Acme por WhatsApp", "notice": "Acme te enviará mensajes de WhatsApp sobre los temas que elijas."},
        },
    })
}

impl TestApp {
    /// `POST /api/v1/forms`.
    pub async fn new_form(&self, body: &Value) -> (StatusCode, Value) {
        self.post_json("/api/v1/forms", &self.api_key, body).await
    }

    /// Registers the welcome template and makes a form; returns it as the API shows it.
    pub async fn with_form(&self, body: Value) -> Value {
        let (status, answer) = self
            .register_template(WELCOME, "UTILITY", "order_updates")
            .await;
        assert!(status == 201 || status == 409, "{answer}");
        let (status, form) = self.new_form(&body).await;
        assert_eq!(status, 201, "{form}");
        form
    }

    /// Opens the form as a person would, then sends it: country, number, ticked topics.
    pub async fn submit_form(
        &self,
        slug: &str,
        country: &str,
        phone: &str,
        categories: &[&str],
    ) -> Response {
        let path = format!("/f/{slug}");
        let token = self.form_token(&path).await;
        let mut fields = vec![
            ("csrf_token", token.as_str()),
            ("country", country),
            ("phone", phone),
        ];
        fields.extend(categories.iter().map(|c| ("category", *c)));
        self.post_form(&path, &fields).await
    }
}
