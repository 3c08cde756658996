//! `assent contact show|erase`: an operator's access and erasure requests, on a
//! business number (named when there are several), with the server's secret
//! key, audited as the command line.

use crate::helpers::chat::e164;
use crate::helpers::people::*;
use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn an_operator_erases_a_person_once_and_shows_what_is_left() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let phone = e164(&ana.wa_id);

    let run = app.operator(&["contact", "erase", "--phone", &phone]);
    assert!(run.ok(), "{run}");
    assert!(
        run.stdout.starts_with(&format!(
            "erased contact {} on {NUMBER}: removed 1 contact, evidence of 4 consent events",
            ana.contact_id
        )),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("1 keyed hashes on the suppression list"),
        "{run}"
    );
    let run = app.operator(&[
        "contact",
        "erase",
        "--phone",
        &phone,
        "--phone-number-id",
        NUMBER,
    ]);
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains("nothing left to erase"), "{run}");
    assert!(run.stdout.contains("on the suppression list"), "{run}");
    assert!(!run.stdout.contains(&ana.wa_id), "masked: {run}");

    let audited = audit_of(&app, &format!("contact:{}", ana.contact_id)).await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(
        (
            audited[0].0.as_str(),
            audited[0].1.as_str(),
            audited[0].2.as_str()
        ),
        ("system:cli", "command line", "contact.erased")
    );
    assert!(crate::helpers::ledger::verify(&app).ok());

    let run = app.operator(&["contact", "show", "--phone", &phone]);
    assert!(run.ok(), "{run}");
    let left: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(left["contact"].is_null(), "{left}");
    assert_eq!(left["suppression"][0]["reason"], "erased");
}

#[tokio::test]
async fn the_commands_say_what_is_wrong_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let phone = e164(&ana.wa_id);
    app.add_number(new_number("200000000000002", "+12025550111"))
        .await;
    let secret = String::from_utf8_lossy(&app.services.secret).into_owned();
    let env = [("ASSENT_SECRET_KEY", secret.as_str())];
    let fails = |args: &[&str], needles: &[&str]| {
        let r = cli_with_env(&app.db.url, args, &env);
        assert!(!r.ok(), "{args:?} should fail: {r}");
        for needle in needles {
            assert!(r.stderr.contains(needle), "{args:?}: {needle:?} in {r}");
        }
    };
    for command in ["show", "erase"] {
        fails(
            &["contact", command, "--phone", &phone],
            &["--phone-number-id", "2 business numbers"],
        );
        fails(
            &[
                "contact",
                command,
                "--phone",
                &phone,
                "--phone-number-id",
                "999",
            ],
            &["no business number with phone_number_id 999"],
        );
        fails(
            &[
                "contact",
                command,
                "--phone",
                "12",
                "--phone-number-id",
                NUMBER,
            ],
            &["--phone"],
        );
        fails(
            &["contact", command, "--phone-number-id", NUMBER],
            &["--phone"],
        );
        fails(
            &[
                "contact",
                command,
                "--phone",
                &phone,
                "--user-id",
                "US.1",
                "--phone-number-id",
                NUMBER,
            ],
            &["--user-id"],
        );
    }
    // Without the server's secret key its hashes could not be matched.
    let r = cli(
        &app.db.url,
        &[
            "contact",
            "erase",
            "--phone",
            &phone,
            "--phone-number-id",
            NUMBER,
        ],
        None,
    );
    assert!(!r.ok(), "{r}");
    assert!(r.stderr.contains("ASSENT_SECRET_KEY"), "{r}");
    assert_eq!(app.count("contacts").await, 1, "nothing erased");
    assert!(
        audit_of(&app, &format!("contact:{}", ana.contact_id))
            .await
            .is_empty()
    );

    let help = cli(&app.db.url, &["contact", "--help"], None);
    assert!(help.ok(), "{help}");
    for word in ["show", "erase", "access request"] {
        assert!(help.stdout.contains(word), "{word}: {help}");
    }
    let erase = cli(&app.db.url, &["contact", "erase", "--help"], None);
    for word in ["suppression", "--phone", "--user-id", "--phone-number-id"] {
        assert!(erase.stdout.contains(word), "{word}: {erase}");
    }
    let top = cli(&app.db.url, &["--help"], None);
    assert!(top.stdout.contains("contact"), "{top}");
}
