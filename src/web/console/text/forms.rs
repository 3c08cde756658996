//! `/admin/forms`: opt-in forms, their settings, figures, notice versions and
//! preview.

#[derive(Clone, Copy)]
pub struct Forms {
    pub heading: &'static str,
    pub about: &'static str,
    pub create_link: &'static str,
    pub none_yet: &'static str,
    pub form_column: &'static str,
    pub link_column: &'static str,
    pub views: &'static str,
    pub submissions: &'static str,
    pub opt_ins: &'static str,
    pub confirmations: &'static str,
    pub expiries: &'static str,
    pub conversion: &'static str,
    pub conversion_about: &'static str,
    pub single: &'static str,
    pub double: &'static str,
    /// A rate (0 to 1) as a person reads it.
    pub percent: fn(f64) -> String,
    pub create_heading: &'static str,
    pub no_template: &'static str,
    pub create: &'static str,
    pub save: &'static str,
    // The fields
    pub number: &'static str,
    pub slug: &'static str,
    pub slug_hint: &'static str,
    pub main_language: &'static str,
    pub main_language_hint: &'static str,
    pub language: fn(&str) -> &'static str,
    /// The fieldset of one language: its name, and whether it is the form's own.
    pub texts_legend: fn(&str, bool) -> String,
    pub translation_hint: fn(&str) -> String,
    pub texts_hint: &'static str,
    pub title: &'static str,
    pub notice: &'static str,
    pub notice_hint: &'static str,
    pub categories: &'static str,
    pub categories_hint: &'static str,
    pub opt_in: &'static str,
    pub double_label: &'static str,
    pub double_about: &'static str,
    pub single_label: &'static str,
    pub single_about: &'static str,
    pub welcome: &'static str,
    pub welcome_hint: &'static str,
    /// A template in the choice: its name, language and consent category.
    pub welcome_choice: fn(&str, &str, &str) -> String,
    pub origins: &'static str,
    pub origins_hint: &'static str,
    // Problems, beside their field
    /// The problem as `forms` words it for the API and the console (`must not be empty`).
    pub problem: fn(&str) -> String,
    /// An origin typed, and what is wrong with it.
    pub origin_problem: fn(&str, &str) -> String,
    pub choose_number: &'static str,
    pub choose_welcome: &'static str,
    pub slug_taken: &'static str,
    pub changed_meanwhile: &'static str,
    // After a change
    /// The form's public address.
    pub created: fn(&str) -> String,
    pub saved: &'static str,
    /// The new notice version.
    pub saved_new_version: fn(i64) -> String,
    pub nothing_changed: &'static str,
    // The form's page
    pub all_forms: &'static str,
    /// The form's slug, its number's name, and single or double opt-in.
    pub summary: fn(&str, &str, &str) -> String,
    pub preview: &'static str,
    pub open_public: &'static str,
    pub open_public_hint: &'static str,
    pub figures: &'static str,
    pub share: &'static str,
    pub link: &'static str,
    pub embed: &'static str,
    pub embed_hint: &'static str,
    pub embed_no_origins: &'static str,
    pub copy_link: &'static str,
    pub copy_embed: &'static str,
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub settings: &'static str,
    pub versions: &'static str,
    pub versions_about: &'static str,
    pub version: &'static str,
    pub published: &'static str,
    pub languages: &'static str,
    pub seen: &'static str,
    pub current: &'static str,
    /// A version's label and number, as the ledger names it.
    pub version_name: fn(i64) -> String,
    // The preview
    pub preview_note: &'static str,
    pub preview_back: &'static str,
}

