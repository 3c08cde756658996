//! What a test sets up besides the app: business numbers, API keys, templates and
//! contacts (a person who wrote, a person erased).

use super::{SANDBOX_ID, TestApp};
use assent::domain::{PhoneNumber, Recipient};
use assent::numbers::{BusinessNumber, NewNumber, ProviderKind};
use std::time::Duration;

/// A business number on the sandbox provider with no secrets and the default rates
/// and limit; change fields with `..new_number(id, display)`.
pub fn new_number(phone_number_id: &str, display_number: &str) -> NewNumber {
    NewNumber {
        phone_number_id: phone_number_id.into(),
        display_number: PhoneNumber::parse(display_number).unwrap(),
        provider: ProviderKind::Sandbox,
        api_base_url: None,
        api_version: "v23.0".into(),
        access_token: None,
        api_key_header: None,
        app_secret: None,
        verify_token: None,
        rate_per_second: None,
        rate_burst: None,
        messaging_limit: None,
        waba_id: None,
    }
}

impl TestApp {
    /// Registers a business number, as `assent number add` would.
    pub async fn add_number(&self, new: NewNumber) -> BusinessNumber {
        let chat = assent::numbers::ChatSettings::parse(None, &[]).unwrap();
        assent::numbers::add(self.raw_db(), new, chat)
            .await
            .unwrap()
    }

    /// A new API key for the number (its internal id).
    pub async fn api_key_for(&self, number: &BusinessNumber, name: &str) -> String {
        assent::api_keys::create(self.raw_db(), &number.id, name)
            .await
            .unwrap()
            .key
    }

    /// A new API key for the number with this phone_number_id.
    pub async fn api_key_for_id(&self, phone_number_id: &str, name: &str) -> String {
        let mut conn = self.raw_db().pool.acquire().await.unwrap();
        let number = assent::numbers::by_phone_number_id(&mut conn, phone_number_id)
            .await
            .unwrap()
            .unwrap();
        drop(conn);
        assent::api_keys::create(self.raw_db(), &number.id, name)
            .await
            .unwrap()
            .key
    }

    /// Marks that the person wrote to the sandbox number `ago` before now (opens the
    /// 24 h window).
    pub async fn inbound_from(&self, phone: &str, ago: Duration) {
        self.inbound_on(SANDBOX_ID, phone, ago).await;
    }

    /// Marks that the person wrote to the number `phone_number_id` `ago` before now.
    pub async fn inbound_on(&self, phone_number_id: &str, phone: &str, ago: Duration) {
        let mut conn = self.raw_db().pool.acquire().await.unwrap();
        let number = assent::numbers::by_phone_number_id(&mut conn, phone_number_id)
            .await
            .unwrap()
            .unwrap();
        let who = Recipient::Phone(PhoneNumber::parse(phone).unwrap());
        let contact = assent::contacts::get_or_create(&mut conn, &number.id, &who)
            .await
            .unwrap();
        let at = assent::db::now_ms() - ago.as_millis() as i64;
        assent::contacts::touch_inbound(&mut conn, &contact.id, at)
            .await
            .unwrap();
    }

    /// A contact who wrote a minute ago: free-form messages to them pass the gate.
    pub async fn in_window(&self, phone: &str) {
        self.inbound_from(phone, Duration::from_secs(60)).await;
    }

    /// Erases the person at `phone` (E.164) on the sandbox number, as staff would.
    pub async fn erase(&self, phone: &str) {
        let mut conn = self.raw_db().pool.acquire().await.unwrap();
        let number = assent::numbers::by_phone_number_id(&mut conn, SANDBOX_ID)
            .await
            .unwrap()
            .unwrap();
        let who = Recipient::Phone(PhoneNumber::parse(phone).unwrap());
        let contact = assent::contacts::find(&mut conn, &number.id, &who)
            .await
            .unwrap()
            .expect("the contact exists before erasure");
        drop(conn);
        let staff = assent::audit::Doer {
            actor: assent::domain::Actor::Staff("test".into()),
            name: "test".into(),
            ip: None,
        };
        let done = assent::privacy::erase(self.raw_db(), &self.services.secret, &contact, &staff)
            .await
            .unwrap();
        assert!(matches!(done, assent::privacy::Erasure::Erased { .. }));
    }
}
