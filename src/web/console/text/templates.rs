//! `/admin/templates`: WhatsApp templates and their consent categories.

#[derive(Clone, Copy)]
pub struct Templates {
    pub heading: &'static str,
    pub about: &'static str,
    /// The number's display number and its business name.
    pub number_heading: fn(&str, &str) -> String,
    pub none_yet: &'static str,
    pub name_column: &'static str,
    pub language_column: &'static str,
    pub meta_column: &'static str,
    pub category_column: &'static str,
    pub change_column: &'static str,
    pub cannot_send: &'static str,
    /// Meta's category Assent does not know.
    pub unknown_meta: fn(&str) -> String,
    pub category_label: &'static str,
    /// The select's name for a screen reader, with the template's name and language.
    pub category_of: fn(&str, &str) -> String,
    pub choose: &'static str,
    pub map: &'static str,
    pub unmap: &'static str,
    pub unmap_of: fn(&str, &str) -> String,
    pub marketing_only: &'static str,
    pub choose_category: &'static str,
    pub unknown_category: &'static str,
    pub kind_mismatch: &'static str,
    /// Template, language, category.
    pub mapped: fn(&str, &str, &str) -> String,
    pub unmapped: fn(&str, &str) -> String,
    pub not_found: &'static str,
    pub import: &'static str,
    pub import_about: &'static str,
    pub import_needs_waba: &'static str,
    pub number_settings: &'static str,
    /// Added with a category, added without, already here, not approved, unusable.
    pub imported: fn(usize, usize, usize, usize, usize) -> String,
    pub import_not_cloud: &'static str,
    pub import_no_waba: &'static str,
    pub import_no_token: &'static str,
    pub import_refused: fn(&str) -> String,
    pub import_unknown_account: fn(&str) -> String,
    pub import_unreachable: fn(&str) -> String,
    pub import_failed: fn(u16, &str) -> String,
    pub import_too_many: &'static str,
}

pub(super) const EN: Templates = Templates {
    heading: "Templates",
    about: "Each WhatsApp template is sent only to people who consented to its category. A template without a category cannot be sent at all: every send of it is refused.",
    number_heading: |number, name| format!("{name} ({number})"),
    none_yet: "No templates yet. Register them through the API (POST /api/v1/templates), or import them from Meta.",
    name_column: "Template",
    language_column: "Language",
    meta_column: "Meta's category",
    category_column: "Consent category",
    change_column: "Change",
    cannot_send: "No category: cannot be sent.",
    unknown_meta: |meta| {
        format!(
            "Meta's category {meta} is not one Assent knows, so no category was proposed: choose one."
        )
    },
    category_label: "Category",
    category_of: |name, language| format!("Consent category of {name} ({language})"),
    choose: "Choose…",
    map: "Map",
    unmap: "Unmap",
    unmap_of: |name, language| format!("Unmap {name} ({language})"),
    marketing_only: "A MARKETING template takes a marketing category.",
    choose_category: "Choose a category.",
    unknown_category: "There is no such category.",
    kind_mismatch: "A MARKETING template needs a marketing category: Meta's marketing opt-out must stop it.",
    mapped: |name, language, category| {
        format!("{name} ({language}) is sent only to people who consented to {category}.")
    },
    unmapped: |name, language| {
        format!("{name} ({language}) has no category now: it cannot be sent until you map it.")
    },
    not_found: "That template is gone.",
    import: "Import approved templates from Meta",
    import_about: "Adds the business account's approved templates that are not here yet, each with a category proposed by Meta's category (marketing, utility, authentication). Check the proposals below.",
    import_needs_waba: "To import this number's templates from Meta, add its WhatsApp Business Account id in the",
    number_settings: "number's settings",
    imported: |mapped, unmapped, known, not_approved, unusable| {
        let mut said = format!(
            "Imported from Meta: {mapped} with a proposed category (check them below), {unmapped} without one (they cannot be sent until you choose)."
        );
        if known > 0 {
            said.push_str(&format!(
                " {known} were here already and were left as they were."
            ));
        }
        if not_approved > 0 {
            said.push_str(&format!(" {not_approved} not approved yet were skipped."));
        }
        if unusable > 0 {
            said.push_str(&format!(
                " {unusable} with a name or language Assent cannot use were skipped."
            ));
        }
        said
    },
    import_not_cloud: "Only Cloud API numbers have their templates at Meta.",
    import_no_waba: "The number has no WhatsApp Business Account id: add it in the number's settings.",
    import_no_token: "The number has no access token: add it in the number's settings.",
    import_refused: |said| {
        format!("Meta refused the access token: {said}. Enter a new one in the number's settings.")
    },
    import_unknown_account: |said| {
        format!(
            "Meta does not know the business account, or the token may not see it: {said}. Check the WhatsApp Business Account id."
        )
    },
    import_unreachable: |why| {
        format!("Meta could not be reached ({why}). Check the number's base URL, and try again.")
    },
    import_failed: |status, said| {
        format!(
            "Meta answered with an error (HTTP {status}): {said}. Nothing was imported; try again later."
        )
    },
    import_too_many: "Meta kept sending more pages than a business account can have; nothing was imported.",
};
