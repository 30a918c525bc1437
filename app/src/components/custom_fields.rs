//! A lead's custom fields in the drawer (read, and edited with the other details) and on its
//! card. Inputs follow the field's kind; what is typed is checked by the same
//! `FieldDef::check` the server runs, so a mistake shows before the save.

use crate::domain::activity::LeadEdit;
use crate::domain::fields::{FieldDef, FieldKind, FieldValues};
use crate::domain::{Currency, Lead, Pipelines, UserRef};
use leptos::prelude::*;
use serde_json::Value;

fn symbol(lead: &Lead) -> String {
    lead.value
        .map_or(Currency::USD, |v| v.currency)
        .symbol()
        .to_string()
}

/// The live fields of the lead's pipeline, in drawer order.
pub fn fields_of(pipelines: &Pipelines, lead: &Lead) -> Vec<FieldDef> {
    pipelines
        .fields_at(lead.stage_id)
        .into_iter()
        .cloned()
        .collect()
}

/// `(label, value)` of the fields the lead's card shows, for the values it has.
pub fn card_facts(pipelines: &Pipelines, lead: &Lead) -> Vec<(String, String)> {
    let symbol = symbol(lead);
    fields_of(pipelines, lead)
        .into_iter()
        .filter(|d| d.on_card && d.kind != FieldKind::User)
        .filter_map(|d| {
            let v = lead.fields.get(&d.key)?;
            let shown = d.display(v, &symbol, &[]);
            (!shown.is_empty()).then(|| (d.label.clone(), shown))
        })
        .collect()
}

/// The fields as a definition list, "–" where a value is missing and a note where the
/// lead's stage needs it.
#[component]
pub fn FieldList(
    lead: Lead,
    pipelines: Pipelines,
    #[prop(optional)] people: Vec<UserRef>,
) -> impl IntoView {
    let defs = fields_of(&pipelines, &lead);
    if defs.is_empty() {
        return ().into_any();
    }
    let needed: Vec<String> = pipelines
        .get(lead.stage_id)
        .map(|s| {
            pipelines
                .required_fields(s)
                .into_iter()
                .map(|d| d.key.clone())
                .collect()
        })
        .unwrap_or_default();
    let symbol = symbol(&lead);
    view! {
        <dl class="custom-fields">
            {defs.into_iter().map(|d| {
                let value = lead.fields.get(&d.key).map(|v| d.display(v, &symbol, &people)).filter(|s| !s.is_empty());
                let missing_needed = value.is_none() && needed.contains(&d.key);
                let none = value.is_none();
                let is_link = d.kind == FieldKind::Link;
                let help = d.help.clone();
                view! {
                    <dt title=help>{d.label.clone()}</dt>
                    <dd class:muted=none class:field-needed=missing_needed>
                        {match (value, is_link) {
                            (Some(v), true) => {
                                let href = v.clone();
                                view! { <a href=href rel="noopener noreferrer nofollow" target="_blank">{v}</a> }.into_any()
                            }
                            (Some(v), false) => v.into_any(),
                            (None, _) if missing_needed => "Needed in this stage".into_any(),
                            (None, _) => "–".into_any(),
                        }}
                    </dd>
                }
            }).collect_view()}
        </dl>
    }
    .into_any()
}

/// One input per field, editing `form.fields`; `server_error(field)` is the server's message
/// for an error field such as `fields.fleet_size`.
#[component]
pub fn FieldInputs(
    lead: Lead,
    pipelines: Pipelines,
    form: RwSignal<LeadEdit>,
    people: Vec<UserRef>,
    server_error: Callback<String, Option<String>>,
) -> impl IntoView {
    let defs = fields_of(&pipelines, &lead);
    if defs.is_empty() {
        return ().into_any();
    }
    let values = StoredValue::new(lead.fields.clone());
    let people = StoredValue::new(people);
    view! {
        <fieldset class="custom-field-inputs">
            <legend>"More details"</legend>
            {defs.into_iter().map(|d| view! { <FieldInput def=d values=values form=form people=people server_error=server_error/> }).collect_view()}
        </fieldset>
    }
    .into_any()
}

