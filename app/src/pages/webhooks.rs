//! Route `/admin/webhooks`: outbound webhooks. An admin registers an endpoint and the events it
//! wants (the signing secret shown once, with how to verify it), sees each endpoint's delivery
//! log (status, response code, attempts, next try) and re-sends a delivery.

use crate::api::webhooks::{
    get_webhooks, CreateWebhook, DeleteWebhook, Delivery, DeliveryStatus, ResendDelivery,
    WebhookForm, WebhookKind, WebhookSummary,
};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use crate::domain::access;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! {
        <Title text="Webhooks"/>
        <RequireAccess check=access::manage_webhooks>
            <Webhooks/>
        </RequireAccess>
    }
}

#[component]
fn Webhooks() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let resend = ServerAction::<ResendDelivery>::new();
    let created = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            created.update(|n| *n += 1);
        }
    });
    let page = Resource::new(
        move || {
            (
                created.get(),
                delete.version().get(),
                resend.version().get(),
            )
        },
        |_| get_webhooks(),
    );
    view! {
        <section class="page webhooks-page" aria-labelledby="webhooks-title">
            <div class="page-head">
                <h1 id="webhooks-title">"Webhooks"</h1>
                <p class="page-hint">"Tell other systems what happens to leads as it happens: each event is POSTed as JSON to your endpoint, signed the Standard Webhooks way, retried for a day if the endpoint is down, and kept in a delivery log. A lead's events arrive in order; the "<code>"webhook-id"</code>" header is the same on every retry, so your receiver can drop repeats."</p>
            </div>
            {move || create.value().get().and_then(Result::ok).map(|issued| view! {
                <div class="notice notice-ok secret-once" role="status">
                    <p><strong>"Copy the signing secret now: it will not be shown again."</strong></p>
                    <code class="secret">{issued.secret.clone()}</code>
                    <p class="page-hint">"Verify each request: HMAC-SHA256, keyed with the secret's base64 part after "<code>"whsec_"</code>", over "
                        <code>"webhook-id.webhook-timestamp.body"</code>"; compare with the "<code>"webhook-signature"</code>" header after "<code>"v1,"</code>" (base64), and refuse timestamps more than 5 minutes off."</p>
                </div>
            })}
            <Loaded resource=page loading="Loading webhooks…" let:p>
                {(!p.key_configured).then(|| view! {
                    <p class="notice notice-warn" role="status">"This server has no CLOSELOOP_SECRET_KEY, so it cannot keep signing secrets. Set it (make one with "<code>"openssl rand -base64 32"</code>") and restart the server."</p>
                })}
                {if p.webhooks.is_empty() {
                    view! { <div class="panel empty-state"><p>"No endpoint yet: nothing is sent to other systems."</p></div> }.into_any()
                } else {
                    p.webhooks.into_iter().map(|h| view! { <Endpoint hook=h delete=delete resend=resend/> }).collect_view().into_any()
                }}
            </Loaded>
            <NewEndpoint create=create/>
        </section>
    }
}

