//! A person's side of the pages: forms posted as a browser posts them (from this
//! site, with the session cookie the client keeps), the CSRF token a page carries,
//! staff accounts, and sign-in.

use super::TestApp;
use reqwest::Response;

/// The value of the hidden `csrf_token` field of a page's form.
pub fn csrf_token(html: &str) -> String {
    let at = html
        .find(r#"name="csrf_token" value=""#)
        .unwrap_or_else(|| panic!("no CSRF token in the page:\n{html}"));
    let rest = &html[at + r#"name="csrf_token" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Where a redirect points.
pub fn location(r: &Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// The `Set-Cookie` header of the session cookie, if the response sets it.
pub fn session_cookie(r: &Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("assent_session="))
        .map(str::to_owned)
}

impl TestApp {
    /// GET a page asking for a language, as a browser set to it would.
    pub async fn page_in(&self, path: &str, accept_language: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("accept-language", accept_language)
            .send()
            .await
            .unwrap()
    }

    /// POSTs a form from this site, as a browser does (`Origin`, `Sec-Fetch-Site`).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.visitor_with(self.client.clone())
            .post_form(path, fields)
            .await
    }

    /// POSTs a form with exactly these extra headers.
    pub async fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        self.visitor_with(self.client.clone())
            .post_form_with(path, fields, headers)
            .await
    }

    /// The CSRF token of the form at `path` (opening it starts the session).
    pub async fn form_token(&self, path: &str) -> String {
        self.visitor_with(self.client.clone())
            .form_token(path)
            .await
    }

    /// Another browser: cookies of its own, so a session of its own.
    pub fn visitor(&self) -> Visitor<'_> {
        self.visitor_with(super::client())
    }

    fn visitor_with(&self, client: reqwest::Client) -> Visitor<'_> {
        Visitor { app: self, client }
    }

    /// A staff account, as `assent user add` makes one.
    pub async fn add_staff(&self, email: &str, role: assent::users::Role, password: &str) {
        let who = assent::audit::Doer::command_line();
        assent::users::add(self.raw_db(), &who, email, role, password.to_owned())
            .await
            .unwrap();
    }

    /// Signs in through the form; the client keeps the session. Returns the answer
    /// to the form (a 303 on success).
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.visitor_with(self.client.clone())
            .sign_in(email, password)
            .await
    }
}

/// A browser on the test's Assent, with its own cookie jar.
pub struct Visitor<'a> {
    app: &'a TestApp,
    pub client: reqwest::Client,
}

impl Visitor<'_> {
    pub async fn page(&self, path: &str) -> Response {
        self.client.get(self.app.url(path)).send().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let origin = self.app.address.clone();
        self.post_form_with(
            path,
            fields,
            &[("origin", &origin), ("sec-fetch-site", "same-origin")],
        )
        .await
    }

    pub async fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self.client.post(self.app.url(path)).form(fields);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.unwrap()
    }

    pub async fn form_token(&self, path: &str) -> String {
        let r = self.page(path).await;
        assert_eq!(r.status(), 200, "{path}");
        csrf_token(&r.text().await.unwrap())
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        let token = self.form_token("/login").await;
        self.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
                ("next", "/admin"),
            ],
        )
        .await
    }
}
