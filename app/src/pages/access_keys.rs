//! Routes `/admin/wall-tokens` and `/settings/intake-keys`: issue, list and revoke the standing
//! credentials of wall displays and web-form intake. A new secret is shown once.

use crate::api::keys::{
    list_intake_keys, list_sources, list_wall_tokens, IssueIntakeKey, IssueWallToken,
    RevokeIntakeKey, RevokeWallToken,
};
use crate::components::guard::RequireAccess;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::account::{AccessKeySummary, IssuedSecret};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn WallTokensPage() -> impl IntoView {
    let issue = ServerAction::<IssueWallToken>::new();
    let revoke = ServerAction::<RevokeWallToken>::new();
    let keys = Resource::new(
        move || (issue.version().get(), revoke.version().get()),
        |_| list_wall_tokens(),
    );
    let label = RwSignal::new(String::new());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        issue.dispatch(IssueWallToken {
            label: label.get_untracked(),
        });
    };
    let on_revoke = Callback::new(move |id: i64| {
        revoke.dispatch(RevokeWallToken { id });
    });
    view! {
        <Title text="Wall tokens"/>
        <RequireAccess check=access::manage_wall_tokens>
            <section class="page page-narrow" aria-labelledby="keys-title">
                <div class="page-head">
                    <h1 id="keys-title">"Wall-display tokens"</h1>
                    <p class="page-hint">"A token opens the read-only wall view on a TV without signing in. Revoke it when a screen is retired."</p>
                </div>
                <Issued issued=Signal::from(issue.value()) url_prefix="/wall/"/>
                <Failure error=Signal::derive(move || revoke.value().get().and_then(Result::err))/>
                <form class="card-form card-form-inline" on:submit=submit>
                    <label class="field">"Label"
                        <input type="text" required bind:value=label placeholder="Sales floor TV"/></label>
                    <button class="button button-primary" type="submit">"Create token"</button>
                </form>
                <KeyList keys on_revoke what="token"/>
            </section>
        </RequireAccess>
    }
}

#[component]
pub fn IntakeKeysPage() -> impl IntoView {
    let issue = ServerAction::<IssueIntakeKey>::new();
    let revoke = ServerAction::<RevokeIntakeKey>::new();
    let keys = Resource::new(
        move || (issue.version().get(), revoke.version().get()),
        |_| list_intake_keys(),
    );
    let sources = Resource::new(|| (), |_| list_sources());
    let label = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        issue.dispatch(IssueIntakeKey {
            label: label.get_untracked(),
            source_id: source.get_untracked().parse().unwrap_or_default(),
        });
    };
    let on_revoke = Callback::new(move |id: i64| {
        revoke.dispatch(RevokeIntakeKey { id });
    });
    view! {
        <Title text="Intake keys"/>
        <RequireAccess check=access::manage_intake_keys>
            <section class="page page-narrow" aria-labelledby="keys-title">
                <div class="page-head">
                    <h1 id="keys-title">"Intake keys"</h1>
                    <p class="page-hint">"A key lets a web form or integration create leads in one source, and nothing else: "
                        <code>"POST /api/v1/intake/leads"</code>" with "<code>"Authorization: Bearer <key>"</code>"."</p>
                </div>
                <Issued issued=Signal::from(issue.value()) url_prefix=""/>
                <Failure error=Signal::derive(move || revoke.value().get().and_then(Result::err))/>
                <form class="card-form card-form-inline" on:submit=submit>
                    <label class="field">"Label"
                        <input type="text" required bind:value=label placeholder="Website contact form"/></label>
                    <label class="field">"Source"
                        <select required on:change=move |e| source.set(event_target_value(&e))>
                            <option value="">"Choose…"</option>
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    sources.await.unwrap_or_default().into_iter().map(|s| view! {
                                        <option value=s.id.to_string()>{format!("{} ({})", s.name, s.channel.label())}</option>
                                    }).collect_view()
                                })}
                            </Suspense>
                        </select></label>
                    <button class="button button-primary" type="submit">"Create key"</button>
                </form>
                <KeyList keys on_revoke what="key"/>
            </section>
        </RequireAccess>
    }
}

/// The secret just issued, shown once, or why issuing failed.
#[component]
fn Issued(
    issued: Signal<Option<Result<IssuedSecret, AppError>>>,
    url_prefix: &'static str,
) -> impl IntoView {
    move || {
        issued.get().map(|r| match r {
            Ok(s) => view! {
                <div class="notice notice-ok secret-once" role="status">
                    <p><strong>"Copy it now: it will not be shown again."</strong></p>
                    <code class="secret">{format!("{url_prefix}{}", s.secret)}</code>
                </div>
            }
            .into_any(),
            Err(e) => view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> }
                .into_any(),
        })
    }
}

#[component]
fn Failure(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> })
    }
}

#[component]
fn KeyList(
    keys: Resource<Result<Vec<AccessKeySummary>, AppError>>,
    on_revoke: Callback<i64>,
    what: &'static str,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty-note">{format!("No {what}s yet.")}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table">
                            <thead><tr>
                                <th scope="col">"Label"</th>
                                <th scope="col">"Starts with"</th>
                                <th scope="col">"Created by"</th>
                                <th scope="col">"Last used"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|k| {
                                    let id = k.id;
                                    let label = k.label.clone();
                                    view! {
                                        <tr class:row-inactive=k.revoked>
                                            <th scope="row">
                                                <span class="cell-title">{k.label.clone()}</span>
                                                {k.source_name.clone().map(|s| view! { <span class="cell-sub">{s}</span> })}
                                            </th>
                                            <td><code>{format!("{}…", k.prefix)}</code></td>
                                            <td>{k.created_by.clone()}<span class="cell-sub">{k.created_at.short_date(0)}</span></td>
                                            <td>{k.last_used_at.map(|t| t.short_date(0)).unwrap_or_else(|| "Never".into())}</td>
                                            <td class="cell-actions">
                                                {if k.revoked {
                                                    view! { <span class="badge badge-muted">"Revoked"</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <button class="button button-small button-quiet" type="button"
                                                            aria-label=format!("Revoke {label}")
                                                            on:click=move |_| on_revoke.run(id)>"Revoke"</button>
                                                    }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <div class="panel panel-error" role="alert"><p>{e.to_string()}</p></div> }.into_any(),
                }
            })}
        </Suspense>
    }
}
