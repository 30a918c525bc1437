//! Route `/admin/teams`: teams, their manager, and whether reps see the whole team board.

use crate::api::accounts::{list_teams, list_users, CreateTeam, UpdateTeam};
use crate::components::guard::RequireAccess;
use crate::components::status::{report, StatusLine};
use crate::domain::access;
use crate::domain::account::{TeamChange, TeamSummary, UserSummary};
use crate::domain::{Role, UserId};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TeamsPage() -> impl IntoView {
    view! {
        <Title text="Teams"/>
        <RequireAccess check=access::manage_accounts>
            <TeamsAdmin/>
        </RequireAccess>
    }
}

#[component]
fn TeamsAdmin() -> impl IntoView {
    let create = ServerAction::<CreateTeam>::new();
    let update = ServerAction::<UpdateTeam>::new();
    let teams = Resource::new(
        move || (create.version().get(), update.version().get()),
        |_| list_teams(),
    );
    let users = Resource::new(|| (), |_| list_users());
    let message = RwSignal::new(None::<(bool, String)>);
    report(
        create.value().into(),
        "Team added",
        |t: &TeamSummary| t.name.clone(),
        message,
    );
    report(
        update.value().into(),
        "Saved",
        |t: &TeamSummary| t.name.clone(),
        message,
    );
    view! {
        <section class="page page-narrow" aria-labelledby="teams-title">
            <div class="page-head">
                <h1 id="teams-title">"Teams"</h1>
                <p class="page-hint">"A manager sees and changes the leads of every team they manage."</p>
            </div>
            <StatusLine status=message/>
            <Transition fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
                {move || Suspend::new(async move {
                    match (teams.await, users.await) {
                        (Ok(teams), Ok(users)) => {
                            let managers = StoredValue::new(
                                users.into_iter().filter(|u| u.role == Role::Manager && u.active).collect::<Vec<_>>(),
                            );
                            view! {
                                <table class="table table-stack">
                                    <thead><tr>
                                        <th scope="col">"Team"</th>
                                        <th scope="col">"Manager"</th>
                                        <th scope="col">"Reps see team board"</th>
                                        <th scope="col">"Members"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {teams.into_iter().map(|t| view! { <TeamRow team=t managers update/> }).collect_view()}
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
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    users.await.ok().map(|users| {
                        let managers = StoredValue::new(
                            users.into_iter().filter(|u| u.role == Role::Manager && u.active).collect::<Vec<_>>(),
                        );
                        view! { <NewTeamForm managers create/> }
                    })
                })}
            </Suspense>
        </section>
    }
}

fn manager_options(managers: &[UserSummary], selected: Option<UserId>) -> impl IntoView {
    let mut opts = vec![
        view! { <option value="" selected=selected.is_none()>"No manager"</option> }.into_any(),
    ];
    for m in managers {
        opts.push(
            view! { <option value=m.id.0.to_string() selected=selected == Some(m.id)>{m.name.clone()}</option> }
                .into_any(),
        );
    }
    opts
}

fn parse_user(v: &str) -> Option<UserId> {
    v.parse::<i64>().ok().map(UserId)
}

#[component]
fn TeamRow(
    team: TeamSummary,
    managers: StoredValue<Vec<UserSummary>>,
    update: ServerAction<UpdateTeam>,
) -> impl IntoView {
    let id = team.id;
    let name = RwSignal::new(team.name.clone());
    let manager = RwSignal::new(team.manager);
    let see = RwSignal::new(team.reps_see_team_board);
    let label = team.name.clone();
    view! {
        <tr>
            <th scope="row">
                <input type="text" class="input-inline" bind:value=name aria-label=format!("Name of team {label}")/>
            </th>
            <td data-label="Manager">
                <select aria-label=format!("Manager of {label}")
                    on:change=move |e| manager.set(parse_user(&event_target_value(&e)))>
                    {managers.with_value(|m| manager_options(m, team.manager))}
                </select>
            </td>
            <td data-label="Reps see team board">
                <label class="check">
                    <input type="checkbox" bind:checked=see/>
                    <span>{move || if see.get() { "Yes, read-only" } else { "No, own leads only" }}</span>
                </label>
            </td>
            <td class="cell-num" data-label="Members">{team.members}</td>
            <td class="cell-actions" data-label="Actions">
                <button class="button button-small" type="button" aria-label=format!("Save team {label}")
                    on:click=move |_| { update.dispatch(UpdateTeam { id, team: TeamChange {
                        name: name.get_untracked(), manager: manager.get_untracked(),
                        reps_see_team_board: see.get_untracked() } }); }>"Save"</button>
            </td>
        </tr>
    }
}

#[component]
fn NewTeamForm(
    managers: StoredValue<Vec<UserSummary>>,
    create: ServerAction<CreateTeam>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let manager = RwSignal::new(None::<UserId>);
    let see = RwSignal::new(false);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        create.dispatch(CreateTeam {
            team: TeamChange {
                name: name.get_untracked(),
                manager: manager.get_untracked(),
                reps_see_team_board: see.get_untracked(),
            },
        });
    };
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="new-team-title">
            <h2 id="new-team-title">"Add a team"</h2>
            <label class="field">"Name" <input type="text" required bind:value=name/></label>
            <label class="field">"Manager"
                <select on:change=move |e| manager.set(parse_user(&event_target_value(&e)))>
                    {managers.with_value(|m| manager_options(m, None))}
                </select></label>
            <label class="check"><input type="checkbox" bind:checked=see/>
                <span>"Reps see the whole team board (read-only)"</span></label>
            <button class="button button-primary" type="submit" disabled=move || create.pending().get()>"Add team"</button>
        </form>
    }
}
