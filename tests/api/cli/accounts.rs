//! `assent apikey create` and `assent user add`: secrets are printed once and stored
//! only as hashes.

use crate::helpers::*;

#[tokio::test]
async fn apikey_create_prints_a_working_key_on_the_last_line_and_stores_only_its_hash() {
    let db = TestDb::new().await;
    let o = cli_ok(
        &db.url,
        &["apikey", "create", "--phone-number-id", SANDBOX_ID],
        None,
    );
    let stdout = o.stdout;
    let key = stdout.lines().last().expect("some output").to_owned();
    assert!(
        !key.is_empty() && !key.contains(char::is_whitespace),
        "the last line is the key alone: {stdout:?}"
    );
    assert!(key.len() >= 32, "a key long enough to be secret: {key:?}");

    let stored_keys = scalar_strings(&db.url, "SELECT key_sha256 FROM api_keys").await;
    assert_eq!(stored_keys.len(), 1);
    assert!(
        stored_keys.iter().all(|k| !k.contains(&key)),
        "the key is not stored in clear"
    );
    cli_fails(
        &db.url,
        &["apikey", "create", "--phone-number-id", "999999999"],
        None,
        &["999999999", "number list"],
    );
    assert_eq!(
        scalar_strings(&db.url, "SELECT key_sha256 FROM api_keys")
            .await
            .len(),
        1,
        "the refused command created no key"
    );

    let app = TestApp::spawn_on(db).await;
    let (status, body) = app.get_text("/api/v1/templates", Some(&key)).await;
    assert_eq!(status, 200, "the CLI's key authenticates: {body}");
    let (status, _) = app
        .get_text("/api/v1/templates", Some(&format!("{key}x")))
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn user_add_hashes_with_argon2id_and_rejects_bad_input() {
    let db = TestDb::new().await;
    let add = [
        "user",
        "add",
        "--email",
        "a@example.com",
        "--role",
        "compliance",
    ];
    let password = "correct horse battery staple";
    let o = cli_ok(&db.url, &add, Some(&format!("{password}\n")));
    assert!(o.stdout.contains("compliance"), "{o}");

    let hashes = scalar_strings(&db.url, "SELECT password_hash FROM users").await;
    assert_eq!(hashes.len(), 1);
    assert!(hashes[0].starts_with("$argon2id$"), "{}", hashes[0]);
    assert!(!hashes[0].contains(password));
    assert_eq!(
        scalar_strings(&db.url, "SELECT role FROM users").await,
        ["compliance"]
    );

    cli_fails(
        &db.url,
        &["user", "add", "--email", "b@example.com", "--role", "admin"],
        Some("short\n"),
        &["password", "12"],
    );
    cli_fails(
        &db.url,
        &["user", "add", "--email", "not-an-email", "--role", "admin"],
        Some("correct horse battery staple\n"),
        &["not an email"],
    );
    cli_fails(
        &db.url,
        &add,
        Some("another long password 123\n"),
        &["already exists"],
    );
    cli_fails(
        &db.url,
        &["user", "add", "--email", "A@Example.COM", "--role", "admin"],
        Some("another long password 123\n"),
        &["already exists"],
    );
    cli_fails(
        &db.url,
        &["user", "add", "--email", "c@example.com", "--role", "owner"],
        Some("correct horse battery staple\n"),
        &["owner"],
    );
    assert_eq!(
        scalar_strings(&db.url, "SELECT email FROM users").await,
        ["a@example.com"],
        "the refused commands added no user"
    );
}
