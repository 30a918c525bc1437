//! Route `/admin/users`: every account with its role, team and status; add a user, change
//! role or team, deactivate or reactivate, unlock after failed sign-ins, set a new password.

use crate::api::accounts::{
    list_teams, list_users, CreateUser, ResetPassword, UnlockUser, UpdateUser,
};
use crate::components::guard::RequireAccess;
use crate::components::status::{report, StatusLine};
use crate::domain::access;
use crate::domain::account::{NewUser, TeamSummary, UserChange, UserSummary};
use crate::domain::{Role, TeamId};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users"/>
        <RequireAccess check=access::manage_accounts>
            <UsersAdmin/>
        </RequireAccess>
    }
}

fn parse_team(v: &str) -> Option<TeamId> {
    v.parse::<i64>().ok().map(TeamId)
}

#[component]
fn UsersAdmin() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let unlock = ServerAction::<UnlockUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                unlock.version().get(),
            )
        },
        |_| list_users(),
    );
    let teams = Resource::new(|| (), |_| list_teams());
    let message = RwSignal::new(None::<(bool, String)>);
    report(
        create.value().into(),
        "User added",
        |u: &UserSummary| u.name.clone(),
        message,
    );
    report(
        update.value().into(),
        "Saved",
        |u: &UserSummary| u.name.clone(),
        message,
    );
    report(
        unlock.value().into(),
        "Sign-in pause lifted",
        |u: &UserSummary| u.name.clone(),
        message,
    );
    report(
        reset.value().into(),
        "Password set and sessions ended",
        |u: &UserSummary| u.name.clone(),
        message,
    );

    view! {
        <section class="page page-narrow" aria-labelledby="users-title">
            <div class="page-head">
                <h1 id="users-title">"Users"</h1>
                <p class="page-hint">"Who can sign in, in which role and team."</p>
            </div>
            <StatusLine status=message/>
            <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match (users.await, teams.await) {
                        (Ok(users), Ok(teams)) => {
                            let teams = StoredValue::new(teams);
                            view! {
                                <table class="table table-stack">
                                    <thead><tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Team"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {users.into_iter().map(|u| view! {
                                            <UserRow user=u teams=teams update unlock/>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => view! {
                            <div class="panel panel-error" role="alert"><p>{e.to_string()}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
            // Apart from the table, so refreshing the list never resets what is being typed.
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    teams.await.ok().map(|teams| {
                        let teams = StoredValue::new(teams);
                        view! {
                            <div class="admin-forms">
                                <NewUserForm teams=teams create/>
                                <ResetPasswordForm reset/>
                            </div>
                        }
                    })
                })}
            </Suspense>
        </section>
    }
}

fn team_options(teams: &[TeamSummary], selected: Option<TeamId>) -> impl IntoView {
    let mut opts =
        vec![view! { <option value="" selected=selected.is_none()>"No team"</option> }.into_any()];
    for t in teams {
        opts.push(
            view! { <option value=t.id.0.to_string() selected=selected == Some(t.id)>{t.name.clone()}</option> }
                .into_any(),
        );
    }
    opts
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.key() selected=r == selected>{r.label()}</option> })
        .collect_view()
}

