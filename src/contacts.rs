//! Contacts: a person per business number, known by `wa_id` and/or Meta's user id.
//! This table holds the personal data the ledger's events point to by `id` only,
//! and this module is the only one that writes it.

use crate::db::{ROWS_PER_STATEMENT, new_id, now_ms, value_list, value_rows};
use crate::domain::{CategoryList, Locale, Recipient};
use sqlx::AnyConnection;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    pub business_number_id: String,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub last_inbound_at: Option<i64>,
    pub marketing_stopped_at: Option<i64>,
    /// The language the person last spoke to the consent bot in.
    pub language: Option<Locale>,
    /// The entry point their first message named, while the chat opt-in runs.
    pub entry_point: Option<String>,
    pub terms_accepted_at: Option<i64>,
    pub terms_sent_at: Option<i64>,
    pub terms_notice_id: Option<String>,
    /// What the terms shown asked for (what accepting grants).
    pub terms_categories: Option<CategoryList>,
    pub preferences_at: Option<i64>,
    /// When the person last began to count towards the number's messaging limit.
    pub limit_counted_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    business_number_id: String,
    wa_id: Option<String>,
    user_id: Option<String>,
    last_inbound_at: Option<i64>,
    marketing_stopped_at: Option<i64>,
    language: Option<String>,
    entry_point: Option<String>,
    terms_accepted_at: Option<i64>,
    terms_sent_at: Option<i64>,
    terms_notice_id: Option<String>,
    terms_categories: Option<String>,
    preferences_at: Option<i64>,
    limit_counted_at: Option<i64>,
}

impl From<Row> for Contact {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            business_number_id: r.business_number_id,
            wa_id: r.wa_id,
            user_id: r.user_id,
            last_inbound_at: r.last_inbound_at,
            marketing_stopped_at: r.marketing_stopped_at,
            language: r.language.and_then(|l| Locale::parse(&l).ok()),
            entry_point: r.entry_point,
            terms_accepted_at: r.terms_accepted_at,
            terms_sent_at: r.terms_sent_at,
            terms_notice_id: r.terms_notice_id,
            terms_categories: r.terms_categories.as_deref().map(CategoryList::from_stored),
            preferences_at: r.preferences_at,
            limit_counted_at: r.limit_counted_at,
        }
    }
}

impl Contact {
    /// Who to answer: the phone number when known, else Meta's user id.
    pub fn recipient_field(&self) -> Option<(&'static str, String)> {
        match (&self.wa_id, &self.user_id) {
            (Some(wa_id), _) => Some(("to", format!("+{wa_id}"))),
            (None, Some(user_id)) => Some(("recipient", user_id.clone())),
            (None, None) => None,
        }
    }

    pub fn masked(&self) -> String {
        match (&self.wa_id, &self.user_id) {
            (Some(wa_id), _) => crate::domain::mask(wa_id),
            (None, Some(user_id)) => crate::domain::mask(user_id),
            (None, None) => "?".into(),
        }
    }
}

const COLUMNS: &str = "id, business_number_id, wa_id, user_id, last_inbound_at, marketing_stopped_at, language, \
     entry_point, terms_accepted_at, terms_sent_at, terms_notice_id, terms_categories, preferences_at, \
     limit_counted_at";

pub async fn find(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &Recipient,
) -> anyhow::Result<Option<Contact>> {
    let (column, value) = match who {
        Recipient::Phone(p) => ("wa_id", p.wa_id()),
        Recipient::User(u) => ("user_id", u.as_str()),
    };
    find_by(conn, business_number_id, column, value).await
}

pub async fn find_by_id(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<Contact>> {
    let sql = format!("SELECT {COLUMNS} FROM contacts WHERE id = $1");
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(Contact::from))
}

/// The number's newest contacts, newest first (`contacts_newest` serves it).
pub async fn newest(
    conn: &mut AnyConnection,
    business_number_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<Contact>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts WHERE business_number_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(Contact::from).collect())
}

