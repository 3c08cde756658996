//! The one write path (`Db::write`, `Db::write_for`): writes are committed in
//! groups (every write on SQLite, each business number's on PostgreSQL), and a
//! write that fails or is given up inside a group takes nothing of the others
//! with it, nor leaves the number locked.

use crate::helpers::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_that_fails_or_is_undone_in_a_group_takes_nothing_of_the_others_with_it() {
    let app = TestApp::spawn().await;
    let db = app.raw_db().clone();
    let (number,): (String,) = sqlx::query_as("SELECT id FROM business_numbers LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();

    // Thirty writes at once on one number: a third commit, a third meet an error
    // and are dropped (as a handler that returns early drops its write), a third
    // are rolled back.
    let writes: Vec<_> = (0..30)
        .map(|i| {
            let (db, number) = (db.clone(), number.clone());
            tokio::spawn(async move {
                let mut w = db.write_for(&number).await.unwrap();
                let name = format!("group-test-{i:02}");
                sqlx::query("INSERT INTO settings (name, value) VALUES ($1, 'first')")
                    .bind(&name)
                    .execute(&mut *w)
                    .await
                    .unwrap();
                match i % 3 {
                    0 => w.commit().await.unwrap(),
                    1 => {
                        let again =
                            sqlx::query("INSERT INTO settings (name, value) VALUES ($1, 'again')")
                                .bind(&name)
                                .execute(&mut *w)
                                .await;
                        assert!(again.is_err(), "the same name twice is refused");
                        drop(w);
                    }
                    _ => w.rollback().await.unwrap(),
                }
            })
        })
        .collect();
    for w in writes {
        w.await.unwrap();
    }

    let kept: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, value FROM settings WHERE name LIKE 'group-test-%' ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let want: Vec<(String, String)> = (0..30)
        .filter(|i| i % 3 == 0)
        .map(|i| (format!("group-test-{i:02}"), "first".to_owned()))
        .collect();
    assert_eq!(kept, want, "exactly the committed writes are kept");

    // The last write is given up: nothing is left holding the number, so a write
    // that locks it from the pool's side, and another through the group, both go
    // through.
    let mut w = db.write_for(&number).await.unwrap();
    sqlx::query("INSERT INTO settings (name, value) VALUES ('group-test-undone', 'x')")
        .execute(&mut *w)
        .await
        .unwrap();
    w.rollback().await.unwrap();
    let locked = tokio::time::timeout(Duration::from_secs(5), async {
        let mut w = db.write().await.unwrap();
        w.lock_number(&number).await.unwrap();
        sqlx::query("INSERT INTO settings (name, value) VALUES ('group-test-after', 'x')")
            .execute(&mut *w)
            .await
            .unwrap();
        w.commit().await.unwrap();
        let mut w = db.write_for(&number).await.unwrap();
        sqlx::query("DELETE FROM settings WHERE name = 'group-test-after'")
            .execute(&mut *w)
            .await
            .unwrap();
        w.commit().await.unwrap();
    })
    .await;
    assert!(locked.is_ok(), "the number's lock was left held");
    let (left,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM settings WHERE name LIKE 'group-test-%' AND value = 'x'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
}
