//! The console's words, in one place so that a translation is one more static:
//! `ConsoleText`, one part per page (each in the file of its name), and `EN`.
//! Words with values in them are functions, because a language may need to put
//! the values elsewhere in the sentence, or say a count differently.
//!
//! Staff pages reach them as `page.console` (`web::page::Page`). Templates
//! print a few unescaped (`|safe`), as trusted as the templates themselves:
//! those holding markup, and those whose apostrophes the pages have always
//! carried as typed.
//!
//! Words the console shares with the API and the command line (a blocked send's
//! reason, a password rule, a phone number's mistake) stay with the code that
//! owns them.

mod account;
mod accounts;
mod api_keys;
mod audit_log;
mod blocked;
mod categories;
mod chrome;
mod entry_points;
mod erasure;
mod filters;
mod forms;
mod home;
mod import;
mod invites;
mod ledger;
mod ledger_verify;
mod numbers;
mod person;
mod receipt;
mod sandbox;
mod setup;
mod sign_in;
mod templates;
mod webhooks;

pub use account::Account;
pub use accounts::Accounts;
pub use api_keys::ApiKeys;
pub use audit_log::AuditLog;
pub use blocked::Blocked;
pub use categories::Categories;
pub use chrome::{Chrome, Menu};
pub use entry_points::EntryPoints;
pub use erasure::Erasure;
pub use filters::Filters;
pub use forms::Forms;
pub use home::{Chart, Home};
pub use import::Import;
pub use invites::Invites;
pub use ledger::Ledger;
pub use ledger_verify::LedgerVerify;
pub use numbers::Numbers;
pub use person::Person;
pub use receipt::Receipt;
pub use sandbox::Sandbox;
pub use setup::Setup;
pub use sign_in::SignIn;
pub use templates::Templates;
pub use webhooks::Webhooks;

pub struct ConsoleText {
    pub chrome: Chrome,
    pub menu: Menu,
    pub sign_in: SignIn,
    pub setup: Setup,
    pub account: Account,
    pub accounts: Accounts,
    pub audit_log: AuditLog,
    pub home: Home,
    pub chart: Chart,
    pub filters: Filters,
    pub ledger: Ledger,
    pub ledger_verify: LedgerVerify,
    pub blocked: Blocked,
    pub person: Person,
    pub receipt: Receipt,
    pub erasure: Erasure,
    pub import: Import,
    pub sandbox: Sandbox,
    pub numbers: Numbers,
    pub templates: Templates,
    pub forms: Forms,
    pub entry_points: EntryPoints,
    pub api_keys: ApiKeys,
    pub invites: Invites,
    pub webhooks: Webhooks,
    pub categories: Categories,
}

pub static EN: ConsoleText = ConsoleText {
    chrome: chrome::EN,
    menu: chrome::MENU_EN,
    sign_in: sign_in::EN,
    setup: setup::EN,
    account: account::EN,
    accounts: accounts::EN,
    audit_log: audit_log::EN,
    home: home::EN,
    chart: home::CHART_EN,
    filters: filters::EN,
    ledger: ledger::EN,
    ledger_verify: ledger_verify::EN,
    blocked: blocked::EN,
    person: person::EN,
    receipt: receipt::EN,
    erasure: erasure::EN,
    import: import::EN,
    sandbox: sandbox::EN,
    numbers: numbers::EN,
    templates: templates::EN,
    forms: forms::EN,
    entry_points: entry_points::EN,
    api_keys: api_keys::EN,
    invites: invites::EN,
    webhooks: webhooks::EN,
    categories: categories::EN,
};
