//! The secret that keys suppression hashes. From ASSENT_SECRET_KEY when set, else
//! generated once and kept in the database, so every instance on it agrees. Setting
//! it keeps the hashes unlinkable even to someone holding a copy of the database.

use crate::db::Db;

const NAME: &str = "secret_key";

/// The secret for an operator's command (`assent contact …`): the configured one,
/// else the one a server generated and kept. When neither exists, the server runs
/// with its own ASSENT_SECRET_KEY: a key made up here would hash people
/// differently, so the command refuses.
pub async fn existing(db: &Db, configured: Option<&str>) -> anyhow::Result<Vec<u8>> {
    if configured.is_none() {
        let stored: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE name = $1")
                .bind(NAME)
                .fetch_optional(&db.pool)
                .await?;
        let Some((stored,)) = stored else {
            anyhow::bail!(
                "set ASSENT_SECRET_KEY to the server's: this database keeps no secret key of its own"
            );
        };
        return Ok(stored.into_bytes());
    }
    load(db, configured).await
}

pub async fn load(db: &Db, configured: Option<&str>) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = configured {
        anyhow::ensure!(
            key.len() >= 32,
            "ASSENT_SECRET_KEY must be at least 32 characters"
        );
        return Ok(key.as_bytes().to_vec());
    }
    let generated = hex::encode(rand::random::<[u8; 32]>());
    db.write_one(
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(NAME)
        .bind(&generated),
    )
    .await?;
    let (stored,): (String,) = sqlx::query_as("SELECT value FROM settings WHERE name = $1")
        .bind(NAME)
        .fetch_one(&db.pool)
        .await?;
    Ok(stored.into_bytes())
}
