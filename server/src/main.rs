//! `closeloop`: serve the app, or run operational subcommands (`--help` lists them).

use anyhow::Context;
use app::ssr::store::{org, SqliteSync, Store, StoreOptions};
use clap::Parser;
use server::config::{Cli, Command, DbArgs, ServeArgs};
use server::seed;
use tracing_subscriber::EnvFilter;

/// Many small, short-lived allocations per request and per imported row: mimalloc serves them
/// faster than the system allocator (measured in `bench --only import`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is normal; a malformed one should not pass silently.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            return Err(e).context("read .env");
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let (db, command) = Cli::parse().into_parts();
    match command {
        Command::Migrate => {
            let store = open(&db).await?;
            store.migrate().await.context("migrate")?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve(args) => serve(&db, args).await,
        Command::Backup(args) => {
            let store = open(&db).await?;
            let done = app::ssr::store::backup::backup(&store, &args.to)
                .await
                .unwrap_or_else(|e| fail(&e));
            println!(
                "Backed up to {} ({} bytes; {} leads, {} events; integrity ok).",
                done.path.display(),
                done.bytes,
                done.leads,
                done.events
            );
            Ok(())
        }
        Command::Restore(args) => {
            let done = app::ssr::store::backup::restore(&args.from, &db.database_url)
                .await
                .unwrap_or_else(|e| fail(&e));
            println!(
                "Restored {} from {} ({} leads, {} events; integrity ok). Start the server.",
                done.path.display(),
                args.from.display(),
                done.leads,
                done.events
            );
            Ok(())
        }
        Command::CreateAdmin(args) => {
            let state = cli_state(&db).await?;
            let password = read_password()?;
            let user = app::ssr::service::accounts::create_user(
                &state,
                None,
                app::domain::account::NewUser {
                    name: args.name,
                    email: args.email,
                    role: app::domain::Role::Admin,
                    team_id: None,
                    password,
                },
            )
            .await
            .unwrap_or_else(|e| refuse(&e));
            println!(
                "Created admin {} <{}>; sign in at /signin.",
                user.name, user.email
            );
            Ok(())
        }
        Command::ResetPassword(args) => {
            let state = cli_state(&db).await?;
            let password = read_password()?;
            let user =
                app::ssr::service::accounts::reset_password(&state, None, &args.email, password)
                    .await
                    .unwrap_or_else(|e| refuse(&e));
            println!(
                "New password set for {} <{}>; the account is unlocked and its sessions ended.",
                user.name, user.email
            );
            Ok(())
        }
        Command::ImportLeads(args) => {
            let state = cli_state(&db).await?;
            let code = server::import_cli::run(&state, &args)
                .await
                .unwrap_or_else(|e| refuse(&e));
            std::process::exit(code)
        }
        Command::CreateApiToken(args) => {
            let state = cli_state(&db).await?;
            let scope = app::domain::account::TokenScope::parse(&args.scope).unwrap_or_else(|| {
                refuse(&app::error::AppError::field(
                    "scope",
                    "The scope is read or write",
                ))
            });
            let actor = {
                let mut conn = state.store.read().await.context("connect")?;
                let user = app::ssr::store::accounts::user_by_email(&mut conn, &args.email)
                    .await
                    .context("find account")?;
                match user {
                    Some(u) => app::ssr::store::accounts::actor(&mut conn, u.id)
                        .await
                        .context("read account")?,
                    None => None,
                }
            }
            .unwrap_or_else(|| {
                refuse(&app::error::AppError::field(
                    "email",
                    format!("There is no active account {}", args.email),
                ))
            });
            let issued =
                app::ssr::service::keys::issue_api_token(&state, &actor, &args.label, scope)
                    .await
                    .unwrap_or_else(|e| refuse(&e));
            println!("{}", issued.secret);
            Ok(())
        }
    }
}

/// Prints why a backup or restore could not be done and exits with status 1.
fn fail(e: &app::ssr::store::backup::BackupError) -> ! {
    eprintln!("{e}");
    std::process::exit(1)
}

/// The state for a one-off CLI operation on a migrated database.
async fn cli_state(db: &DbArgs) -> anyhow::Result<app::ssr::AppState> {
    let store = open(db).await?;
    store.migrate().await.context("migrate")?;
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    Ok(server::state(store, options, Default::default()))
}

