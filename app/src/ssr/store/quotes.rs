//! Quote rows: the product catalogue, quotes with their lines, and the seller's details
//! printed on them.

use crate::domain::quote::{
    Company, Line, Product, Quote, QuoteContent, QuoteStatus, QuoteSummary,
};
use crate::domain::{Currency, LeadId, Money, Timestamp};
use sqlx::AnyConnection;

type ProductTuple = (i64, String, String, i64, String, i64);

fn product(
    (id, name, sku, unit_cents, currency, active): ProductTuple,
) -> Result<Product, sqlx::Error> {
    Ok(Product {
        id,
        name,
        sku,
        unit: Money::new(unit_cents, currency_of(&currency)?),
        active: active != 0,
    })
}

fn currency_of(code: &str) -> Result<Currency, sqlx::Error> {
    Currency::parse(code).map_err(|e| sqlx::Error::Decode(e.into()))
}

const SELECT_PRODUCT: &str = "SELECT id, name, sku, unit_cents, currency, active FROM products";

/// The catalogue by name; inactive products only when asked.
pub async fn products(
    conn: &mut AnyConnection,
    include_inactive: bool,
) -> Result<Vec<Product>, sqlx::Error> {
    let rows: Vec<ProductTuple> = sqlx::query_as(&format!(
        "{SELECT_PRODUCT} WHERE active = 1 OR $1 = 1 ORDER BY name, id"
    ))
    .bind(i64::from(include_inactive))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(product).collect()
}

pub async fn product_by_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Product>, sqlx::Error> {
    let row: Option<ProductTuple> = sqlx::query_as(&format!("{SELECT_PRODUCT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(product).transpose()
}

/// The product holding SKU key `key`, if any.
pub async fn product_with_sku(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM products WHERE sku_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// A product's fields: (name, SKU, SKU key, unit price, active).
pub type ProductRow<'a> = (&'a str, &'a str, &'a str, Money, bool);

pub async fn insert_product(
    conn: &mut AnyConnection,
    (name, sku, key, unit, active): ProductRow<'_>,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO products (name, sku, sku_key, unit_cents, currency, active, created_at,
            updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(name)
    .bind(sku)
    .bind(key)
    .bind(unit.cents)
    .bind(unit.currency.code())
    .bind(i64::from(active))
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Whether product `id` existed to update.
pub async fn update_product(
    conn: &mut AnyConnection,
    id: i64,
    (name, sku, key, unit, active): ProductRow<'_>,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE products SET name = $1, sku = $2, sku_key = $3, unit_cents = $4, currency = $5,
            active = $6, updated_at = $7
         WHERE id = $8",
    )
    .bind(name)
    .bind(sku)
    .bind(key)
    .bind(unit.cents)
    .bind(unit.currency.code())
    .bind(i64::from(active))
    .bind(at.0)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

type QuoteTuple = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

/// One quote with its lines.
pub async fn quote(conn: &mut AnyConnection, id: i64) -> Result<Option<Quote>, sqlx::Error> {
    let row: Option<QuoteTuple> = sqlx::query_as(
        "SELECT id, lead_id, status, currency, discount, tax, notes, valid_until, version,
            created_at, sent_at, decided_at
         FROM quotes WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((
        id,
        lead_id,
        status,
        currency,
        discount,
        tax,
        notes,
        valid_until,
        version,
        created_at,
        sent_at,
        decided_at,
    )) = row
    else {
        return Ok(None);
    };
    let lines: Vec<(Option<i64>, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT product_id, description, quantity, unit_cents, discount
         FROM quote_lines WHERE quote_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    let rate = |r: i64| u32::try_from(r).map_err(|e| sqlx::Error::Decode(e.into()));
    Ok(Some(Quote {
        id,
        lead_id: LeadId(lead_id),
        status: QuoteStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("quote status {status}").into()))?,
        content: QuoteContent {
            currency: currency_of(&currency)?,
            lines: lines
                .into_iter()
                .map(
                    |(product_id, description, quantity, unit_cents, discount)| {
                        Ok(Line {
                            product_id,
                            description,
                            quantity: rate(quantity)?,
                            unit_cents,
                            discount: rate(discount)?,
                        })
                    },
                )
                .collect::<Result<_, sqlx::Error>>()?,
            discount: rate(discount)?,
            tax: rate(tax)?,
            notes,
            valid_until,
        },
        version,
        created_at: Timestamp(created_at),
        sent_at: sent_at.map(Timestamp),
        decided_at: decided_at.map(Timestamp),
    }))
}

/// A lead's quotes, newest first.
pub async fn of_lead(
    conn: &mut AnyConnection,
    lead: LeadId,
) -> Result<Vec<QuoteSummary>, sqlx::Error> {
    let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, status, currency, total_cents, updated_at FROM quotes
         WHERE lead_id = $1 ORDER BY id DESC",
    )
    .bind(lead.0)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, status, currency, total, updated)| {
            Ok(QuoteSummary {
                id,
                number: crate::domain::quote::number(id),
                status: QuoteStatus::parse(&status)
                    .ok_or_else(|| sqlx::Error::Decode(format!("quote status {status}").into()))?,
                total: Money::new(total, currency_of(&currency)?),
                updated_at: Timestamp(updated),
            })
        })
        .collect()
}

