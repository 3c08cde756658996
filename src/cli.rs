//! The `assent` command: serve (default), migrate, and the operator's tasks.

use crate::config::Settings;
use crate::consent::{self, ConsentAction, ExportFormat, LedgerFilter, Source};
use crate::db::Db;
use crate::domain::{CategoryName, PhoneNumber, Recipient, UserId};
use crate::numbers::{self, BusinessNumber, NewNumber, ProviderKind};
use crate::services::{DispatchSettings, ForwardSettings, OptInSettings};
use crate::startup::Application;
use crate::{access, api_keys, audit, privacy, secret, users};
use clap::{Args, Parser, Subcommand};
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Assent: opt-in and consent management for WhatsApp business messaging.
///
/// Without a command, `assent` serves on ASSENT_BIND with the database at
/// ASSENT_DATABASE_URL (default: an SQLite file assent.db and the embedded sandbox number).
#[derive(Parser)]
#[command(name = "assent", version, propagate_version = true)]
struct Cli {
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "ASSENT_DATABASE_URL",
        default_value = "sqlite://assent.db",
        global = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (migrations run first).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Staff users of the console.
    #[command(subcommand)]
    User(UserCommand),
    /// Business numbers (WhatsApp senders).
    #[command(subcommand)]
    Number(NumberCommand),
    /// API keys for the HTTP API.
    #[command(subcommand)]
    Apikey(ApikeyCommand),
    /// The consent ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// A person's record: access and erasure requests.
    #[command(subcommand)]
    Contact(ContactCommand),
}

#[derive(Args, Default)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ASSENT_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Public base URL, used in links and QR codes [default: http://BIND].
    #[arg(long, env = "ASSENT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Secret (32+ characters) keying suppression hashes [default: generated and kept in the database].
    #[arg(long, env = "ASSENT_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Business numbers this instance dispatches for at once, each at its own rate
    /// (0: this instance only answers the API).
    #[arg(long, env = "ASSENT_WORKERS", default_value_t = 64)]
    workers: usize,
    /// Attempts per message before it is marked failed.
    #[arg(long, env = "ASSENT_MAX_ATTEMPTS", default_value_t = 10)]
    max_attempts: i64,
    /// First retry delay in milliseconds; it doubles with each attempt (with jitter).
    #[arg(long, env = "ASSENT_RETRY_BASE_MS", default_value_t = 2000)]
    retry_base_ms: u64,
    /// Timeout of one provider call, in milliseconds.
    #[arg(long, env = "ASSENT_PROVIDER_TIMEOUT_MS", default_value_t = 15000)]
    provider_timeout_ms: u64,
    /// Let businesses forward to loopback, private and link-local addresses (their
    /// endpoint is on your own network); refused by default against request forgery.
    #[arg(long, env = "ASSENT_FORWARD_TO_INTERNAL")]
    forward_to_internal: bool,
    /// Hours a double opt-in from a form waits for its confirmation before it expires.
    #[arg(long, env = "ASSENT_PENDING_TTL_HOURS", default_value_t = 168)]
    pending_ttl_hours: u64,
    /// The jurisdiction consent receipts name, such as ES or EU [default: none].
    #[arg(long, env = "ASSENT_JURISDICTION")]
    jurisdiction: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: users::Role,
    },
}

#[derive(Subcommand)]
enum NumberCommand {
    /// Register a business number.
    Add(NumberArgs),
    /// List business numbers.
    List,
}

