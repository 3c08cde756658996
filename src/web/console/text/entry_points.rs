//! `/admin/entry-points` and the page of one entry point.

#[derive(Clone, Copy)]
pub struct EntryPoints {
    pub heading: &'static str,
    pub about: &'static str,
    pub list_caption: &'static str,
    pub none_yet: &'static str,
    pub code: &'static str,
    pub name: &'static str,
    pub number: &'static str,
    pub categories: &'static str,
    pub visits: &'static str,
    pub chats_started: &'static str,
    pub accepted: &'static str,
    pub declined: &'static str,
    pub conversion: &'static str,
    pub create: &'static str,
    pub no_numbers: &'static str,
    pub code_hint: &'static str,
    pub name_hint: &'static str,
    pub categories_legend: &'static str,
    pub prefilled_text: &'static str,
    pub prefilled_hint: &'static str,
    pub language: &'static str,
    pub preview_button: &'static str,
    pub create_button: &'static str,
    pub save_button: &'static str,
    pub preview_heading: &'static str,
    pub opens_with: &'static str,
    pub link_for_typed: &'static str,
    pub bad_code: &'static str,
    pub code_taken: &'static str,
    pub bad_name: &'static str,
    pub choose_category: &'static str,
    pub unknown_category: &'static str,
    pub bad_text: &'static str,
    pub bad_language: &'static str,
    pub choose_number: &'static str,
    /// The code.
    pub created: fn(&str) -> String,
    pub saved: fn(&str) -> String,
    pub compare: &'static str,
    pub compare_about: &'static str,
    pub compare_caption: &'static str,
    pub compare_desc: &'static str,
    pub legend_entry_points: &'static str,
    pub legend_forms: &'static str,
    pub kind: &'static str,
    pub entry_point: &'static str,
    pub form: &'static str,
    pub reached: &'static str,
    pub started: &'static str,
    pub opted_in: &'static str,
    pub nothing_to_compare: &'static str,
    // The page of one.
    pub back: &'static str,
    pub try_in_simulator: &'static str,
    pub links: &'static str,
    pub tracking_link: &'static str,
    pub tracking_hint: &'static str,
    pub wa_me_link: &'static str,
    pub wa_me_hint: &'static str,
    pub qr_code: &'static str,
    /// The tracking link.
    pub qr_alt: fn(&str) -> String,
    pub download: &'static str,
    /// The size's name, pixels, centimetres at 300 dpi.
    pub png_of_size: fn(&str, u32, u32) -> String,
    pub svg_any_size: &'static str,
    pub all_time: &'static str,
    pub all_time_note: &'static str,
    /// Days shown.
    pub per_day: fn(i64) -> String,
    pub per_day_note: &'static str,
    pub day: &'static str,
    pub total: &'static str,
    pub visits_chart: &'static str,
    pub answers_chart: &'static str,
    pub conversion_chart: &'static str,
    /// Day, count, the second series?
    pub visit_bar: fn(&str, i64, bool) -> String,
    pub answer_bar: fn(&str, i64, bool) -> String,
    pub conversion_bar: fn(&str, i64) -> String,
    /// First day, last day, visits, chats started.
    pub visits_desc: fn(&str, &str, i64, i64) -> String,
    /// First day, last day, accepted, declined.
    pub answers_desc: fn(&str, &str, i64, i64) -> String,
    /// First day, last day, the conversion over the days.
    pub conversion_desc: fn(&str, &str, &str) -> String,
    /// The total.
    pub legend_visits: fn(i64) -> String,
    pub legend_chats: fn(i64) -> String,
    pub legend_accepted: fn(i64) -> String,
    pub legend_declined: fn(i64) -> String,
    pub legend_conversion: &'static str,
    pub edit: &'static str,
    pub code_fixed: &'static str,
    pub language_name: fn(&str) -> &'static str,
}