#[component]
fn Endpoint(
    hook: WebhookSummary,
    delete: ServerAction<DeleteWebhook>,
    resend: ServerAction<ResendDelivery>,
) -> impl IntoView {
    let id = hook.id;
    let kinds = hook
        .kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(", ");
    let title = if hook.description.is_empty() {
        hook.url.clone()
    } else {
        hook.description.clone()
    };
    let label = title.clone();
    view! {
        <section class="panel webhook" aria-label=label>
            <div class="webhook-head">
                <div>
                    <h2 class="webhook-title">{title}</h2>
                    <p class="webhook-url"><code>{hook.url.clone()}</code></p>
                    <p class="muted">{kinds}
                        {hook.allow_private.then_some(" · private addresses allowed")}
                        {format!(" · added {}{}", hook.created_at.short_date(0), hook.created_by.as_ref().map(|n| format!(" by {n}")).unwrap_or_default())}
                    </p>
                </div>
                <div class="webhook-counts">
                    {(hook.pending > 0).then(|| view! { <span class="badge badge-muted">{format!("{} pending", hook.pending)}</span> })}
                    {(hook.failed > 0).then(|| view! { <span class="badge badge-danger">{format!("{} given up", hook.failed)}</span> })}
                    <button class="button button-small" type="button"
                        on:click=move |_| { delete.dispatch(DeleteWebhook { id }); }>"Delete"</button>
                </div>
            </div>
            {if hook.deliveries.is_empty() {
                view! { <p class="muted">"Nothing sent yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="table webhook-log">
                            <caption class="visually-hidden">"Delivery log"</caption>
                            <thead><tr><th>"Event"</th><th>"Lead"</th><th>"Status"</th><th>"Answer"</th><th>"Attempts"</th><th>"When"</th><th></th></tr></thead>
                            <tbody>
                                {hook.deliveries.into_iter().map(|d| view! { <DeliveryRow d=d resend=resend/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn DeliveryRow(d: Delivery, resend: ServerAction<ResendDelivery>) -> impl IntoView {
    let id = d.id;
    let badge = match d.status {
        DeliveryStatus::Delivered => "badge badge-ok",
        DeliveryStatus::Pending => "badge badge-muted",
        DeliveryStatus::Failed => "badge badge-danger",
    };
    let when = match (d.status, d.delivered_at, d.next_attempt_at) {
        (DeliveryStatus::Delivered, Some(t), _) => {
            format!("{} {}", t.short_date(0), t.time_of_day(0))
        }
        (DeliveryStatus::Pending, _, Some(t)) => {
            format!("next try {} {}", t.short_date(0), t.time_of_day(0))
        }
        _ => format!(
            "{} {}",
            d.created_at.short_date(0),
            d.created_at.time_of_day(0)
        ),
    };
    let answer = match (d.last_code, &d.last_error) {
        (Some(c), _) => c.to_string(),
        (None, Some(e)) => e.clone(),
        (None, None) => "—".into(),
    };
    view! {
        <tr>
            <td><code>{format!("evt_{}", d.event_id)}</code>" "{d.kind.label()}</td>
            <td>{d.lead_id.map(|l| view! { <a href=format!("/leads/{l}")>{format!("#{l}")}</a> })}</td>
            <td><span class=badge>{d.status.label()}</span></td>
            <td class="webhook-answer">{answer}</td>
            <td>{d.attempts}</td>
            <td>{when}</td>
            <td><button class="button button-small" type="button"
                on:click=move |_| { resend.dispatch(ResendDelivery { id }); }>"Re-send"</button></td>
        </tr>
    }
}

#[component]
fn NewEndpoint(create: ServerAction<CreateWebhook>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let allow_private = RwSignal::new(false);
    let kinds = RwSignal::new(vec![WebhookKind::LeadWon, WebhookKind::LeadLost]);
    let error = move |field: &'static str| {
        create
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e: AppError| e.message_for(field))
    };
    let general = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.fields().is_empty().then(|| error_text(&e)))
    };
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        create.dispatch(CreateWebhook {
            form: WebhookForm {
                url: url.get_untracked(),
                kinds: kinds
                    .get_untracked()
                    .iter()
                    .map(|k| k.key().to_string())
                    .collect(),
                description: description.get_untracked(),
                allow_private: allow_private.get_untracked(),
            },
        });
    };
    view! {
        <form class="card-form webhook-form" on:submit=submit aria-labelledby="new-webhook-title">
            <h2 id="new-webhook-title">"Add an endpoint"</h2>
            <label class="field">"Endpoint address"
                <input type="url" name="url" placeholder="https://example.com/hooks/closeloop" spellcheck="false"
                    bind:value=url aria-invalid=move || error("url").is_some().then_some("true")/>
                {move || error("url").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <label class="field">"Description (optional)"
                <input type="text" name="description" placeholder="Accounting system" bind:value=description
                    aria-invalid=move || error("description").is_some().then_some("true")/>
                {move || error("description").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <fieldset class="check-grid" aria-invalid=move || error("kinds").is_some().then_some("true")>
                <legend>"Events to send"</legend>
                {WebhookKind::ALL.into_iter().map(|k| view! {
                    <label class="check">
                        <input type="checkbox" name="kinds" value=k.key()
                            prop:checked=move || kinds.get().contains(&k)
                            on:change=move |e| {
                                let on = event_target_checked(&e);
                                kinds.update(|list| {
                                    list.retain(|x| *x != k);
                                    if on { list.push(k) }
                                });
                            }/>
                        {k.label()}
                    </label>
                }).collect_view()}
                {move || error("kinds").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </fieldset>
            <label class="check">
                <input type="checkbox" name="allow_private" prop:checked=move || allow_private.get()
                    on:change=move |e| allow_private.set(event_target_checked(&e))/>
                "Allow private and local addresses (and plain http): only for a system on your own network"
            </label>
            <div class="form-actions form-actions-start">
                <button class="button button-primary" type="submit" disabled=move || create.pending().get()>"Add endpoint"</button>
            </div>
            {move || general().map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })}
        </form>
    }
}