/// The lead's newest draft that has nothing in it yet (no lines, no notes, nothing saved),
/// which "New quote" opens again instead of starting another.
pub async fn empty_draft(
    conn: &mut AnyConnection,
    lead: LeadId,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT q.id FROM quotes q
         WHERE q.lead_id = $1 AND q.status = 'draft' AND q.version = 1 AND q.notes = ''
           AND NOT EXISTS (SELECT 1 FROM quote_lines l WHERE l.quote_id = q.id)
         ORDER BY q.id DESC LIMIT 1",
    )
    .bind(lead.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// A new, empty draft.
pub async fn insert(
    conn: &mut AnyConnection,
    lead: LeadId,
    currency: Currency,
    notes: &str,
    by: i64,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO quotes (lead_id, currency, notes, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(lead.0)
    .bind(currency.code())
    .bind(notes)
    .bind(by)
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Replaces a draft's content if it is still a draft at `version`; whether it was.
pub async fn save_draft(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    draft: &QuoteContent,
    total_cents: i64,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE quotes SET currency = $1, discount = $2, tax = $3, notes = $4, valid_until = $5,
            total_cents = $6, version = version + 1, updated_at = $7
         WHERE id = $8 AND version = $9 AND status = 'draft'",
    )
    .bind(draft.currency.code())
    .bind(i64::from(draft.discount))
    .bind(i64::from(draft.tax))
    .bind(&draft.notes)
    .bind(draft.valid_until)
    .bind(total_cents)
    .bind(at.0)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM quote_lines WHERE quote_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (i, l) in draft.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO quote_lines (quote_id, position, product_id, description, quantity,
                unit_cents, discount)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(l.product_id)
        .bind(&l.description)
        .bind(i64::from(l.quantity))
        .bind(l.unit_cents)
        .bind(i64::from(l.discount))
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Moves a quote from `from` to `to` if it is still at `version` in `from`; whether it was.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    from: QuoteStatus,
    to: QuoteStatus,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let (sent_at, decided_at) = match to {
        QuoteStatus::Sent => (Some(at.0), None),
        QuoteStatus::Accepted | QuoteStatus::Rejected => (None, Some(at.0)),
        QuoteStatus::Draft => (None, None),
    };
    let done = sqlx::query(
        "UPDATE quotes SET status = $1, version = version + 1, updated_at = $2,
            sent_at = CASE WHEN $3 = 1 THEN $4 ELSE sent_at END,
            decided_at = $5
         WHERE id = $6 AND version = $7 AND status = $8",
    )
    .bind(to.key())
    .bind(at.0)
    .bind(i64::from(sent_at.is_some()))
    .bind(sent_at)
    .bind(decided_at)
    .bind(id)
    .bind(version)
    .bind(from.key())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn company(conn: &mut AnyConnection) -> Result<Company, sqlx::Error> {
    let row: Option<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT company_name, company_address, company_email, company_phone, company_tax_id
         FROM org_settings WHERE id = 1",
    )
    .fetch_optional(conn)
    .await?;
    Ok(row
        .map(|(name, address, email, phone, tax_id)| Company {
            name,
            address,
            email,
            phone,
            tax_id,
        })
        .unwrap_or_default())
}

pub async fn set_company(
    conn: &mut AnyConnection,
    c: &Company,
    by: Option<i64>,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE org_settings SET company_name = $1, company_address = $2, company_email = $3,
            company_phone = $4, company_tax_id = $5, updated_by = $6, updated_at = $7
         WHERE id = 1",
    )
    .bind(&c.name)
    .bind(&c.address)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(&c.tax_id)
    .bind(by)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// The name of who drafted quote `id`.
pub async fn author(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT u.name FROM quotes q JOIN users u ON u.id = q.created_by WHERE q.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(n,)| n))
}
