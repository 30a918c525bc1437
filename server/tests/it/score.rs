//! Lead scores: computed when a lead comes in and on every change to it, explained by their
//! reasons, refreshed by the sweep, gone once a lead is closed; boards sort by them; a lead
//! whose touches go unanswered is suggested for closing as "no response", in one action.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::activity::{ActivityKind, CloseOut, LogRequest, Outcome};
use app::domain::filter::{BoardFilter, CardSort};
use app::domain::{CloseReason, Lead};
use app::ssr::service::{self, intake, score, work};
use serde_json::json;

/// The source's record as the scores should see it: "<name> wins N% of closed leads" or the
/// neutral reason while it has fewer than five closed leads.
async fn source_reason(db: &TestDb, lead: &Lead) -> (String, i64) {
    let mut conn = db.store.read().await.unwrap();
    let (won, closed): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN st.kind = 'won' THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COUNT(*) AS BIGINT)
         FROM leads l JOIN stages st ON st.id = l.stage_id
         WHERE l.closed_at IS NOT NULL AND l.source_id = $1",
    )
    .bind(lead.source_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    if closed >= 5 {
        (
            format!(
                "{} wins {}% of closed leads",
                lead.source_name,
                won * 100 / closed
            ),
            (won * 50 / closed).min(25),
        )
    } else {
        (
            format!("{}: too few closed leads to judge", lead.source_name),
            10,
        )
    }
}

fn points(lead: &Lead, label: &str) -> Option<i64> {
    lead.score_reasons
        .iter()
        .find(|r| r.label == label)
        .map(|r| r.points)
}

both_backends!(scores_follow_the_lead_and_explain_themselves);
async fn scores_follow_the_lead_and_explain_themselves(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    let source = db.find(|_, _| true).await.source_id;
    let request = serde_json::from_value(json!({
        "source_id": source, "contact_name": "Grace Hopper", "email": "grace@navy.example",
        "company": "Navy Labs", "product_interest": "Compilers", "value_cents": 1_240_000,
        "country": "US", "message": "Need a quote"
    }))
    .unwrap();
    let receipt = intake::create(&state, &dana, request, None).await.unwrap();
    let lead = db.lead(receipt.lead_id.unwrap()).await;
    let (source_label, source_points) = source_reason(&db, &lead).await;
    // Scored as it came in, every part explained.
    assert_eq!(points(&lead, "Value $12,400"), Some(18));
    assert_eq!(points(&lead, "Names a product"), Some(8));
    assert_eq!(points(&lead, "Territory known"), Some(7));
    assert_eq!(points(&lead, &source_label), Some(source_points));
    assert_eq!(points(&lead, "Active in the last 2 days"), Some(10));
    assert_eq!(lead.score, Some(18 + 8 + 7 + source_points + 10));
    assert_eq!(lead.suggest_close, None);

    // Calls nobody answers pull it down; the fourth in a row suggests closing it.
    let call = |version, outcome| LogRequest {
        version,
        kind: ActivityKind::Call,
        outcome: Some(outcome),
        note: None,
        next_step: None,
    };
    let mut current = lead.clone();
    for _ in 0..3 {
        current = work::log_activity(
            &state,
            &dana,
            current.id,
            call(current.version, Outcome::NoAnswer),
        )
        .await
        .unwrap();
    }
    assert_eq!(points(&current, "3 touches unanswered"), Some(-10));
    assert_eq!(
        current.score,
        Some(lead.score.unwrap() - 10),
        "returned with the write"
    );
    assert_eq!(current.suggest_close, None);
    current = work::log_activity(
        &state,
        &dana,
        current.id,
        call(current.version, Outcome::NoAnswer),
    )
    .await
    .unwrap();
    assert_eq!(
        current.suggest_close.as_deref(),
        Some("4 touches in a row got no answer")
    );
    assert_eq!(
        db.lead(current.id).await.suggest_close,
        current.suggest_close,
        "stored"
    );

    // A conversation resets the count and scores as engagement.
    current = work::log_activity(
        &state,
        &dana,
        current.id,
        call(current.version, Outcome::Reached),
    )
    .await
    .unwrap();
    assert_eq!(current.suggest_close, None);
    assert_eq!(points(&current, "1 conversation"), Some(8));
    assert!(current
        .score_reasons
        .iter()
        .all(|r| !r.label.contains("unanswered")));

    // Closed as "no response" (the suggestion's one action): no score any more.
    let closed = work::close_out(
        &state,
        &dana,
        current.id,
        CloseOut::Lost {
            version: current.version,
            reason: Some(CloseReason::NoResponse),
            note: None,
        },
    )
    .await
    .unwrap();
    assert_eq!((closed.score, closed.suggest_close.clone()), (None, None));
    assert!(db.lead(closed.id).await.score_reasons.is_empty());
    db
}

both_backends!(the_sweep_scores_every_open_lead_and_boards_sort_by_score);
async fn the_sweep_scores_every_open_lead_and_boards_sort_by_score(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let now = service::now();
    let open: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads WHERE closed_at IS NULL")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    // The demo's leads were written directly: the first sweep scores them all, the next none.
    assert_eq!(score::refresh(&state, now).await.unwrap() as i64, open.0);
    assert_eq!(score::refresh(&state, now).await.unwrap(), 0);
    let unscored: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM leads WHERE closed_at IS NULL AND (score IS NULL OR score_reasons IS NULL)",
    )
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(unscored.0, 0);
    // Aged scores are recomputed.
    let later = app::domain::Timestamp(now.0 + score::SCORE_TTL_MS + 1);
    assert_eq!(score::refresh(&state, later).await.unwrap() as i64, open.0);

    let manager = db.actor("morgan").await;
    let filter = BoardFilter {
        sort: CardSort::Score,
        ..Default::default()
    };
    let board = service::board(&state, &manager, filter.clone())
        .await
        .unwrap();
    let mut columns = 0;
    for column in board.columns.iter().filter(|c| c.cards.len() > 1) {
        let stage = board.pipeline.get(column.cards[0].stage_id).unwrap();
        if stage.kind.is_closed() {
            continue;
        }
        let scores: Vec<i64> = column.cards.iter().map(|l| l.score.unwrap()).collect();
        let mut sorted = scores.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(scores, sorted, "{} is in score order", stage.name);
        columns += 1;
    }
    assert!(columns >= 2, "several open columns were checked");
    db
}
