//! Pipelines and stages as settings, on both backends: a database from before pipelines keeps
//! its figures through the migration; an admin adds a second pipeline whose board holds its own
//! leads; a save is a checked, versioned change; a stage with leads retires only after they
//! move through the rules; managers shape their teams' pipelines only when allowed; a whole
//! pipeline retires once no open lead and no team needs it.

use crate::both_backends;
use crate::support::{move_to, TestDb};
use app::domain::pipeline_form::{PipelineForm, StageForm};
use app::domain::{BoardFilter, Criterion, Lead, PipelineId, StageId, StageKind, TeamId};
use app::error::AppError;
use app::ssr::service;
use app::ssr::service::pipelines as settings;

/// (stage id, count) of every column of the board `who` sees in `pipeline`.
async fn columns(db: &TestDb, who: &str, pipeline: Option<PipelineId>) -> Vec<(StageId, i64)> {
    let board = service::board(
        &db.state(),
        &db.actor(who).await,
        BoardFilter {
            pipeline,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    board
        .columns
        .iter()
        .map(|c| (c.summary.stage_id, c.summary.count))
        .collect()
}

/// The ROI report over the last year, as leadership reads it.
async fn year_of_roi(
    state: &app::ssr::AppState,
    who: &app::domain::Actor,
) -> app::model::roi::RoiReport {
    let q = app::model::roi::RoiQuery::last(365);
    service::roi::report(state, who, q).await.unwrap()
}

fn fields(e: &AppError) -> Vec<String> {
    e.fields().iter().map(|f| f.field.clone()).collect()
}

both_backends!(a_database_from_before_pipelines_keeps_every_lead_and_figure);
/// The demo is loaded, then the schema is taken back to what migration 22 left (the pipeline
/// tables and columns dropped, the migration forgotten) and migrated again: what the board,
/// compliance and ROI showed before is what they show after, and the stages form the one
/// default pipeline with the probabilities filled in.
async fn a_database_from_before_pipelines_keeps_every_lead_and_figure(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let board_before = columns(&db, "eleanor", None).await;
    let state = db.state();
    let eleanor = db.actor("eleanor").await;
    let figures = || async {
        let c = service::compliance::organisation(&state, 90).await.unwrap();
        let r = year_of_roi(&state, &eleanor).await;
        format!("{:?} {:?} {:?} {:?}", c.teams, c.reps, r.funnel, r.channels)
    };
    let figures_before = figures().await;
    let events_before = db.event_count().await;
    {
        let mut conn = db.store.read().await.unwrap();
        for sql in [
            // Quotas (26), the forecast (25) and custom fields (24) came later: back before
            // them first.
            "DROP TABLE quotas",
            "DELETE FROM _sqlx_migrations WHERE version = 26",
            "DROP INDEX leads_expected_close",
            "ALTER TABLE leads DROP COLUMN expected_close",
            "ALTER TABLE leads DROP COLUMN committed",
            "DELETE FROM _sqlx_migrations WHERE version = 25",
            "DROP TABLE field_values",
            "DROP TABLE field_definitions",
            "ALTER TABLE leads DROP COLUMN fields",
            "DELETE FROM _sqlx_migrations WHERE version = 24",
            "DROP INDEX stages_pipeline",
            "ALTER TABLE stages DROP COLUMN pipeline_id",
            "ALTER TABLE stages DROP COLUMN probability",
            "ALTER TABLE stages DROP COLUMN stale_days",
            "ALTER TABLE stages DROP COLUMN retired_at",
            "DROP TABLE pipeline_versions",
            "DROP TABLE team_pipelines",
            "DROP TABLE pipelines",
            "ALTER TABLE org_settings DROP COLUMN managers_edit_pipelines",
            "DELETE FROM _sqlx_migrations WHERE version = 23",
        ] {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
    }
    db.store.migrate().await.unwrap();
    db.store.forget_pipeline();
    assert_eq!(columns(&db, "eleanor", None).await, board_before);
    assert_eq!(figures().await, figures_before);
    assert_eq!(
        db.event_count().await,
        events_before,
        "the log is untouched"
    );
    let p = db.pipeline().await;
    assert_eq!(p.pipelines().len(), 1);
    let sales = &p.pipelines()[0];
    assert_eq!(
        (sales.id, sales.name.as_str(), sales.version),
        (PipelineId(1), "Sales", 1)
    );
    assert_eq!(sales.teams.len(), 3, "every team works in it");
    let chances: Vec<u8> = p.board(sales.id).iter().map(|s| s.win_percent()).collect();
    assert_eq!(chances, [10, 20, 40, 60, 80, 100, 0]);
    db
}

/// A "Renewals" pipeline for the West team: Due (30 %), Proposal (70 %, needs a value),
/// Renewed, Churned.
fn renewals(west: TeamId) -> PipelineForm {
    PipelineForm {
        name: "Renewals".into(),
        teams: vec![west],
        stages: vec![
            StageForm::blank("Due", StageKind::Open, "30"),
            StageForm {
                entry_criteria: vec![Criterion::Value],
                ..StageForm::blank("Proposal", StageKind::Open, "70")
            },
            StageForm::blank("Renewed", StageKind::Won, ""),
            StageForm::blank("Churned", StageKind::Lost, ""),
        ],
    }
}

both_backends!(a_second_pipeline_has_its_own_board_rules_and_history);
async fn a_second_pipeline_has_its_own_board_rules_and_history(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let priya = db.actor("priya").await;
    let west = priya.managed_teams[0];
    let id = settings::create(&state, &admin, renewals(west))
        .await
        .unwrap();
    let page = settings::settings(&state, &admin).await.unwrap();
    assert_eq!(page.pipelines.active().count(), 2);
    assert_eq!(
        page.history[0].changes[0],
        "Created the pipeline \"Renewals\""
    );
    assert!(page.history[0]
        .changes
        .iter()
        .any(|c| c == "Mid-Market West works in it"));
    let p = &page.pipelines;
    let stage = |name: &str| p.board(id).into_iter().find(|s| s.name == name).unwrap().id;
    let (due, proposal) = (stage("Due"), stage("Proposal"));
    // Same name twice is refused by name.
    let again = settings::create(&state, &admin, renewals(west))
        .await
        .unwrap_err();
    assert_eq!(fields(&again), ["name"]);

    // One of West's open leads moves over, rules checked at the destination.
    let lead: Lead = db
        .find(|l, p| {
            l.team_id == Some(west)
                && l.value.is_none()
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
        })
        .await;
    let editor = db.editor_of(&lead).await;
    let eleanor = db.actor("eleanor").await;
    let roi = || async {
        let r = year_of_roi(&state, &eleanor).await;
        (r.total.converted, r.funnel.len())
    };
    let roi_before = roi().await;
    let refused = service::move_lead(&state, &editor, lead.id, move_to(proposal, lead.version))
        .await
        .unwrap_err();
    assert_eq!(fields(&refused), ["value"], "{refused}");
    let moved = service::move_lead(&state, &editor, lead.id, move_to(due, lead.version))
        .await
        .unwrap();
    assert_eq!(moved.stage_id, due);
    // Its new stage sorts after Sales' won stage, yet the lead is not counted as converted,
    // and the funnel is still Sales' (six steps: five open stages and won).
    assert_eq!(roi().await, roi_before);
    assert_eq!(roi_before.1, 6);
    // Renewals' own funnel: its open stages and its won stage, the moved lead at "Due".
    let funnel_of = |pipeline: Option<i64>| {
        let state = &state;
        let eleanor = &eleanor;
        async move {
            let q = app::model::roi::RoiQuery {
                pipeline,
                ..app::model::roi::RoiQuery::last(365)
            };
            service::roi::report(state, eleanor, q).await
        }
    };
    let r = funnel_of(Some(id.0)).await.unwrap();
    assert_eq!(r.funnel_pipeline, "Renewals");
    assert_eq!(r.pipelines.len(), 2, "a picker of both");
    let steps: Vec<(&str, u32)> = r
        .funnel
        .iter()
        .map(|s| (s.stage.as_str(), s.reached))
        .collect();
    assert_eq!(steps, [("Due", 1), ("Proposal", 0), ("Renewed", 0)]);
    assert_eq!(funnel_of(None).await.unwrap().funnel_pipeline, "Sales");
    let e = funnel_of(Some(99)).await.unwrap_err();
    assert_eq!(fields(&e), ["pipeline"]);
    // Compliance narrowed to Renewals counts its one open lead alone.
    let compliance = |pipeline: Option<i64>| {
        let state = &state;
        let eleanor = &eleanor;
        async move {
            let q = app::model::compliance::ComplianceQuery {
                days: 365,
                pipeline,
                ..Default::default()
            };
            service::compliance::page(state, eleanor, q).await
        }
    };
    let narrowed = compliance(Some(id.0)).await.unwrap();
    assert_eq!(narrowed.pipelines.len(), 2);
    let open_counted: u32 = narrowed
        .reps
        .iter()
        .map(|r| r.card.next_step_planned.counted)
        .sum();
    assert_eq!(open_counted, 1);
    let e = compliance(Some(99)).await.unwrap_err();
    assert_eq!(fields(&e), ["pipeline"]);

    // The boards: Renewals holds it alone; the Sales board no longer counts it.
    let renewals_board = columns(&db, "priya", Some(id)).await;
    assert_eq!(renewals_board.len(), 4);
    assert_eq!(renewals_board[0], (due, 1));
    let sales: i64 = columns(&db, "priya", Some(PipelineId(1)))
        .await
        .iter()
        .map(|(_, n)| n)
        .sum();
    let all_west = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| l.team_id == Some(west))
        .count() as i64;
    assert_eq!(sales, all_west - 1);
    // West works in Sales first (by position), so Priya's board opens on Sales.
    assert_eq!(columns(&db, "priya", None).await.len(), 7);
    // No such pipeline: the field is named.
    let e = service::board(
        &state,
        &priya,
        BoardFilter {
            pipeline: Some(PipelineId(99)),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["pipeline"]);
    // Closing it out as lost lands in Renewals' own lost stage.
    let lost = db
        .pipeline()
        .await
        .close_out(due, StageKind::Lost)
        .unwrap()
        .id;
    assert_eq!(lost, stage("Churned"));
    db
}

both_backends!(a_save_is_checked_field_by_field_and_kept_as_a_version);
async fn a_save_is_checked_field_by_field_and_kept_as_a_version(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let sales = PipelineId(1);
    let p = db.pipeline().await;
    let mut form = PipelineForm::of(&p, sales).unwrap();
    let version = p.pipeline(sales).unwrap().version;
    let contacted = db.stage("contacted").await;

    // Bad fields: each named, nothing saved.
    let mut bad = form.clone();
    bad.stages[2].probability = "140".into();
    bad.stages[1].name = String::new();
    let e = settings::save(&state, &admin, sales, bad, version)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["stages.1.name", "stages.2.probability"]);
    // A stage that has leads cannot just be deleted.
    let mut without = form.clone();
    without.stages.remove(1);
    let e = settings::save(&state, &admin, sales, without, version)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("retire it instead"), "{e}");
    // Nor can a stage of another pipeline be smuggled in.
    let mut smuggled = form.clone();
    smuggled.stages[0].id = Some(StageId(9_999));
    let e = settings::save(&state, &admin, sales, smuggled, version)
        .await
        .unwrap_err();
    assert_eq!(fields(&e)[0], "stages.0");
    assert_eq!(db.pipeline().await, p, "nothing changed");

    // A good save: a renamed stage, a new one, a stale limit; the history says so.
    form.stages[1].name = "Reached".into();
    form.stages[1].stale_days = "3".into();
    form.add_stage();
    form.stages[5].name = "Verbal yes".into();
    let page = settings::save(&state, &admin, sales, form.clone(), version)
        .await
        .unwrap();
    let after = &page.pipelines;
    assert_eq!(after.pipeline(sales).unwrap().version, version + 1);
    let names: Vec<&str> = after.board(sales).iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "New",
            "Reached",
            "Qualified",
            "Quoted",
            "Negotiating",
            "Verbal yes",
            "Won",
            "Lost"
        ]
    );
    assert_eq!(
        page.history[0].changes,
        [
            "Renamed \"Contacted\" to \"Reached\"",
            "Stale limit of \"Reached\": none → 3 days",
            "Added the open stage \"Verbal yes\"",
        ]
    );
    // The stage's stale limit is what the follow-up policy now applies there.
    let policies = db
        .store
        .policies(&mut db.store.read().await.unwrap())
        .await
        .unwrap();
    assert_eq!(policies.org.idle_days_for(contacted), Some(3));
    // Saving again from the old version is refused, naming the version.
    let e = settings::save(&state, &admin, sales, form, version)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["version"]);
    let (saved,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM events WHERE kind = 'pipeline.saved'")
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert_eq!(saved, 1);
    db
}

