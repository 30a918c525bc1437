//! Inserting leads: one at a time (the demo, intake) and many per statement (an import).

use crate::domain::{CloseReason, LeadId, Money, NextStep, StageId, Timestamp};
use sqlx::AnyConnection;

/// A lead to insert (demo data, and later intake).
#[derive(Clone, Debug)]
pub struct NewLead {
    pub contact_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source_id: i64,
    pub campaign_id: Option<i64>,
    pub product_interest: Option<String>,
    pub value: Option<Money>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub stage_id: StageId,
    pub next_step: Option<NextStep>,
    pub created_at: Timestamp,
    pub assigned_at: Option<Timestamp>,
    pub first_touched_at: Option<Timestamp>,
    pub last_touched_at: Option<Timestamp>,
    pub stage_entered_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    pub version: i64,
    pub updated_at: Timestamp,
    /// The person and company behind the inquiry (`store::contacts`); leads without them are
    /// linked by `contacts::backfill`.
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    /// How far the lead has been (a stage position), when it has been further than its stage
    /// (a lead lost after it was quoted); `None`: its stage.
    pub reached_position: Option<i64>,
    /// Custom field values (checked), stored with the lead and indexed for filtering.
    pub fields: crate::domain::fields::FieldValues,
}

/// Inserts a lead and returns its id.
pub async fn insert_lead(conn: &mut AnyConnection, l: &NewLead) -> Result<LeadId, sqlx::Error> {
    let step = l.next_step.as_ref();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO leads (contact_name, email, phone, company, source_id, campaign_id,
            product_interest, value_cents, currency, owner_id, stage_id,
            next_step_kind, next_step_due_at, next_step_note,
            created_at, updated_at, assigned_at, first_touched_at, last_touched_at,
            stage_entered_at, closed_at, close_reason, close_note, version, team_id,
            contact_id, company_id, reached_position, fields)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, $24, $25, $26, $27,
            COALESCE($28, (SELECT position FROM stages WHERE id = $11 AND kind <> 'lost')), $29)
         RETURNING id",
    )
    .bind(&l.contact_name)
    .bind(l.email.as_deref())
    .bind(l.phone.as_deref())
    .bind(l.company.as_deref())
    .bind(l.source_id)
    .bind(l.campaign_id)
    .bind(l.product_interest.as_deref())
    .bind(l.value.map(|v| v.cents))
    .bind(
        l.value
            .map_or_else(|| "USD".to_string(), |v| v.currency.code().to_string()),
    )
    .bind(l.owner_id)
    .bind(l.stage_id.0)
    .bind(step.map(|s| s.kind.key()))
    .bind(step.map(|s| s.due_at.0))
    .bind(step.and_then(|s| s.note.as_deref()))
    .bind(l.created_at.0)
    .bind(l.updated_at.0)
    .bind(l.assigned_at.map(|t| t.0))
    .bind(l.first_touched_at.map(|t| t.0))
    .bind(l.last_touched_at.map(|t| t.0))
    .bind(l.stage_entered_at.0)
    .bind(l.closed_at.map(|t| t.0))
    .bind(l.close_reason.map(|r| r.key()))
    .bind(l.close_note.as_deref())
    .bind(l.version)
    .bind(l.team_id)
    .bind(l.contact_id)
    .bind(l.company_id)
    .bind(l.reached_position)
    .bind(super::fields_json(&l.fields))
    .fetch_one(&mut *conn)
    .await?;
    if !l.fields.is_empty() {
        let defs = crate::ssr::store::fields::definitions(&mut *conn).await?;
        crate::ssr::store::fields::reindex_lead(conn, &defs, LeadId(id), &l.fields).await?;
    }
    Ok(LeadId(id))
}

