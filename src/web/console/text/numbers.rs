//! `/admin/numbers` and `/admin/numbers/{id}`: business numbers and their settings.

#[derive(Clone, Copy)]
pub struct Numbers {
    pub heading: &'static str,
    pub about: &'static str,
    pub display_column: &'static str,
    pub name_column: &'static str,
    pub provider_column: &'static str,
    pub id_column: &'static str,
    pub settings: &'static str,
    /// The link's name for a screen reader, with the display number.
    pub settings_of: fn(&str) -> String,
    pub add: &'static str,
    pub add_submit: &'static str,
    /// The heading of a number's page, with its display number.
    pub heading_of: fn(&str) -> String,
    pub back: &'static str,
    pub save: &'static str,
    pub provider_legend: &'static str,
    pub provider_hint: &'static str,
    pub sandbox: &'static str,
    pub cloud: &'static str,
    pub onprem: &'static str,
    pub choose_provider: &'static str,
    pub phone_number_id: &'static str,
    pub phone_number_id_hint: &'static str,
    pub display_number: &'static str,
    pub display_number_hint: &'static str,
    pub api_base_url: &'static str,
    pub api_base_url_hint: &'static str,
    pub api_version: &'static str,
    pub api_key_header: &'static str,
    pub api_key_header_hint: &'static str,
    pub waba_id: &'static str,
    pub waba_id_hint: &'static str,
    pub secrets_legend: &'static str,
    pub secrets_hint: &'static str,
    pub access_token: &'static str,
    pub app_secret: &'static str,
    pub verify_token: &'static str,
    pub is_set: &'static str,
    pub not_set: &'static str,
    pub type_again: &'static str,
    pub limits_legend: &'static str,
    pub rate_per_second: &'static str,
    pub rate_burst: &'static str,
    pub rate_hint: &'static str,
    pub messaging_limit: &'static str,
    pub messaging_limit_hint: &'static str,
    pub chat_legend: &'static str,
    pub business_name: &'static str,
    pub business_name_hint: &'static str,
    pub default_categories: &'static str,
    pub default_categories_hint: &'static str,
    pub contact_card: &'static str,
    pub help_text: &'static str,
    pub help_text_hint: &'static str,
    pub not_live_reply: &'static str,
    pub not_live_reply_hint: &'static str,
    pub not_a_number: &'static str,
    pub not_a_whole_number: &'static str,
    pub exists: &'static str,
    /// The display number.
    pub added: fn(&str) -> String,
    pub saved: &'static str,
    pub test_heading: &'static str,
    pub test_about: &'static str,
    pub test_submit: &'static str,
    pub test_fine: &'static str,
    /// Meta's verified name and display number of it.
    pub test_meta_knows: fn(&str, &str) -> String,
    /// Meta's display number, then ours.
    pub test_other_number: fn(&str, &str) -> String,
    pub test_sandbox: &'static str,
    pub test_no_token: &'static str,
    /// What the provider said.
    pub test_refused: fn(&str) -> String,
    pub test_unknown_number: fn(&str) -> String,
    pub test_unreachable: fn(&str) -> String,
    /// The HTTP status, then what the provider said.
    pub test_failed: fn(u16, &str) -> String,
}

