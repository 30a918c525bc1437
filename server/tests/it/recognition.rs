//! The leaderboard: who sees which reps under each visibility setting, the ranking, and the
//! admin's payout export.

use crate::both_backends;
use crate::support::TestDb;
use app::error::AppError;
use app::ssr::service::recognition;
use std::collections::BTreeSet;

fn names(b: &app::api::recognition::Leaderboard) -> BTreeSet<String> {
    b.rows.iter().map(|r| r.name.clone()).collect()
}

both_backends!(the_leaderboard_shows_each_audience_its_reps_and_admins_export_it);
async fn the_leaderboard_shows_each_audience_its_reps_and_admins_export_it(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    let admin = db.actor("admin").await;
    let east: BTreeSet<String> = ["Dana Whitfield", "Luis Ortega", "Kim Osei"]
        .map(String::from)
        .into();

    // Team visibility (the default): a rep and her manager see Enterprise East.
    let b = recognition::leaderboard(&state, &dana, 30).await.unwrap();
    assert_eq!(names(&b), east);
    assert_eq!(
        names(
            &recognition::leaderboard(&state, &db.actor("morgan").await, 30)
                .await
                .unwrap()
        ),
        east
    );
    let west = recognition::leaderboard(&state, &db.actor("priya").await, 30)
        .await
        .unwrap();
    assert!(names(&west).is_disjoint(&east) && !west.rows.is_empty());
    assert!(!b.can_export);
    // Ranked by score (none last).
    let scores: Vec<f64> = b.rows.iter().map(|r| r.score.unwrap_or(-1.0)).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Dana's figures are her compliance scorecard's and her wins in the period.
    let mine = b.rows.iter().find(|r| r.rep_id == dana.id.0).unwrap();
    let card = app::ssr::service::compliance::page(
        &state,
        &dana,
        app::api::compliance::ComplianceQuery {
            days: 30,
            team: None,
            rep: None,
            pipeline: None,
        },
    )
    .await
    .unwrap()
    .reps
    .into_iter()
    .find(|r| r.id == dana.id.0)
    .unwrap()
    .card;
    assert_eq!(
        (mine.sla_hits, mine.sla_counted),
        (
            card.first_touch_in_sla.passed,
            card.first_touch_in_sla.counted
        )
    );
    assert_eq!(mine.score, card.composite);
    let (wins,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE s.kind = 'won' AND l.owner_id = $1 AND l.closed_at >= $2 AND l.closed_at < $3",
    )
    .bind(dana.id.0)
    .bind(b.period.from.0)
    .bind(b.period.to.0)
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(i64::from(mine.wins), wins);
    // Marketing has none; a period the page does not offer names the field.
    assert!(matches!(
        recognition::leaderboard(&state, &db.actor("riley").await, 30).await,
        Err(AppError::Forbidden { .. })
    ));
    assert!(recognition::leaderboard(&state, &dana, 31)
        .await
        .unwrap_err()
        .message_for("days")
        .is_some());

    // Only an admin changes who sees it, to a known setting.
    assert!(matches!(
        recognition::set_visibility(&state, &dana, "organisation").await,
        Err(AppError::Forbidden { .. })
    ));
    let err = recognition::set_visibility(&state, &admin, "everyone")
        .await
        .unwrap_err();
    assert!(err.message_for("leaderboard").is_some());
    recognition::set_visibility(&state, &admin, "organisation")
        .await
        .unwrap();
    let all = recognition::leaderboard(&state, &dana, 30).await.unwrap();
    assert_eq!(all.rows.len(), 7, "every demo rep");
    assert!(names(&all).is_superset(&east));
    recognition::set_visibility(&state, &admin, "off")
        .await
        .unwrap();
    for who in ["dana", "morgan", "eleanor"] {
        assert!(
            matches!(
                recognition::leaderboard(&state, &db.actor(who).await, 30).await,
                Err(AppError::Forbidden { .. })
            ),
            "{who}"
        );
    }
    let for_admin = recognition::leaderboard(&state, &admin, 30).await.unwrap();
    assert!(for_admin.can_export && for_admin.rows.len() == 7);

    // The payout export: admins only; one row per rep in rank order; formulas stay text.
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query(
        "UPDATE users SET name = '=HYPERLINK(\"x\")' WHERE email = 'kim@closeloop.example'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(
        recognition::export_csv(&state, &dana, 30).await,
        Err(AppError::Forbidden { .. })
    ));
    let csv = recognition::export_csv(&state, &admin, 30).await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("# period "));
    assert!(lines[1].starts_with("rank,rep,team,score,first_touches_in_sla"));
    assert_eq!(lines.len(), 2 + 7);
    let board = recognition::leaderboard(&state, &admin, 30).await.unwrap();
    for (i, (line, row)) in lines[2..].iter().zip(&board.rows).enumerate() {
        assert!(line.starts_with(&format!("{},", i + 1)), "{line}");
        assert!(
            line.contains(&format!(",{},{},", row.sla_hits, row.sla_counted)),
            "{line}"
        );
    }
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
    db
}
