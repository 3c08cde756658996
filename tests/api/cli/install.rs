//! `assent --help`, `assent migrate` and the ledger commands on a fresh install
//! (SPEC §11).

use crate::helpers::*;

#[tokio::test]
async fn help_works_for_every_command() {
    let db = TestDb::new().await;
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--help"],
            &[
                "Usage: assent",
                "serve",
                "migrate",
                "user",
                "number",
                "apikey",
                "ledger",
                "--database-url",
            ],
        ),
        (
            &["serve", "--help"],
            &["Usage: assent serve", "--bind", "--public-url", "--workers"],
        ),
        (&["migrate", "--help"], &["Usage: assent migrate"]),
        (
            &["user", "add", "--help"],
            &[
                "Usage: assent user add",
                "--email",
                "--role",
                "admin",
                "compliance",
                "marketer",
            ],
        ),
        (
            &["number", "add", "--help"],
            &[
                "Usage: assent number add",
                "--phone-number-id",
                "--display-number",
                "--provider",
                "sandbox",
                "cloud",
                "onprem",
                "--api-base-url",
                "--access-token",
                "--app-secret",
                "--verify-token",
            ],
        ),
        (
            &["apikey", "create", "--help"],
            &["Usage: assent apikey create", "--phone-number-id", "--name"],
        ),
        (
            &["ledger", "verify", "--help"],
            &["Usage: assent ledger verify"],
        ),
        (
            &["ledger", "export", "--help"],
            &[
                "Usage: assent ledger export",
                "--format",
                "csv",
                "json",
                "--output",
            ],
        ),
    ];
    for (args, needles) in cases {
        let o = cli_ok(&db.url, args, None);
        let text = o.stdout;
        for needle in *needles {
            assert!(
                text.contains(needle),
                "assent {args:?}: help should mention {needle:?}:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn migrate_is_idempotent_and_a_fresh_install_has_the_sandbox_number() {
    let db = TestDb::new().await;
    let first = cli_ok(&db.url, &["migrate"], None);
    assert!(first.stdout.contains("migrations applied"), "{first}");
    cli_ok(&db.url, &["migrate"], None);
    let list = cli_ok(&db.url, &["number", "list"], None).stdout;
    assert_eq!(
        list.lines().collect::<Vec<_>>(),
        ["100000000000001\t+12025550100\tsandbox"],
        "a fresh install holds exactly the embedded sandbox number"
    );
}

#[tokio::test]
async fn ledger_verify_and_export_work_on_a_fresh_install() {
    let db = TestDb::new().await;
    let o = cli_ok(&db.url, &["ledger", "verify"], None);
    assert!(o.stdout.contains("ledger intact: 0 events"), "{o}");
    let o = cli_ok(&db.url, &["ledger", "export", "--format", "json"], None);
    assert!(o.stderr.contains("0 events exported"), "{o}");
    cli_ok(&db.url, &["ledger", "export", "--format", "csv"], None);
    cli_fails(
        &db.url,
        &[
            "ledger",
            "export",
            "--format",
            "json",
            "--since",
            "yesterday",
        ],
        None,
        &["yesterday", "RFC 3339"],
    );
    cli_fails(
        &db.url,
        &["ledger", "export", "--format", "xml"],
        None,
        &["xml"],
    );
}
