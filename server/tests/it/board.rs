//! The board's filters and column paging against a real database, on both backends: counts and
//! totals cover the whole filter, pages walk every card exactly once in the domain's order.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::board::column_order;
use app::domain::{BoardFilter, CardSort, Lead, LeadId};
use app::error::AppError;
use app::ssr::service;
use std::collections::BTreeSet;

fn filter(q: &str) -> BoardFilter {
    BoardFilter::from_query(q.split('&').filter_map(|p| p.split_once('='))).unwrap()
}

/// Every card of every column under `f`, by walking the pages the way the UI does.
async fn walk(db: &TestDb, who: &str, f: &BoardFilter) -> Vec<(app::domain::StageId, Vec<Lead>)> {
    let state = db.state();
    let actor = db.actor(who).await;
    let board = service::board(&state, &actor, f.clone()).await.unwrap();
    let mut out = Vec::new();
    for col in board.columns {
        let mut cards = col.cards;
        let mut next = col.next;
        while let Some(after) = next {
            let page =
                service::column_page(&state, &actor, col.summary.stage_id, f.clone(), &after)
                    .await
                    .unwrap();
            assert!(
                !page.cards.is_empty(),
                "a cursor never leads to an empty page"
            );
            cards.extend(page.cards);
            next = page.next;
        }
        assert_eq!(
            cards.len() as i64,
            col.summary.count,
            "stage {}: the pages hold exactly the counted cards",
            col.summary.stage_id
        );
        let order = column_order(&board.pipeline, col.summary.stage_id, f.sort);
        assert!(
            cards
                .windows(2)
                .all(|w| order.compare(&w[0], &w[1]).is_lt()),
            "stage {}: pages come in the domain's order with no repeats",
            col.summary.stage_id
        );
        let total: i64 = cards.iter().filter_map(|l| l.value).map(|v| v.cents).sum();
        assert_eq!(
            total,
            col.summary.totals.iter().map(|m| m.cents).sum::<i64>()
        );
        out.push((col.summary.stage_id, cards));
    }
    out
}

both_backends!(paging_walks_every_card_once_in_order_for_every_sort);
async fn paging_walks_every_card_once_in_order_for_every_sort(db: TestDb) -> TestDb {
    let db = db.with_demo(700).await;
    for sort in CardSort::ALL {
        let f = BoardFilter {
            sort,
            ..BoardFilter::default()
        };
        let cols = walk(&db, "eleanor", &f).await;
        let ids: BTreeSet<LeadId> = cols
            .iter()
            .flat_map(|(_, c)| c.iter().map(|l| l.id))
            .collect();
        assert_eq!(ids.len(), 700, "{sort:?}: every lead once");
    }
    db
}

both_backends!(filters_narrow_counts_totals_and_cards_to_matching_leads);
async fn filters_narrow_counts_totals_and_cards_to_matching_leads(db: TestDb) -> TestDb {
    let db = db.with_demo(400).await;
    let all = db.all_leads().await;
    let dana = db.actor("dana").await;
    let some_company = all
        .iter()
        .find_map(|l| l.company.clone())
        .expect("demo leads have companies");
    let needle = some_company
        .split_whitespace()
        .next()
        .unwrap()
        .to_uppercase();
    let source = all[0].source_id;
    let cases = [
        format!("owner={}", dana.id.0),
        format!("source={source}"),
        "min=5000&max=20000".to_string(),
        format!("q={needle}"),
        format!("q={needle}&sort=value&min=1"),
    ];
    for q in cases {
        let f = filter(&q);
        let cols = walk(&db, "eleanor", &f).await;
        let shown: BTreeSet<LeadId> = cols
            .iter()
            .flat_map(|(_, c)| c.iter().map(|l| l.id))
            .collect();
        let expected: BTreeSet<LeadId> =
            all.iter().filter(|l| f.matches(l)).map(|l| l.id).collect();
        assert!(!expected.is_empty(), "{q}: the case must match something");
        assert_eq!(shown, expected, "{q}: SQL and the domain's `matches` agree");
    }
    db
}

both_backends!(a_filter_never_widens_what_a_rep_may_see);
async fn a_filter_never_widens_what_a_rep_may_see(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let dana = db.actor("dana").await;
    let luis = db.actor("luis").await;
    // Dana asks for Luis's leads: the scope still applies, so she gets none.
    let cols = walk(&db, "dana", &filter(&format!("owner={}", luis.id.0))).await;
    assert!(cols.iter().all(|(_, c)| c.is_empty()));
    let own = walk(&db, "dana", &BoardFilter::default()).await;
    assert!(own
        .iter()
        .flat_map(|(_, c)| c)
        .all(|l| l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)));
    db
}

both_backends!(search_text_is_literal_not_a_pattern);
async fn search_text_is_literal_not_a_pattern(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    // `%` and `_` would match everything as LIKE wildcards.
    for q in ["%", "_", "\\"] {
        let f = BoardFilter {
            text: Some(q.to_string()),
            ..BoardFilter::default()
        };
        let cols = walk(&db, "eleanor", &f).await;
        assert!(cols.iter().all(|(_, c)| c.is_empty()), "{q}");
    }
    db
}

both_backends!(a_bad_page_position_is_refused_naming_the_field);
async fn a_bad_page_position_is_refused_naming_the_field(db: TestDb) -> TestDb {
    let db = db.with_demo(50).await;
    let state = db.state();
    let actor = db.actor("eleanor").await;
    let stage = db.stage("new").await;
    for after in ["", "x", "1.2", "1.2.3.4"] {
        let err = service::column_page(&state, &actor, stage, BoardFilter::default(), after)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Validation { fields, .. } if fields[0].field == "after"),
            "{after:?}: {err:?}"
        );
    }
    let err = service::column_page(
        &state,
        &actor,
        app::domain::StageId(999),
        BoardFilter::default(),
        "1.1.1",
    )
    .await
    .unwrap_err();
    assert!(matches!(&err, AppError::Validation { fields, .. } if fields[0].field == "stage"));
    db
}
