//! Fresh databases per test (like `#[sqlx::test]`, for both backends), fixtures, and the
//! `both_backends!` macro that turns one async test body into a SQLite and a PostgreSQL test.

use app::domain::{Actor, Lead, LeadId, MoveRequest, Pipelines, StageId, Timestamp, UserId};
use app::ssr::auth::{self, ClientInfo};
use app::ssr::store::{accounts, leads, Store, StoreOptions};
use app::ssr::AppState;
use server::seed;
use sqlx::{Connection, Executor, PgConnection};
use std::sync::atomic::{AtomicU32, Ordering};

/// The instant every fixture is anchored at: 2026-11-29T06:00:00Z.
pub const ANCHOR: Timestamp = Timestamp(1_795_932_000_000);

pub enum Kind {
    Sqlite,
    Postgres,
}

/// A migrated, empty database that is removed when the test finishes.
pub struct TestDb {
    pub store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    /// A SQLite file in a directory the test owns.
    File(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A migrated SQLite store in the file at `path`.
async fn migrated_sqlite(path: &std::path::Path) -> Store {
    let url = format!("sqlite:{}", path.display());
    let store = Store::connect(&StoreOptions::new(url))
        .await
        .expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    store
}

impl TestDb {
    pub async fn new(kind: Kind) -> TestDb {
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                TestDb {
                    store: migrated_sqlite(&dir.path().join("test.db")).await,
                    cleanup: Cleanup::Dir(dir),
                }
            }
            Kind::Postgres => {
                let admin_url = std::env::var("CLOSELOOP_TEST_PG_URL").expect(
                    "CLOSELOOP_TEST_PG_URL is not set: PostgreSQL tests need a server \
                     (run scripts/test, which installs and starts one)",
                );
                let name = format!(
                    "closeloop_test_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst)
                );
                let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("cannot reach PostgreSQL at CLOSELOOP_TEST_PG_URL: {e}")
                });
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
                    .await
                    .expect("drop old test db");
                admin
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create test db");
                admin.close().await.ok();
                let url = replace_db_name(&admin_url, &name);
                let store = Store::connect(&StoreOptions::new(url))
                    .await
                    .expect("open postgres");
                store.migrate().await.expect("migrate postgres");
                TestDb {
                    store,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
        }
    }

    /// A migrated, empty SQLite database at `path` (in a directory the test owns).
    pub async fn sqlite_at(path: &std::path::Path) -> TestDb {
        TestDb {
            store: migrated_sqlite(path).await,
            cleanup: Cleanup::File(path.to_path_buf()),
        }
    }