/// Finds the contact or creates it; safe under concurrent callers (the unique
/// constraint decides, and the loser reads the winner's row).
pub async fn get_or_create(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &Recipient,
) -> anyhow::Result<Contact> {
    get_or_create_all(conn, business_number_id, &[who])
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no contact came back for one asked"))
}

/// The column and value that name a person in `contacts`.
fn key(who: &Recipient) -> (&'static str, &str) {
    match who {
        Recipient::Phone(p) => ("wa_id", p.wa_id()),
        Recipient::User(u) => ("user_id", u.as_str()),
    }
}

/// The id of the number's contact named by `who`, as a subquery for another
/// statement: the number binds to `$1` and the returned value to `$2`. NULL,
/// matching nothing, when nobody is known by it.
pub fn id_subquery(who: &Recipient) -> (&'static str, &str) {
    match key(who) {
        ("wa_id", value) => (
            "(SELECT id FROM contacts WHERE business_number_id = $1 AND wa_id = $2)",
            value,
        ),
        (_, value) => (
            "(SELECT id FROM contacts WHERE business_number_id = $1 AND user_id = $2)",
            value,
        ),
    }
}

/// A person as a group of writes tells them apart: the contact when known, else
/// the name given (so someone named by phone in one request and by user id in
/// the next is one person once known).
#[derive(Debug, PartialEq, Eq, Hash)]
pub enum Person<'a> {
    Known(&'a str),
    New(&'a Recipient),
}

pub fn person<'a>(who: &'a Recipient, found: Option<&'a Contact>) -> Person<'a> {
    match found {
        Some(c) => Person::Known(&c.id),
        None => Person::New(who),
    }
}

/// The number's contacts among `who`, in the same order (`None`: not known):
/// one read for the phone numbers and one for the user ids, however many.
pub async fn find_all(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &[&Recipient],
) -> anyhow::Result<Vec<Option<Contact>>> {
    let mut found: HashMap<(&'static str, String), Contact> = HashMap::new();
    for column in ["wa_id", "user_id"] {
        let mut values: Vec<&str> = who
            .iter()
            .map(|w| key(w))
            .filter(|(c, _)| *c == column)
            .map(|(_, v)| v)
            .collect();
        values.sort_unstable();
        values.dedup();
        for chunk in values.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT {COLUMNS} FROM contacts WHERE business_number_id = $1 AND {column} IN ({})",
                value_list(2, chunk.len())
            );
            let mut read =
                sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(business_number_id);
            for v in chunk {
                read = read.bind(*v);
            }
            for row in read.fetch_all(&mut *conn).await? {
                let contact = Contact::from(row);
                let value = match column {
                    "wa_id" => contact.wa_id.clone(),
                    _ => contact.user_id.clone(),
                };
                if let Some(value) = value {
                    found.insert((column, value), contact);
                }
            }
        }
    }
    Ok(who
        .iter()
        .map(|w| {
            let (column, value) = key(w);
            found.get(&(column, value.to_owned())).cloned()
        })
        .collect())
}

/// `get_or_create` for many people at once, in the same order: one read, and
/// one insert for those not yet known.
pub async fn get_or_create_all(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &[&Recipient],
) -> anyhow::Result<Vec<Contact>> {
    let found = find_all(conn, business_number_id, who).await?;
    complete(conn, business_number_id, who, found).await
}