pub(super) const EN: Numbers = Numbers {
    heading: "Business numbers",
    about: "The WhatsApp numbers Assent sends from, with the provider each one goes through. Open a number to change its settings or test its connection.",
    display_column: "Number",
    name_column: "Business name",
    provider_column: "Provider",
    id_column: "Phone number id",
    settings: "Settings",
    settings_of: |number| format!("Settings of {number}"),
    add: "Add a number",
    add_submit: "Add the number",
    heading_of: |number| format!("Number {number}"),
    back: "All numbers",
    save: "Save the settings",
    provider_legend: "Provider",
    provider_hint: "Where messages go: Meta's Cloud API, an on-premises style API of a provider (BSP), or the built-in sandbox, which needs no Meta account.",
    sandbox: "Sandbox (built in)",
    cloud: "Meta Cloud API",
    onprem: "On-premises style provider API",
    choose_provider: "Choose a provider.",
    phone_number_id: "Phone number id",
    phone_number_id_hint: "Meta's id of the number (digits), from WhatsApp Manager or the provider.",
    display_number: "Display number",
    display_number_hint: "The number people see, with its country code, such as +34 612 34 56 78.",
    api_base_url: "Provider base URL",
    api_base_url_hint: "Cloud API: leave empty for https://graph.facebook.com. On-premises style: required, such as https://waba.example.com.",
    api_version: "Graph API version",
    api_key_header: "API key header (on-premises style)",
    api_key_header_hint: "The header that carries the API key; empty means D360-API-KEY.",
    waba_id: "WhatsApp Business Account id (Cloud API)",
    waba_id_hint: "Digits, from WhatsApp Manager. Needed to import the approved templates from Meta.",
    secrets_legend: "Secrets",
    secrets_hint: "Never shown again once saved. Leave a field empty to keep what is stored.",
    access_token: "Access token (Cloud API) or API key (on-premises style)",
    app_secret: "App secret (checks the signature of Meta's webhooks)",
    verify_token: "Webhook verify token",
    is_set: "set",
    not_set: "not set",
    type_again: "What you typed is not shown again: type it again, or leave it empty to keep the stored value.",
    limits_legend: "Limits",
    rate_per_second: "Messages per second",
    rate_burst: "Burst",
    rate_hint: "Empty: the provider's default (Cloud API 80 a second; on-premises style 50 a second with bursts of 150).",
    messaging_limit: "Messaging limit",
    messaging_limit_hint: "People a day who may get a message they did not ask for (Meta's tier for this number, such as 250, 1000 or 10000). Empty: no limit.",
    chat_legend: "In the chat",
    business_name: "Business name",
    business_name_hint: "How the consent bot names the business; empty: the display number.",
    default_categories: "What a chat opt-in asks for",
    default_categories_hint: "When a person writes without coming through an entry point. None ticked: every category.",
    contact_card: "Send the business's contact card after a person opts in",
    help_text: "How to reach a person (added to the HELP reply)",
    help_text_hint: "Such as: Talk to us at +34 910 000 000, Monday to Friday 9 to 18, or write to help@acme.example. Up to 1000 characters.",
    not_live_reply: "Not live yet: the answer to every chat message",
    not_live_reply_hint: "While this is filled in, each message a person writes (not a keyword such as STOP or HELP, nor an answer to the terms) gets this answer; the message still reaches your systems. Someone who has not accepted the terms gets the terms first. Empty it once you answer chats.",
    not_a_number: "Enter a number, such as 80.",
    not_a_whole_number: "Enter a whole number, such as 250.",
    exists: "Another number has this phone number id already.",
    added: |number| format!("{number} is added. Test its connection below."),
    saved: "The settings are saved.",
    test_heading: "Provider connection",
    test_about: "Asks the provider, with the saved settings, whether it knows this number and takes its credentials. Nothing is sent to anyone.",
    test_submit: "Test the connection",
    test_fine: "Connected: the provider knows this number and took its credentials.",
    test_meta_knows: |name, number| {
        format!("Connected: Meta knows this number as {name} ({number}) and took the access token.")
    },
    test_other_number: |meta, ours| {
        format!(
            "Meta's display number for this id is {meta}, but the settings say {ours}: check the phone number id and the display number."
        )
    },
    test_sandbox: "The built-in sandbox needs no connection: it always answers.",
    test_no_token: "No access token (API key) is saved, so the provider was not asked. Enter one under Secrets and save.",
    test_refused: |said| {
        format!(
            "The provider refused the access token (API key): {said}. It may be mistyped, expired or without the permission to manage this number; enter a new one under Secrets."
        )
    },
    test_unknown_number: |said| {
        format!(
            "The provider does not know this phone number id, or the token may not see it: {said}. Check the phone number id, and that the token belongs to the same business account."
        )
    },
    test_unreachable: |why| {
        format!(
            "Nobody answered at the provider's base URL ({why}). Check the base URL, and that this server may reach it."
        )
    },
    test_failed: |status, said| {
        format!(
            "The provider answered with an error (HTTP {status}): {said}. Try again later; if it persists, ask the provider."
        )
    },
};
