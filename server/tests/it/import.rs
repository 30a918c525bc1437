//! CSV import: the row-by-row report (bad rows by field, repeats within the file, people on
//! file), a check that writes nothing, an import that files the good rows through dedupe and
//! distribution, a cancel that leaves nothing behind, who may import, and the CLI.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::import::{guess_mapping, RowOutcome};
use app::domain::StageKind;
use app::ssr::service::import::{self, ImportPlan, Table};
use std::sync::atomic::{AtomicBool, Ordering};

/// Counts that an import changes: leads, events, contacts, activities.
async fn counts(db: &TestDb) -> (i64, i64, i64, i64) {
    let mut conn = db.store.read().await.unwrap();
    let (leads, events, contacts, activities): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM events),
                (SELECT COUNT(*) FROM contacts), (SELECT COUNT(*) FROM activities)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    (leads, events, contacts, activities)
}

pub(crate) async fn source_id(db: &TestDb, name: &str) -> i64 {
    let mut conn = db.store.read().await.unwrap();
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM sources WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    id
}

pub(crate) fn plan_for(table: &Table, source_id: i64) -> ImportPlan {
    ImportPlan {
        source_id,
        campaign_id: None,
        mapping: guess_mapping(&table.headers),
        custom: Vec::new(),
    }
}