/// The contacts of `who`, in order, from those already `found` (as `find_all`
/// gives them), creating the rest: one insert for all of them.
pub async fn complete(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &[&Recipient],
    found: Vec<Option<Contact>>,
) -> anyhow::Result<Vec<Contact>> {
    let mut missing: Vec<&Recipient> = who
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(w, _)| *w)
        .collect();
    if missing.is_empty() {
        return Ok(found.into_iter().flatten().collect());
    }
    missing.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
    missing.dedup_by(|a, b| key(a) == key(b));
    let now = now_ms();
    let mut created: HashMap<(&'static str, String), Contact> = HashMap::new();
    for chunk in missing.chunks(ROWS_PER_STATEMENT) {
        // The new rows come back with the insert: new people cost no second read.
        let sql = format!(
            "INSERT INTO contacts (id, business_number_id, wa_id, user_id, created_at) VALUES {} \
             ON CONFLICT DO NOTHING RETURNING {COLUMNS}",
            value_rows(1, chunk.len(), 5)
        );
        let mut insert = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
        for w in chunk {
            let (wa_id, user_id) = match w {
                Recipient::Phone(p) => (Some(p.wa_id()), None),
                Recipient::User(u) => (None, Some(u.as_str())),
            };
            insert = insert
                .bind(new_id())
                .bind(business_number_id)
                .bind(wa_id)
                .bind(user_id)
                .bind(now);
        }
        for row in insert.fetch_all(&mut *conn).await? {
            let contact = Contact::from(row);
            let named = match (&contact.wa_id, &contact.user_id) {
                (Some(wa_id), _) => ("wa_id", wa_id.clone()),
                (None, Some(user_id)) => ("user_id", user_id.clone()),
                (None, None) => continue,
            };
            created.insert(named, contact);
        }
    }
    let all: Option<Vec<Contact>> = who
        .iter()
        .zip(found)
        .map(|(w, f)| {
            f.or_else(|| {
                let (column, value) = key(w);
                created.get(&(column, value.to_owned())).cloned()
            })
        })
        .collect();
    if let Some(all) = all {
        return Ok(all);
    }
    // Someone else (another instance, on PostgreSQL) created some of them
    // meanwhile: read them back.
    find_all(conn, business_number_id, who)
        .await?
        .into_iter()
        .map(|c| c.ok_or_else(|| anyhow::anyhow!("contact vanished right after it was created")))
        .collect()
}

/// The person wrote to us: the 24 h customer-service window starts again.
pub async fn touch_inbound(
    conn: &mut AnyConnection,
    contact_id: &str,
    at_ms: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET last_inbound_at = $1 WHERE id = $2 AND (last_inbound_at IS NULL OR last_inbound_at < $1)")
        .bind(at_ms)
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_marketing_stopped(
    conn: &mut AnyConnection,
    contact_id: &str,
    at_ms: Option<i64>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET marketing_stopped_at = $1 WHERE id = $2")
        .bind(at_ms)
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How Meta names the person in a webhook: digits of their number and/or their
/// business-scoped user id (2026 payloads may carry only the latter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundIdentity {
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
}

impl InboundIdentity {
    /// Keeps only well-formed values: a wa_id is 1 to 15 digits, a user id is a
    /// BSUID.
    pub fn new(wa_id: Option<&str>, user_id: Option<&str>) -> Option<Self> {
        let wa_id = wa_id
            .map(|w| w.trim_start_matches('+'))
            .filter(|w| (1..=15).contains(&w.len()) && w.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_owned);
        let user_id = user_id
            .and_then(|u| crate::domain::UserId::parse(u).ok())
            .map(|u| u.as_str().to_owned());
        (wa_id.is_some() || user_id.is_some()).then_some(Self { wa_id, user_id })
    }
}

async fn find_by(
    conn: &mut AnyConnection,
    business_number_id: &str,
    column: &str,
    value: &str,
) -> anyhow::Result<Option<Contact>> {
    let sql =
        format!("SELECT {COLUMNS} FROM contacts WHERE business_number_id = $1 AND {column} = $2");
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(Contact::from))
}

