//! Command line and environment configuration (flags win over environment variables).

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Closeloop: the lead management system that makes 100% follow-up the normal state.
#[derive(Debug, Parser)]
#[command(name = "closeloop", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve`'s flags also work without the word `serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and API (the default when no command is given).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an admin account (the first one, or another). The password is read from
    /// CLOSELOOP_PASSWORD or, when that is unset, from standard input.
    CreateAdmin(AccountArgs),
    /// Set a new password for an account, unlock it and end all its sessions. The password is
    /// read like create-admin's.
    ResetPassword(ResetArgs),
    /// Issue a personal API token for an account and print it (once; only its digest is
    /// kept). The token acts with that account's rights, limited to reading unless
    /// `--scope write`.
    CreateApiToken(TokenArgs),
    /// Import leads from a CSV file (the first line names the columns). Checks every row
    /// first and prints the report; imports only when every row is good, or with
    /// --import-good (bad rows are then left out). All rows go in one transaction.
    ImportLeads(ImportArgs),
    /// Write a consistent copy of the SQLite database to a new file while the server runs,
    /// and check it. (PostgreSQL: use pg_dump.)
    Backup(BackupArgs),
    /// Replace the SQLite database with a backup, after checking the backup. Stop the server
    /// first. (PostgreSQL: use pg_restore.)
    Restore(RestoreArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist yet.
    pub to: std::path::PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    pub from: std::path::PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The CSV file.
    pub file: std::path::PathBuf,
    /// Who imports (their e-mail): a rep keeps the leads, others' go through the rules.
    #[arg(long = "as")]
    pub by: String,
    /// The lead source, by name (e.g. "Trade shows").
    #[arg(long)]
    pub source: String,
    /// A campaign of that source, by name.
    #[arg(long)]
    pub campaign: Option<String>,
    /// Column mappings that override the guess, e.g. "Attendee=contact_name,Notes=message";
    /// map a column to "-" to leave it out.
    #[arg(long)]
    pub map: Option<String>,
    /// Check and report only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows even when some rows are bad.
    #[arg(long)]
    pub import_good: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The account's e-mail address.
    #[arg(long)]
    pub email: String,
    /// What the token is for, e.g. "CRM sync".
    #[arg(long)]
    pub label: String,
    /// `read` (GET only) or `write`.
    #[arg(long, default_value = "read")]
    pub scope: String,
}

#[derive(Debug, Clone, Args)]
pub struct AccountArgs {
    /// The admin's e-mail address (their sign-in name).
    #[arg(long)]
    pub email: String,
    /// The admin's display name.
    #[arg(long, default_value = "Administrator")]
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct ResetArgs {
    /// The account's e-mail address.
    #[arg(long)]
    pub email: String,
}

/// How the server sits on the network.
#[derive(Debug, Clone, Args)]
pub struct NetArgs {
    /// Behind a reverse proxy: trust its X-Forwarded-For (client address, for sign-in
    /// throttling) and X-Forwarded-Proto (https, for Secure cookies). Leave off when clients
    /// connect directly: they could forge those headers.
    #[arg(long, env = "CLOSELOOP_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// With --trust-proxy and more than one proxy hop: the addresses or networks of your own
    /// proxies, comma-separated (10.0.0.0/8,192.0.2.7). The client is the right-most
    /// X-Forwarded-For entry outside them; with none given, the right-most entry.
    #[arg(long, env = "CLOSELOOP_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = parse_net)]
    pub trusted_proxies: Vec<app::ssr::auth::proxy::Net>,

    /// Served over https (by this process's proxy): mark session cookies Secure and send HSTS.
    #[arg(long, env = "CLOSELOOP_HTTPS", default_value_t = false)]
    pub https: bool,

    /// Sessions end after this many hours without a request.
    #[arg(long, env = "CLOSELOOP_SESSION_IDLE_HOURS", default_value_t = 12)]
    pub session_idle_hours: u64,

    /// Sessions end this many days after sign-in, however active.
    #[arg(long, env = "CLOSELOOP_SESSION_MAX_DAYS", default_value_t = 7)]
    pub session_max_days: u64,

    /// Most connections served at once (each open live feed is one); beyond it, new ones wait
    /// in the listen queue. Keep it under the process's file limit (`ulimit -n`), leaving room
    /// for the database.
    #[arg(long, env = "CLOSELOOP_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,

    /// A client must send a request's head within this many seconds (slow-header clients).
    #[arg(long, env = "CLOSELOOP_HEADER_TIMEOUT_SECS", default_value_t = 30)]
    pub header_timeout_secs: u64,