both_backends!(a_check_reports_every_row_and_the_import_files_the_good_ones);
async fn a_check_reports_every_row_and_the_import_files_the_good_ones(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    // Someone on file with an open lead.
    let known = db
        .find(|l, p| l.email.is_some() && p.get(l.stage_id).unwrap().kind == StageKind::Open)
        .await;
    let known_email = known.email.clone().unwrap().to_uppercase();
    let csv = format!(
        "Name;E-mail;Phone;Company;Budget;Notes\n\
         Ada Byron;ada@engines.example;;Analytical Engines;12,400;Met at booth 12\n\
         Bad Mail;not-an-address;;;;\n\
         ;nobody@example.com;;;;\n\
         Ben Value;ben@example.com;;;lots;\n\
         Ada B.;ADA@engines.example;;Analytical Engines;;Came back on day 2\n\
         Known Person;{known_email};;;;\"Asked again,\nabout pricing\"\n\
         Cy Phone;;+44 20 7946 0958;Phone Co;99.50;\n"
    );
    let table = import::parse_csv(&csv).unwrap();
    assert_eq!(table.rows.len(), 7);
    let trade_shows = source_id(&db, "Trade shows").await;
    let plan = plan_for(&table, trade_shows);
    let manager = db.actor("morgan").await;
    let cancel = AtomicBool::new(false);
    let before = counts(&db).await;

    let report = import::run(&state, &manager, &plan, &table, false, &|_, _| {}, &cancel)
        .await
        .unwrap();
    assert_eq!(
        (
            report.rows,
            report.new,
            report.existing,
            report.repeats,
            report.bad
        ),
        (7, 2, 1, 1, 3)
    );
    assert!(!report.committed);
    assert_eq!(counts(&db).await, before, "a check writes nothing");
    let bad: Vec<(usize, String)> = report
        .lines
        .iter()
        .filter_map(|l| match &l.outcome {
            RowOutcome::Bad { problems } => Some((l.row, problems[0].field.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        bad,
        vec![
            (2, "email".to_string()),
            (3, "contact_name".to_string()),
            (4, "value".to_string())
        ]
    );
    assert!(report
        .lines
        .iter()
        .any(|l| l.row == 5 && l.outcome == RowOutcome::Repeat { row: 1 }));
    assert!(report.lines.iter().any(|l| l.row == 6
        && l.outcome
            == RowOutcome::Existing {
                lead_id: known.id.0
            }));

    // The import does what the check said.
    let done = import::run(&state, &manager, &plan, &table, true, &|_, _| {}, &cancel)
        .await
        .unwrap();
    assert!(done.committed);
    assert_eq!(
        (done.new, done.existing, done.repeats, done.bad),
        (2, 1, 1, 3)
    );
    let after = counts(&db).await;
    assert_eq!(after.0, before.0 + 2, "two new leads");
    let ada = db
        .find(|l, _| l.email.as_deref() == Some("ada@engines.example"))
        .await;
    assert_eq!(ada.source_id, trade_shows);
    assert_eq!(ada.value.unwrap().cents, 1_240_000);
    assert!(ada.next_step.is_some(), "the first call is planned");
    assert_eq!(ada.version, 2, "the repeat row is a change of the lead");
    let mut conn = db.store.read().await.unwrap();
    let notes: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT note FROM activities WHERE lead_id = $1 AND kind = 'inquiry' ORDER BY id",
    )
    .bind(ada.id.0)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        notes,
        vec![
            (Some("Met at booth 12".to_string()),),
            (Some("Came back on day 2".to_string()),)
        ],
        "the repeat row joined the first row's lead"
    );
    let (known_inquiries,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM activities WHERE lead_id = $1 AND kind = 'inquiry'
         AND note = 'Asked again,\nabout pricing'",
    )
    .bind(known.id.0)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        known_inquiries, 1,
        "the person on file got the row as an inquiry"
    );
    let (finished,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM events WHERE kind = 'import.finished'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(finished, 1);
    db
}

both_backends!(a_cancelled_import_leaves_nothing_behind);
async fn a_cancelled_import_leaves_nothing_behind(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let state = db.state();
    let mut csv = String::from("Name,Email\n");
    for i in 0..600 {
        csv.push_str(&format!("Person {i},person{i}@bulk.example\n"));
    }
    let table = import::parse_csv(&csv).unwrap();
    let plan = plan_for(&table, source_id(&db, "Trade shows").await);
    let marketing = db.actor("riley").await;
    let before = counts(&db).await;
    let cancel = AtomicBool::new(false);
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, total: usize| {
        seen.lock().unwrap().push((done, total));
        if done >= 250 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let report = import::run(&state, &marketing, &plan, &table, true, &progress, &cancel)
        .await
        .unwrap();
    assert!(report.cancelled && !report.committed);
    let seen = seen.lock().unwrap().clone();
    // First "the run has the database" (0 done), then every 250 rows.
    assert_eq!(seen[..2], [(0, 600), (250, 600)], "progress was reported");
    assert_eq!(
        counts(&db).await,
        before,
        "nothing of the 250 filed rows remains"
    );
    db
}

both_backends!(imports_are_checked_before_anything_runs);
async fn imports_are_checked_before_anything_runs(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state();
    let table = import::parse_csv("Name,Email,Company\nA,a@x.example,X\n").unwrap();
    let source = source_id(&db, "Trade shows").await;
    let before = counts(&db).await;
    let cancel = AtomicBool::new(false);
    let run = |who: &'static str, plan: ImportPlan| {
        let (db, state, table, cancel) = (&db, &state, &table, &cancel);
        async move {
            let actor = db.actor(who).await;
            import::run(state, &actor, &plan, table, true, &|_, _| {}, cancel).await
        }
    };
    for who in ["eleanor", "admin"] {
        let err = run(who, plan_for(&table, source)).await.unwrap_err();
        assert_eq!(err.status(), 403, "{who}");
    }
    let mut no_email = plan_for(&table, source);
    no_email.mapping[1] = None;
    let err = run("morgan", no_email).await.unwrap_err();
    assert_eq!(err.fields()[0].field, "mapping");
    let mut short = plan_for(&table, source);
    short.mapping.pop();
    let err = run("morgan", short).await.unwrap_err();
    assert_eq!(err.fields()[0].field, "mapping");
    let err = run("morgan", plan_for(&table, 999_999)).await.unwrap_err();
    assert_eq!(err.fields()[0].field, "source_id");
    assert_eq!(counts(&db).await, before, "refused imports write nothing");
    db
}

both_backends!(the_cli_reports_then_imports_the_good_rows_on_request);
async fn the_cli_reports_then_imports_the_good_rows_on_request(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("show.csv");
    std::fs::write(
        &file,
        "Attendee,Email,Interest\nDee Good,dee@good.example,Wrap\nEd Bad,ed@,Film\n",
    )
    .unwrap();
    let args = |extra: &[&str]| {
        use clap::Parser;
        let mut argv = vec![
            "closeloop",
            "import-leads",
            file.to_str().unwrap(),
            "--as",
            "riley@closeloop.example",
            "--source",
            "trade shows",
            "--map",
            "Attendee=contact_name,Interest=product_interest",
        ];
        argv.extend_from_slice(extra);
        match server::config::Cli::parse_from(argv).into_parts().1 {
            server::config::Command::ImportLeads(a) => a,
            other => panic!("parsed as {other:?}"),
        }
    };
    let before = counts(&db).await;
    assert_eq!(
        server::import_cli::run(&state, &args(&[])).await.unwrap(),
        2
    );
    assert_eq!(counts(&db).await, before, "a bad row holds the import back");
    assert_eq!(
        server::import_cli::run(&state, &args(&["--dry-run"]))
            .await
            .unwrap(),
        0
    );
    assert_eq!(counts(&db).await, before);
    assert_eq!(
        server::import_cli::run(&state, &args(&["--import-good"]))
            .await
            .unwrap(),
        0
    );
    assert_eq!(counts(&db).await.0, before.0 + 1);
    let dee = db
        .find(|l, _| l.email.as_deref() == Some("dee@good.example"))
        .await;
    assert_eq!(dee.product_interest.as_deref(), Some("Wrap"));
    // A mapping to no such field, and no such source, are refused by name.
    let mut bad = args(&[]);
    bad.map = Some("Attendee=shoe_size".into());
    let err = server::import_cli::run(&state, &bad).await.unwrap_err();
    assert_eq!(err.fields()[0].field, "map");
    let mut bad = args(&[]);
    bad.source = "Carrier pigeon".into();
    let err = server::import_cli::run(&state, &bad).await.unwrap_err();
    assert_eq!(err.fields()[0].field, "source");
    db
}

/// Waits for a check or import job to finish and returns how it ended.
async fn settled(
    mut rx: tokio::sync::watch::Receiver<app::domain::import::ImportStatus>,
) -> app::domain::import::ImportStatus {
    loop {
        let s = rx.borrow_and_update().clone();
        if !s.phase.running() {
            return s;
        }
        tokio::time::timeout(std::time::Duration::from_secs(120), rx.changed())
            .await
            .expect("the job finishes")
            .expect("the job is kept");
    }
}

both_backends!(uploads_are_checked_and_imported_as_jobs_only_their_uploader_sees);
async fn uploads_are_checked_and_imported_as_jobs_only_their_uploader_sees(db: TestDb) -> TestDb {
    use crate::http::Client;
    use app::domain::import::{ImportField, ImportPhase, ImportRun};
    use app::ssr::service::import_jobs as jobs;
    use axum::http::{Request, StatusCode};
    let db = db.with_demo(30).await;
    let state = db.state();
    let riley = db.actor("riley").await;
    let morgan = db.actor("morgan").await;
    let mut csv = String::from("Full name,E-mail,Booth\n");
    for i in 0..40 {
        csv.push_str(&format!("Visitor {i},visitor{i}@show.example,B{i}\n"));
    }
    csv.push_str("No Address,not-an-address,B99\n");
    let draft = jobs::upload(&state, &riley, "show.csv", &csv).unwrap();
    assert_eq!(draft.rows, 41);
    assert_eq!(draft.preview.len(), 5);
    assert_eq!(draft.preview[0][0], "Visitor 0");
    assert_eq!(
        draft.mapping,
        vec![
            Some(ImportField::ContactName),
            Some(ImportField::Email),
            None
        ]
    );
    // Someone else's upload is as unknown as a missing one, on every path.
    assert_eq!(
        jobs::status(&state, &morgan, &draft.id)
            .unwrap_err()
            .status(),
        404
    );
    assert_eq!(
        jobs::cancel(&state, &morgan, &draft.id)
            .unwrap_err()
            .status(),
        404
    );
    let theirs = Client::signed_in(&db, "morgan").await;
    let mine = Client::signed_in(&db, "riley").await;
    let feed = |id: &str| {
        Request::get(format!("/api/imports/{id}/progress"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let trade_shows = source_id(&db, "Trade shows").await;
    let run = |commit| ImportRun {
        custom: Vec::new(),
        source_id: trade_shows,
        campaign_id: None,
        mapping: draft.mapping.clone(),
        commit,
    };
    let before = counts(&db).await;
    let mut unmapped = run(false);
    unmapped.mapping[1] = None;
    let err = jobs::start(&state, &riley, &draft.id, unmapped)
        .await
        .unwrap_err();
    assert_eq!(err.fields()[0].field, "mapping");
    assert_eq!(
        jobs::status(&state, &riley, &draft.id).unwrap().phase,
        ImportPhase::Ready,
        "a refused plan starts nothing"
    );

    let started = jobs::start(&state, &riley, &draft.id, run(false))
        .await
        .unwrap();
    assert_eq!(started.phase, ImportPhase::Checking);
    let checked = settled(jobs::watch(&state, &riley, &draft.id).unwrap()).await;
    assert_eq!(checked.phase, ImportPhase::Checked);
    let report = checked.report.unwrap();
    assert_eq!((report.new, report.bad), (40, 1));
    assert_eq!(report.lines[0].row, 41);
    assert_eq!(counts(&db).await, before, "a check writes nothing");

    jobs::start(&state, &riley, &draft.id, run(true))
        .await
        .unwrap();
    let done = settled(jobs::watch(&state, &riley, &draft.id).unwrap()).await;
    assert_eq!(done.phase, ImportPhase::Done);
    assert_eq!((done.done, done.total), (41, 41));
    assert!(done.report.unwrap().committed);
    assert_eq!(
        counts(&db).await.0,
        before.0 + 40,
        "the 40 good rows are leads"
    );
    let again = jobs::start(&state, &riley, &draft.id, run(true))
        .await
        .unwrap_err();
    assert_eq!(
        again.fields()[0].field,
        "id",
        "an imported file is not imported twice"
    );

    // The progress feed, on the state holding the upload: the uploader gets the stream.
    let router = server::router(state.clone());
    let stream_of = |client: &Client| Client {
        router: router.clone(),
        cookie: client.cookie.clone(),
    };
    let (status, headers, _) = stream_of(&mine).send_full(&mut feed(&draft.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    assert_eq!(
        stream_of(&theirs).send(feed(&draft.id)).await.0,
        StatusCode::NOT_FOUND
    );
    db
}

both_backends!(a_cancelled_import_job_writes_nothing);
async fn a_cancelled_import_job_writes_nothing(db: TestDb) -> TestDb {
    use app::domain::import::{ImportPhase, ImportRun};
    use app::ssr::service::import_jobs as jobs;
    let db = db.with_demo(20).await;
    let state = db.state();
    let morgan = db.actor("morgan").await;
    let mut csv = String::from("Name,Email\n");
    for i in 0..2_000 {
        csv.push_str(&format!("Person {i},person{i}@list.example\n"));
    }
    let draft = jobs::upload(&state, &morgan, "list.csv", &csv).unwrap();
    let before = counts(&db).await;
    let run = ImportRun {
        custom: Vec::new(),
        source_id: source_id(&db, "Trade shows").await,
        campaign_id: None,
        mapping: draft.mapping.clone(),
        commit: true,
    };
    jobs::start(&state, &morgan, &draft.id, run).await.unwrap();
    let cancelling = jobs::cancel(&state, &morgan, &draft.id).unwrap();
    assert_eq!(cancelling.phase, ImportPhase::Importing);
    let ended = settled(jobs::watch(&state, &morgan, &draft.id).unwrap()).await;
    assert_eq!(ended.phase, ImportPhase::Cancelled);
    assert!(ended.done < ended.total);
    assert_eq!(
        counts(&db).await,
        before,
        "nothing of the cancelled import remains"
    );
    // Cancelling an idle upload forgets it.
    jobs::cancel(&state, &morgan, &draft.id).unwrap();
    assert_eq!(
        jobs::status(&state, &morgan, &draft.id)
            .unwrap_err()
            .status(),
        404
    );
    db
}

both_backends!(new_people_are_filed_in_bulk_as_intake_files_them_one_by_one);
async fn new_people_are_filed_in_bulk_as_intake_files_them_one_by_one(db: TestDb) -> TestDb {
    use app::domain::LeadId;
    let db = db.with_demo(60).await;
    let state = db.state();
    // Someone on file at a company: a row with a similar name there is likely them.
    let (known_name, known_company): (String, String) = sqlx::query_as(
        "SELECT c.name, co.name FROM contacts c JOIN companies co ON co.id = c.company_id
         ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    let companies_before: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM companies")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    let csv = format!(
        "Name,Email,Company,Budget,Country,Notes\n\
         Zed One,zed.one@zeta.example,Zeta Works,60000,US,Wants a demo\n\
         Zed Two,zed.two@zeta.example,Zeta Works,,,\n\
         {known_name},someone.new@elsewhere.example,{known_company},,,\n"
    );
    let table = import::parse_csv(&csv).unwrap();
    let source = source_id(&db, "Trade shows").await;
    let manager = db.actor("morgan").await;
    let cancel = AtomicBool::new(false);
    let report = import::run(
        &state,
        &manager,
        &plan_for(&table, source),
        &table,
        true,
        &|_, _| {},
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!((report.new, report.bad), (3, 0), "{report:?}");
    let find = |email: &'static str| {
        let db = &db;
        async move { db.find(move |l, _| l.email.as_deref() == Some(email)).await }
    };
    let one = find("zed.one@zeta.example").await;
    let two = find("zed.two@zeta.example").await;
    let likely = find("someone.new@elsewhere.example").await;
    // One new company, shared; each lead linked to its own new contact.
    let companies_after: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM companies")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    assert_eq!(companies_after.0, companies_before.0 + 1);
    type Link = (i64, Option<i64>, Option<i64>, Option<String>);
    let links: Vec<Link> = sqlx::query_as(&format!(
        "SELECT id, contact_id, company_id, country FROM leads WHERE id IN ({}, {}) ORDER BY id",
        one.id.0, two.id.0
    ))
    .fetch_all(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_ne!(links[0].1, links[1].1, "two people");
    assert_eq!(links[0].2, links[1].2, "one company");
    assert_eq!(links[0].3.as_deref(), Some("US"), "the place is kept");
    // Routed by the rules ($50k+ from a trade show), with the event naming the rule, the
    // first call planned, the message on the timeline, and scored.
    assert!(one.owner.is_some() && one.next_step.is_some());
    let kinds: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT kind FROM events WHERE lead_id = {} ORDER BY id",
        one.id.0
    ))
    .fetch_all(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(
        kinds.iter().map(|k| k.0.as_str()).collect::<Vec<_>>(),
        vec!["lead.created", "lead.assigned"]
    );
    let notes: Vec<(String, Option<String>)> = sqlx::query_as(&format!(
        "SELECT kind, note FROM activities WHERE lead_id = {}",
        one.id.0
    ))
    .fetch_all(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(notes, vec![("inquiry".into(), Some("Wants a demo".into()))]);
    assert!(
        one.score.unwrap() > two.score.unwrap(),
        "value and territory count"
    );
    assert_eq!(
        app::ssr::service::score::rescore(
            &state,
            &mut db.store.begin().await.unwrap(),
            &[one.id.0],
            app::ssr::service::now()
        )
        .await
        .unwrap()[&one.id.0]
            .score
            .as_ref()
            .map(|s| s.total),
        one.score,
        "the bulk score is the score"
    );
    // The look-alike is flagged against the person on file.
    let flagged: (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM duplicate_candidates WHERE lead_id = {}",
        likely.id.0
    ))
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(flagged.0, 1);
    // Ids drawn for the bulk rows leave the tables usable by every other path.
    let after = app::ssr::service::intake::create(
        &state,
        &manager,
        serde_json::from_value(serde_json::json!({"source_id": source,
            "contact_name": "After Import", "email": "after@import.example",
            "company": "Zeta Works"}))
        .unwrap(),
        None,
    )
    .await
    .unwrap();
    let after = db.lead(after.lead_id.unwrap()).await;
    assert!(after.id.0 > LeadId(two.id.0).0);
    db
}

both_backends!(a_person_twice_and_then_a_look_alike_is_one_lead_flagged_once);
async fn a_person_twice_and_then_a_look_alike_is_one_lead_flagged_once(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state();
    let csv = "Name,Email,Phone,Company\n\
               Visitor Twelve,v12@expo.example,,Company Twelve\n\
               Visitor Twelve,,+44 20 7946 0012,Company Twelve\n\
               Visitor Twelve,v12@expo.example,,Company Twelve\n\
               Visitor Twelvee,v5012@expo.example,,Company Twelve\n";
    let table = import::parse_csv(csv).unwrap();
    let plan = plan_for(&table, source_id(&db, "Trade shows").await);
    let marketing = db.actor("riley").await;
    let cancel = AtomicBool::new(false);
    let report = import::run(&state, &marketing, &plan, &table, true, &|_, _| {}, &cancel)
        .await
        .unwrap();
    // The second row shares only the name and company: a likely match, flagged, not merged.
    assert_eq!((report.new, report.repeats), (3, 1), "{report:?}");
    let (pairs, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT lead_id || '-' || other_lead_id) FROM duplicate_candidates
         WHERE lead_id IN (SELECT id FROM leads WHERE company = 'Company Twelve')",
    )
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(pairs, distinct, "no pair twice");
    assert!(pairs >= 2, "the look-alikes are flagged ({pairs})");
    db
}

both_backends!(a_check_reads_a_snapshot_beside_a_writer_and_foretells_the_import);
/// A check never takes the write turn: it finishes while another writer holds it (which a
/// write through the check would wait for, and PostgreSQL refuses in a read-only snapshot),
/// and it reports, row for row, what the import then does: for a rep, a manager and
/// marketing, people new, on file in and out of reach, with only closed leads, and twice.
async fn a_check_reads_a_snapshot_beside_a_writer_and_foretells_the_import(db: TestDb) -> TestDb {
    let db = db.with_demo(80).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    let open_kind = |l: &app::domain::Lead, p: &app::domain::Pipelines| {
        p.get(l.stage_id).unwrap().kind == StageKind::Open
    };
    let mine = db
        .find(|l, p| {
            l.email.is_some()
                && open_kind(l, p)
                && l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
        })
        .await;
    let other_team = db
        .find(|l, p| l.email.is_some() && open_kind(l, p) && l.team_id != dana.team_id)
        .await;
    let closed = db.find(|l, p| l.email.is_some() && !open_kind(l, p)).await;
    let email = |l: &app::domain::Lead| l.email.clone().unwrap();
    let csv = format!(
        "Name,E-mail,Company,Notes\n\
         Nell New,nell@snapshot.example,Snapshot Ltd,first\n\
         {},{},,again\n\
         {},{},,from another team\n\
         {},{},,back after closing\n\
         {},{},,back again\n\
         {},{},,another team twice\n\
         Nell N.,NELL@snapshot.example,Snapshot Ltd,second\n\
         Bad Mail,not-an-address,,\n",
        mine.contact_name,
        email(&mine),
        other_team.contact_name,
        email(&other_team),
        closed.contact_name,
        email(&closed),
        closed.contact_name,
        email(&closed),
        other_team.contact_name,
        email(&other_team),
    );
    let table = import::parse_csv(&csv).unwrap();
    let source = source_id(&db, "Trade shows").await;
    let plan = plan_for(&table, source);
    let cancel = AtomicBool::new(false);
    for who in ["dana", "morgan", "riley"] {
        let actor = db.actor(who).await;
        let before = counts(&db).await;
        let held = db.store.begin().await.unwrap();
        let check = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            import::run(&state, &actor, &plan, &table, false, &|_, _| {}, &cancel),
        )
        .await
        .unwrap_or_else(|_| panic!("{who}'s check waited for the writer"))
        .unwrap();
        drop(held);
        assert_eq!(counts(&db).await, before, "{who}'s check wrote nothing");
        let done = import::run(&state, &actor, &plan, &table, true, &|_, _| {}, &cancel)
            .await
            .unwrap();
        assert!(done.committed);
        let tally =
            |r: &app::domain::import::ImportReport| (r.rows, r.new, r.existing, r.repeats, r.bad);
        assert_eq!(tally(&check), tally(&done), "{who}: the check's counts");
        assert_eq!(check.lines, done.lines, "{who}: the check's rows");
        assert_eq!(counts(&db).await.0, before.0 + done.new as i64);
        if who == "dana" {
            // Her own lead's person is added to it; the other team's person and the closed
            // lead's are new leads of hers, and each second row of them a repeat.
            let rows: Vec<(usize, RowOutcome)> = check
                .lines
                .iter()
                .map(|l| (l.row, l.outcome.clone()))
                .filter(|(_, o)| !matches!(o, RowOutcome::Bad { .. }))
                .collect();
            assert_eq!(
                rows,
                vec![
                    (2, RowOutcome::Existing { lead_id: mine.id.0 }),
                    (5, RowOutcome::Repeat { row: 4 }),
                    (6, RowOutcome::Repeat { row: 3 }),
                    (7, RowOutcome::Repeat { row: 1 }),
                ]
            );
            assert_eq!((check.new, check.bad), (3, 1));
        }
    }
    db
}
