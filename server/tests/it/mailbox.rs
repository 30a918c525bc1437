//! The shared mailbox (issue 27), against a real IMAP server: Debian's Dovecot on loopback
//! (`scripts/imap-server`), its Maildir in a temporary folder, messages dropped in as files.
//! Filing each kind of message, real-world MIME (attachments, a Latin-1 body, 10 MB, a
//! malformed message, an auto-reply), nothing filed twice, a lead the sender may not see left
//! alone, the admin's form refusing what does not work, TLS, and a server restart mid-read.

use crate::both_backends;
use crate::support::{free_port, TestDb};
use app::domain::{Actor, LeadId, Timestamp};
use app::model::intake::NewLeadRequest;
use app::model::mailbox::{MailOutcome, MailboxForm};
use app::ssr::auth::seal::SealKey;
use app::ssr::service::{self, mailbox};
use app::ssr::AppState;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "leads@closeloop.example";
const PASSWORD: &str = "imap-secret-4711";

/// A Dovecot of this test's own, stopped when dropped.
struct Dovecot {
    dir: tempfile::TempDir,
    port: u16,
    tls_port: u16,
    child: Option<Child>,
    files: u32,
}

impl Dovecot {
    fn start() -> Dovecot {
        let dir = tempfile::Builder::new()
            .prefix("closeloop-imap-")
            .tempdir()
            .unwrap();
        let mut d = Dovecot {
            dir,
            port: free_port(),
            tls_port: free_port(),
            child: None,
            files: 0,
        };
        d.run();
        d
    }

