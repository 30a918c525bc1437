//! Custom field definitions and the index their values are filtered by. A lead's values
//! themselves live in `leads.fields` (written by `leads::write` with the lead's version);
//! `field_values` holds one row per value for the board's and the API's filters.

use super::decode_key;
use crate::domain::fields::{CheckedField, FieldDef, FieldEntity, FieldKind, FieldValues};
use crate::domain::ids::{FieldId, PipelineId, StageId};
use crate::domain::{LeadId, Timestamp, UserRef};
use sqlx::AnyConnection;

type DefRow = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    String,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
);

/// Every field definition, retired ones too, in drawer order.
pub async fn definitions(conn: &mut AnyConnection) -> Result<Vec<FieldDef>, sqlx::Error> {
    let rows: Vec<DefRow> = sqlx::query_as(
        "SELECT id, key, label, help, kind, entity, pipeline_id, choices, required_from,
                on_card, position, retired_at
         FROM field_definitions ORDER BY position, id",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(
            |(
                id,
                key,
                label,
                help,
                kind,
                entity,
                pipeline,
                choices,
                required,
                on_card,
                position,
                retired,
            )| {
                Ok(FieldDef {
                    id: FieldId(id),
                    key,
                    label,
                    help,
                    kind: decode_key("kind", &kind, FieldKind::parse)?,
                    entity: decode_key("entity", &entity, FieldEntity::parse)?,
                    pipeline_id: pipeline.map(PipelineId),
                    choices: serde_json::from_str(&choices).unwrap_or_default(),
                    required_from: required.map(StageId),
                    on_card: on_card != 0,
                    position,
                    retired: retired.is_some(),
                })
            },
        )
        .collect()
}

/// Adds a field at the end of the drawer; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    key: &str,
    f: &CheckedField,
    at: Timestamp,
) -> Result<FieldId, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO field_definitions (key, label, help, kind, entity, pipeline_id, choices,
                required_from, on_card, position, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                 (SELECT COALESCE(MAX(position), 0) + 10 FROM field_definitions), $10)
         RETURNING id",
    )
    .bind(key)
    .bind(&f.label)
    .bind(f.help.as_deref())
    .bind(f.kind.key())
    .bind(f.entity.key())
    .bind(f.pipeline_id.map(|p| p.0))
    .bind(serde_json::to_string(&f.choices).unwrap_or_else(|_| "[]".into()))
    .bind(f.required_from.map(|s| s.0))
    .bind(i64::from(f.on_card))
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(FieldId(id))
}

/// Changes a field's settings (its key, kind and entity stay).
pub async fn update(
    conn: &mut AnyConnection,
    id: FieldId,
    f: &CheckedField,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE field_definitions SET label = $1, help = $2, pipeline_id = $3, choices = $4,
                required_from = $5, on_card = $6
         WHERE id = $7",
    )
    .bind(&f.label)
    .bind(f.help.as_deref())
    .bind(f.pipeline_id.map(|p| p.0))
    .bind(serde_json::to_string(&f.choices).unwrap_or_else(|_| "[]".into()))
    .bind(f.required_from.map(|s| s.0))
    .bind(i64::from(f.on_card))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes what an unused field holds and describes.
pub async fn set_kind(
    conn: &mut AnyConnection,
    id: FieldId,
    kind: FieldKind,
    entity: FieldEntity,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE field_definitions SET kind = $1, entity = $2 WHERE id = $3")
        .bind(kind.key())
        .bind(entity.key())
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a field's drawer position.
pub async fn set_position(
    conn: &mut AnyConnection,
    id: FieldId,
    position: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE field_definitions SET position = $1 WHERE id = $2")
        .bind(position)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Retires a field (`Some(at)`) or brings it back (`None`).
pub async fn set_retired(
    conn: &mut AnyConnection,
    id: FieldId,
    at: Option<Timestamp>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE field_definitions SET retired_at = $1 WHERE id = $2")
        .bind(at.map(|t| t.0))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many leads have a value for the field; with `option`, how many chose that option.
pub async fn used_by(
    conn: &mut AnyConnection,
    id: FieldId,
    option: Option<&str>,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = match option {
        None => {
            sqlx::query_as("SELECT COUNT(DISTINCT entity_id) FROM field_values WHERE field_id = $1")
                .bind(id.0)
                .fetch_one(conn)
                .await?
        }
        Some(o) => {
            sqlx::query_as(
                "SELECT COUNT(DISTINCT entity_id) FROM field_values
                 WHERE field_id = $1 AND value_text = $2",
            )
            .bind(id.0)
            .bind(o.to_lowercase())
            .fetch_one(conn)
            .await?
        }
    };
    Ok(n)
}

/// Re-writes the filter index of one lead's values (after its `leads.fields` changed).
pub async fn reindex_lead(
    conn: &mut AnyConnection,
    defs: &[FieldDef],
    lead: LeadId,
    values: &FieldValues,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM field_values WHERE entity_id = $1
           AND field_id IN (SELECT id FROM field_definitions WHERE entity = 'lead')",
    )
    .bind(lead.0)
    .execute(&mut *conn)
    .await?;
    for (key, v) in values {
        let Some(def) = defs
            .iter()
            .find(|d| &d.key == key && d.entity == FieldEntity::Lead)
        else {
            continue;
        };
        for (text, num) in def.index_rows(v) {
            sqlx::query(
                "INSERT INTO field_values (field_id, entity_id, value_text, value_num)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(def.id.0)
            .bind(lead.0)
            .bind(text)
            .bind(num)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The people a user field may name: every active user, by name.
pub async fn active_people(conn: &mut AnyConnection) -> Result<Vec<UserRef>, sqlx::Error> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM users WHERE deactivated_at IS NULL ORDER BY name, id")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| UserRef { id, name })
        .collect())
}

/// How many records have a value, per field.
pub async fn usage(conn: &mut AnyConnection) -> Result<Vec<(FieldId, i64)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT field_id, COUNT(DISTINCT entity_id) FROM field_values GROUP BY field_id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(f, n)| (FieldId(f), n)).collect())
}