    /// Closes the pools and drops the database. Called by `both_backends!` after a passing
    /// test; a failing test leaves its database for inspection (scripts/test clears old ones).
    pub async fn finish(self) {
        self.store.close().await;
        if let Cleanup::Postgres { admin_url, name } = self.cleanup {
            if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                let _ = admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await;
            }
        }
    }

    /// Loads a small deterministic demo organisation.
    pub async fn with_demo(self, leads: usize) -> TestDb {
        seed::load_demo(
            &self.store,
            seed::DemoOptions {
                leads,
                seed: 7,
                anchor: ANCHOR,
            },
        )
        .await
        .expect("load demo")
        .expect("database was empty");
        self
    }

    /// The database URL, for starting real server processes on it.
    pub fn url(&self) -> String {
        match &self.cleanup {
            Cleanup::Postgres { admin_url, name } => replace_db_name(admin_url, name),
            Cleanup::Dir(dir) => format!("sqlite:{}", dir.path().join("test.db").display()),
            Cleanup::File(path) => format!("sqlite:{}", path.display()),
        }
    }

    pub fn state(&self) -> AppState {
        self.state_with(Default::default())
    }

    /// A state with these authentication settings (live-feed recheck, proxies, …).
    pub fn state_with(&self, settings: app::ssr::auth::AuthSettings) -> AppState {
        server::state(
            self.store.clone(),
            server::leptos_options(
                std::path::Path::new("target/site"),
                ([127, 0, 0, 1], 0).into(),
            ),
            settings,
        )
    }

    /// A demo user by the local part of their address ("dana", "morgan", "eleanor", …).
    pub async fn actor(&self, local: &str) -> Actor {
        let mut conn = self.store.read().await.unwrap();
        let user = accounts::user_by_email(&mut conn, &format!("{local}@closeloop.example"))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no demo user {local}"));
        accounts::actor(&mut conn, user.id)
            .await
            .unwrap()
            .expect("active user")
    }

    /// The secret of a new intake key (issued by Riley, marketing) for the demo source `source`.
    pub async fn intake_key(&self, source: &str) -> String {
        let state = self.state();
        let riley = self.actor("riley").await;
        let id = app::ssr::service::keys::sources(&state, &riley)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.name == source)
            .unwrap_or_else(|| panic!("no demo source {source}"))
            .id;
        app::ssr::service::keys::issue(
            &state,
            &riley,
            app::ssr::store::accounts::KeyKind::Intake,
            source,
            Some(id),
        )
        .await
        .unwrap()
        .secret
    }

    /// The active user `id` as an actor.
    pub async fn actor_by_id(&self, id: i64) -> Actor {
        let mut conn = self.store.read().await.unwrap();
        accounts::actor(&mut conn, UserId(id))
            .await
            .unwrap()
            .expect("active user")
    }

    /// Someone allowed to change `lead`: its owner, or its team's manager when unassigned.
    pub async fn editor_of(&self, lead: &Lead) -> Actor {
        let mut conn = self.store.read().await.unwrap();
        let id = match &lead.owner {
            Some(owner) => owner.id,
            None => {
                let (manager,): (i64,) =
                    sqlx::query_as("SELECT manager_id FROM teams WHERE id = $1")
                        .bind(lead.team_id.expect("demo leads have a team").0)
                        .fetch_one(&mut *conn)
                        .await
                        .unwrap();
                manager
            }
        };
        accounts::actor(&mut conn, UserId(id))
            .await
            .unwrap()
            .expect("active user")
    }

    /// A session for a demo user written straight into the database (no password hashing):
    /// the `Cookie` header value.
    pub async fn quick_session(&self, local: &str) -> String {
        let actor = self.actor(local).await;
        let secret = auth::secret::random_secret(auth::SESSION_PREFIX, 16);
        let mut tx = self.store.begin().await.unwrap();
        accounts::insert_session(
            &mut tx,
            &accounts::NewSession {
                id_hash: &auth::secret::digest(&secret),
                user: actor.id,
                at: app::ssr::service::now(),
                expires_at: app::ssr::service::now().plus_days(1),
                ip: None,
                user_agent: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        format!("{}={secret}", auth::SESSION_COOKIE)
    }

    /// Signs a demo user in through the real sign-in code; returns the `Cookie` header value.
    pub async fn session_cookie(&self, state: &AppState, local: &str) -> String {
        let signed = auth::sign_in(
            state,
            &format!("{local}@closeloop.example"),
            seed::DEMO_PASSWORD,
            &ClientInfo::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("demo sign-in for {local} failed: {e}"));
        format!("{}={}", auth::SESSION_COOKIE, signed.session)
    }

    pub async fn pipeline(&self) -> Pipelines {
        app::ssr::store::pipelines::read(&mut self.store.read().await.unwrap())
            .await
            .unwrap()
    }

    /// The id of the stage with this key.
    pub async fn stage(&self, key: &str) -> StageId {
        self.pipeline()
            .await
            .by_key(key)
            .unwrap_or_else(|| panic!("no stage {key}"))
            .id
    }

    pub async fn lead(&self, id: LeadId) -> Lead {
        leads::lead(&mut self.store.read().await.unwrap(), id)
            .await
            .unwrap()
            .expect("lead exists")
    }

    /// Priya (West's manager) sets West's first-touch time to `minutes` through Settings;
    /// returns West's id.
    pub async fn set_west_first_touch(
        &self,
        state: &AppState,
        minutes: u32,
    ) -> app::domain::TeamId {
        use app::domain::policy_form::PolicyForm;
        use app::ssr::service::policy as settings;
        let priya = self.actor("priya").await;
        let west = priya.managed_teams[0];
        let page = settings::settings(state, &priya).await.unwrap();
        let scope = page.scopes.iter().find(|s| s.team == Some(west)).unwrap();
        let mut form = PolicyForm::of(&scope.policy, &page.stages, &page.sources);
        form.first_touch_minutes = minutes.to_string();
        settings::save(state, &priya, Some(west), form, scope.policy.version)
            .await
            .unwrap();
        west
    }

    /// The lead's owner (or an editor) logs a call that reached the contact, with a meeting
    /// due at `due` as the next step.
    pub async fn log_reached_call(&self, state: &AppState, id: LeadId, due: Timestamp) {
        use app::domain::activity::{ActivityKind, LogRequest, NextStepInput, Outcome};
        let lead = self.lead(id).await;
        let owner = self.editor_of(&lead).await;
        app::ssr::service::work::log_activity(
            state,
            &owner,
            lead.id,
            LogRequest {
                version: lead.version,
                kind: ActivityKind::Call,
                outcome: Some(Outcome::Reached),
                note: None,
                next_step: Some(NextStepInput {
                    kind: app::domain::NextStepKind::Meeting,
                    due_at: due,
                    note: None,
                }),
            },
        )
        .await
        .unwrap();
    }

    /// Every lead, by id.
    pub async fn all_leads(&self) -> Vec<Lead> {
        let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM leads ORDER BY id")
            .fetch_all(&mut *self.store.read().await.unwrap())
            .await
            .unwrap();
        let mut out = Vec::new();
        for (id,) in ids {
            out.push(self.lead(LeadId(id)).await);
        }
        out
    }

    /// The first lead satisfying `pred`, in id order.
    pub async fn find(&self, pred: impl Fn(&Lead, &Pipelines) -> bool) -> Lead {
        let p = self.pipeline().await;
        self.all_leads()
            .await
            .into_iter()
            .find(|l| pred(l, &p))
            .expect("the demo data has such a lead")
    }

    /// An open lead accepted by `also`, with a value and a next step, whose next stage is open
    /// too (so a move forward needs nothing more); and that next stage.
    pub async fn movable(&self, also: impl Fn(&Lead) -> bool) -> (Lead, StageId) {
        let lead = self
            .find(|l, p| {
                p.get(l.stage_id).unwrap().kind == app::domain::StageKind::Open
                    && l.next_step.is_some()
                    && l.value.is_some()
                    && p.next(l.stage_id)
                        .is_some_and(|n| n.kind == app::domain::StageKind::Open)
                    && also(l)
            })
            .await;
        let next = self.pipeline().await.next(lead.stage_id).unwrap().id;
        (lead, next)
    }

    pub async fn event_count(&self) -> i64 {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
            .fetch_one(&mut *self.store.read().await.unwrap())
            .await
            .unwrap();
        n
    }
}

/// A deterministic generator (the suites must be reproducible from their seeds).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// A free local port, for a server process.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A move to `to` based on `version`, without a close-out.
pub fn move_to(to: StageId, version: i64) -> MoveRequest {
    MoveRequest {
        to_stage: to,
        version,
        close_reason: None,
        close_note: None,
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    let mut out = format!("{}/{}", &base[..cut], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Declares `sqlite` and `postgres` tests that run `$body(TestDb)`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::support::TestDb::new($crate::support::Kind::Sqlite).await;
                let db = super::$name(db).await;
                db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::support::TestDb::new($crate::support::Kind::Postgres).await;
                let db = super::$name(db).await;
                db.finish().await;
            }
        }
    };
}