#[component]
fn FieldInput(
    def: FieldDef,
    values: StoredValue<FieldValues>,
    form: RwSignal<LeadEdit>,
    people: StoredValue<Vec<UserRef>>,
    server_error: Callback<String, Option<String>>,
) -> impl IntoView {
    let (label, help, kind, choices, key) = (
        def.label.clone(),
        def.help.clone(),
        def.kind,
        def.choices.clone(),
        def.key.clone(),
    );
    let name = format!("fields.{key}");
    let err_id = format!("field-{key}-error");
    let def = StoredValue::new(def);
    let key = StoredValue::new(key);
    let current = Signal::derive(move || {
        key.with_value(|k| {
            form.with(|f| f.fields.get(k).cloned())
                .or_else(|| values.with_value(|v| v.get(k).cloned()))
        })
        .unwrap_or(Value::Null)
    });
    let text = Signal::derive(move || def.with_value(|d| d.input_text(&current.get())));
    let set = move |v: Value| {
        form.update(|f| {
            f.fields.insert(key.get_value(), v);
        })
    };
    // The shared check on what is typed, then the server's word.
    let server_name = name.clone();
    let error = Signal::derive(move || {
        let typed = key.with_value(|k| form.with(|f| f.fields.get(k).cloned()));
        typed
            .and_then(|v| people.with_value(|p| def.with_value(|d| d.check(&v, p).err())))
            .or_else(|| server_error.run(server_name.clone()))
    });
    let input = match kind {
        FieldKind::LongText => view! {
            <textarea name=name rows="3" prop:value=text
                on:input=move |e| set(Value::String(event_target_value(&e)))></textarea>
        }
        .into_any(),
        FieldKind::YesNo | FieldKind::Choice | FieldKind::User => {
            let options: Vec<(String, String)> = match kind {
                FieldKind::YesNo => vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
                FieldKind::User => people.with_value(|p| {
                    p.iter().map(|u| (u.id.to_string(), u.name.clone())).collect()
                }),
                _ => choices.iter().map(|c| (c.clone(), c.clone())).collect(),
            };
            view! {
                <select name=name on:change=move |e| set(Value::String(event_target_value(&e)))>
                    <option value="" selected=move || text.get().is_empty()>"–"</option>
                    {options.into_iter().map(|(value, shown)| {
                        let v = value.clone();
                        view! { <option value=value selected=move || text.get() == v>{shown}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        FieldKind::MultiChoice => view! {
            <span class="check-grid">
                {choices.into_iter().map(|c| {
                    let option = StoredValue::new(c.clone());
                    let checked = move || {
                        option.with_value(|o| current.get().as_array().is_some_and(|a| a.iter().any(|x| x.as_str() == Some(o.as_str()))))
                    };
                    let toggle = move |on: bool| {
                        let o = option.get_value();
                        let mut chosen: Vec<Value> = current.get_untracked().as_array().cloned().unwrap_or_default();
                        chosen.retain(|x| x.as_str() != Some(o.as_str()));
                        if on {
                            chosen.push(Value::String(o));
                        }
                        set(Value::Array(chosen));
                    };
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=checked on:change=move |e| toggle(event_target_checked(&e))/>
                            {c}
                        </label>
                    }
                }).collect_view()}
            </span>
        }
        .into_any(),
        other => {
            let (kind_attr, mode) = match other {
                FieldKind::Date => ("date", "text"),
                FieldKind::Number | FieldKind::Money => ("text", "decimal"),
                FieldKind::Link => ("url", "url"),
                _ => ("text", "text"),
            };
            view! {
                <input type=kind_attr inputmode=mode name=name prop:value=text
                    on:input=move |e| set(Value::String(event_target_value(&e)))/>
            }
            .into_any()
        }
    };
    let has_error = move || error.with(Option::is_some);
    let help = help.map(|h| view! { <small class="field-help">{h}</small> });
    let described = err_id.clone();
    if kind == FieldKind::MultiChoice {
        // Several checkboxes: a group, not one label.
        let group = label.clone();
        return view! {
            <div class="field" role="group" aria-label=group class:field-invalid=has_error aria-describedby=described>
                <span>{label}</span>
                {input}
                {help}
                <span class="field-error" id=err_id>{error}</span>
            </div>
        }
        .into_any();
    }
    view! {
        <label class="field" class:field-invalid=has_error aria-describedby=described>
            <span>{label}</span>
            {input}
            {help}
            <span class="field-error" id=err_id>{error}</span>
        </label>
    }
    .into_any()
}