both_backends!(a_stage_retires_only_once_its_leads_have_moved_through_the_rules);
async fn a_stage_retires_only_once_its_leads_have_moved_through_the_rules(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let p = db.pipeline().await;
    let version = p.pipeline(PipelineId(1)).unwrap().version;
    let (contacted, qualified, new) = (
        db.stage("contacted").await,
        db.stage("qualified").await,
        db.stage("new").await,
    );
    let in_contacted: Vec<Lead> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| l.stage_id == contacted)
        .collect();
    assert!(in_contacted.iter().any(|l| l.value.is_none()));
    // Into Qualified (needs a value): those without one stay, each with the reason.
    let report = settings::retire_stage(&state, &admin, contacted, Some(qualified), version)
        .await
        .unwrap();
    assert!(!report.retired);
    assert!(!report.refused.is_empty());
    assert!(
        report
            .refused
            .iter()
            .all(|(_, _, why)| why.contains("value")),
        "{report:?}"
    );
    let left = in_contacted.len() as i64 - report.moved;
    assert_eq!(left, report.refused.len() as i64);
    // The moves that happened were saved as moves; the pipeline's version is unchanged.
    let p = db.pipeline().await;
    assert_eq!(p.pipeline(PipelineId(1)).unwrap().version, version);
    // The rest go back to New, but a move is working the lead: the policy wants a next step
    // on each, so one without stays until its owner plans one. Then the stage retires.
    let report = settings::retire_stage(&state, &admin, contacted, Some(new), version)
        .await
        .unwrap();
    let mut moved = report.moved;
    if !report.retired {
        assert!(
            report
                .refused
                .iter()
                .all(|(_, _, why)| why.contains("next step")),
            "{report:?}"
        );
        let due = app::domain::Timestamp(app::ssr::service::now().0 + 86_400_000);
        for (id, _, _) in &report.refused {
            db.log_reached_call(&state, app::domain::LeadId(*id), due)
                .await;
        }
        let report = settings::retire_stage(&state, &admin, contacted, Some(new), version)
            .await
            .unwrap();
        assert!(report.retired, "{report:?}");
        moved += report.moved;
    }
    assert_eq!(moved, left);
    let p = db.pipeline().await;
    assert!(p.get(contacted).unwrap().retired);
    assert!(!p.board(PipelineId(1)).iter().any(|s| s.id == contacted));
    assert!(!columns(&db, "eleanor", None)
        .await
        .iter()
        .any(|(s, _)| *s == contacted));
    // Nothing may enter it now.
    let (lead, _) = db.movable(|_| true).await;
    let editor = db.editor_of(&lead).await;
    let e = service::move_lead(&state, &editor, lead.id, move_to(contacted, lead.version))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("retired"), "{e}");
    // The only lost stage cannot retire.
    let lost = db.stage("lost").await;
    let e = settings::retire_stage(&state, &admin, lost, Some(new), version + 1)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only lost stage"), "{e}");
    db
}

