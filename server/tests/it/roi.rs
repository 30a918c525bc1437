//! ROI figures against a hand-computed fixture, on both backends: two sources of the channel
//! the demo never uses ("other"), one campaign with a budget and spend inside and outside the
//! period, seven leads whose every count can be worked out by hand.

use crate::both_backends;
use crate::http::Client;
use crate::support::{move_to, TestDb};
use app::api::roi::RoiQuery;
use app::domain::roi::RoiRow;
use app::domain::{Channel, CloseReason, Currency, Money, StageKind, Timestamp};
use app::error::AppError;
use app::ssr::service::{self, roi};
use app::ssr::store::{leads, org};
use std::collections::BTreeSet;

const DAY: i64 = 86_400_000;

fn query(days: u32) -> RoiQuery {
    RoiQuery::last(days)
}

fn row<'a>(rows: &'a [RoiRow], key: &str) -> &'a RoiRow {
    rows.iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no row {key} in {rows:?}"))
}

both_backends!(roi_matches_the_hand_computed_fixture);
async fn roi_matches_the_hand_computed_fixture(db: TestDb) -> TestDb {
    let db = db.with_demo(0).await;
    let state = db.state();
    let riley = db.actor("riley").await; // marketing
    let dana = db.actor("dana").await; // rep
    let pipeline = db.pipeline().await;
    let stage = |key: &str| {
        pipeline
            .stages()
            .iter()
            .find(|s| s.key == key)
            .unwrap()
            .clone()
    };
    let (new, contacted, qualified, quoted) = (
        stage("new"),
        stage("contacted"),
        stage("qualified"),
        stage("quoted"),
    );
    let won = pipeline
        .first_of(app::domain::PipelineId(1), StageKind::Won)
        .unwrap()
        .clone();
    let lost = pipeline
        .first_of(app::domain::PipelineId(1), StageKind::Lost)
        .unwrap()
        .clone();
    let now = service::now();
    let at = |days: i64| Timestamp(now.0 + days * DAY);

    let mut tx = state.store.begin().await.unwrap();
    let fair = org::insert_source(&mut tx, "Fixture Fair", Channel::Other, at(-100))
        .await
        .unwrap();
    let mail = org::insert_source(&mut tx, "Fixture Mail", Channel::Other, at(-100))
        .await
        .unwrap();
    let usd = |dollars: i64| Money::new(dollars * 100, Currency::USD);
    let campaign =
        org::insert_campaign(&mut tx, fair, "Fair 2026", at(-90), None, Some(usd(5_000)))
            .await
            .unwrap();
    // $1,000 ten days ago (in both periods), $500 forty days ago (in the 90-day one only).
    org::insert_spend(&mut tx, campaign, at(-10), usd(1_000), None)
        .await
        .unwrap();
    org::insert_spend(&mut tx, campaign, at(-40), usd(500), None)
        .await
        .unwrap();

    // (name, source, campaign, created, stage, reached, touched, closed, reason, value)
    #[allow(clippy::type_complexity)]
    let fixture: Vec<(
        &str,
        i64,
        Option<i64>,
        i64,
        &app::domain::Stage,
        Option<&app::domain::Stage>,
        bool,
        Option<i64>,
        Option<CloseReason>,
        Option<Money>,
    )> = vec![
        // 1: won yesterday for $4,000.
        (
            "1",
            fair,
            Some(campaign),
            -5,
            &won,
            None,
            true,
            Some(-1),
            None,
            Some(usd(4_000)),
        ),
        // 2: quoted, open.
        (
            "2",
            fair,
            Some(campaign),
            -6,
            &quoted,
            None,
            true,
            None,
            None,
            None,
        ),
        // 3: lost as not a buyer after it was qualified.
        (
            "3",
            fair,
            Some(campaign),
            -7,
            &lost,
            Some(&qualified),
            true,
            Some(-2),
            Some(CloseReason::NotABuyer),
            None,
        ),
        // 4: new, never touched.
        (
            "4",
            fair,
            Some(campaign),
            -8,
            &new,
            None,
            false,
            None,
            None,
            None,
        ),
        // 5: came in 45 days ago, won 3 days ago for $2,500.
        (
            "5",
            fair,
            Some(campaign),
            -45,
            &won,
            None,
            true,
            Some(-3),
            None,
            Some(usd(2_500)),
        ),
        // 6: no campaign, lost as spam.
        (
            "6",
            mail,
            None,
            -2,
            &lost,
            Some(&new),
            true,
            Some(-1),
            Some(CloseReason::SpamBadData),
            None,
        ),
        // 7: came in 60 days ago, won yesterday for €1,000 (not in a dollar report's money).
        (
            "7",
            fair,
            Some(campaign),
            -60,
            &won,
            None,
            true,
            Some(-1),
            None,
            Some(Money::new(100_000, Currency::parse("EUR").unwrap())),
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, source, campaign, created, stage, reached, touched, closed, reason, value) in fixture
    {
        let id = leads::insert_lead(
            &mut tx,
            &leads::NewLead {
                fields: Default::default(),
                contact_name: format!("Fixture {name}"),
                email: None,
                phone: None,
                company: None,
                source_id: source,
                campaign_id: campaign,
                product_interest: None,
                value,
                owner_id: Some(dana.id.0),
                team_id: dana.team_id.map(|t| t.0),
                stage_id: stage.id,
                // 4 has a call planned, so the policy lets it move.
                next_step: (name == "4").then(|| app::domain::NextStep {
                    kind: app::domain::NextStepKind::Call,
                    due_at: at(1),
                    note: None,
                }),
                created_at: at(created),
                assigned_at: Some(at(created)),
                first_touched_at: touched.then(|| at(created)),
                last_touched_at: touched.then(|| at(created)),
                stage_entered_at: at(created),
                closed_at: closed.map(at),
                close_reason: reason,
                close_note: None,
                version: 1,
                updated_at: at(created),
                contact_id: None,
                company_id: None,
                reached_position: reached.map(|s| s.position),
            },
        )
        .await
        .unwrap();
        ids.insert(name, id);
    }
    // The histories of 1 and 2 in the event log, for time in stage (hours after `at(0)`):
    // 1 came in 5 days ago, spent 12 h in New, 12 h in Contacted, 3 days in Qualified, won;
    // 2 came in 6 days ago, spent 1 day in New, then 3 days in Contacted before its quote.
    const HOUR: i64 = 3_600_000;
    let history = [
        ("1", -5 * 24, "lead.created", None, new.id),
        ("1", -4 * 24 - 12, "lead.moved", Some(new.id), contacted.id),
        ("1", -4 * 24, "lead.moved", Some(contacted.id), qualified.id),
        ("1", -24, "lead.moved", Some(qualified.id), won.id),
        ("2", -6 * 24, "lead.created", None, new.id),
        ("2", -5 * 24, "lead.moved", Some(new.id), contacted.id),
        ("2", -2 * 24, "lead.moved", Some(contacted.id), quoted.id),
    ];
    for (name, hours, kind, from, to) in history {
        let before = from.map(|f| serde_json::json!({"stage_id": f}));
        app::ssr::store::events::append(
            &mut tx,
            &app::ssr::store::events::NewEvent {
                at: Timestamp(now.0 + hours * HOUR),
                actor_id: None,
                kind,
                lead_id: Some(ids[name]),
                payload: serde_json::json!({"before": before, "after": {"stage_id": to}}),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    // Reps do not see budgets; a period the page does not offer names the field.
    assert!(matches!(
        roi::report(&state, &dana, query(30)).await,
        Err(AppError::Forbidden { .. })
    ));
    let bad = roi::report(&state, &riley, query(31)).await.unwrap_err();
    assert!(bad.message_for("days").is_some(), "{bad:?}");

    let r = roi::report(&state, &riley, query(30)).await.unwrap();
    let c = &row(&r.campaigns, &format!("campaign:{campaign}")).tally;
    // Inquiries 1–4; contacted 1–3; qualified 1–3; quoted 1, 2; won of them: 1.
    assert_eq!(
        (c.inquiries, c.contacted, c.qualified, c.quoted, c.converted),
        (4, 3, 3, 2, 1)
    );
    // Won in the period: 1, 5, 7; lost: 3 (not a buyer). Revenue $4,000 + $2,500 (7 is EUR).
    assert_eq!((c.won, c.lost_total()), (3, 1));
    assert_eq!(c.lost_for(CloseReason::NotABuyer), 1);
    assert_eq!((c.revenue_cents, c.spend_cents), (650_000, 100_000));
    assert_eq!(c.cost_per_lead(), Some(25_000)); // $1,000 / 4
    assert_eq!(c.cost_per_qualified(), Some(33_333)); // $1,000 / 3, to the cent
    assert_eq!(c.cost_per_win(), Some(33_333));
    assert_eq!(c.roi_percent(), Some(550.0)); // ($6,500 − $1,000) / $1,000
    assert_eq!(c.revenue_per_spend(), Some(6.5));
    assert_eq!(c.junk_share(), Some(0.25)); // 1 of 4 close-outs
    assert_eq!(
        row(&r.campaigns, &format!("campaign:{campaign}")).budget_cents,
        Some(500_000)
    );
    assert_eq!(r.other_currencies, ["EUR"]);

    let m = &row(&r.sources, &format!("source:{mail}")).tally;
    assert_eq!((m.inquiries, m.contacted, m.qualified), (1, 1, 0));
    assert_eq!(m.lost_for(CloseReason::SpamBadData), 1);
    assert_eq!(m.junk_share(), Some(1.0));
    assert_eq!(m.cost_per_lead(), Some(0)); // nothing spent
    assert_eq!(m.roi_percent(), None);

    let other = &row(&r.channels, "channel:other").tally;
    assert_eq!((other.inquiries, other.won, other.lost_total()), (5, 3, 2));
    assert_eq!(other.cost_per_lead(), Some(20_000)); // $1,000 / 5

    // The funnel of the period's inquiries (1, 2, 3, 4, 6; the demo has no leads).
    let funnel: Vec<(String, u32)> = r
        .funnel
        .iter()
        .map(|f| (f.stage.clone(), f.reached))
        .collect();
    assert_eq!(
        funnel,
        [
            ("New".to_string(), 5),
            ("Contacted".into(), 3),
            ("Qualified".into(), 3),
            ("Quoted".into(), 2),
            ("Negotiating".into(), 1),
            ("Won".into(), 1),
        ]
    );
    assert_eq!(r.funnel[1].from_previous, Some(0.6));

    // Time in stage from the event log: New 12 h and 1 day; Contacted 12 h and 3 days;
    // Qualified 3 days. Median and 80th percentile by nearest rank.
    let t = roi::times(&state, &riley, query(90)).await.unwrap();
    let times: Vec<(String, u32, i64, i64)> = t
        .stage_times
        .iter()
        .map(|t| {
            (
                t.stage.clone(),
                t.spread.count,
                t.spread.median_ms,
                t.spread.p80_ms,
            )
        })
        .collect();
    assert_eq!(
        times,
        [
            ("New".to_string(), 2, 12 * HOUR, 24 * HOUR),
            ("Contacted".into(), 2, 12 * HOUR, 72 * HOUR),
            ("Qualified".into(), 1, 72 * HOUR, 72 * HOUR),
        ]
    );
    // The sales cycle of the period's wins: 4 days (1), 42 days (5), 59 days (7).
    let cycle = t.sales_cycle.unwrap();
    assert_eq!(
        (cycle.count, cycle.median_ms, cycle.p80_ms),
        (3, 42 * DAY, 59 * DAY)
    );

    // Over 90 days 5 and 7 are inquiries too, and the older $500 is spent in the period.
    let r90 = roi::report(&state, &riley, query(90)).await.unwrap();
    let c90 = &row(&r90.campaigns, &format!("campaign:{campaign}")).tally;
    assert_eq!(
        (
            c90.inquiries,
            c90.contacted,
            c90.qualified,
            c90.quoted,
            c90.converted
        ),
        (6, 5, 5, 4, 3)
    );
    assert_eq!(c90.spend_cents, 150_000);
    assert_eq!(c90.cost_per_lead(), Some(25_000)); // $1,500 / 6

    // A rep's moves keep how far a lead got: 4 goes to Contacted, then is lost.
    let four = db.lead(ids["4"]).await;
    let moved = service::move_lead(&state, &dana, four.id, move_to(contacted.id, four.version))
        .await
        .unwrap();
    let mut close = move_to(lost.id, moved.version);
    close.close_reason = Some(CloseReason::NoResponse);
    service::move_lead(&state, &dana, four.id, close)
        .await
        .unwrap();
    let r = roi::report(&state, &riley, query(30)).await.unwrap();
    let c = &row(&r.campaigns, &format!("campaign:{campaign}")).tally;
    assert_eq!((c.inquiries, c.qualified), (4, 3));
    assert_eq!(c.lost_for(CloseReason::NoResponse), 1);
    assert_eq!(r.funnel[1].reached, 4, "{:?}", r.funnel);

    // The campaign table as CSV: the same figures, for marketing only.
    let get = |uri: &str| {
        axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let rep = Client::signed_in(&db, "dana").await;
    let (status, _) = rep.send(get("/roi.csv?days=30&table=campaigns")).await;
    assert_eq!(status, 403);
    let marketing = Client::signed_in(&db, "riley").await;
    let (status, body) = marketing.send(get("/roi.csv?days=30&table=flights")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("table"), "{body}");
    let (status, body) = marketing
        .send(get("/roi.csv?days=30&table=campaigns"))
        .await;
    assert_eq!(status, 200, "{body}");
    let header: Vec<&str> = body.lines().next().unwrap().split(',').collect();
    let line = body
        .lines()
        .find(|l| l.starts_with("Fair 2026,"))
        .unwrap_or_else(|| panic!("no campaign line in {body}"));
    let cells: Vec<&str> = line.split(',').collect();
    let cell = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        (cell("inquiries"), cell("spend"), cell("cost_per_lead")),
        ("4", "1000.00", "250.00")
    );
    assert_eq!(
        (cell("won_revenue"), cell("roi_percent")),
        ("6500.00", "550.0")
    );
    assert_eq!(cell("budget"), "5000.00");

    // The funnel and the times download too (after the move above: 4 of 5 contacted, and
    // one more move out of Contacted).
    let (status, body) = marketing.send(get("/roi.csv?days=30&table=funnel")).await;
    assert_eq!(status, 200, "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "stage,reached,share_of_step_before",
            "New,5,",
            "Contacted,4,0.8000"
        ]
    );
    let (status, body) = marketing.send(get("/roi.csv?days=90&table=times")).await;
    assert_eq!(status, 200, "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines,
        [
            "stage,moves_out,median_days,p80_days",
            "New,2,0.50,1.00",
            "Contacted,3,0.50,3.00",
            "Qualified,1,3.00,3.00",
            "sales cycle (inquiry to win),3,42.00,59.00"
        ]
    );

    // A server function called with arguments that do not decode is the caller's mistake.
    let (status, body) = marketing
        .send(crate::http::post_json(
            "/api/fn/add_spend",
            r#"{"nope": 1}"#,
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("malformed"), "{body}");
    db
}

both_backends!(marketing_keeps_campaigns_and_spend_and_roi_follows);
async fn marketing_keeps_campaigns_and_spend_and_roi_follows(db: TestDb) -> TestDb {
    use app::domain::campaign::{CampaignForm, SpendForm};
    use app::ssr::service::campaigns;
    let db = db.with_demo(0).await;
    let state = db.state();
    let riley = db.actor("riley").await;
    let morgan = db.actor("morgan").await;
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            let (n,): (i64,) = sqlx::query_as(sql)
                .fetch_one(&mut *db.store.read().await.unwrap())
                .await
                .unwrap();
            n
        }
    };
    let campaigns_before = count("SELECT COUNT(*) FROM campaigns").await;
    let source = {
        let mut tx = state.store.begin().await.unwrap();
        let id = org::insert_source(&mut tx, "Fixture Expo", Channel::Other, service::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let today = service::now().date_string(0);
    let form = CampaignForm {
        id: None,
        source_id: Some(source),
        name: "Expo 2026".into(),
        starts_on: today.clone(),
        ends_on: String::new(),
        budget: "8,000".into(),
        currency: "USD".into(),
    };

    // Bad input names its fields and writes nothing; a manager may not add a campaign.
    let bad = campaigns::save(
        &state,
        &riley,
        CampaignForm {
            name: " ".into(),
            starts_on: "soon".into(),
            ..form.clone()
        },
    )
    .await
    .unwrap_err();
    assert!(bad.message_for("name").is_some() && bad.message_for("starts_on").is_some());
    assert!(matches!(
        campaigns::save(&state, &morgan, form.clone()).await,
        Err(AppError::Forbidden { .. })
    ));
    assert_eq!(
        count("SELECT COUNT(*) FROM campaigns").await,
        campaigns_before
    );

    let id = campaigns::save(&state, &riley, form.clone()).await.unwrap();
    let again = campaigns::save(&state, &riley, form.clone())
        .await
        .unwrap_err();
    assert!(
        again.message_for("name").unwrap().contains("already"),
        "{again:?}"
    );

    // Spend typed in: a bad amount is refused; a good one shows in ROI's cost per lead.
    let spend = |amount: &str| SpendForm {
        campaign_id: Some(id),
        spent_on: today.clone(),
        amount: amount.into(),
        note: String::new(),
    };
    let bad = campaigns::add_spend(&state, &riley, spend("-20"))
        .await
        .unwrap_err();
    assert!(bad.message_for("amount").is_some());
    assert!(matches!(
        campaigns::add_spend(&state, &morgan, spend("20")).await,
        Err(AppError::Forbidden { .. })
    ));
    campaigns::add_spend(&state, &riley, spend("1,000"))
        .await
        .unwrap();
    let key = format!("campaign:{id}");
    let r = roi::report(&state, &riley, query(30)).await.unwrap();
    let c = row(&r.campaigns, &key);
    assert_eq!(
        (c.tally.spend_cents, c.budget_cents),
        (100_000, Some(800_000))
    );

    // An upload with one bad line writes nothing, even when asked to; a clean one writes all.
    let text =
        format!("campaign,date,amount,note\nExpo 2026,{today},500,Booth\nExpo 2026,{today},abc,\n");
    let checked = campaigns::upload(&state, &riley, &text, true)
        .await
        .unwrap();
    assert_eq!(
        (checked.good, checked.problems.len(), checked.written),
        (1, 1, false)
    );
    assert_eq!(
        (checked.problems[0].line, checked.problems[0].field.as_str()),
        (3, "amount")
    );
    let r = roi::report(&state, &riley, query(30)).await.unwrap();
    assert_eq!(row(&r.campaigns, &key).tally.spend_cents, 100_000);
    let clean = format!("campaign,date,amount\nexpo 2026,{today},500\nExpo 2026,{today},250.50\n");
    let written = campaigns::upload(&state, &riley, &clean, true)
        .await
        .unwrap();
    assert!(written.written && written.good == 2, "{written:?}");
    let r = roi::report(&state, &riley, query(30)).await.unwrap();
    assert_eq!(row(&r.campaigns, &key).tally.spend_cents, 175_050);

    // The list shows it with the budget used; a manager reads it but may not change it.
    let page = campaigns::page(&state, &morgan).await.unwrap();
    assert!(!page.can_edit);
    let line = page.campaigns.iter().find(|c| c.id == id).unwrap();
    assert_eq!(
        (line.spent.as_str(), line.budget_used),
        ("$1,750.50", Some(21))
    );
    let entries = campaigns::spend(&state, &riley, id).await.unwrap();
    assert_eq!(entries.len(), 3);
    campaigns::delete_spend(&state, &riley, entries[0].id)
        .await
        .unwrap();
    assert_eq!(campaigns::spend(&state, &riley, id).await.unwrap().len(), 2);

    // Every entry downloads as CSV, for the people who read ROI.
    let get = |uri: &str| {
        axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (status, _) = Client::signed_in(&db, "dana")
        .await
        .send(get("/spend.csv"))
        .await;
    assert_eq!(status, 403);
    let (status, body) = Client::signed_in(&db, "morgan")
        .await
        .send(get("/spend.csv"))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("campaign,source,date,amount,currency,note")
    );
    let expo: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("Expo 2026,"))
        .collect();
    assert_eq!(expo.len(), 2, "{body}");
    let amounts: BTreeSet<&str> = expo.iter().map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(amounts.len(), 2, "{body}");
    assert!(
        amounts.is_subset(&BTreeSet::from(["1000.00", "500.00", "250.50"])),
        "{body}"
    );
    assert!(expo.iter().all(|l| l.contains(&format!(",{today},"))));
    db
}

both_backends!(marketing_sets_the_yearly_inquiry_target_and_the_page_shows_the_pace);
async fn marketing_sets_the_yearly_inquiry_target_and_the_page_shows_the_pace(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(200).await;
    let state = db.state();
    let riley = db.actor("riley").await;
    let zone = state
        .store
        .policies(&mut db.store.read().await.unwrap())
        .await
        .unwrap()
        .org
        .calendar
        .zone
        .clone();
    let at = service::now();
    let (year, start, end) = app::domain::roi::year_span(at, &zone);
    let (last_start, _) = {
        let (_, s, _) = app::domain::roi::year_span(Timestamp(start.0 - 1), &zone);
        (s, ())
    };
    let all = db.all_leads().await;
    let pipeline = db.pipeline().await;
    let this_year = all
        .iter()
        .filter(|l| l.created_at >= start && l.created_at <= at)
        .count() as i64;
    let last_year_wins = all
        .iter()
        .filter(|l| {
            pipeline.get(l.stage_id).unwrap().kind == StageKind::Won
                && l.closed_at.is_some_and(|c| c >= last_start && c < start)
        })
        .count() as i64;

    let report = roi::report(&state, &riley, query(90)).await.unwrap();
    assert_eq!(report.pace.year, year);
    assert_eq!(report.pace.target, None);
    assert_eq!(report.pace.so_far, this_year);
    assert_eq!(report.pace.last_year_wins, last_year_wins);
    let elapsed = (at.0 - start.0) as f64 / (end.0 - start.0) as f64;
    assert!((report.pace.elapsed - elapsed).abs() < 0.001);

    // Bad input names its field and writes nothing.
    let events = db.event_count().await;
    let err = roi::set_target(&state, &riley, year, "lots")
        .await
        .unwrap_err();
    assert_eq!(err.fields()[0].field, "target");
    let err = roi::set_target(&state, &riley, year - 1, "5000")
        .await
        .unwrap_err();
    assert_eq!(err.fields()[0].field, "year");
    if last_year_wins > 1 {
        let err = roi::set_target(&state, &riley, year, &(last_year_wins - 1).to_string())
            .await
            .unwrap_err();
        assert_eq!(err.fields()[0].field, "target");
    }
    // Only marketing and admins set it.
    let dana = db.actor("dana").await;
    let err = roi::set_target(&state, &dana, year, "5000")
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403);
    assert_eq!(db.event_count().await, events);

    let target = (this_year * 3).max(last_year_wins).max(1);
    roi::set_target(&state, &riley, year, &format!("{target}"))
        .await
        .unwrap();
    let pace = roi::report(&state, &riley, query(30)).await.unwrap().pace;
    assert_eq!(pace.target, Some(target));
    assert_eq!(
        pace.expected(),
        Some((target as f64 * pace.elapsed).round() as i64)
    );
    assert_eq!(db.event_count().await, events + 1);
    // Replaced, not added.
    roi::set_target(&state, &riley, year, &format!("{}", target + 1))
        .await
        .unwrap();
    let pace = roi::report(&state, &riley, query(30)).await.unwrap().pace;
    assert_eq!(pace.target, Some(target + 1));
    db
}

/// The rollup tables hold exactly what the leads add up to, day by day.
async fn rollups_agree(db: &TestDb) {
    let mut conn = db.store.read().await.unwrap();
    type Created = (i64, i64, i64, i64, i64, i64);
    let from_leads: Vec<Created> = sqlx::query_as(
        "SELECT created_at / 86400000 AS d, source_id, COALESCE(campaign_id, 0) AS c,
                COALESCE(reached_position, -1) AS r, COUNT(*),
                CAST(SUM(CASE WHEN first_touched_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)
         FROM leads GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let rollup: Vec<Created> = sqlx::query_as(
        "SELECT day, source_id, campaign_id, reached, inquiries, contacted FROM roi_created
         WHERE inquiries <> 0 OR contacted <> 0 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(!from_leads.is_empty());
    assert_eq!(rollup, from_leads, "inquiries per day");
    type Closed = (i64, i64, i64, String, String, String, i64, i64, i64);
    let from_leads: Vec<Closed> = sqlx::query_as(
        "SELECT l.closed_at / 86400000, l.source_id, COALESCE(l.campaign_id, 0), s.kind,
                COALESCE(l.close_reason, ''), l.currency, COUNT(*), COUNT(l.value_cents),
                CAST(COALESCE(SUM(l.value_cents), 0) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE l.closed_at IS NOT NULL AND s.kind <> 'open'
         GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let rollup: Vec<Closed> = sqlx::query_as(
        "SELECT day, source_id, campaign_id, kind, reason, currency, leads, valued, value_cents
         FROM roi_closed WHERE leads <> 0 OR valued <> 0 OR value_cents <> 0
         ORDER BY 1, 2, 3, 4, 5, 6",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(!from_leads.is_empty());
    assert_eq!(rollup, from_leads, "close-outs per day");
    // Every move out of a stage, with the time since the lead's previous move or creation, as
    // a window over the whole event log computes it.
    let json_stage = match db.store.backend() {
        app::ssr::store::Backend::Sqlite => {
            "CAST(json_extract(e.payload, '$.before.stage_id') AS INTEGER)"
        }
        app::ssr::store::Backend::Postgres => {
            "(e.payload::jsonb -> 'before' ->> 'stage_id')::bigint"
        }
    };
    let from_log: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT id, at, stage, CAST(at - prev AS BIGINT) FROM (
             SELECT e.id, e.kind, e.at, {json_stage} AS stage,
                    LAG(e.at) OVER (PARTITION BY e.lead_id ORDER BY e.at, e.id) AS prev
             FROM events e WHERE e.kind IN ('lead.created', 'lead.moved')
         ) x WHERE kind = 'lead.moved' AND prev IS NOT NULL AND stage IS NOT NULL ORDER BY id"
    ))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let stays: Vec<(i64, i64, i64, i64)> =
        sqlx::query_as("SELECT event_id, left_at, stage_id, ms FROM stage_stays ORDER BY event_id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert!(!from_log.is_empty());
    assert_eq!(stays, from_log, "time in stage per move");
}

both_backends!(the_rollups_agree_with_the_leads_after_every_kind_of_write);
async fn the_rollups_agree_with_the_leads_after_every_kind_of_write(db: TestDb) -> TestDb {
    use app::domain::activity::{CloseOut, LeadEdit};
    use app::ssr::service::{import, work};
    let db = db.with_demo(300).await;
    let state = db.state();
    // The demo was written by the seed (and the migration's backfill saw an empty table).
    rollups_agree(&db).await;

    // Moves, wins, losses and edits of closed leads.
    let pipeline = db.pipeline().await;
    let open: Vec<_> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| pipeline.get(l.stage_id).unwrap().kind == StageKind::Open && l.owner.is_some())
        .take(30)
        .collect();
    for (i, lead) in open.iter().enumerate() {
        let editor = db.editor_of(lead).await;
        match i % 3 {
            0 => {
                if let Some(next) = pipeline.next(lead.stage_id) {
                    if next.kind == StageKind::Open {
                        let _ = service::move_lead(
                            &state,
                            &editor,
                            lead.id,
                            move_to(next.id, lead.version),
                        )
                        .await;
                    }
                }
            }
            1 => {
                let won = work::close_out(
                    &state,
                    &editor,
                    lead.id,
                    CloseOut::Won {
                        version: lead.version,
                        value: "1,250".into(),
                    },
                )
                .await
                .unwrap();
                // A closed lead's value and currency corrected afterwards.
                let mut edit = LeadEdit::from_lead(&won);
                edit.value = Some("2,500".into());
                edit.currency = Some("EUR".into());
                let _ = work::edit_lead(&state, &editor, won.id, edit).await;
            }
            _ => {
                work::close_out(
                    &state,
                    &editor,
                    lead.id,
                    CloseOut::Lost {
                        version: lead.version,
                        reason: Some(CloseReason::NoBudget),
                        note: None,
                    },
                )
                .await
                .unwrap();
            }
        }
    }
    // A back-dated lead (its creation moved across days) and a bulk import.
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query("UPDATE leads SET created_at = created_at - $1 WHERE id = $2")
        .bind(3 * DAY + 3_600_000)
        .bind(open[0].id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut csv = String::from("Name,Email\n");
    for i in 0..120 {
        csv.push_str(&format!("Person {i},person{i}@rollup.example\n"));
    }
    let table = import::parse_csv(&csv).unwrap();
    let plan = crate::import::plan_for(&table, crate::import::source_id(&db, "Trade shows").await);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let riley = db.actor("riley").await;
    import::run(&state, &riley, &plan, &table, true, &|_, _| {}, &cancel)
        .await
        .unwrap();
    rollups_agree(&db).await;

    // A period by dates counts exactly the leads of those UTC days.
    let today = service::now().0.div_euclid(DAY);
    let (first, last) = (today - 40, today - 10);
    let date = |d: i64| Timestamp(d * DAY).date_string(0);
    let by_dates = RoiQuery {
        from: Some(date(first)),
        to: Some(date(last)),
        ..RoiQuery::last(90)
    };
    let r = roi::report(&state, &riley, by_dates).await.unwrap();
    let expected = db
        .all_leads()
        .await
        .iter()
        .filter(|l| (first..=last).contains(&l.created_at.0.div_euclid(DAY)))
        .count();
    assert!(expected > 0);
    assert_eq!(r.total.inquiries as usize, expected);
    assert_eq!(r.period.from, Timestamp(first * DAY));
    assert_eq!(r.period.to, Timestamp((last + 1) * DAY));
    assert_eq!(r.query.from.as_deref(), Some(date(first).as_str()));
    // Bad dates name their field.
    let bad = RoiQuery {
        from: Some("last spring".into()),
        to: Some(date(first)),
        ..RoiQuery::last(90)
    };
    let err = roi::report(&state, &riley, bad).await.unwrap_err();
    assert_eq!(err.status(), 422);
    assert_eq!(err.fields()[0].field, "from");
    db
}
