//! Routes `/admin/wall-tokens`, `/settings/intake-keys` and `/settings/api-tokens`: issue,
//! list and revoke the standing credentials of wall displays, web-form intake and the REST
//! API. A new secret is shown once.

use crate::api::keys::{
    intake_endpoint, list_api_tokens, list_intake_keys, list_sources, list_wall_tokens,
    ConfigureWall, IssueApiToken, IssueIntakeKey, IssueWallToken, RevokeApiToken, RevokeIntakeKey,
    RevokeWallToken, UpdateIntakeKey,
};
use crate::components::guard::{use_me, RequireAccess};
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::account::{AccessKeySummary, IssuedSecret};
use crate::domain::wall::{WallConfig, WallPanel, MAX_SECONDS, MIN_SECONDS, WALL_PERIODS};
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
                <WallTokenList keys on_revoke/>
            </section>
        </RequireAccess>
    }
}

/// Wall tokens as cards, each with what its screen shows.
#[component]
fn WallTokenList(
    keys: Resource<Result<Vec<AccessKeySummary>, AppError>>,
    on_revoke: Callback<i64>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty-note">"No tokens yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="key-cards">
                            {list.into_iter().map(|k| view! { <WallTokenCard key=k on_revoke/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <div class="panel panel-error" role="alert"><p>{e.to_string()}</p></div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WallTokenCard(key: AccessKeySummary, on_revoke: Callback<i64>) -> impl IntoView {
    let save = ServerAction::<ConfigureWall>::new();
    let id = key.id;
    let config = key.wall.clone().unwrap_or_default();
    let chosen = RwSignal::new(config.panels.clone());
    let days = RwSignal::new(config.days.to_string());
    let seconds = RwSignal::new(config.seconds.to_string());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        // The panels rotate in the order of the list.
        let picked = chosen.get_untracked();
        let panels = WallPanel::ALL
            .into_iter()
            .filter(|p| picked.contains(p))
            .collect();
        save.dispatch(ConfigureWall {
            id,
            config: WallConfig {
                panels,
                days: days.get_untracked().parse().unwrap_or(0),
                seconds: seconds.get_untracked().trim().parse().unwrap_or(0),
            },
        });
    };
    let field_error = move |name: &'static str| {
        save.value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.message_for(name))
    };
    let title_id = format!("wall-{id}-title");
    let labelled_by = title_id.clone();
    let panels_id = format!("wall-{id}-panels");
    view! {
        <li class="key-card" class:row-inactive=key.revoked aria-labelledby=labelled_by>
            <KeyCardHead key=key.clone() title_id what="token" on_revoke/>
            <Show when=move || !key.revoked>
                <form class="wall-config" on:submit=submit aria-label="What this screen shows">
                    <fieldset class="wall-config-panels" aria-describedby=panels_id.clone()>
                        <legend>"Panels, in this order"</legend>
                        {WallPanel::ALL.into_iter().map(|p| view! {
                            <label class="check">
                                <input type="checkbox" value=p.key()
                                    prop:checked=move || chosen.with(|c| c.contains(&p))
                                    on:change=move |e| {
                                        let on = event_target_checked(&e);
                                        chosen.update(|c| {
                                            c.retain(|x| *x != p);
                                            if on { c.push(p); }
                                        });
                                    }/>
                                {p.title()}
                            </label>
                        }).collect_view()}
                        <span id=panels_id.clone()>
                            {move || field_error("panels").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                        </span>
                    </fieldset>
                    <label class="field field-narrow">"ROI period"
                        <select on:change=move |e| days.set(event_target_value(&e))
                            aria-invalid=move || field_error("days").is_some().then_some("true")>
                            {WALL_PERIODS.into_iter().map(|d| view! {
                                <option value=d.to_string() selected=d == config.days>{format!("{d} days")}</option>
                            }).collect_view()}
                        </select>
                        {move || field_error("days").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </label>
                    <label class="field field-narrow">"Seconds per panel"
                        <input type="number" min=MIN_SECONDS max=MAX_SECONDS bind:value=seconds
                            aria-invalid=move || field_error("seconds").is_some().then_some("true")/>
                        {move || field_error("seconds").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </label>
                    <button class="button" type="submit">"Save"</button>
                    <p class="form-status" role="status">
                        {move || matches!(save.value().get(), Some(Ok(()))).then_some("Saved. The screen follows within a minute.")}
                    </p>
                </form>
            </Show>
        </li>
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
                    <p class="page-hint">"A key lets a web form or an integration send inquiries into one source, and nothing else. "
                        "Web forms use the key's public form id from the web sites you allow; integrations send the secret key from a server."</p>
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
                <IntakeKeyList keys on_revoke/>
            </section>
        </RequireAccess>
    }
}

/// Intake keys as cards: each with its web sites and rate, the HTML snippet of a web form
/// that posts to it, and a curl example for integrations.
#[component]
fn IntakeKeyList(
    keys: Resource<Result<Vec<AccessKeySummary>, AppError>>,
    on_revoke: Callback<i64>,
) -> impl IntoView {
    let endpoint = Resource::new(|| (), |_| intake_endpoint());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let url = endpoint.await.unwrap_or_else(|_| "http://127.0.0.1:3000/api/v1/intake".into());
                match keys.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty-note">"No keys yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="key-cards">
                            {list.into_iter().map(|k| view! { <IntakeKeyCard key=k url=url.clone() on_revoke/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <div class="panel panel-error" role="alert"><p>{e.to_string()}</p></div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The HTML of a contact form that posts to a key's form id: a honeypot field hidden from
/// people, and an idempotency key filled in once per page view so a double click sends once.
pub fn form_snippet(url: &str, form_id: &str) -> String {
    format!(
        r#"<form action="{url}?form={form_id}" method="post">
  <!-- Optional: send people back to a page of yours (one of the key's web sites). -->
  <!-- <input type="hidden" name="redirect" value="https://www.example.com/thanks"> -->
  <input type="hidden" name="idempotency_key">
  <div hidden aria-hidden="true"><input name="website" tabindex="-1" autocomplete="off"></div>
  <label>Name <input name="name" required maxlength="200"></label>
  <label>E-mail <input name="email" type="email" maxlength="254"></label>
  <label>Phone <input name="phone" type="tel" maxlength="40"></label>
  <label>Company <input name="company" maxlength="200"></label>
  <label>Interested in <input name="product_interest" maxlength="200"></label>
  <label>Message <textarea name="message" maxlength="5000"></textarea></label>
  <button type="submit">Send</button>
</form>
<script>
  document.querySelectorAll('form[action*="/api/v1/intake"] [name=idempotency_key]')
    .forEach(function (f) {{ f.value = crypto.randomUUID(); }});
</script>"#
    )
}

#[component]
fn IntakeKeyCard(key: AccessKeySummary, url: String, on_revoke: Callback<i64>) -> impl IntoView {
    let update = ServerAction::<UpdateIntakeKey>::new();
    let id = key.id;
    let origins = RwSignal::new(key.allowed_origins.join("\n"));
    let per_minute = RwSignal::new(key.per_minute.unwrap_or(30).to_string());
    let form_id = key.form_id.clone().unwrap_or_default();
    let snippet = form_snippet(&url, &form_id);
    let curl = format!(
        "curl -X POST {url} \\\n  -H 'Authorization: Bearer {}…' \\\n  -H 'Content-Type: application/json' \\\n  -H 'Idempotency-Key: 7f3a-0001' \\\n  -d '{{\"contact_name\":\"Ada Byron\",\"email\":\"ada@example.com\",\"message\":\"Need a quote\"}}'",
        key.prefix
    );
    let save = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        update.dispatch(UpdateIntakeKey {
            id,
            allowed_origins: origins.get_untracked(),
            per_minute: per_minute.get_untracked().trim().parse().unwrap_or(0),
        });
    };
    let field_error = move |name: &'static str| {
        update
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.message_for(name))
    };
    let title_id = format!("key-{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <li class="key-card" class:row-inactive=key.revoked aria-labelledby=labelled_by>
            <KeyCardHead key=key.clone() title_id what="key" on_revoke/>
            <Show when=move || !key.revoked>
                <form class="key-gate" on:submit=save>
                    <label class="field">"Web sites allowed to post the form"
                        <textarea rows="2" bind:value=origins placeholder="https://www.example.com"
                            aria-invalid=move || field_error("allowed_origins").is_some().then_some("true")></textarea>
                        <small>"One per line, scheme and host only. Until one is listed, only the secret key works."</small>
                        {move || field_error("allowed_origins").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </label>
                    <label class="field field-narrow">"Per minute"
                        <input type="number" min="1" max="600" bind:value=per_minute
                            aria-invalid=move || field_error("per_minute").is_some().then_some("true")/>
                        {move || field_error("per_minute").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </label>
                    <button class="button" type="submit">"Save"</button>
                    <p class="form-status" role="status">
                        {move || matches!(update.value().get(), Some(Ok(()))).then_some("Saved.")}
                    </p>
                </form>
                <p class="key-form-id">"Form id "<code>{form_id.clone()}</code></p>
                <details class="snippet">
                    <summary>"Web form snippet (HTML)"</summary>
                    <p class="cell-sub">"Paste it into a page on an allowed web site; style it as you like."</p>
                    <pre><code>{snippet.clone()}</code></pre>
                </details>
                <details class="snippet">
                    <summary>"From a server (curl)"</summary>
                    <pre><code>{curl.clone()}</code></pre>
                </details>
            </Show>
        </li>
    }
}

/// A key's card heading: its label, what it is (an intake key's source first), who made it,
/// when it was last used, and revoking it.
#[component]
fn KeyCardHead(
    key: AccessKeySummary,
    title_id: String,
    what: &'static str,
    on_revoke: Callback<i64>,
) -> impl IntoView {
    let id = key.id;
    let label = key.label.clone();
    let source = key.source_name.clone().map(|s| format!("{s} · "));
    view! {
        <div class="key-card-head">
            <div>
                <h2 id=title_id class="key-card-title">{key.label.clone()}</h2>
                <p class="cell-sub">
                    {source}{format!("{what} ")}<code>{format!("{}…", key.prefix)}</code>
                    " · created by "{key.created_by.clone()}" "{key.created_at.short_date(0)}
                    " · last used "{key.last_used_at.map(|t| t.short_date(0)).unwrap_or_else(|| "never".into())}
                </p>
            </div>
            {if key.revoked {
                view! { <span class="badge badge-muted">"Revoked"</span> }.into_any()
            } else {
                view! {
                    <button class="button button-small button-quiet" type="button"
                        aria-label=format!("Revoke {label}")
                        on:click=move |_| on_revoke.run(id)>"Revoke"</button>
                }.into_any()
            }}
        </div>
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

/// `/settings/api-tokens`: the signed-in person's own tokens for the REST API.
#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let issue = ServerAction::<IssueApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (issue.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let label = RwSignal::new(String::new());
    let scope = RwSignal::new("read".to_string());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        issue.dispatch(IssueApiToken {
            label: label.get_untracked(),
            scope: scope.get_untracked(),
        });
    };
    let on_revoke = move |id: i64| {
        revoke.dispatch(RevokeApiToken { id });
    };
    let endpoint = Resource::new(|| (), |_| intake_endpoint());
    view! {
        <Title text="API tokens and calendar"/>
        <RequireAccess check=access::manage_own_api_tokens>
            <section class="page page-narrow" aria-labelledby="tokens-title">
                <div class="page-head">
                    <h1 id="tokens-title">"API tokens"</h1>
                    <p class="page-hint">"A token lets a script or another system use the REST API as you: it sees and changes only what you may. "
                        "Make it read-only unless it must write. "<a href="/api/docs">"API reference"</a></p>
                </div>
                <Issued issued=Signal::from(issue.value()) url_prefix=""/>
                <Failure error=Signal::derive(move || revoke.value().get().and_then(Result::err))/>
                <form class="card-form card-form-inline" on:submit=submit>
                    <label class="field">"Label"
                        <input type="text" required maxlength="80" bind:value=label placeholder="Spreadsheet sync"/></label>
                    <label class="field">"Access"
                        <select on:change=move |e| scope.set(event_target_value(&e))>
                            <option value="read" selected>"Read only"</option>
                            <option value="write">"Read and write"</option>
                        </select></label>
                    <button class="button button-primary" type="submit">"Create token"</button>
                </form>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match tokens.await {
                            Ok(list) if list.is_empty() => view! { <p class="empty-note">"No tokens yet."</p> }.into_any(),
                            Ok(list) => view! {
                                <table class="table">
                                    <thead><tr>
                                        <th scope="col">"Label"</th>
                                        <th scope="col">"Starts with"</th>
                                        <th scope="col">"Access"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|t| {
                                            let id = t.id;
                                            let label = t.label.clone();
                                            view! {
                                                <tr class:row-inactive=t.revoked>
                                                    <th scope="row"><span class="cell-title">{t.label.clone()}</span>
                                                        <span class="cell-sub">{format!("Created {}", t.created_at.short_date(0))}</span></th>
                                                    <td><code>{format!("{}…", t.prefix)}</code></td>
                                                    <td>{t.scope.label()}</td>
                                                    <td>{t.last_used_at.map(|u| u.short_date(0)).unwrap_or_else(|| "Never".into())}</td>
                                                    <td class="cell-actions">
                                                        {if t.revoked {
                                                            view! { <span class="badge badge-muted">"Revoked"</span> }.into_any()
                                                        } else {
                                                            view! {
                                                                <button class="button button-small button-quiet" type="button"
                                                                    aria-label=format!("Revoke {label}")
                                                                    on:click=move |_| on_revoke(id)>"Revoke"</button>
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
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let intake = endpoint.await.unwrap_or_else(|_| "http://127.0.0.1:3000/api/v1/intake".into());
                        let base = intake.trim_end_matches("/intake").to_string();
                        view! {
                            <details class="snippet">
                                <summary>"Try it (curl)"</summary>
                                <pre><code>{format!(
                                    "curl -H 'Authorization: Bearer clt_…' '{base}/leads?status=open&limit=20'"
                                )}</code></pre>
                            </details>
                        }
                    })}
                </Suspense>
                {use_me().filter(|a| access::calendar_feed(a).is_ok()).map(|_| view! {
                    <super::calendar_feed::CalendarFeedPanel/>
                })}
            </section>
        </RequireAccess>
    }
}
