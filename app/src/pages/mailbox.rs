//! The shared mailbox's pages: `/admin/mailbox` (an admin connects it and sees what it filed
//! and skipped), `/mail` (the messages waiting for a rep to file them: one click makes a lead,
//! or files it on one) and `/mail/:id` (one message in full).

use crate::api::mailbox::{
    get_mail_message, get_mailbox_status, get_waiting_mail, CheckMailboxNow, ConnectMailbox,
    DisconnectMailbox, FileMailAsLead, FileMailOnLead, MailOutcome, MailToFile, MailView,
    MailboxForm, MailboxStatus, Security, WaitingMail,
};
use crate::components::guard::RequireAccess;
use crate::components::lead_picker::LeadPicker;
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::LeadId;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// "1.2 MB", "340 KB", "12 bytes".
fn size_text(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        b if b >= 1 << 10 => format!("{} KB", b >> 10),
        b => format!("{b} bytes"),
    }
}

// ---- /admin/mailbox ----

#[component]
pub fn MailboxAdminPage() -> impl IntoView {
    view! {
        <Title text="Shared mailbox"/>
        <RequireAccess check=access::manage_mailbox>
            <MailboxAdmin/>
        </RequireAccess>
    }
}

#[component]
fn MailboxAdmin() -> impl IntoView {
    let connect = ServerAction::<ConnectMailbox>::new();
    let disconnect = ServerAction::<DisconnectMailbox>::new();
    let check = ServerAction::<CheckMailboxNow>::new();
    // Reloaded after a connect that worked (a refused one keeps what was typed), a disconnect
    // or a read.
    let connected = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(connect.value().get(), Some(Ok(_))) {
            connected.update(|n| *n += 1);
        }
    });
    let status = Resource::new(
        move || {
            (
                connected.get(),
                disconnect.version().get(),
                check.version().get(),
            )
        },
        |_| get_mailbox_status(),
    );
    view! {
        <section class="page page-narrow mailbox-admin" aria-labelledby="mailbox-title">
            <div class="page-head">
                <h1 id="mailbox-title">"Shared mailbox"</h1>
                <p class="page-hint">"Reps BCC or forward their e-mail to one shared address. Closeloop reads it over IMAP and files every message: "
                    "an e-mail a rep sent to someone on file becomes a touch on that lead (it counts for the follow-up policy at the time it was sent), "
                    "a reply from someone on file an inquiry on their lead, and a message from someone unknown waits in the rep's “To file” list."</p>
            </div>
            <Loaded resource=status loading="Loading the mailbox…" let:s>
                <MailboxState status=s.clone() check=check disconnect=disconnect/>
                <ConnectForm status=s connect=connect/>
            </Loaded>
        </section>
    }
}

