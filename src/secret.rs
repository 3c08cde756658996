//! The secret that keys suppression hashes. From ASSENT_SECRET_KEY when set, else
//! generated once and kept in the database, so every instance on it agrees. Setting
//! it keeps the hashes unlinkable even to someone holding a copy of the database.

use crate::db::Db;

const NAME: &str = "secret_key";

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