    fn run(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/imap-server");
        // Its own process group, so stopping it ends Dovecot's imap processes too.
        let child = Command::new("bash")
            .process_group(0)
            .arg(script)
            .arg(self.dir.path())
            .arg(self.port.to_string())
            .arg(USER)
            .arg(PASSWORD)
            .arg(self.tls_port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("scripts/imap-server (needs dovecot-imapd: scripts/lib.sh ensure_dovecot)");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.tls_port)).is_err()
            || std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "Dovecot did not start: {}",
                std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The whole group at once, as a crash would: open connections are cut mid-command.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            let started = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && started.elapsed() < Duration::from_secs(10)
            {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Drops a message into the mailbox as a new file (written aside, then moved in).
    fn deliver(&mut self, raw: &[u8]) {
        self.files += 1;
        let name = format!(
            "{}.M{}P{}.closeloop-test",
            1_700_000_000 + self.files,
            self.files,
            std::process::id()
        );
        let tmp = self.dir.path().join("Maildir/tmp").join(&name);
        let mut f = std::fs::File::create(&tmp).unwrap();
        f.write_all(raw).unwrap();
        drop(f);
        std::fs::rename(&tmp, self.dir.path().join("Maildir/new").join(&name)).unwrap();
    }

    fn form(&self) -> MailboxForm {
        MailboxForm {
            host: "127.0.0.1".into(),
            port: self.port.to_string(),
            security: "none".into(),
            username: USER.into(),
            password: PASSWORD.into(),
            folder: String::new(),
            keep_attachments: false,
            source_id: None,
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A state that can seal the mailbox password.
fn mail_state(db: &TestDb) -> AppState {
    let mut state = db.state();
    state.mail.key = Some(SealKey::random());
    state
}

/// "07 Dec 2026 09:05:00 +0000" (RFC 5322, without the optional day of the week).
fn rfc5322(t: Timestamp) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let date = t.date_string(0);
    let (y, rest) = date.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    format!(
        "{d} {} {y} {}:00 +0000",
        MONTHS[m.parse::<usize>().unwrap() - 1],
        t.time_of_day(0)
    )
}

/// A plain text message.
fn text(id: &str, from: &str, to: &str, subject: &str, date: Timestamp, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: {}\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        rfc5322(date)
    )
    .into_bytes()
}

/// A lead of `actor`'s for a new person, entered as by hand: untouched, first-call deadline set.
async fn new_lead(state: &AppState, db: &TestDb, actor: &Actor, name: &str, email: &str) -> LeadId {
    let source = {
        let mut conn = db.store.read().await.unwrap();
        app::ssr::store::accounts::sources(&mut conn).await.unwrap()[0].id
    };
    service::intake::create(
        state,
        actor,
        NewLeadRequest {
            source_id: source,
            contact_name: name.into(),
            email: Some(email.into()),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap()
    .lead_id
    .unwrap()
}

async fn activities(db: &TestDb, lead: LeadId) -> Vec<(String, Option<String>, Option<i64>)> {
    let mut conn = db.store.read().await.unwrap();
    app::ssr::store::leads::activities(&mut conn, lead, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.kind, a.note, a.mail_id))
        .collect()
}

async fn count_messages(db: &TestDb) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mail_messages")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    n
}

both_backends!(the_admin_connects_only_a_mailbox_that_works_and_its_password_stays_sealed);
async fn the_admin_connects_only_a_mailbox_that_works_and_its_password_stays_sealed(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(20).await;
    let imap = Dovecot::start();
    let admin = db.actor("admin").await;
    let dana = db.actor("dana").await;

    // Without a sealing key nothing can be connected, and the form says why.
    let keyless = db.state();
    let e = mailbox::connect(&keyless, &admin, imap.form())
        .await
        .unwrap_err();
    assert!(
        e.message_for("password")
            .unwrap()
            .contains("CLOSELOOP_SECRET_KEY"),
        "{e:?}"
    );
    let state = mail_state(&db);
    assert!(matches!(
        mailbox::connect(&state, &dana, imap.form()).await,
        Err(app::error::AppError::Forbidden { .. })
    ));
    assert!(
        mailbox::status(&state, &dana).await.is_err(),
        "a rep sees no mailbox settings"
    );

    // Each bad setting is refused naming its field, after a real attempt where it takes one.
    let bad = |f: fn(&mut MailboxForm)| {
        let mut form = imap.form();
        f(&mut form);
        form
    };
    let cases: [(&str, MailboxForm); 6] = [
        ("password", bad(|f| f.password = "wrong".into())),
        ("folder", bad(|f| f.folder = "Nowhere".into())),
        ("port", bad(|f| f.port = "seventy".into())),
        ("host", bad(|f| f.host = String::new())),
        ("security", bad(|f| f.host = "imap.example.com".into())),
        ("security", bad(|f| f.security = "ssl3".into())),
    ];
    for (field, form) in cases {
        let e = mailbox::connect(&state, &admin, form).await.unwrap_err();
        assert!(e.message_for(field).is_some(), "{field}: {e:?}");
    }
    let closed = bad(|f| f.port = free_port().to_string());
    let e = mailbox::connect(&state, &admin, closed).await.unwrap_err();
    assert!(
        e.message_for("host").unwrap().contains("Could not connect"),
        "{e:?}"
    );
    assert!(
        mailbox::status(&state, &admin)
            .await
            .unwrap()
            .mailbox
            .is_none(),
        "nothing saved"
    );

    // A working one is saved, its password sealed with the key.
    let status = mailbox::connect(&state, &admin, imap.form()).await.unwrap();
    let saved = status.mailbox.expect("connected");
    assert_eq!(saved.username, USER);
    assert_eq!(saved.folder, "INBOX");
    let (sealed,): (String,) = sqlx::query_as("SELECT sealed_password FROM mailboxes")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    assert!(!sealed.contains(PASSWORD));
    assert_eq!(
        state.mail.key.as_ref().unwrap().open(&sealed).as_deref(),
        Some(PASSWORD)
    );
    // Saved again without typing the password: the sealed one is kept.
    let mut again = imap.form();
    again.password = String::new();
    again.keep_attachments = true;
    let status = mailbox::connect(&state, &admin, again).await.unwrap();
    assert!(status.mailbox.unwrap().keep_attachments);

    // Implicit TLS: trusted through an extra CA file, refused with Mozilla's roots alone.
    let mut tls = imap.form();
    tls.security = "tls".into();
    tls.port = imap.tls_port.to_string();
    let e = mailbox::connect(&state, &admin, tls.clone())
        .await
        .unwrap_err();
    assert!(e.message_for("security").is_some(), "an unknown CA: {e:?}");
    let mut trusting = state.clone();
    trusting.mail.roots =
        app::ssr::mail::imap::roots_with(Some(&imap.dir.path().join("ca.pem"))).unwrap();
    let status = mailbox::connect(&trusting, &admin, tls).await.unwrap();
    assert_eq!(
        status.mailbox.unwrap().security,
        app::model::mailbox::Security::Tls
    );
    assert_eq!(mailbox::check(&trusting).await.unwrap().unwrap().read, 0);

    let status = mailbox::disconnect(&state, &admin).await.unwrap();
    assert!(status.mailbox.is_none());
    assert_eq!(
        mailbox::check(&state).await.unwrap(),
        None,
        "nothing to read"
    );
    db
}

both_backends!(every_kind_of_message_is_filed_once_where_the_sender_may_see_it);
async fn every_kind_of_message_is_filed_once_where_the_sender_may_see_it(db: TestDb) -> TestDb {
    let db = db.with_demo(40).await;
    let mut imap = Dovecot::start();
    let state = mail_state(&db);
    let admin = db.actor("admin").await;
    let dana = db.actor("dana").await;
    let sam = db.actor("sam").await; // another team's rep
    let ada = new_lead(&state, &db, &dana, "Ada Byron", "ada@analytical.test").await;
    let grace = new_lead(&state, &db, &dana, "Grace Hopper", "grace@cobol.test").await;
    assert!(db.lead(ada).await.first_touched_at.is_none());
    // Entered an hour ago, so the e-mail below is written after it.
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query("UPDATE leads SET created_at = created_at - 3600000 WHERE id IN ($1, $2)")
        .bind(ada.0)
        .bind(grace.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    mailbox::connect(&state, &admin, imap.form()).await.unwrap();

    let now = app::ssr::service::now();
    let sent = Timestamp((now.0 / 60_000 - 5) * 60_000);
    let dana_at = "Dana Whitfield <dana@closeloop.example>";
    // 1. Dana writes to Ada, with a PDF: an e-mail touch on Ada's lead at its date.
    imap.deliver(
        format!(
            "From: {dana_at}\r\nTo: Ada Byron <ADA@analytical.test>\r\nBcc: {USER}\r\n\
             Subject: Your quote\r\nMessage-ID: <touch-1@closeloop.example>\r\nDate: {}\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n\
             Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hi Ada,</p><p>the quote is attached.</p>\r\n\
             --b1\r\nContent-Type: application/pdf; name=quote.pdf\r\n\
             Content-Disposition: attachment; filename=quote.pdf\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--b1--\r\n",
            rfc5322(sent)
        )
        .as_bytes(),
    );
    // 2. Grace writes to Dana, copying the mailbox, in Latin-1: an inquiry on her lead.
    imap.deliver(
        format!(
            "From: Grace Hopper <grace@cobol.test>\r\nTo: {dana_at}\r\nCc: {USER}\r\n\
             Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\nMessage-ID: <reply-2@cobol.test>\r\nDate: {}\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\nViele Gr=FC=DFe aus K=F6ln\r\n",
            rfc5322(sent)
        )
        .as_bytes(),
    );
    // 3. A stranger writes to Dana: waiting for her to file it.
    imap.deliver(&text(
        "new-3@elsewhere.test",
        "Lin Wei <lin@elsewhere.test>",
        dana_at,
        "Pricing for 40 seats",
        sent,
        "Could you send us pricing?",
    ));
    // 4. A stranger writes to a stranger: skipped.
    imap.deliver(&text(
        "spam-4@elsewhere.test",
        "promo@elsewhere.test",
        "someone@else.test",
        "Offer",
        sent,
        "Buy now",
    ));
    // 5. Not a message at all: skipped with the reason, and the read goes on.
    imap.deliver(b"\x00\x01\x02 this is not mail\r\n\r\n\xff\xfe");
    // 6. Ten megabytes from Dana to Grace: a touch on Grace's lead.
    let lines = vec!["QUJD".repeat(19); 10 * 1024 * 1024 / 78 + 100];
    let raw = format!(
        "From: {dana_at}\r\nTo: grace@cobol.test\r\nSubject: Drawings\r\n\
         Message-ID: <big-6@closeloop.example>\r\nDate: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=b6\r\n\r\n--b6\r\nContent-Type: text/plain\r\n\r\n\
         The drawings.\r\n--b6\r\nContent-Type: application/zip\r\n\
         Content-Disposition: attachment; filename=drawings.zip\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b6--\r\n",
        rfc5322(sent),
        lines.join("\r\n")
    );
    assert!(raw.len() >= 10 * 1024 * 1024, "{}", raw.len());
    imap.deliver(raw.as_bytes());
    // 7. Ada's auto-reply: skipped.
    imap.deliver(
        format!(
            "From: ada@analytical.test\r\nTo: {dana_at}\r\nAuto-Submitted: auto-replied\r\n\
             Subject: Out of office\r\nMessage-ID: <ooo-7@analytical.test>\r\n\r\nAway\r\n"
        )
        .as_bytes(),
    );
    // 8. Sam (another team) writes to Ada: he may not see her lead, so it is not filed on it.
    imap.deliver(&text(
        "sam-8@closeloop.example",
        "sam@closeloop.example",
        "ada@analytical.test",
        "Hello",
        sent,
        "Hi",
    ));
    // 9. Dana forwards Ada's reply: an inquiry on Ada's lead, with Ada's words.
    imap.deliver(&text("fwd-9@closeloop.example", dana_at, USER, "Fwd: Next week", sent,
        "FYI\r\n\r\n---------- Forwarded message ---------\r\nFrom: Ada Byron <ada@analytical.test>\r\n\
         Subject: Next week\r\nTo: dana@closeloop.example\r\n\r\nCan we meet on Tuesday?"));

    let report = mailbox::check(&state).await.unwrap().unwrap();
    assert_eq!(
        (
            report.read,
            report.touches,
            report.inquiries,
            report.to_file,
            report.skipped,
            report.repeats
        ),
        (9, 2, 2, 1, 4, 0),
        "{report:?}"
    );

    // The touch counts like one logged by hand: the first touch, at the message's date.
    let lead = db.lead(ada).await;
    assert_eq!(lead.first_touched_at, Some(sent));
    assert_eq!(lead.last_touched_at, Some(sent));
    let history = activities(&db, ada).await;
    let email = history
        .iter()
        .find(|a| a.0 == "email")
        .expect("an e-mail touch");
    assert!(
        email
            .1
            .as_deref()
            .unwrap()
            .starts_with("Your quote — Hi Ada,"),
        "{email:?}"
    );
    let touch_mail = email.2.expect("linked to its message");
    let inquiry = history
        .iter()
        .find(|a| a.0 == "inquiry" && a.2.is_some())
        .expect("the forward");
    assert!(
        inquiry
            .1
            .as_deref()
            .unwrap()
            .contains("Can we meet on Tuesday?"),
        "{inquiry:?}"
    );
    assert_eq!(
        history.iter().filter(|a| a.0 == "email").count(),
        1,
        "Sam's is not on it"
    );
    let detail = service::work::lead_detail(&state, &dana, ada)
        .await
        .unwrap();
    assert!(detail
        .timeline
        .iter()
        .any(|t| t.mail_id == Some(touch_mail)));
    // Grace: her Latin-1 reply decoded, and the 10 MB message as a touch.
    let history = activities(&db, grace).await;
    assert!(
        history
            .iter()
            .any(|a| a.0 == "inquiry" && a.1.as_deref().unwrap().contains("Grüße aus Köln")),
        "{history:?}"
    );
    assert!(history
        .iter()
        .any(|a| a.0 == "email" && a.1.as_deref().unwrap().starts_with("Drawings")));
    assert!(db.lead(grace).await.first_touched_at.is_some());

    // The full text, for those who see the lead; attachments by name and size.
    let view = mailbox::view(&state, &dana, touch_mail).await.unwrap();
    assert_eq!(view.outcome, MailOutcome::Touch);
    assert!(view.body.contains("the quote is attached"), "{}", view.body);
    assert_eq!(view.attachments.len(), 1);
    assert_eq!(
        (view.attachments[0].name.as_str(), view.attachments[0].size),
        ("quote.pdf", 15)
    );
    assert!(!view.attachments[0].kept);
    assert!(
        mailbox::view(&state, &sam, touch_mail).await.is_err(),
        "another team's rep"
    );

    // The admin sees counts and reasons, not the messages.
    let status = mailbox::status(&state, &admin).await.unwrap();
    let count = |o: MailOutcome| status.counts.iter().find(|(k, _)| *k == o).unwrap().1;
    assert_eq!(
        (count(MailOutcome::Touch), count(MailOutcome::Skipped)),
        (2, 4)
    );
    let reasons: Vec<&str> = status.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.starts_with("malformed")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("may not see")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("machine")), "{reasons:?}");

    // Nothing twice: a second read finds nothing new; the same Message-ID again is a repeat.
    assert_eq!(mailbox::check(&state).await.unwrap().unwrap().read, 0);
    imap.deliver(&text(
        "touch-1@closeloop.example",
        dana_at,
        "ada@analytical.test",
        "Your quote",
        sent,
        "copy",
    ));
    let again = mailbox::check(&state).await.unwrap().unwrap();
    assert_eq!((again.read, again.repeats), (1, 1));
    assert_eq!(
        activities(&db, ada)
            .await
            .iter()
            .filter(|a| a.0 == "email")
            .count(),
        1
    );

    // The stranger's message waits for Dana (and her manager), no one else.
    let waiting = mailbox::waiting(&state, &dana).await.unwrap();
    assert_eq!(waiting.messages.len(), 1);
    let w = &waiting.messages[0];
    assert_eq!(
        (w.from_address.as_str(), w.subject.as_str()),
        ("lin@elsewhere.test", "Pricing for 40 seats")
    );
    assert!(waiting.leads.iter().any(|l| l.id == ada));
    assert_eq!(
        mailbox::waiting(&state, &db.actor("morgan").await)
            .await
            .unwrap()
            .messages
            .len(),
        1
    );
    assert!(mailbox::waiting(&state, &db.actor("luis").await)
        .await
        .unwrap()
        .messages
        .is_empty());
    assert!(mailbox::waiting(&state, &sam)
        .await
        .unwrap()
        .messages
        .is_empty());
    assert!(
        mailbox::file_as_lead(&state, &sam, w.id).await.is_err(),
        "not Sam's to file"
    );
    let made = mailbox::file_as_lead(&state, &dana, w.id).await.unwrap();
    let lead = db.lead(made).await;
    assert_eq!(lead.owner.as_ref().unwrap().id, dana.id.0);
    assert_eq!(lead.email.as_deref(), Some("lin@elsewhere.test"));
    assert_eq!(lead.contact_name, "Lin Wei");
    assert!(mailbox::waiting(&state, &dana)
        .await
        .unwrap()
        .messages
        .is_empty());
    assert!(
        mailbox::file_as_lead(&state, &dana, w.id).await.is_err(),
        "filed once"
    );
    db
}

both_backends!(a_restart_of_the_imap_server_mid_read_loses_and_repeats_nothing);
async fn a_restart_of_the_imap_server_mid_read_loses_and_repeats_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(10).await;
    let mut imap = Dovecot::start();
    let state = mail_state(&db);
    let admin = db.actor("admin").await;
    mailbox::connect(&state, &admin, imap.form()).await.unwrap();
    const N: usize = 240;
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n".repeat(1000);
    for i in 0..N {
        imap.deliver(&text(
            &format!("m{i}@elsewhere.test"),
            &format!("p{i}@elsewhere.test"),
            "dana@closeloop.example",
            &format!("Inquiry {i}"),
            app::ssr::service::now(),
            &filler,
        ));
    }
    let reader = {
        let state = state.clone();
        tokio::spawn(async move { mailbox::check(&state).await })
    };
    let started = Instant::now();
    let mut at_stop = 0;
    while at_stop == 0 {
        at_stop = count_messages(&db).await;
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing was filed"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    imap.stop();
    let first = reader.await.unwrap();
    let filed = count_messages(&db).await as usize;
    assert!(first.is_err(), "the read was cut off: {first:?}");
    assert!(
        filed < N,
        "the restart came before the end ({filed} of {N})"
    );
    let status = mailbox::status(&state, &admin).await.unwrap();
    assert!(
        status.mailbox.unwrap().error.is_some(),
        "the failure is shown to the admin"
    );

    imap.run();
    let report = mailbox::check(&state).await.unwrap().unwrap();
    assert_eq!(count_messages(&db).await as usize, N, "nothing lost");
    assert_eq!(report.read + filed, N, "nothing read twice: {report:?}");
    let (distinct,): (i64,) =
        sqlx::query_as("SELECT COUNT(DISTINCT message_key) FROM mail_messages")
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert_eq!(distinct as usize, N);
    let dana = db.actor("dana").await;
    assert_eq!(
        mailbox::waiting(&state, &dana)
            .await
            .unwrap()
            .messages
            .len(),
        N.min(200)
    );
    assert!(mailbox::status(&state, &admin)
        .await
        .unwrap()
        .mailbox
        .unwrap()
        .error
        .is_none());
    println!("restart after {filed} of {N} messages; the rest read after it");
    db
}