both_backends!(managers_shape_their_teams_pipelines_only_when_an_admin_allows);
async fn managers_shape_their_teams_pipelines_only_when_an_admin_allows(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let priya = db.actor("priya").await;
    let west = priya.managed_teams[0];
    let others: Vec<TeamId> = db
        .pipeline()
        .await
        .pipeline(PipelineId(1))
        .unwrap()
        .teams
        .iter()
        .copied()
        .filter(|t| *t != west)
        .collect();
    let renewals_id = settings::create(
        &state,
        &admin,
        PipelineForm {
            teams: others.clone(),
            ..renewals(west)
        },
    )
    .await
    .unwrap();
    let page = settings::settings(&state, &priya).await.unwrap();
    assert!(page.editable.is_empty(), "not allowed yet");
    assert!(!page.admin);
    assert!(
        page.pipelines.pipeline(renewals_id).is_none(),
        "West does not work in Renewals: Priya does not see it"
    );
    let form = PipelineForm::of(&db.pipeline().await, PipelineId(1)).unwrap();
    let e = settings::save(&state, &priya, PipelineId(1), form.clone(), 1)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden { .. }), "{e:?}");
    // Riley (marketing) and Dana (rep) do not even read the page.
    for who in ["riley", "dana"] {
        let e = settings::settings(&state, &db.actor(who).await)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden { .. }), "{who}: {e:?}");
    }
    assert!(settings::set_managers_may_edit(&state, &priya, true)
        .await
        .is_err());
    settings::set_managers_may_edit(&state, &admin, true)
        .await
        .unwrap();
    let page = settings::settings(&state, &priya).await.unwrap();
    assert_eq!(page.editable, [PipelineId(1)]);
    // Priya renames a stage, but may not choose the teams.
    let mut teams_changed = form.clone();
    teams_changed.teams = vec![west];
    let e = settings::save(&state, &priya, PipelineId(1), teams_changed, 1)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["teams"]);
    let mut renamed = form;
    renamed.stages[0].name = "Inbound".into();
    settings::save(&state, &priya, PipelineId(1), renamed, 1)
        .await
        .unwrap();
    // A pipeline none of her teams works in stays out of reach.
    let theirs = PipelineForm::of(&db.pipeline().await, renewals_id).unwrap();
    let e = settings::save(&state, &priya, renewals_id, theirs, 1)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden { .. }), "{e:?}");
    // Taking the permission back ends it at once.
    settings::set_managers_may_edit(&state, &admin, false)
        .await
        .unwrap();
    let form = PipelineForm::of(&db.pipeline().await, PipelineId(1)).unwrap();
    let e = settings::save(&state, &priya, PipelineId(1), form, 2)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden { .. }), "{e:?}");
    db
}