/// The contact a webhook speaks of, found by wa_id or else user id and completed
/// with whichever of the two it lacked, or created. Call under the number's lock.
pub async fn from_inbound(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &InboundIdentity,
) -> anyhow::Result<Contact> {
    let mut found = None;
    if let Some(wa_id) = &who.wa_id {
        found = find_by(conn, business_number_id, "wa_id", wa_id).await?;
    }
    if found.is_none()
        && let Some(user_id) = &who.user_id
    {
        found = find_by(conn, business_number_id, "user_id", user_id).await?;
    }
    let Some(contact) = found else {
        sqlx::query(
            "INSERT INTO contacts (id, business_number_id, wa_id, user_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(business_number_id)
        .bind(&who.wa_id)
        .bind(&who.user_id)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        let (column, value) = match (&who.wa_id, &who.user_id) {
            (Some(w), _) => ("wa_id", w),
            (None, Some(u)) => ("user_id", u),
            (None, None) => anyhow::bail!("an inbound identity names nobody"),
        };
        return find_by(conn, business_number_id, column, value)
            .await?
            .ok_or_else(|| anyhow::anyhow!("contact vanished right after it was created"));
    };
    // Fill in what this contact lacked, unless another contact already holds it
    // (then the two stay apart rather than one being merged blindly).
    for (column, value, current) in [
        ("wa_id", &who.wa_id, &contact.wa_id),
        ("user_id", &who.user_id, &contact.user_id),
    ] {
        if let (Some(value), None) = (value, current)
            && find_by(conn, business_number_id, column, value)
                .await?
                .is_none()
        {
            let sql = format!("UPDATE contacts SET {column} = $1 WHERE id = $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .bind(&contact.id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(find_by_id(conn, &contact.id).await?.unwrap_or(contact))
}

/// Meta's `user_changed_number`: the person keeps their history under the new
/// number. False when the new number already belongs to another contact.
pub async fn change_number(
    conn: &mut AnyConnection,
    business_number_id: &str,
    old_wa_id: &str,
    new_wa_id: &str,
) -> anyhow::Result<bool> {
    if find_by(conn, business_number_id, "wa_id", new_wa_id)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let changed =
        sqlx::query("UPDATE contacts SET wa_id = $1 WHERE business_number_id = $2 AND wa_id = $3")
            .bind(new_wa_id)
            .bind(business_number_id)
            .bind(old_wa_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(changed > 0)
}

/// The person's first message named an entry point: it decides what the terms
/// ask for, and the language they are asked in unless the person chose one.
pub async fn attribute(
    conn: &mut AnyConnection,
    contact_id: &str,
    entry_point: &str,
    language: Locale,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE contacts SET entry_point = $1, language = COALESCE(language, $2) WHERE id = $3",
    )
    .bind(entry_point)
    .bind(language.code())
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The language the person spoke to the consent bot in.
pub async fn set_language(
    conn: &mut AnyConnection,
    contact_id: &str,
    language: Locale,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET language = $1 WHERE id = $2")
        .bind(language.code())
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The terms went out: which notice, asking for which categories.
pub async fn terms_shown(
    conn: &mut AnyConnection,
    contact_id: &str,
    notice_id: &str,
    categories: &CategoryList,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET terms_sent_at = $1, terms_notice_id = $2, terms_categories = $3 WHERE id = $4")
        .bind(now_ms())
        .bind(notice_id)
        .bind(categories.to_stored())
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn terms_accepted(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET terms_accepted_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Meta's timestamp of the last marketing preference applied (later ones win).
pub async fn set_preferences_at(
    conn: &mut AnyConnection,
    contact_id: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET preferences_at = $1 WHERE id = $2")
        .bind(at)
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The people now count towards the number's messaging limit, from `at`.
pub async fn set_limit_counted(
    conn: &mut AnyConnection,
    contact_ids: &[&str],
    at: i64,
) -> anyhow::Result<()> {
    for chunk in contact_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE contacts SET limit_counted_at = $1 WHERE id IN ({})",
            value_list(2, chunk.len())
        );
        let mut update = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at);
        for id in chunk {
            update = update.bind(*id);
        }
        update.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The row that names the person goes last when they are forgotten.
pub async fn delete(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