pub(super) const EN: EntryPoints = EntryPoints {
    heading: "Entry points",
    about: "An entry point is a wa.me link whose prefilled text carries a code: whoever sends that text starts a chat the entry point is credited with. Print its QR code or share its tracking link, which counts each visit on the way to WhatsApp.",
    list_caption: "Every entry point, with its figures since it was made",
    none_yet: "No entry points yet. Create the first one below.",
    code: "Code",
    name: "Name",
    number: "Business number",
    categories: "Categories",
    visits: "Visits",
    chats_started: "Chats started",
    accepted: "Accepted",
    declined: "Declined",
    conversion: "Conversion",
    create: "Create an entry point",
    no_numbers: "There is no business number yet: add one before creating an entry point.",
    code_hint: "3 to 32 letters, digits, - or _. It goes into the prefilled text and the links, and cannot be changed later.",
    name_hint: "For you and your colleagues: people never see it.",
    categories_legend: "Categories the chat asks consent for",
    prefilled_text: "Prefilled text",
    prefilled_hint: "What the person's chat opens with. If the text does not contain the code, the code is added at its end. Leave it empty for \"Hello!\".",
    language: "Language of the chat",
    preview_button: "Preview the link",
    create_button: "Create",
    save_button: "Save changes",
    preview_heading: "Preview",
    opens_with: "The chat opens with:",
    link_for_typed: "The wa.me link for what you typed:",
    bad_code: "Use 3 to 32 letters, digits, - or _ (no spaces).",
    code_taken: "Another entry point already has this code: codes are unique, since the public links name the code alone.",
    bad_name: "Give it a name of 1 to 100 characters.",
    choose_category: "Choose at least one category.",
    unknown_category: "One of the categories no longer exists: choose again.",
    bad_text: "The text can be at most 500 characters (the code included), without control characters.",
    bad_language: "Choose one of the languages offered.",
    choose_number: "Choose the business number.",
    created: |code| format!("Entry point {code} created."),
    saved: |code| format!("Entry point {code} saved."),
    compare: "Entry points and forms compared",
    compare_about: "Highest conversion first. An entry point's conversion is accepted ÷ chats started; a form's is people opted in (confirmed, or submitted for a single opt-in) ÷ views. Reached counts visits of the tracking link or views of the form.",
    compare_caption: "Entry points and forms by conversion, since each was made",
    compare_desc: "A bar per entry point (solid) and form (hatched), as long as its conversion, from 0 to 100%; the table below has the figures.",
    legend_entry_points: "Entry points (solid)",
    legend_forms: "Forms (hatched)",
    kind: "Kind",
    entry_point: "Entry point",
    form: "Form",
    reached: "Reached",
    started: "Started",
    opted_in: "Opted in",
    nothing_to_compare: "No entry points or forms yet.",
    back: "All entry points",
    try_in_simulator: "Try it in the phone simulator: scan it as a pretend person",
    links: "Links and QR code",
    tracking_link: "Tracking link",
    tracking_hint: "Counts the visit, then opens the chat. The QR code carries this link, so it never changes when you edit the text.",
    wa_me_link: "wa.me link",
    wa_me_hint: "Opens the chat directly (visits are not counted).",
    qr_code: "QR code",
    qr_alt: |link| format!("QR code of {link}"),
    download: "Download the QR code",
    png_of_size: |name, px, cm| format!("PNG, {name}: {px} × {px} px (about {cm} cm at 300 dpi)"),
    svg_any_size: "SVG, any size (for a print shop)",
    all_time: "Since it was made",
    all_time_note: "Figures kept before days were counted are in these totals but not in the days below.",
    per_day: |n| format!("The last {n} days"),
    per_day_note: "Days are UTC. Each chart has its figures in the table beside it.",
    day: "Day",
    total: "Total",
    visits_chart: "Visits and chats started per day",
    answers_chart: "Terms accepted and declined per day",
    conversion_chart: "Conversion per day",
    visit_bar: |day, n, chats| {
        if chats {
            format!("{day}: {n} chats started")
        } else {
            format!("{day}: {n} visits")
        }
    },
    answer_bar: |day, n, declined| {
        if declined {
            format!("{day}: {n} declined")
        } else {
            format!("{day}: {n} accepted")
        }
    },
    conversion_bar: |day, percent| format!("{day}: {percent}% conversion"),
    visits_desc: |first, last, visits, chats| {
        format!(
            "Bars per day from {first} to {last}: {visits} visits (solid bars) and {chats} chats started (hatched bars) in all."
        )
    },
    answers_desc: |first, last, accepted, declined| {
        format!(
            "Bars per day from {first} to {last}: {accepted} accepted (solid bars) and {declined} declined (hatched bars) in all."
        )
    },
    conversion_desc: |first, last, overall| {
        format!(
            "Bars per day from {first} to {last}: terms accepted as a share of chats started that day; {overall} over the days."
        )
    },
    legend_visits: |n| format!("Visits (solid): {n}"),
    legend_chats: |n| format!("Chats started (hatched): {n}"),
    legend_accepted: |n| format!("Accepted (solid): {n}"),
    legend_declined: |n| format!("Declined (hatched): {n}"),
    legend_conversion: "Accepted ÷ chats started, per day (solid)",
    edit: "Edit",
    code_fixed: "The code cannot change: printed QR codes and shared links carry it.",
    language_name: |code| match code {
        "es" => "Spanish",
        "pt" => "Portuguese",
        _ => "English",
    },
};