pub(super) const EN: Forms = Forms {
    heading: "Opt-in forms",
    about: "Public pages where people choose what they want to hear about on WhatsApp. Each shows its notice; changing the words makes a new notice version, and the ledger records which one each person saw.",
    create_link: "Create a form",
    none_yet: "No forms yet. Create the first one below.",
    form_column: "Form",
    link_column: "Public link",
    views: "Views",
    submissions: "Submissions",
    opt_ins: "Opt-ins",
    confirmations: "Confirmations",
    expiries: "Expiries",
    conversion: "Conversion",
    conversion_about: "Conversion is opt-ins per view: people whose consent holds (at once for a single opt-in, once confirmed for a double opt-in) for each view of the public page. Previews are not views.",
    single: "single opt-in",
    double: "double opt-in",
    percent: |rate| {
        let p = rate * 100.0;
        if p == p.trunc() {
            format!("{p:.0}%")
        } else {
            format!("{p:.1}%")
        }
    },
    create_heading: "Create a form",
    no_template: "No welcome template can be chosen yet: a form needs one that is registered for its number and mapped to a consent category (Templates).",
    create: "Create the form",
    save: "Save changes",
    number: "Business number",
    slug: "Address",
    slug_hint: "The end of the form's link, /f/ADDRESS: 3 to 64 lowercase letters, digits or hyphens. It cannot be changed later.",
    main_language: "Main language",
    main_language_hint: "Shown to people whose language the form has no text for.",
    language: |code| match code {
        "es" => "Spanish",
        "pt" => "Portuguese",
        _ => "English",
    },
    texts_legend: |language, main| {
        if main {
            format!("{language} (main language)")
        } else {
            format!("{language} (translation)")
        }
    },
    translation_hint: |language| {
        format!(
            "Leave both empty for no {language} text: people reading {language} then see the main language."
        )
    },
    texts_hint: "Fill in the title and notice in the main language. For each other language, either fill in both or leave both empty: people reading a language without text see the main language.",
    title: "Title",
    notice: "Notice",
    notice_hint: "The exact words people agree to. Changing them makes a new notice version.",
    categories: "Categories offered",
    categories_hint: "One unticked box per category on the form; people tick what they want.",
    opt_in: "Opt-in",
    double_label: "Double opt-in (recommended)",
    double_about: "The welcome message asks people to confirm in WhatsApp; until they do, nothing may be sent to them.",
    single_label: "Single opt-in",
    single_about: "Consent holds as soon as the form is sent.",
    welcome: "Welcome template",
    welcome_hint: "Sent through WhatsApp after the form is sent; for a double opt-in its first button confirms.",
    welcome_choice: |name, language, category| format!("{name} ({language}), category {category}"),
    origins: "Sites that may embed the form",
    origins_hint: "One origin per line, such as https://shop.example. Leave empty if the form is only opened by its link.",
    problem: |problem| {
        let mut chars = problem.chars();
        match chars.next() {
            Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
            None => String::new(),
        }
    },
    origin_problem: |origin, problem| format!("“{origin}”: {problem}."),
    choose_number: "Choose one of the business numbers.",
    choose_welcome: "Choose a welcome template registered for this number and mapped to a consent category.",
    slug_taken: "Another form has this address already; choose another.",
    changed_meanwhile: "Someone changed this form while you were editing it. Nothing was saved; the page now shows their version, so check it and make your change again.",
    created: |url| format!("The form is ready at {url}."),
    saved: "Saved.",
    saved_new_version: |version| {
        format!(
            "Saved. The notice is now version {version}; people who saw an earlier one keep the record of it."
        )
    },
    nothing_changed: "Nothing to save: the form was already so.",
    all_forms: "All forms",
    summary: |slug, number, opt_in| format!("/f/{slug} · {number} · {opt_in}"),
    preview: "Preview",
    open_public: "Open the public page",
    open_public_hint: "(counts as a view)",
    figures: "Figures",
    share: "Link and embed code",
    link: "Link",
    embed: "Embed code",
    embed_hint: "Paste it into a page of one of the sites allowed to embed the form.",
    embed_no_origins: "No site may embed this form yet: add its origin under “Sites that may embed the form” first.",
    copy_link: "Copy link",
    copy_embed: "Copy embed code",
    copied: "Copied.",
    copy_failed: "The browser did not allow copying; the text is selected, so copy it yourself.",
    settings: "Settings",
    versions: "Notice versions",
    versions_about: "Every version of the notice, newest first, with how many times its page was shown in each language. Each version's words stay as they were.",
    version: "Version",
    published: "Published (UTC)",
    languages: "Languages",
    seen: "Views",
    current: "current",
    version_name: |n| format!("Version {n}"),
    preview_note: "Preview: this is the form as people see it. Sending it is turned off here, and opening the preview is not counted as a view.",
    preview_back: "Back to the form's settings",
};