/// The new password: CLOSELOOP_PASSWORD, else the first line of standard input (so it never
/// appears in the process list or shell history).
fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CLOSELOOP_PASSWORD") {
        return Ok(p);
    }
    eprintln!("Password (at least 8 characters), then Enter:");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("read password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Refused input: says why, naming the field, and exits with status 2 (no backtrace: this is
/// the user's input, not a failure of the program).
fn refuse(e: &app::error::AppError) -> ! {
    match e.fields().first() {
        Some(f) => eprintln!("error: {}: {}", f.field, f.message),
        None => eprintln!("error: {e}"),
    }
    std::process::exit(2)
}

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let mut options = StoreOptions::new(&db.database_url);
    options.sqlite_sync = db
        .sqlite_sync
        .parse::<SqliteSync>()
        .map_err(anyhow::Error::msg)
        .context("--sqlite-sync")?;
    Store::connect(&options)
        .await
        .with_context(|| format!("open database {}", redact(&db.database_url)))
}

async fn serve(db: &DbArgs, args: ServeArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    store.migrate().await.context("migrate")?;
    seed::ensure_stages(&store)
        .await
        .context("create default stages")?;
    if args.demo {
        let opts = seed::DemoOptions {
            leads: args.demo_leads,
            seed: 42,
            anchor: app::ssr::service::now(),
        };
        let started = std::time::Instant::now();
        if let Some(s) = seed::load_demo(&store, opts)
            .await
            .context("load demo data")?
        {
            tracing::info!(
                users = s.users,
                leads = s.leads,
                activities = s.activities,
                events = s.events,
                ms = started.elapsed().as_millis() as u64,
                "loaded the demo organisation"
            );
            println!("{}", seed::demo_credentials());
        }
    }
    seed::ensure_policy(&store)
        .await
        .context("create the default follow-up policy")?;
    let linked = seed::ensure_contacts(&store)
        .await
        .context("link leads to contacts")?;
    if linked.leads > 0 {
        tracing::info!(
            leads = linked.leads,
            contacts = linked.contacts,
            companies = linked.companies,
            "linked leads to contacts and companies"
        );
    }
    let counts = org::counts(&mut *store.read().await?).await?;
    tracing::info!(leads = counts.leads, users = counts.users, "database ready");

    let options = server::leptos_options(&args.site_root, args.addr);
    if !args.site_root.join("pkg").exists() {
        tracing::warn!(
            site_root = %args.site_root.display(),
            "no built site found; build it with ./scripts/serve (or scripts/lib.sh build_site)"
        );
    }
    let mut state = server::state(store.clone(), options, args.net.auth_settings());
    state.mail = args.mail_runtime()?;
    // Several instances share one PostgreSQL: relay their live events to this one's viewers.
    let relay = (store.backend() == app::ssr::store::Backend::Postgres)
        .then(|| server::relay::spawn(state.clone(), db.database_url.clone()));
    let mailer = match &args.smtp_url {
        Some(url) => Some(server::sweeper::Mailer::new(url, &args.mail_from)?),
        None => None,
    };
    let holder = server::sweeper::holder_name();
    let sweeper = (args.sweep_seconds > 0).then(|| {
        server::sweeper::spawn(
            state.clone(),
            holder.clone(),
            std::time::Duration::from_secs(args.sweep_seconds),
            mailer,
        )
    });
    let reader =
        (args.mail_poll_seconds > 0).then(|| server::mailbox::spawn(state.clone(), holder.clone()));
    let sender = server::webhooks::spawn(state.clone(), holder.clone());
    let app = server::router(state.clone());
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("bind {}", args.addr))?;
    tracing::info!("listening on http://{}", args.addr);
    // On the signal: stop accepting, end the live streams, let in-flight requests finish.
    let hub = state.hub.clone();
    let signal = async move {
        shutdown().await;
        hub.close();
    };
    server::listen::serve(listener, app, args.net.limits(), signal)
        .await
        .context("serve")?;
    tracing::info!("drained; closing the database");
    if let Some(r) = relay {
        r.abort();
    }
    sender.abort();
    if let Err(e) = server::webhooks::release(&state, &holder).await {
        tracing::warn!(error = %e, "could not release the webhooks lease");
    }
    if let Some(r) = reader {
        r.abort();
        if let Err(e) = server::mailbox::release(&state, &holder).await {
            tracing::warn!(error = %e, "could not release the mailbox lease");
        }
    }
    if let Some(s) = sweeper {
        s.abort();
        if let Err(e) = server::sweeper::release(&state, &holder).await {
            tracing::warn!(error = %e, "could not release the sweep lease");
        }
    }
    store.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Hides the password of a database URL in logs and errors.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