    /// A request body that goes this many seconds without a byte is cut (slow-body clients).
    #[arg(long, env = "CLOSELOOP_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: `sqlite:<file>` (created if missing) or `postgres://user:pass@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:closeloop.db",
        global = true
    )]
    pub database_url: String,

    /// SQLite durability: `full` (survives power loss) or `normal` (faster; survives crashes of
    /// the process only). Ignored for PostgreSQL.
    #[arg(
        long,
        env = "CLOSELOOP_SQLITE_SYNC",
        default_value = "full",
        global = true
    )]
    pub sqlite_sync: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLOSELOOP_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory holding the built site (`pkg/` with the WASM, JS and CSS).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Load the demo organisation (teams, users, ~2,000 leads) when the database is empty.
    #[arg(long, env = "CLOSELOOP_DEMO", default_value_t = false)]
    pub demo: bool,

    /// Number of demo leads to generate with --demo.
    #[arg(long, env = "CLOSELOOP_DEMO_LEADS", default_value_t = 2000)]
    pub demo_leads: usize,

    /// Seconds between follow-up sweeps (escalations, notifications); 0 turns the sweep off.
    #[arg(long, env = "CLOSELOOP_SWEEP_SECONDS", default_value_t = 60)]
    pub sweep_seconds: u64,

    /// SMTP relay for notification e-mails, `smtp://host[:port]` (plain SMTP to a local relay);
    /// none: in-app notifications only.
    #[arg(long, env = "CLOSELOOP_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Sender of notification e-mails.
    #[arg(
        long,
        env = "CLOSELOOP_MAIL_FROM",
        default_value = "Closeloop <closeloop@localhost>"
    )]
    pub mail_from: String,

    /// Key that seals stored credentials (the shared mailbox's password): 32 bytes, base64
    /// (`openssl rand -base64 32`). Without it no mailbox can be connected.
    #[arg(long, env = "CLOSELOOP_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Seconds between reads of the shared mailbox; 0 turns reading off.
    #[arg(long, env = "CLOSELOOP_MAIL_POLL_SECONDS", default_value_t = 30)]
    pub mail_poll_seconds: u64,

    /// Largest message read from the shared mailbox, in MB (larger ones are skipped).
    #[arg(long, env = "CLOSELOOP_MAIL_MAX_MB", default_value_t = 25)]
    pub mail_max_mb: u32,

    /// PEM file of more certificate authorities to trust for the mailbox's TLS (a company's
    /// own CA); Mozilla's are always trusted.
    #[arg(long, env = "CLOSELOOP_MAIL_CA_FILE")]
    pub mail_ca_file: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub net: NetArgs,
}

impl ServeArgs {
    /// How the shared mailbox is read, from these flags.
    pub fn mail_runtime(&self) -> anyhow::Result<app::ssr::service::mailbox::MailRuntime> {
        let key = match &self.secret_key {
            Some(k) if !k.trim().is_empty() => {
                Some(app::ssr::auth::seal::SealKey::from_base64(k).map_err(anyhow::Error::msg)?)
            }
            _ => None,
        };
        let roots = app::ssr::mail::imap::roots_with(self.mail_ca_file.as_deref())
            .map_err(|e| anyhow::anyhow!("--mail-ca-file: {e}"))?;
        Ok(app::ssr::service::mailbox::MailRuntime {
            key,
            roots,
            poll: std::time::Duration::from_secs(self.mail_poll_seconds.max(1)),
            max_bytes: self.mail_max_mb.saturating_mul(1 << 20),
            wake: Default::default(),
        })
    }
}

impl NetArgs {
    /// The connection limits these flags describe.
    pub fn limits(&self) -> crate::listen::Limits {
        crate::listen::Limits {
            max_connections: self.max_connections.max(1),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs.max(1)),
            body_timeout: std::time::Duration::from_secs(self.body_timeout_secs.max(1)),
        }
    }

    /// The authentication settings these flags describe.
    pub fn auth_settings(&self) -> app::ssr::auth::AuthSettings {
        app::ssr::auth::AuthSettings {
            idle: std::time::Duration::from_secs(self.session_idle_hours.max(1) * 3600),
            absolute: std::time::Duration::from_secs(self.session_max_days.max(1) * 86_400),
            trust_proxy: self.trust_proxy,
            trusted_proxies: self.trusted_proxies.clone(),
            https: self.https,
            ..Default::default()
        }
    }
}

fn parse_net(s: &str) -> Result<app::ssr::auth::proxy::Net, String> {
    app::ssr::auth::proxy::Net::parse(s)
}

impl Cli {
    /// The command to run: no command means `serve` with the top-level serve flags.
    pub fn into_parts(self) -> (DbArgs, Command) {
        let command = self.command.unwrap_or(Command::Serve(self.serve));
        (self.db, command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_flags_parse() {
        let cli = Cli::try_parse_from([
            "closeloop",
            "--database-url",
            "postgres://u:p@localhost/x",
            "serve",
            "--addr",
            "0.0.0.0:8080",
            "--demo",
        ])
        .unwrap();
        let (db, Command::Serve(s)) = cli.into_parts() else {
            panic!("expected serve")
        };
        assert_eq!(db.database_url, "postgres://u:p@localhost/x");
        assert_eq!(s.addr.port(), 8080);
        assert!(s.demo);
    }

    #[test]
    fn no_command_means_serve() {
        let cli = Cli::try_parse_from(["closeloop", "--addr", "127.0.0.1:4000"]).unwrap();
        let (_, Command::Serve(s)) = cli.into_parts() else {
            panic!("expected serve")
        };
        assert_eq!(s.addr.port(), 4000);
    }

    #[test]
    fn create_admin_takes_an_email_and_a_name() {
        let cli = Cli::try_parse_from([
            "closeloop",
            "create-admin",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
        ])
        .unwrap();
        let (_, Command::CreateAdmin(a)) = cli.into_parts() else {
            panic!("expected create-admin")
        };
        assert_eq!(
            (a.email.as_str(), a.name.as_str()),
            ("ops@example.com", "Ops")
        );
        assert!(Cli::try_parse_from(["closeloop", "reset-password"]).is_err());
    }

    #[test]
    fn a_bad_address_is_refused_with_the_flag_named() {
        let err = Cli::try_parse_from(["closeloop", "serve", "--addr", "localhost"]).unwrap_err();
        assert!(err.to_string().contains("--addr"), "{err}");
    }
}