#[component]
fn MailboxState(
    status: MailboxStatus,
    check: ServerAction<CheckMailboxNow>,
    disconnect: ServerAction<DisconnectMailbox>,
) -> impl IntoView {
    let counts = status.counts.clone();
    let skipped = status.skipped.clone();
    let poll = status.poll_seconds;
    view! {
        <section class="panel mailbox-state" aria-labelledby="mailbox-state-title">
            <h2 id="mailbox-state-title">"Status"</h2>
            {match status.mailbox.clone() {
                Some(m) => view! {
                    <p class="mailbox-line">
                        {match &m.error {
                            Some(_) => view! { <span class="badge badge-danger">"Failing"</span> }.into_any(),
                            None => view! { <span class="badge badge-ok">"Connected"</span> }.into_any(),
                        }}
                        " "<strong class="mailbox-account">{format!("{} on {}:{}", m.username, m.host, m.port)}</strong>
                        <span class="mailbox-facts">
                            {format!("Folder {} · {} · read every {poll} s", m.folder, m.security.label())}
                            {m.checked_at.map(|t| format!(" · last read {} {} UTC", t.short_date(0), t.time_of_day(0)))}
                        </span>
                    </p>
                    {m.error.clone().map(|e| view! { <p class="notice notice-error" role="alert">{format!("The last read failed: {e}")}</p> })}
                    <div class="form-actions form-actions-start">
                        <button class="button" type="button" on:click=move |_| { check.dispatch(CheckMailboxNow {}); }>"Read now"</button>
                        <button class="button button-danger" type="button" on:click=move |_| { disconnect.dispatch(DisconnectMailbox {}); }>"Disconnect"</button>
                        <span class="form-status" role="status">
                            {move || check.value().get().map(|r| match r {
                                Ok(()) => "Reading now: the counts below update when you reload.".to_string(),
                                Err(e) => error_text(&e),
                            })}
                        </span>
                    </div>
                }.into_any(),
                None => view! { <p class="mailbox-line"><span class="badge badge-muted">"Not connected"</span>" No mailbox is read."</p> }.into_any(),
            }}
            <dl class="mailbox-counts">
                {counts.into_iter().map(|(o, n)| view! {
                    <div class=format!("mailbox-count mailbox-count-{}", o.key())>
                        <dt>{o.label()}</dt><dd>{n}</dd>
                    </div>
                }).collect_view()}
            </dl>
            {(!skipped.is_empty()).then(|| view! {
                <details class="mailbox-skipped">
                    <summary>"Latest skipped messages"</summary>
                    <table class="table">
                        <thead><tr><th>"Read"</th><th>"From"</th><th>"Subject"</th><th>"Why"</th></tr></thead>
                        <tbody>
                            {skipped.into_iter().map(|s| view! {
                                <tr>
                                    <td>{s.received_at.short_date(0)}</td>
                                    <td>{s.from.unwrap_or_else(|| "—".into())}</td>
                                    <td>{s.subject}</td>
                                    <td>{s.reason}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </details>
            })}
        </section>
    }
}

#[component]
fn ConnectForm(status: MailboxStatus, connect: ServerAction<ConnectMailbox>) -> impl IntoView {
    let current = status.mailbox.clone();
    let connected = current.is_some();
    let host = RwSignal::new(current.as_ref().map(|m| m.host.clone()).unwrap_or_default());
    let security = RwSignal::new(current.as_ref().map_or(Security::Tls, |m| m.security));
    let port = RwSignal::new(
        current
            .as_ref()
            .map(|m| m.port.to_string())
            .unwrap_or_default(),
    );
    let username = RwSignal::new(
        current
            .as_ref()
            .map(|m| m.username.clone())
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let folder = RwSignal::new(
        current
            .as_ref()
            .map(|m| m.folder.clone())
            .unwrap_or_else(|| "INBOX".into()),
    );
    let keep = RwSignal::new(current.as_ref().is_some_and(|m| m.keep_attachments));
    let source = RwSignal::new(current.as_ref().and_then(|m| m.source_id));
    let sources = status.sources.clone();
    let error = move |field: &'static str| {
        connect
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e: AppError| e.message_for(field))
    };
    let general = move || {
        connect
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| (e.fields().is_empty()).then(|| error_text(&e)))
    };
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        connect.dispatch(ConnectMailbox {
            form: MailboxForm {
                host: host.get_untracked(),
                port: port.get_untracked(),
                security: security.get_untracked().key().to_string(),
                username: username.get_untracked(),
                password: password.get_untracked(),
                folder: folder.get_untracked(),
                keep_attachments: keep.get_untracked(),
                source_id: source.get_untracked(),
            },
        });
    };
    let field_error = move |name: &'static str| {
        move || error(name).map(|m| view! { <span class="field-error" role="alert">{m}</span> })
    };
    let invalid = move |name: &'static str| move || error(name).is_some().then_some("true");
    view! {
        <form class="card-form mailbox-form" on:submit=submit aria-labelledby="connect-title">
            <h2 id="connect-title">{if connected { "Settings" } else { "Connect a mailbox" }}</h2>
            {(!status.key_configured).then(|| view! {
                <p class="notice notice-warn" role="status">"This server has no CLOSELOOP_SECRET_KEY, so it cannot keep a mailbox password encrypted. "
                    "Set it (make one with "<code>"openssl rand -base64 32"</code>") and restart the server."</p>
            })}
            <div class="form-grid">
                <label class="field field-wide">"IMAP server"
                    <input type="text" name="host" autocomplete="off" spellcheck="false" placeholder="imap.example.com"
                        bind:value=host aria-invalid=invalid("host")/>
                    {field_error("host")}
                </label>
                <label class="field">"Encryption"
                    <select name="security" aria-invalid=invalid("security")
                        on:change=move |e| if let Some(s) = Security::parse(&event_target_value(&e)) { security.set(s) }>
                        {Security::ALL.into_iter().map(|s| view! {
                            <option value=s.key() selected=move || security.get() == s>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    {field_error("security")}
                </label>
                <label class="field">"Port"
                    <input type="text" inputmode="numeric" name="port" bind:value=port
                        placeholder=move || security.get().default_port().to_string() aria-invalid=invalid("port")/>
                    {field_error("port")}
                </label>
                <label class="field">"User name"
                    <input type="text" name="username" autocomplete="off" spellcheck="false" placeholder="leads@example.com"
                        bind:value=username aria-invalid=invalid("username")/>
                    {field_error("username")}
                </label>
                <label class="field">"Password or app password"
                    <input type="password" name="password" autocomplete="new-password" bind:value=password
                        placeholder=if connected { "Unchanged" } else { "" } aria-invalid=invalid("password")/>
                    {field_error("password")}
                </label>
                <label class="field">"Folder"
                    <input type="text" name="folder" bind:value=folder aria-invalid=invalid("folder")/>
                    {field_error("folder")}
                </label>
                <label class="field">"Source of leads made from e-mail"
                    <select name="source_id" aria-invalid=invalid("source_id")
                        on:change=move |e| source.set(event_target_value(&e).parse().ok())>
                        <option value="" selected=move || source.get().is_none()>"The first source"</option>
                        {sources.into_iter().map(|(id, name)| view! {
                            <option value=id.to_string() selected=move || source.get() == Some(id)>{name}</option>
                        }).collect_view()}
                    </select>
                    {field_error("source_id")}
                </label>
            </div>
            <label class="check">
                <input type="checkbox" name="keep_attachments" prop:checked=move || keep.get()
                    on:change=move |e| keep.set(event_target_checked(&e))/>
                "Keep attachments (otherwise only their names and sizes are kept)"
            </label>
            <p class="page-hint">"The password is stored encrypted and never shown again. Closeloop logs in to check these settings before saving them, and only reads: it marks nothing read and deletes nothing."</p>
            <div class="form-actions form-actions-start">
                <button class="button button-primary" type="submit" disabled=move || connect.pending().get()>
                    {move || if connect.pending().get() { "Connecting…" } else if connected { "Save" } else { "Connect" }}
                </button>
                <span class="form-status" role="status">
                    {move || connect.value().get().and_then(Result::ok).map(|_| "Connected: the mailbox is being read.")}
                </span>
            </div>
            {move || general().map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })}
        </form>
    }
}

