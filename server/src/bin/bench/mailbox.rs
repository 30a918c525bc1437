//! The shared mailbox's filing rate: a Dovecot of its own on loopback (`scripts/imap-server`)
//! with a mailbox of N messages (6 in 10 a rep's e-mail to their lead's contact, 2 replies
//! from contacts, 1 a stranger writing to a rep, 1 a stranger writing to a stranger), read
//! once from the first message to the last: listing, fetching in batches, parsing, deciding
//! and filing each in its own transaction.

use app::model::mailbox::MailboxForm;
use app::ssr::auth::seal::SealKey;
use app::ssr::service::mailbox;
use app::ssr::store::Store;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

pub struct Row {
    pub messages: usize,
    pub megabytes: f64,
    pub seconds: f64,
    pub report: mailbox::CheckReport,
}

const USER: &str = "leads@closeloop.example";
const PASSWORD: &str = "bench-imap";

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub async fn run(store: Store, messages: usize) -> anyhow::Result<Row> {
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let mut state = server::state(store.clone(), options, Default::default());
    state.mail.key = Some(SealKey::random());
    // Reps and the contacts of their open leads.
    let pairs: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.email, c.email_key FROM leads l JOIN users u ON u.id = l.owner_id
         JOIN contacts c ON c.id = l.contact_id
         WHERE l.closed_at IS NULL AND c.email_key IS NOT NULL ORDER BY l.id LIMIT 2000",
    )
    .fetch_all(&mut *store.read().await?)
    .await?;
    anyhow::ensure!(
        !pairs.is_empty(),
        "no open lead with an e-mail address to write to"
    );

    let dir = std::env::temp_dir().join(format!("closeloop-bench-imap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let port = free_port()?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/imap-server");
    let mut dovecot = std::process::Command::new("bash")
        .arg(script)
        .arg(&dir)
        .arg(port.to_string())
        .arg(USER)
        .arg(PASSWORD)
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "Dovecot did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let text = "Thanks for the call today. As promised, here are the details of the \
                offer we discussed, with delivery in two weeks.\r\n"
        .repeat(12);
    let mut bytes = 0u64;
    for i in 0..messages {
        let (rep, contact) = &pairs[i % pairs.len()];
        let (from, to) = match i % 10 {
            0..=5 => (rep.clone(), contact.clone()),
            6 | 7 => (contact.clone(), rep.clone()),
            8 => (format!("stranger{i}@elsewhere.example"), rep.clone()),
            _ => (
                format!("stranger{i}@elsewhere.example"),
                "someone@else.example".into(),
            ),
        };
        let raw = format!(
            "From: {from}\r\nTo: {to}\r\nSubject: Offer {i}\r\nMessage-ID: <bench-{i}@closeloop.example>\r\n\
             Date: Mon, 07 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"
        );
        bytes += raw.len() as u64;
        let name = format!("{}.M{i}P1.bench", 1_700_000_000 + i);
        let mut f = std::fs::File::create(dir.join("Maildir/new").join(name))?;
        f.write_all(raw.as_bytes())?;
    }

    let admin = crate::util::actor(&store, "admin").await?;
    mailbox::connect(
        &state,
        &admin,
        MailboxForm {
            host: "127.0.0.1".into(),
            port: port.to_string(),
            security: "none".into(),
            username: USER.into(),
            password: PASSWORD.into(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("connect: {e}"))?;
    let t = Instant::now();
    let report = mailbox::check(&state)
        .await
        .map_err(|e| anyhow::anyhow!("read: {e}"))?
        .ok_or_else(|| anyhow::anyhow!("no mailbox"))?;
    let seconds = t.elapsed().as_secs_f64();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", dovecot.id())])
        .status();
    let _ = dovecot.wait();
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(
        report.read == messages,
        "read {} of {messages}",
        report.read
    );
    Ok(Row {
        messages,
        megabytes: bytes as f64 / 1_048_576.0,
        seconds,
        report,
    })
}

pub fn report(rows: &[(String, Row)]) -> String {
    let mut out = String::from(
        "## Shared mailbox (IMAP) filing\n\n\
         A mailbox of N messages on a Dovecot of its own on loopback, read once from the first \
         to the last by `service::mailbox::check` (list, fetch in batches of at most 8 MB, parse, \
         decide, file each in its own transaction). 6 in 10 messages are a rep's e-mail to the \
         contact of their open lead (an e-mail touch), 2 in 10 a reply from a contact (an \
         inquiry), 1 a stranger writing to a rep (to file), 1 a stranger writing to a stranger \
         (skipped). Dovecot indexes the new Maildir on the first read, which is included.\n\n\
         | database | messages | MB | seconds | messages/s | touches | inquiries | to file | skipped |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (name, r) in rows {
        out.push_str(&format!(
            "| {name} | {} | {:.1} | {:.1} | {:.0} | {} | {} | {} | {} |\n",
            r.messages,
            r.megabytes,
            r.seconds,
            r.messages as f64 / r.seconds,
            r.report.touches,
            r.report.inquiries,
            r.report.to_file,
            r.report.skipped,
        ));
    }
    out.push('\n');
    out
}