/// A lead to insert with an id of its own, with its place and first score.
#[derive(Clone, Debug)]
pub struct LeadInsert {
    pub id: i64,
    pub lead: NewLead,
    pub country: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub score: Option<i64>,
    /// The score's reasons as JSON.
    pub score_reasons: Option<String>,
    /// The position of the lead's stage (`reached_position`): it has been nowhere else yet.
    pub reached_position: Option<i64>,
    /// `lead.fields` as stored (JSON), when it has any.
    pub fields_json: Option<String>,
}

/// Inserts leads with multi-row statements (an import's new leads); the same columns as
/// [`insert_lead`], plus place and score.
pub async fn insert_leads(
    conn: &mut AnyConnection,
    rows: &[LeadInsert],
) -> Result<(), sqlx::Error> {
    use super::super::Cell::{Int, OptText, Text};
    for chunk in rows.chunks(super::super::ROWS_PER_STATEMENT / 2) {
        let currencies: Vec<String> = chunk
            .iter()
            .map(|r| {
                r.lead
                    .value
                    .map_or_else(|| "USD".into(), |v| v.currency.code().to_string())
            })
            .collect();
        let (values, texts) = super::super::value_rows_for(
            conn,
            chunk.iter().zip(&currencies).map(|(r, currency)| {
                let l = &r.lead;
                let step = l.next_step.as_ref();
                vec![
                    Int(Some(r.id)),
                    Text(&l.contact_name),
                    OptText(l.email.as_deref()),
                    OptText(l.phone.as_deref()),
                    OptText(l.company.as_deref()),
                    Int(Some(l.source_id)),
                    Int(l.campaign_id),
                    OptText(l.product_interest.as_deref()),
                    Int(l.value.map(|v| v.cents)),
                    Text(currency),
                    Int(l.owner_id),
                    Int(Some(l.stage_id.0)),
                    OptText(step.map(|s| s.kind.key())),
                    Int(step.map(|s| s.due_at.0)),
                    OptText(step.and_then(|s| s.note.as_deref())),
                    Int(Some(l.created_at.0)),
                    Int(Some(l.updated_at.0)),
                    Int(l.assigned_at.map(|t| t.0)),
                    Int(l.first_touched_at.map(|t| t.0)),
                    Int(l.last_touched_at.map(|t| t.0)),
                    Int(Some(l.stage_entered_at.0)),
                    Int(l.closed_at.map(|t| t.0)),
                    OptText(l.close_reason.map(|r| r.key())),
                    OptText(l.close_note.as_deref()),
                    Int(Some(l.version)),
                    Int(l.team_id),
                    Int(l.contact_id),
                    Int(l.company_id),
                    OptText(r.country.as_deref()),
                    OptText(r.region.as_deref()),
                    OptText(r.postcode.as_deref()),
                    Int(r.score),
                    OptText(r.score_reasons.as_deref()),
                    Int(r.score.map(|_| l.created_at.0)),
                    Int(r.reached_position),
                    OptText(r.fields_json.as_deref()),
                ]
            }),
            false,
        );
        let sql = format!(
            "INSERT INTO leads (id, contact_name, email, phone, company, source_id, campaign_id,
                product_interest, value_cents, currency, owner_id, stage_id,
                next_step_kind, next_step_due_at, next_step_note,
                created_at, updated_at, assigned_at, first_touched_at, last_touched_at,
                stage_entered_at, closed_at, close_reason, close_note, version, team_id,
                contact_id, company_id, country, region, postcode, score, score_reasons, scored_at,
                reached_position, fields)
             VALUES {values}"
        );
        super::super::execute_with(&mut *conn, &sql, texts).await?;
    }
    // The filter index of the custom values some of them came with.
    let with_values: Vec<&LeadInsert> = rows.iter().filter(|r| !r.lead.fields.is_empty()).collect();
    if !with_values.is_empty() {
        let defs = crate::ssr::store::fields::definitions(&mut *conn).await?;
        for r in with_values {
            crate::ssr::store::fields::reindex_lead(
                &mut *conn,
                &defs,
                LeadId(r.id),
                &r.lead.fields,
            )
            .await?;
        }
    }
    Ok(())
}