#[derive(Args)]
struct NumberArgs {
    /// Meta's phone number id (digits).
    #[arg(long)]
    phone_number_id: String,
    /// The number people see, in E.164 (e.g. +34612345678).
    #[arg(long)]
    display_number: String,
    #[arg(long, value_enum)]
    provider: ProviderKind,
    /// Provider base URL (cloud: default https://graph.facebook.com; onprem: required).
    #[arg(long)]
    api_base_url: Option<String>,
    /// Graph API version for cloud.
    #[arg(long, default_value = "v23.0")]
    api_version: String,
    /// Cloud: the system-user access token; onprem: the API key.
    #[arg(long, env = "ASSENT_NUMBER_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// Onprem: header that carries the API key [default: D360-API-KEY].
    #[arg(long)]
    api_key_header: Option<String>,
    /// Meta app secret, for webhook signatures.
    #[arg(long, env = "ASSENT_NUMBER_APP_SECRET", hide_env_values = true)]
    app_secret: Option<String>,
    /// Webhook verify token.
    #[arg(long)]
    verify_token: Option<String>,
    /// Cloud: the WhatsApp Business Account id, to import its approved templates.
    #[arg(long)]
    waba_id: Option<String>,
    /// Messages per second [default: 80 cloud, 50 onprem].
    #[arg(long)]
    rate_per_second: Option<f64>,
    /// Token-bucket burst [default: 80 cloud, 150 onprem].
    #[arg(long)]
    rate_burst: Option<f64>,
    /// Unique business-initiated recipients per rolling 24 h (Meta's messaging limit).
    #[arg(long, default_value_t = 250)]
    messaging_limit: i64,
    /// How the business is named to people in chat [default: the display number].
    #[arg(long)]
    business_name: Option<String>,
    /// Categories a chat opt-in asks for when the person came through no entry
    /// point, comma-separated [default: every category].
    #[arg(long, value_delimiter = ',')]
    default_categories: Vec<String>,
    /// Send the business's contact card after a person opts in, so they can save
    /// the business to their phone.
    #[arg(long)]
    contact_card: bool,
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Create an API key for one business number; the key is printed alone on the last line.
    Create {
        #[arg(long)]
        phone_number_id: String,
        #[arg(long, default_value = "default")]
        name: String,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Check the hash chain; exits 1 and names the first broken event when it is not intact.
    Verify {
        /// A head printed by an earlier verify and kept outside the database: the chain
        /// must still pass through it, else the history was rewritten wholesale.
        #[arg(long, value_name = "HASH")]
        anchor: Option<String>,
    },
    /// Stream the ledger as CSV or JSON.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        /// Only this business number.
        #[arg(long)]
        phone_number_id: Option<String>,
        /// Only this category.
        #[arg(long)]
        category: Option<String>,
        /// Only the events of the person with this phone number (+E.164).
        #[arg(long)]
        phone: Option<String>,
        /// Only this action: granted, confirmed, withdrawn, declined, erased, expired.
        #[arg(long)]
        action: Option<String>,
        /// Only this source: web_form, chat, keyword, preference_center, meta_signal, api, import, staff.
        #[arg(long)]
        source: Option<String>,
        /// Only events at or after this time (RFC 3339, e.g. 2026-01-31T00:00:00Z).
        #[arg(long)]
        since: Option<String>,
        /// Only events before this time (RFC 3339).
        #[arg(long)]
        until: Option<String>,
    },
}