#[component]
fn UserRow(
    user: UserSummary,
    teams: StoredValue<Vec<TeamSummary>>,
    update: ServerAction<UpdateUser>,
    unlock: ServerAction<UnlockUser>,
) -> impl IntoView {
    let id = user.id;
    let role = RwSignal::new(user.role);
    let team = RwSignal::new(user.team_id);
    let active = user.active;
    let label = format!("{} ({})", user.name, user.email);
    let save = move |active: bool| {
        update.dispatch(UpdateUser {
            id,
            change: UserChange {
                role: role.get_untracked(),
                team_id: team.get_untracked(),
                active,
            },
        });
    };
    view! {
        <tr class:row-inactive=!user.active>
            <th scope="row">
                <span class="cell-title">{user.name.clone()}</span>
                <span class="cell-sub">{user.email.clone()}</span>
            </th>
            <td data-label="Role">
                <select aria-label=format!("Role of {label}")
                    on:change=move |e| { if let Some(r) = Role::parse(&event_target_value(&e)) { role.set(r) } }>
                    {role_options(user.role)}
                </select>
            </td>
            <td data-label="Team">
                <select aria-label=format!("Team of {label}")
                    on:change=move |e| team.set(parse_team(&event_target_value(&e)))>
                    {teams.with_value(|t| team_options(t, user.team_id))}
                </select>
            </td>
            <td data-label="Status">
                {if !user.active {
                    view! { <span class="badge badge-muted">"Deactivated"</span> }.into_any()
                } else if let Some(until) = user.paused_until {
                    view! {
                        <span class="badge badge-danger"
                            title="Repeated failed sign-ins: browsers this person never signed in from wait until then">
                            {format!("Sign-in paused until {} UTC", until.time_of_day(0))}
                        </span>
                    }.into_any()
                } else {
                    view! { <span class="badge badge-ok">"Active"</span> }.into_any()
                }}
            </td>
            <td class="cell-actions" data-label="Actions">
                <button class="button button-small" type="button" on:click=move |_| save(active)
                    aria-label=format!("Save {label}")>"Save"</button>
                {user.paused_until.is_some().then(|| view! {
                    <button class="button button-small" type="button"
                        on:click=move |_| { unlock.dispatch(UnlockUser { id }); }
                        aria-label=format!("Lift the sign-in pause of {label}")>"Lift pause"</button>
                })}
                <button class="button button-small button-quiet" type="button"
                    on:click=move |_| save(!active)
                    aria-label=format!("{} {label}", if active { "Deactivate" } else { "Reactivate" })>
                    {if active { "Deactivate" } else { "Reactivate" }}
                </button>
            </td>
        </tr>
    }
}

#[component]
fn NewUserForm(
    teams: StoredValue<Vec<TeamSummary>>,
    create: ServerAction<CreateUser>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Rep);
    let team = RwSignal::new(None::<TeamId>);
    let password = RwSignal::new(String::new());
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            email.set(String::new());
            password.set(String::new());
        }
    });
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        create.dispatch(CreateUser {
            user: NewUser {
                name: name.get_untracked(),
                email: email.get_untracked(),
                role: role.get_untracked(),
                team_id: team.get_untracked(),
                password: password.get_untracked(),
            },
        });
    };
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="new-user-title">
            <h2 id="new-user-title">"Add a user"</h2>
            <label class="field">"Name"
                <input type="text" required bind:value=name autocomplete="off"/></label>
            <label class="field">"E-mail"
                <input type="email" required bind:value=email autocomplete="off"/></label>
            <div class="field-row">
                <label class="field">"Role"
                    <select on:change=move |e| { if let Some(r) = Role::parse(&event_target_value(&e)) { role.set(r) } }>
                        {role_options(Role::Rep)}
                    </select></label>
                <label class="field">"Team"
                    <select on:change=move |e| team.set(parse_team(&event_target_value(&e)))>
                        {teams.with_value(|t| team_options(t, None))}
                    </select></label>
            </div>
            <label class="field">"Initial password"
                <input type="password" required minlength="8" bind:value=password autocomplete="new-password"/>
                <small>"At least 8 characters; give it to them in person. They can't change it yet, so pick a passphrase."</small>
            </label>
            <button class="button button-primary" type="submit" disabled=move || create.pending().get()>"Add user"</button>
        </form>
    }
}

#[component]
fn ResetPasswordForm(reset: ServerAction<ResetPassword>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        reset.dispatch(ResetPassword {
            email: email.get_untracked(),
            password: password.get_untracked(),
        });
        password.set(String::new());
    };
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="reset-title">
            <h2 id="reset-title">"Set a new password"</h2>
            <label class="field">"E-mail"
                <input type="email" required bind:value=email autocomplete="off"/></label>
            <label class="field">"New password"
                <input type="password" required minlength="8" bind:value=password autocomplete="new-password"/>
                <small>"Also unlocks the account and signs it out everywhere."</small>
            </label>
            <button class="button" type="submit" disabled=move || reset.pending().get()>"Set password"</button>
        </form>
    }
}