both_backends!(an_admin_retires_a_pipeline_once_no_open_lead_or_team_needs_it);
async fn an_admin_retires_a_pipeline_once_no_open_lead_or_team_needs_it(db: TestDb) -> TestDb {
    let db = db.with_demo(80).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let priya = db.actor("priya").await;
    let west = priya.managed_teams[0];
    let sales = PipelineId(1);
    let version = |p: &app::domain::Pipelines, id| p.pipeline(id).unwrap().version;
    // The only pipeline cannot go.
    let v = version(&db.pipeline().await, sales);
    let e = settings::retire_pipeline(&state, &admin, sales, v)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["pipeline"]);
    let id = settings::create(&state, &admin, renewals(west))
        .await
        .unwrap();
    // Sales holds open leads.
    let e = settings::retire_pipeline(&state, &admin, sales, v)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["pipeline"]);
    assert!(e.to_string().contains("open leads: move them"), "{e}");
    // Only admins retire a pipeline, managers not even their teams'.
    let e = settings::retire_pipeline(&state, &priya, id, 1)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden { .. }), "{e:?}");
    // One of West's leads moves over and holds Renewals until it is closed out.
    let lead: Lead = db
        .find(|l, p| {
            l.team_id == Some(west)
                && l.value.is_none()
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
        })
        .await;
    let editor = db.editor_of(&lead).await;
    let due = db.pipeline().await.board(id)[0].id;
    let moved = service::move_lead(&state, &editor, lead.id, move_to(due, lead.version))
        .await
        .unwrap();
    let e = settings::retire_pipeline(&state, &admin, id, 1)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("1 open lead: move it"), "{e}");
    service::work::close_out(
        &state,
        &editor,
        lead.id,
        app::domain::activity::CloseOut::Lost {
            version: moved.version,
            reason: Some(app::domain::CloseReason::NoBudget),
            note: None,
        },
    )
    .await
    .unwrap();
    // West working in Renewals alone holds it too.
    let p = db.pipeline().await;
    let mut form = PipelineForm::of(&p, sales).unwrap();
    form.teams.retain(|t| *t != west);
    settings::save(&state, &admin, sales, form.clone(), version(&p, sales))
        .await
        .unwrap();
    let e = settings::retire_pipeline(&state, &admin, id, 1)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["teams"]);
    assert!(
        e.to_string()
            .contains("Mid-Market West works in no other pipeline"),
        "{e}"
    );
    let p = db.pipeline().await;
    form.teams.push(west);
    settings::save(&state, &admin, sales, form, version(&p, sales))
        .await
        .unwrap();

    // Now it retires: off the pickers and the board, its closed lead kept, a version noted.
    let events = db.event_count().await;
    let e = settings::retire_pipeline(&state, &admin, id, 0)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["version"], "a stale version");
    let page = settings::retire_pipeline(&state, &admin, id, 1)
        .await
        .unwrap();
    assert_eq!(db.event_count().await, events + 1);
    assert_eq!(page.pipelines.active().count(), 1);
    assert_eq!(
        page.history[0].changes,
        ["Retired the pipeline \"Renewals\""]
    );
    let kept = db.lead(lead.id).await;
    assert_eq!(
        db.pipeline().await.get(kept.stage_id).unwrap().pipeline_id,
        id,
        "the closed lead keeps its stage"
    );
    assert_eq!(columns(&db, "priya", None).await.len(), 7, "Sales' board");
    let e = settings::retire_pipeline(&state, &admin, id, 2)
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::NotFound { .. }),
        "already retired: {e:?}"
    );
    db
}
