//! `assent number add` and `assent number list`: a number is registered once, and
//! bad input is refused with a message that says what to fix.

use crate::helpers::*;

#[tokio::test]
async fn number_add_registers_once_and_rejects_bad_input_with_a_clear_message() {
    let db = TestDb::new().await;
    let token = "EAAG-cli-secret-token";
    let add = [
        "number",
        "add",
        "--phone-number-id",
        "555000111",
        "--display-number",
        "+34 911 234 569",
        "--provider",
        "cloud",
        "--access-token",
        token,
    ];
    let o = cli_ok(&db.url, &add, None);
    assert!(o.stdout.contains("555000111"), "{o}");

    let list = cli_ok(&db.url, &["number", "list"], None).stdout;
    let line = list
        .lines()
        .find(|l| l.starts_with("555000111"))
        .unwrap_or_else(|| panic!("number list should show 555000111:\n{list}"));
    assert_eq!(line, "555000111\t+34911234569\tcloud");
    assert!(
        !list.contains(token),
        "number list must not print the access token"
    );

    cli_fails(&db.url, &add, None, &["555000111", "already registered"]);

    let mut bad_display = add;
    bad_display[3] = "555000112";
    bad_display[5] = "12";
    cli_fails(
        &db.url,
        &bad_display,
        None,
        &["--display-number", "too short"],
    );
    // A number that has a country code but is not valid for its country says so.
    bad_display[5] = "+34 12345";
    cli_fails(
        &db.url,
        &bad_display,
        None,
        &[
            "--display-number",
            "not a valid number for country code +34",
        ],
    );

    cli_fails(
        &db.url,
        &[
            "number",
            "add",
            "--phone-number-id",
            "555000113",
            "--display-number",
            "+34911234570",
            "--provider",
            "onprem",
            "--access-token",
            token,
        ],
        None,
        &["--api-base-url"],
    );

    cli_fails(
        &db.url,
        &[
            "number",
            "add",
            "--phone-number-id",
            "not-digits",
            "--display-number",
            "+34911234570",
            "--provider",
            "sandbox",
        ],
        None,
        &["--phone-number-id", "digits"],
    );

    assert_eq!(
        cli_ok(&db.url, &["number", "list"], None).stdout,
        list,
        "the refused commands changed nothing"
    );

    // Meta's test business numbers (+1 555 …) are what every developer gets.
    let mut meta_test_number = add;
    meta_test_number[3] = "555000114";
    meta_test_number[5] = "+1 555 078 3881";
    let o = cli_ok(&db.url, &meta_test_number, None);
    assert!(o.stdout.contains("+15550783881"), "{o}");
}

#[tokio::test]
async fn number_add_rejects_nonsense_rates_limits_and_urls() {
    let db = TestDb::new().await;
    cli_ok(&db.url, &["migrate"], None);
    let before = cli_ok(&db.url, &["number", "list"], None).stdout;
    let base = |id: &'static str| {
        vec![
            "number",
            "add",
            "--phone-number-id",
            id,
            "--display-number",
            "+34911234570",
            "--provider",
            "onprem",
            "--api-base-url",
            "https://bsp.example",
            "--access-token",
            "k",
        ]
    };
    for (id, extra, needle) in [
        ("555000121", "--rate-per-second=-5", "--rate-per-second"),
        ("555000122", "--rate-per-second=0", "--rate-per-second"),
        ("555000123", "--rate-burst=-1", "--rate-burst"),
        ("555000124", "--messaging-limit=-1", "--messaging-limit"),
    ] {
        let mut args = base(id);
        args.push(extra);
        cli_fails(&db.url, &args, None, &[needle]);
    }
    let mut args = base("555000125");
    args[9] = "not a url";
    cli_fails(&db.url, &args, None, &["--api-base-url"]);
    assert_eq!(cli_ok(&db.url, &["number", "list"], None).stdout, before);
}

#[tokio::test]
async fn number_add_names_the_flag_of_a_bad_chat_setting_and_adds_nothing() {
    let db = TestDb::new().await;
    cli_ok(&db.url, &["migrate"], None);
    let before = cli_ok(&db.url, &["number", "list"], None).stdout;
    fn add<'a>(id: &'a str, flag: &'a str, value: &'a str) -> Vec<&'a str> {
        vec![
            "number",
            "add",
            "--phone-number-id",
            id,
            "--display-number",
            "+34911234571",
            "--provider",
            "sandbox",
            flag,
            value,
        ]
    }
    cli_fails(
        &db.url,
        &add("555000131", "--default-categories", "offers,nosuch"),
        None,
        &["--default-categories", "unknown category", "nosuch"],
    );
    let long_name = "B".repeat(61);
    cli_fails(
        &db.url,
        &add("555000132", "--business-name", &long_name),
        None,
        &["--business-name", "60"],
    );
    assert_eq!(
        cli_ok(&db.url, &["number", "list"], None).stdout,
        before,
        "nothing added"
    );

    // The same command with good values adds the number.
    let o = cli_ok(
        &db.url,
        &add("555000133", "--business-name", &long_name[..60]),
        None,
    );
    assert!(o.stdout.contains("555000133"), "{o}");
}
