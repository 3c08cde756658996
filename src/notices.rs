//! Notices: the exact terms a person is shown in chat, per number and language. A
//! version's text never changes (its SHA-256 goes into every consent event); a new
//! text is a new version. A number without one gets a default text in each
//! language the first time it is needed.

use crate::db::{new_id, now_ms};
use crate::domain::Locale;
use crate::numbers::BusinessNumber;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notice {
    pub id: String,
    pub business_number_id: String,
    pub language: String,
    pub version: String,
    pub body: String,
    pub sha256: String,
}

const COLUMNS: &str = "id, business_number_id, language, version, body, sha256";

fn default_text(locale: Locale, business: &str) -> String {
    match locale {
        Locale::Es => format!(
            "{business} te enviará mensajes de WhatsApp sobre los temas que aceptes. Guardamos un registro de tu consentimiento \
             (cuándo, cómo y la versión de este aviso). Puedes retirarlo en cualquier momento respondiendo PARAR, o PARAR \
             seguido de un tema, y volver con ALTA. Tus mensajes se tratan para responderte y para llevar ese registro."
        ),
        Locale::Pt => format!(
            "{business} enviará mensagens de WhatsApp sobre os temas que você aceitar. Guardamos um registro do seu \
             consentimento (quando, como e a versão deste aviso). Você pode retirá-lo a qualquer momento respondendo SAIR, ou \
             SAIR seguido de um tema, e voltar com VOLTAR. Suas mensagens são tratadas para responder a você e manter esse registro."
        ),
        Locale::En => format!(
            "{business} will send you WhatsApp messages about the topics you accept. We keep a record of your consent (when, \
             how, and the version of this notice). You can withdraw it at any time by replying STOP, or STOP followed by a \
             topic, and come back with START. Your messages are processed to answer you and to keep that record."
        ),
    }
}

/// The newest notice of the number in `language`, made from the default text if it
/// has none yet.
pub async fn current(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    locale: Locale,
) -> anyhow::Result<Notice> {
    let language = locale.code();
    if let Some(found) = newest(conn, &number.id, language).await? {
        return Ok(found);
    }
    let body = default_text(locale, number.name());
    // Two instances may make it at once: one row wins, both read it back.
    insert(
        conn,
        &NewVersion {
            business_number_id: &number.id,
            locale,
            version: "chat-1",
            body: &body,
            form: None,
        },
    )
    .await?;
    newest(conn, &number.id, language)
        .await?
        .ok_or_else(|| anyhow::anyhow!("notice vanished right after it was made"))
}

/// A version of a notice as it is written once and never changed.
pub struct NewVersion<'a> {
    pub business_number_id: &'a str,
    pub locale: Locale,
    /// `chat-N` for the chat's terms, `{slug}-vN` for a form's.
    pub version: &'a str,
    pub body: &'a str,
    /// For a form's notice: the form's id and its title in this language.
    pub form: Option<(&'a str, &'a str)>,
}

/// Writes a version, with the SHA-256 every consent event that names it carries. A
/// version that exists already is left as it is.
pub async fn insert(conn: &mut AnyConnection, new: &NewVersion<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO notices (id, business_number_id, language, version, body, sha256, created_at, form_id, title) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(new_id())
    .bind(new.business_number_id)
    .bind(new.locale.code())
    .bind(new.version)
    .bind(new.body)
    .bind(crate::digest::sha256_hex(new.body.as_bytes()))
    .bind(now_ms())
    .bind(new.form.map(|(id, _)| id))
    .bind(new.form.map(|(_, title)| title))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn newest(
    conn: &mut AnyConnection,
    business_number_id: &str,
    language: &str,
) -> anyhow::Result<Option<Notice>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notices WHERE business_number_id = $1 AND language = $2 AND form_id IS NULL \
         ORDER BY created_at DESC, version DESC LIMIT 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(language)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The version an event names, by its version and SHA-256 (the hash decides: a
/// text recorded only by its hash, through the API, is not here).
pub async fn version_of(
    conn: &mut AnyConnection,
    business_number_id: &str,
    version: &str,
    sha256: &str,
) -> anyhow::Result<Option<Notice>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notices WHERE business_number_id = $1 AND version = $2 AND sha256 = $3 \
         ORDER BY created_at LIMIT 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(version)
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<Notice>> {
    let sql = format!("SELECT {COLUMNS} FROM notices WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// A notice as a person reads it: its text and whose it is.
pub struct Shown {
    pub notice: Notice,
    pub business: String,
}

pub async fn shown(db: &crate::db::Db, id: &str) -> anyhow::Result<Option<Shown>> {
    let mut conn = db.pool.acquire().await?;
    let Some(notice) = by_id(&mut conn, id).await? else {
        return Ok(None);
    };
    let number = crate::numbers::by_id(&mut conn, &notice.business_number_id).await?;
    Ok(number.map(|n| Shown {
        business: n.name().to_owned(),
        notice,
    }))
}