// ---- /mail ----

#[component]
pub fn MailToFilePage() -> impl IntoView {
    view! {
        <Title text="E-mail to file"/>
        <RequireAccess check=access::create_lead>
            <ToFile/>
        </RequireAccess>
    }
}

#[component]
fn ToFile() -> impl IntoView {
    let as_lead = ServerAction::<FileMailAsLead>::new();
    let on_lead = ServerAction::<FileMailOnLead>::new();
    let waiting = Resource::new(
        move || (as_lead.version().get(), on_lead.version().get()),
        |_| get_waiting_mail(),
    );
    view! {
        <section class="page page-narrow mail-to-file" aria-labelledby="to-file-title">
            <div class="page-head">
                <h1 id="to-file-title">"E-mail to file"</h1>
                <p class="page-hint">"Messages from people who are not on file yet, written to you and copied to the shared mailbox. Make each a lead with one click, or file it on a lead it belongs to."</p>
            </div>
            {move || as_lead.value().get().map(|r| match r {
                Ok(id) => view! {
                    <p class="notice notice-ok" role="status">"Lead saved. "<a href=format!("/leads/{id}?from=new")>"Open it"</a></p>
                }.into_any(),
                Err(e) => view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            {move || on_lead.value().get().map(|r| match r {
                Ok(id) => view! {
                    <p class="notice notice-ok" role="status">"Filed on the lead. "<a href=format!("/leads/{id}")>"Open it"</a></p>
                }.into_any(),
                Err(e) => view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            <Loaded resource=waiting loading="Loading…" let:w>
                <WaitingList waiting=w as_lead=as_lead on_lead=on_lead/>
            </Loaded>
        </section>
    }
}

#[component]
fn WaitingList(
    waiting: MailToFile,
    as_lead: ServerAction<FileMailAsLead>,
    on_lead: ServerAction<FileMailOnLead>,
) -> impl IntoView {
    if waiting.messages.is_empty() {
        return view! {
            <div class="panel empty-state"><p>"Nothing to file: every message in the shared mailbox is on a lead."</p></div>
        }
        .into_any();
    }
    let leads = waiting.leads.clone();
    let me = crate::components::guard::use_me().map(|a| a.name);
    view! {
        <ul class="mail-list">
            {waiting.messages.into_iter().map(|m| view! {
                <WaitingItem mail=m leads=leads.clone() me=me.clone() as_lead=as_lead on_lead=on_lead/>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn WaitingItem(
    mail: WaitingMail,
    leads: Vec<crate::domain::lead::LeadOption>,
    me: Option<String>,
    as_lead: ServerAction<FileMailAsLead>,
    on_lead: ServerAction<FileMailOnLead>,
) -> impl IntoView {
    let id = mail.id;
    let picking = RwSignal::new(false);
    let chosen: RwSignal<Option<LeadId>> = RwSignal::new(None);
    let who = match &mail.from_name {
        Some(n) => format!("{n} <{}>", mail.from_address),
        None => mail.from_address.clone(),
    };
    let for_other = (me.as_deref() != Some(mail.for_user.as_str())).then(|| mail.for_user.clone());
    view! {
        <li class="mail-item panel">
            <div class="mail-item-head">
                <strong class="mail-from">{who}</strong>
                <span class="mail-date">{mail.sent_at.short_date(0)}</span>
            </div>
            <a class="mail-subject" href=format!("/mail/{id}")>{if mail.subject.is_empty() { "(no subject)".to_string() } else { mail.subject.clone() }}</a>
            <p class="mail-excerpt">{mail.excerpt.clone()}</p>
            {for_other.map(|u| view! { <p class="mail-for">{format!("Written to {u}")}</p> })}
            <div class="form-actions form-actions-start">
                <button class="button button-primary" type="button"
                    on:click=move |_| { as_lead.dispatch(FileMailAsLead { id }); }>"Make it a lead"</button>
                <button class="button" type="button" aria-expanded=move || picking.get().to_string()
                    on:click=move |_| picking.update(|p| *p = !*p)>"File on a lead…"</button>
            </div>
            {move || picking.get().then(|| view! {
                <div class="mail-file-on">
                    <LeadPicker options=leads.clone() chosen=chosen label="Lead" id="mail-lead"/>
                    <button class="button button-primary" type="button" disabled=move || chosen.get().is_none()
                        on:click=move |_| if let Some(lead_id) = chosen.get_untracked() {
                            on_lead.dispatch(FileMailOnLead { id, lead_id });
                        }>"File it here"</button>
                </div>
            })}
        </li>
    }
}

// ---- /mail/:id ----

#[component]
pub fn MailMessagePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let message = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_mail_message(id).await,
            None => Err(AppError::not_found("That is not a message number")),
        }
    });
    view! {
        <Title text="E-mail"/>
        <RequireAccess check=|actor| access::view_board(actor).map(|_| ())>
            <section class="page page-narrow mail-message">
                <Loaded resource=message loading="Loading the message…" let:m>
                    <MailMessage mail=m/>
                </Loaded>
            </section>
        </RequireAccess>
    }
}

#[component]
fn MailMessage(mail: MailView) -> impl IntoView {
    let id = mail.id;
    let back = match &mail.lead {
        Some((lead, title)) => view! { <p class="back-link"><a href=format!("/leads/{lead}")>{format!("← {title}")}</a></p> }.into_any(),
        None => view! { <p class="back-link"><a href="/mail">"← E-mail to file"</a></p> }.into_any(),
    };
    let filed = match mail.outcome {
        MailOutcome::Touch => "Logged as an e-mail touch",
        MailOutcome::Inquiry | MailOutcome::Filed => "Filed as an inquiry",
        MailOutcome::ToFile => "Waiting to be filed",
        MailOutcome::Skipped => "Not filed",
    };
    view! {
        {back}
        <article class="panel mail-view" aria-labelledby="mail-subject">
            <h1 id="mail-subject">{if mail.subject.is_empty() { "(no subject)".to_string() } else { mail.subject.clone() }}</h1>
            <dl class="mail-headers">
                <dt>"From"</dt><dd>{mail.from.clone()}</dd>
                <dt>"To"</dt><dd>{mail.to.clone()}</dd>
                <dt>"Sent"</dt><dd>{mail.sent_at.map(|t| format!("{} {} UTC", t.date_string(0), t.time_of_day(0))).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Filed"</dt><dd><span class="badge badge-muted">{filed}</span></dd>
            </dl>
            <pre class="mail-body">{mail.body.clone()}</pre>
            {(!mail.attachments.is_empty()).then(|| view! {
                <h2 class="mail-attachments-title">"Attachments"</h2>
                <ul class="mail-attachments">
                    {mail.attachments.iter().enumerate().map(|(i, a)| {
                        let label = format!("{} ({})", a.name, size_text(a.size));
                        if a.kept {
                            view! { <li><a href=format!("/mail/{id}/attachments/{i}") download=a.name.clone()>{label}</a></li> }.into_any()
                        } else {
                            view! { <li>{label}<span class="muted">" · not kept"</span></li> }.into_any()
                        }
                    }).collect_view()}
                </ul>
            })}
            {mail.may_file.then(|| view! { <p><a class="button" href="/mail">"File it from the list"</a></p> })}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(12), "12 bytes");
        assert_eq!(size_text(348_160), "340 KB");
        assert_eq!(size_text(10 * 1_048_576 + 104_858), "10.1 MB");
    }
}