#[derive(Subcommand)]
enum ContactCommand {
    /// Print everything Assent holds about a person as JSON (an access request,
    /// the same document as the console's and the API's); audited.
    Show(ContactArgs),
    /// Erase a person: their data is deleted, the ledger keeps its events (naming
    /// only a random id) and a keyed hash keeps them from being messaged again;
    /// audited. Erasing someone already erased changes nothing.
    Erase(ContactArgs),
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["phone", "user_id"])))]
struct ContactArgs {
    /// The person's phone number, E.164 (e.g. +34612345678).
    #[arg(long)]
    phone: Option<String>,
    /// Meta's business-scoped user id, instead of a phone number.
    #[arg(long)]
    user_id: Option<String>,
    /// The business number the person wrote to [default: the only one there is].
    #[arg(long)]
    phone_number_id: Option<String>,
    /// The server's ASSENT_SECRET_KEY, when it has one: it keys the suppression hashes.
    #[arg(long, env = "ASSENT_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ASSENT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colour only for a person at a terminal; a file or journald gets plain text.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let url = cli.database_url;
    let command = cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeArgs::parse_defaults()));
    if let Command::Serve(args) = command {
        let settings = Settings {
            database_url: url,
            bind: args.bind,
            public_url: args.public_url,
            secret_key: args.secret_key,
            dispatch: DispatchSettings {
                workers: args.workers,
                max_attempts: args.max_attempts,
                retry_base: Duration::from_millis(args.retry_base_ms),
                ..DispatchSettings::default()
            },
            forward: ForwardSettings {
                to_internal: args.forward_to_internal,
                ..ForwardSettings::default()
            },
            opt_in: OptInSettings {
                pending_ttl: Duration::from_secs(args.pending_ttl_hours * 60 * 60),
                ..OptInSettings::default()
            },
            provider_timeout: Duration::from_millis(args.provider_timeout_ms),
            jurisdiction: args.jurisdiction,
            background: true,
        };
        let app = Application::build(&settings).await?;
        if let Some(token) = users::offer_setup_link(&app.services().db).await? {
            tracing::warn!(
                "No staff account exists yet. Create the first admin at {}/setup/{token} \
                 (valid 24 hours, once; `assent user add` works too)",
                settings.public_url()
            );
        }
        tracing::info!(
            "Assent listening on {} (public URL {})",
            settings.bind,
            settings.public_url()
        );
        app.run_until_stopped().await?;
        return Ok(ExitCode::SUCCESS);
    }

    let db = Db::connect(&url).await?;
    crate::startup::migrate(&db).await?;
    match command {
        Command::Serve(_) => unreachable!("handled above"),
        Command::Migrate => println!("migrations applied"),
        Command::User(UserCommand::Add { email, role }) => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let user =
                users::add(&db, &audit::Doer::command_line(), &email, role, password).await?;
            println!("user {} ({}) added", user.id, role.as_str());
        }
        Command::Number(NumberCommand::Add(a)) => {
            let display_number = PhoneNumber::parse_business(&a.display_number)
                .map_err(|e| anyhow::anyhow!("--display-number {e}"))?;
            let mut chat =
                numbers::ChatSettings::parse(a.business_name.as_deref(), &a.default_categories)
                    .map_err(as_flags)?;
            chat.contact_card = a.contact_card;
            let new = NewNumber {
                phone_number_id: a.phone_number_id,
                display_number,
                provider: a.provider,
                api_base_url: a.api_base_url,
                api_version: a.api_version,
                access_token: a.access_token,
                api_key_header: a.api_key_header,
                app_secret: a.app_secret,
                verify_token: a.verify_token,
                rate_per_second: a.rate_per_second,
                rate_burst: a.rate_burst,
                messaging_limit: Some(a.messaging_limit),
                waba_id: a.waba_id,
            };
            let number = numbers::add_by(&db, &audit::Doer::command_line(), new, chat)
                .await
                .map_err(as_flags)?;
            println!(
                "number {} ({}, {}) added",
                number.phone_number_id,
                number.display_number,
                number.provider().as_str()
            );
        }
        Command::Number(NumberCommand::List) => {
            for n in numbers::list(&db).await? {
                println!(
                    "{}\t{}\t{}",
                    n.phone_number_id,
                    n.display_number,
                    n.provider().as_str()
                );
            }
        }
        Command::Apikey(ApikeyCommand::Create {
            phone_number_id,
            name,
        }) => {
            let number = numbers::by_phone_number_id(&mut *db.pool.acquire().await?, &phone_number_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no business number with phone_number_id {phone_number_id}; see 'assent number list'"))?;
            let issued = api_keys::create(&db, &number.id, &name).await?;
            println!(
                "API key {} for {} created; it is shown only now:",
                issued.id, number.phone_number_id
            );
            println!("{}", issued.key);
        }
        Command::Ledger(LedgerCommand::Verify { anchor }) => {
            let report =
                consent::verifications::verify_and_record(&db, &audit::Doer::command_line())
                    .await?;
            if let Some(b) = report.broken {
                println!(
                    "ledger BROKEN at event {} {}: {}",
                    b.seq, b.event_id, b.problem
                );
                println!("{} events before it verified", report.events_checked);
                return Ok(ExitCode::FAILURE);
            }
            if let Some(anchor) = anchor {
                match consent::anchored_at(&db, &anchor).await? {
                    Some(seq) => println!("anchor {anchor} is event {seq}"),
                    None => {
                        println!("ledger REWRITTEN: anchor {anchor} is not in the chain any more");
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            println!(
                "ledger intact: {} events, head {}",
                report.events_checked, report.head_hash
            );
        }
        Command::Ledger(LedgerCommand::Export {
            format,
            output,
            phone_number_id,
            category,
            phone,
            action,
            source,
            since,
            until,
        }) => {
            let filter = LedgerFilter {
                phone_number_id,
                phone: phone
                    .map(|p| PhoneNumber::parse(&p).map_err(|e| anyhow::anyhow!("--phone {e}")))
                    .transpose()?,
                category: category
                    .map(|c| CategoryName::parse(&c).map_err(|e| anyhow::anyhow!("--category {e}")))
                    .transpose()?,
                action: action
                    .map(|a| {
                        ConsentAction::parse(&a).ok_or_else(|| {
                            anyhow::anyhow!(
                                "--action must be one of {}",
                                names(ConsentAction::ALL.map(ConsentAction::as_str))
                            )
                        })
                    })
                    .transpose()?,
                source: source
                    .map(|a| {
                        Source::parse(&a).ok_or_else(|| {
                            anyhow::anyhow!(
                                "--source must be one of {}",
                                names(Source::ALL.map(Source::as_str))
                            )
                        })
                    })
                    .transpose()?,
                since_ms: since.as_deref().map(parse_time).transpose()?,
                until_ms: until.as_deref().map(parse_time).transpose()?,
            };
            let mut out: Box<dyn Write + Send> = match output {
                Some(path) => Box::new(BufWriter::new(std::fs::File::create(&path)?)),
                None => Box::new(BufWriter::new(std::io::stdout())),
            };
            // Audited before a byte is written, as the console does: an export
            // hands out phone numbers whether or not it completes.
            let detail = format!("{}: {}", format.as_str(), filter.describe());
            audit::record_alone(
                &db,
                &audit::Doer::command_line(),
                audit::Entry {
                    action: "ledger.exported",
                    target: "ledger",
                    detail: &detail,
                },
            )
            .await?;
            let n = consent::export(&db, &filter, format, &mut *out).await?;
            out.flush()?;
            eprintln!("{n} events exported");
        }
        Command::Contact(ContactCommand::Show(a)) => {
            let (number, who, secret) = person(&db, &a).await?;
            let subject = access::Subject::Known {
                number: &number,
                who: &who,
            };
            let document = access::request(&db, &secret, &audit::Doer::command_line(), subject)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the access request found no answer"))?;
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &document)?;
            writeln!(out)?;
        }
        Command::Contact(ContactCommand::Erase(a)) => {
            let (number, who, secret) = person(&db, &a).await?;
            let done = privacy::erase_recipient(
                &db,
                &secret,
                &number.id,
                &who,
                &audit::Doer::command_line(),
            )
            .await?;
            let pnid = &number.phone_number_id;
            match done {
                privacy::Erasure::Erased {
                    contact_id,
                    event,
                    removed,
                    suppression_keys,
                } => println!(
                    "erased contact {contact_id} on {pnid}: removed {}; {suppression_keys} keyed hashes on the suppression list; ledger event {}",
                    removed.summary(),
                    event.seq
                ),
                privacy::Erasure::NothingLeft { suppressed: true } => println!(
                    "nothing left to erase for {} on {pnid}: erased before, and on the suppression list",
                    who.masked()
                ),
                privacy::Erasure::NothingLeft { suppressed: false } => println!(
                    "nothing left to erase for {} on {pnid}: Assent holds nothing about them",
                    who.masked()
                ),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The business number, the person and the secret a `contact` command acts with.
async fn person(db: &Db, a: &ContactArgs) -> anyhow::Result<(BusinessNumber, Recipient, Vec<u8>)> {
    let who = match (&a.phone, &a.user_id) {
        (Some(p), _) => {
            Recipient::Phone(PhoneNumber::parse(p).map_err(|e| anyhow::anyhow!("--phone {e}"))?)
        }
        (None, Some(u)) => {
            Recipient::User(UserId::parse(u).map_err(|e| anyhow::anyhow!("--user-id {e}"))?)
        }
        (None, None) => anyhow::bail!("give --phone or --user-id"),
    };
    let number = match &a.phone_number_id {
        Some(id) => numbers::by_phone_number_id(&mut *db.pool.acquire().await?, id)
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no business number with phone_number_id {id}; see 'assent number list'"
                )
            })?,
        None => {
            let mut all = numbers::list(db).await?;
            anyhow::ensure!(
                all.len() == 1,
                "there are {} business numbers: name one with --phone-number-id (see 'assent number list')",
                all.len()
            );
            all.remove(0)
        }
    };
    let secret = secret::existing(db, a.secret_key.as_deref()).await?;
    Ok((number, who, secret))
}

/// A settings error, phrased for the command line: the field as its flag.
fn as_flags(e: numbers::NumberError) -> anyhow::Error {
    match e {
        numbers::NumberError::Invalid { field, problem } => {
            anyhow::anyhow!("--{} {problem}", field.replace('_', "-"))
        }
        other => other.into(),
    }
}

fn names<const N: usize>(all: [&str; N]) -> String {
    all.join(", ")
}

fn parse_time(raw: &str) -> anyhow::Result<i64> {
    let t = time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map_err(|e| {
            anyhow::anyhow!("{raw:?} is not an RFC 3339 time such as 2026-01-31T00:00:00Z ({e})")
        })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

impl ServeArgs {
    /// `assent` alone means `assent serve` with its flags' defaults and environment.
    fn parse_defaults() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["assent"]).serve
    }
}
