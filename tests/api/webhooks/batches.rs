//! Stored payloads are processed in batches, different people side by side: what
//! one person said keeps its order however many others wrote at the same moment.

use crate::helpers::chat::*;
use crate::helpers::*;

#[tokio::test]
async fn each_persons_words_keep_their_order_while_many_people_write_at_once() {
    let app = TestApp::spawn().await;
    let people: Vec<(String, Option<&str>)> = (0..12).map(|i| (person(80 + i), None)).collect();
    accepted_people(&app, &people).await;
    let before: Vec<usize> = {
        let mut counts = vec![];
        for (wa_id, _) in &people {
            counts.push(app.sent_to(wa_id).await.len());
        }
        counts
    };

    // Everyone's words are stored before any is processed, person after person in
    // each round: the even people end on START, the odd ones on STOP.
    let rounds: [&[&str]; 3] = [&["STOP", "STOP"], &["START", "START"], &["", "STOP"]];
    for words in rounds {
        for (i, (wa_id, _)) in people.iter().enumerate() {
            let said = words[i % 2];
            if !said.is_empty() {
                app.webhook_unsettled(&inbound_text(wa_id, &wamid(), said))
                    .await;
            }
        }
    }
    app.settle().await;

    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (want, replies) = if i % 2 == 0 {
            (all_granted(), 2)
        } else {
            (all_withdrawn(), 3)
        };
        assert_eq!(states(&app, wa_id).await, want, "person {i}");
        let sent = app.sent_to(wa_id).await;
        assert_eq!(
            sent.len(),
            before[i] + replies,
            "person {i}: one answer per word"
        );
        let last = said(sent.last().unwrap());
        if i % 2 == 0 {
            assert!(!last.contains("no longer receive"), "person {i}: {last}");
        } else {
            assert!(last.contains("no longer receive"), "person {i}: {last}");
        }
    }
}
