//! Contacts and companies: finding the people an inquiry may come from, creating them, linking
//! leads to them, and the duplicate candidates the merge screen works through.

use super::{id_list, value_rows, Cell, ROWS_PER_STATEMENT};
use crate::domain::contact::{company_key, name_key, Identity};
use crate::domain::{LeadId, Timestamp};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// A contact on file that an inquiry may match.
#[derive(Clone, Debug)]
pub struct Known {
    pub contact_id: i64,
    pub company_id: Option<i64>,
    pub identity: Identity,
}

/// Contacts that share an e-mail address, phone number, folded name or company with `who`
/// (at most 200): the only ones `domain::contact::compare` can match. Erased contacts, and
/// contacts merged into another, match nothing.
pub async fn candidates(
    conn: &mut AnyConnection,
    who: &Identity,
) -> Result<Vec<Known>, sqlx::Error> {
    let rows: Vec<KnownRow> = sqlx::query_as(
        "WITH ids AS (
                 SELECT id FROM contacts WHERE email_key = $1
                 UNION SELECT id FROM contacts WHERE phone_key = $2
                 UNION SELECT id FROM contacts WHERE name_key = $3
                 UNION SELECT c.id FROM contacts c JOIN companies co ON co.id = c.company_id
                       WHERE co.name_key = $4)
             SELECT c.id, c.company_id, c.name, c.email_key, c.phone_key, co.name_key
             FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
             WHERE c.id IN (SELECT id FROM ids) AND c.erased_at IS NULL AND c.merged_into IS NULL
             ORDER BY c.id DESC LIMIT 200",
    )
    .bind(who.email_key.as_deref())
    .bind(who.phone_key.as_deref())
    .bind(who.name_key())
    .bind(who.company_key.as_deref())
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(known).collect())
}

/// A contact as the candidate queries select it: id, company, name, e-mail and phone keys,
/// company key.
type KnownRow = (
    i64,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn known((id, company_id, name, email_key, phone_key, company): KnownRow) -> Known {
    Known {
        contact_id: id,
        company_id,
        identity: Identity::known(name, email_key, phone_key, company),
    }
}

/// A contact's leads, newest first: (lead, open).
pub async fn leads_of(
    conn: &mut AnyConnection,
    contact_id: i64,
) -> Result<Vec<(LeadId, bool)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, CAST(CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END AS BIGINT)
         FROM leads WHERE contact_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(contact_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, open)| (LeadId(id), open == 1))
        .collect())
}

/// The company with this matching key, creating it (named `name`) if there is none.
pub async fn company_for(
    conn: &mut AnyConnection,
    name: &str,
    at: Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    let key = company_key(name);
    if key.is_empty() {
        return Ok(None);
    }
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM companies WHERE name_key = $1 ORDER BY id LIMIT 1")
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((id,)) = found {
        return Ok(Some(id));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO companies (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name.trim())
    .bind(&key)
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(Some(id))
}

/// A person to file.
#[derive(Clone, Debug)]
pub struct NewContact<'a> {
    pub company_id: Option<i64>,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub identity: &'a Identity,
    pub at: Timestamp,
}

pub async fn insert_contact(
    conn: &mut AnyConnection,
    c: &NewContact<'_>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO contacts (company_id, name, email, phone, email_key, phone_key, name_key,
                               created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(c.company_id)
    .bind(c.name)
    .bind(c.email)
    .bind(c.phone)
    .bind(c.identity.email_key.as_deref())
    .bind(c.identity.phone_key.as_deref())
    .bind(name_key(c.name))
    .bind(c.at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Fills in what a known contact's record lacks (an e-mail address, a phone number, a company)
/// from a new inquiry; never overwrites.
pub async fn fill_in(
    conn: &mut AnyConnection,
    id: i64,
    c: &NewContact<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE contacts SET
             email = COALESCE(email, $2), email_key = COALESCE(email_key, $3),
             phone = COALESCE(phone, $4), phone_key = COALESCE(phone_key, $5),
             company_id = COALESCE(company_id, $6)
         WHERE id = $1 AND erased_at IS NULL",
    )
    .bind(id)
    .bind(c.email)
    .bind(c.identity.email_key.as_deref())
    .bind(c.phone)
    .bind(c.identity.phone_key.as_deref())
    .bind(c.company_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `lead` is likely the same person as each `(other lead, score, reasons JSON)`.
pub async fn insert_candidates(
    conn: &mut AnyConnection,
    lead: LeadId,
    others: &[(LeadId, u8, String)],
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    for (other, score, reasons) in others {
        sqlx::query(
            "INSERT INTO duplicate_candidates (lead_id, other_lead_id, score, reasons, found_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(lead.0)
        .bind(other.0)
        .bind(i64::from(*score))
        .bind(reasons)
        .bind(at.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What [`backfill`] linked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backfilled {
    pub leads: usize,
    pub contacts: usize,
    pub companies: usize,
}

/// Gives every lead without a contact one: the contact with the same e-mail address or phone
/// number if there is one (on file or earlier in this pass), else a new one; and its company
/// by matching key. Run at start-up (leads from before contacts existed, demo data); intake
/// links its leads itself. Writes with multi-row statements and explicit ids, so the caller
/// must be the only writer of contacts and companies (start-up, or a transaction holding the
/// tables).
pub async fn backfill(tx: &mut super::Tx) -> Result<Backfilled, sqlx::Error> {
    let lock = tx.backend().lock_tables("contacts, companies");
    let backend = tx.backend();
    let conn: &mut AnyConnection = tx;
    type LeadRow = (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    );
    let leads: Vec<LeadRow> = sqlx::query_as(
        "SELECT id, contact_name, email, phone, company, created_at FROM leads
         WHERE contact_id IS NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    if leads.is_empty() {
        return Ok(Backfilled::default());
    }
    if let Some(lock) = lock {
        sqlx::query(&lock).execute(&mut *conn).await?;
    }
    let mut companies: HashMap<String, i64> = HashMap::new();
    for (id, key) in
        sqlx::query_as::<_, (i64, String)>("SELECT id, name_key FROM companies ORDER BY id DESC")
            .fetch_all(&mut *conn)
            .await?
    {
        companies.insert(key, id);
    }
    let mut by_email: HashMap<String, (i64, Option<i64>)> = HashMap::new();
    let mut by_phone: HashMap<String, (i64, Option<i64>)> = HashMap::new();
    for (id, company, email, phone) in
        sqlx::query_as::<_, (i64, Option<i64>, Option<String>, Option<String>)>(
            "SELECT id, company_id, email_key, phone_key FROM contacts
         WHERE erased_at IS NULL AND (email_key IS NOT NULL OR phone_key IS NOT NULL)
         ORDER BY id DESC",
        )
        .fetch_all(&mut *conn)
        .await?
    {
        if let Some(e) = email {
            by_email.insert(e, (id, company));
        }
        if let Some(p) = phone {
            by_phone.insert(p, (id, company));
        }
    }
    let (max_company, max_contact): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE((SELECT MAX(id) FROM companies), 0) AS BIGINT),
                CAST(COALESCE((SELECT MAX(id) FROM contacts), 0) AS BIGINT)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let (mut next_company, mut next_contact) = (max_company, max_contact);
    // New rows: companies (id, name, key, at), contacts (id, company, lead index, identity).
    let mut new_companies: Vec<(i64, String, String, i64)> = Vec::new();
    let mut new_contacts: Vec<(i64, Option<i64>, usize, Identity)> = Vec::new();
    let mut links: Vec<(i64, i64, Option<i64>)> = Vec::with_capacity(leads.len());
    for (i, (lead, name, email, phone, company, created)) in leads.iter().enumerate() {
        let who = Identity::of(name, email.as_deref(), phone.as_deref(), company.as_deref());
        let company_id = who.company_key.as_ref().map(|key| {
            *companies.entry(key.clone()).or_insert_with(|| {
                next_company += 1;
                let name = company.as_deref().unwrap_or_default().trim().to_string();
                new_companies.push((next_company, name, key.clone(), *created));
                next_company
            })
        });
        let known = who
            .email_key
            .as_ref()
            .and_then(|e| by_email.get(e))
            .or_else(|| who.phone_key.as_ref().and_then(|p| by_phone.get(p)))
            .copied();
        let (contact, contact_company) = match known {
            Some((id, known_company)) => (id, known_company.or(company_id)),
            None => {
                next_contact += 1;
                if let Some(e) = &who.email_key {
                    by_email.insert(e.clone(), (next_contact, company_id));
                }
                if let Some(p) = &who.phone_key {
                    by_phone.insert(p.clone(), (next_contact, company_id));
                }
                new_contacts.push((next_contact, company_id, i, who));
                (next_contact, company_id)
            }
        };
        links.push((*lead, contact, contact_company));
    }
    insert_companies(conn, &new_companies).await?;
    let rows: Vec<ContactRow> = new_contacts
        .iter()
        .map(|(id, company, i, who)| {
            let (_, name, email, phone, _, created) = &leads[*i];
            ContactRow {
                id: *id,
                company_id: *company,
                name: name.trim().to_string(),
                email: email.clone(),
                phone: phone.clone(),
                identity: who.clone(),
                created_at: *created,
            }
        })
        .collect();
    insert_contacts(conn, &rows).await?;
    for chunk in links.chunks(ROWS_PER_STATEMENT) {
        let (values, _) = value_rows(
            chunk.iter().map(|(lead, contact, company)| {
                vec![
                    Cell::Int(Some(*lead)),
                    Cell::Int(Some(*contact)),
                    Cell::Int(*company),
                ]
            }),
            1,
            true,
        );
        let sql = format!(
            "WITH v (lead, contact, company) AS (VALUES {values})
             UPDATE leads SET contact_id = v.contact, company_id = v.company
             FROM v WHERE leads.id = v.lead AND leads.id IN ({})",
            id_list(chunk.iter().map(|l| l.0))
        );
        sqlx::query(&sql).execute(&mut *conn).await?;
    }
    for sync in ["companies", "contacts"]
        .into_iter()
        .filter_map(|t| backend.sync_sequence(t))
    {
        sqlx::query(&sync).execute(&mut *conn).await?;
    }
    Ok(Backfilled {
        leads: links.len(),
        contacts: new_contacts.len(),
        companies: new_companies.len(),
    })
}

/// Folds contact `gone` into `keep`: `keep` gains the details it lacks, `gone` points at it.
pub async fn merge_into(conn: &mut AnyConnection, gone: i64, keep: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE contacts SET
             email = COALESCE(contacts.email, g.email),
             email_key = COALESCE(contacts.email_key, g.email_key),
             phone = COALESCE(contacts.phone, g.phone),
             phone_key = COALESCE(contacts.phone_key, g.phone_key),
             company_id = COALESCE(contacts.company_id, g.company_id)
         FROM contacts g WHERE g.id = $1 AND contacts.id = $2",
    )
    .bind(gone)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE contacts SET merged_into = $1 WHERE id = $2")
        .bind(keep)
        .bind(gone)
        .execute(conn)
        .await?;
    Ok(())
}

/// A company to insert with an id of its own: (id, name, name key, created at).
pub type CompanyRow = (i64, String, String, i64);

/// Inserts companies with multi-row statements.
pub async fn insert_companies(
    conn: &mut AnyConnection,
    rows: &[CompanyRow],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let (values, texts) = super::value_rows_for(
            conn,
            chunk.iter().map(|(id, name, key, at)| {
                vec![
                    Cell::Int(Some(*id)),
                    Cell::Text(name),
                    Cell::Text(key),
                    Cell::Int(Some(*at)),
                ]
            }),
            false,
        );
        let sql = format!("INSERT INTO companies (id, name, name_key, created_at) VALUES {values}");
        super::execute_with(&mut *conn, &sql, texts).await?;
    }
    Ok(())
}

/// A contact to insert with an id of its own.
#[derive(Clone, Debug)]
pub struct ContactRow {
    pub id: i64,
    pub company_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub identity: Identity,
    pub created_at: i64,
}

/// Inserts contacts with multi-row statements.
pub async fn insert_contacts(
    conn: &mut AnyConnection,
    rows: &[ContactRow],
) -> Result<(), sqlx::Error> {
    let name_keys: Vec<String> = rows.iter().map(|c| c.identity.name_key()).collect();
    for (chunk, keys) in rows
        .chunks(ROWS_PER_STATEMENT)
        .zip(name_keys.chunks(ROWS_PER_STATEMENT))
    {
        let (values, texts) = super::value_rows_for(
            conn,
            chunk.iter().zip(keys).map(|(c, key)| {
                vec![
                    Cell::Int(Some(c.id)),
                    Cell::Int(c.company_id),
                    Cell::Text(&c.name),
                    Cell::OptText(c.email.as_deref()),
                    Cell::OptText(c.phone.as_deref()),
                    Cell::OptText(c.identity.email_key.as_deref()),
                    Cell::OptText(c.identity.phone_key.as_deref()),
                    Cell::Text(key),
                    Cell::Int(Some(c.created_at)),
                ]
            }),
            false,
        );
        let sql = format!(
            "INSERT INTO contacts (id, company_id, name, email, phone, email_key, phone_key,
                                   name_key, created_at) VALUES {values}"
        );
        super::execute_with(&mut *conn, &sql, texts).await?;
    }
    Ok(())
}

/// Records likely duplicates with multi-row statements: (lead, other lead, score, reasons).
pub async fn insert_candidates_many(
    conn: &mut AnyConnection,
    rows: &[(LeadId, LeadId, u8, String)],
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let (values, texts) = super::value_rows_for(
            conn,
            chunk.iter().map(|(lead, other, score, reasons)| {
                vec![
                    Cell::Int(Some(lead.0)),
                    Cell::Int(Some(other.0)),
                    Cell::Int(Some(i64::from(*score))),
                    Cell::Text(reasons),
                    Cell::Int(Some(at.0)),
                ]
            }),
            false,
        );
        let sql = format!(
            "INSERT INTO duplicate_candidates (lead_id, other_lead_id, score, reasons, found_at)
             VALUES {values}"
        );
        super::execute_with(&mut *conn, &sql, texts).await?;
    }
    Ok(())
}

/// The keys of many inquiries at once, for [`candidates_for_keys`].
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub names: Vec<String>,
    pub companies: Vec<String>,
}

/// Every contact [`candidates`] could return for any of the keys (an import's rows read at
/// once instead of row by row), with the same exclusions.
pub async fn candidates_for_keys(
    conn: &mut AnyConnection,
    keys: &KeySet,
) -> Result<Vec<Known>, sqlx::Error> {
    let lists: [(&str, &Vec<String>); 4] = [
        ("c.email_key", &keys.emails),
        ("c.phone_key", &keys.phones),
        ("c.name_key", &keys.names),
        ("co.name_key", &keys.companies),
    ];
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (column, values) in lists {
        for chunk in values.chunks(ROWS_PER_STATEMENT) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT c.id, c.company_id, c.name, c.email_key, c.phone_key, co.name_key
                 FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
                 WHERE {column} IN ({}) AND c.erased_at IS NULL AND c.merged_into IS NULL",
                marks.join(", ")
            );
            let mut q = sqlx::query_as::<_, KnownRow>(&sql).persistent(false);
            for v in chunk {
                q = q.bind(v);
            }
            for row in q.fetch_all(&mut *conn).await? {
                if seen.insert(row.0) {
                    out.push(known(row));
                }
            }
        }
    }
    Ok(out)
}

/// Each contact's leads, newest first (as [`leads_of`]), for many contacts at once.
pub async fn leads_of_many(
    conn: &mut AnyConnection,
    contacts: &[i64],
) -> Result<HashMap<i64, Vec<(LeadId, bool)>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<(LeadId, bool)>> = HashMap::new();
    for chunk in contacts.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
            "SELECT contact_id, id, CAST(CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END AS BIGINT)
             FROM leads WHERE contact_id IN ({}) ORDER BY created_at DESC, id DESC",
            id_list(chunk.iter().copied())
        ))
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
        for (contact, lead, open) in rows {
            out.entry(contact)
                .or_default()
                .push((LeadId(lead), open != 0));
        }
    }
    Ok(out)
}

/// The first company with each name key (as [`company_for`] finds them).
pub async fn companies_by_keys(
    conn: &mut AnyConnection,
    keys: &[String],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT name_key, id FROM companies WHERE name_key IN ({}) ORDER BY id DESC",
            marks.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql).persistent(false);
        for k in chunk {
            q = q.bind(k);
        }
        // Newest first, so the oldest (lowest id) of each key is the one kept.
        for (key, id) in q.fetch_all(&mut *conn).await? {
            out.insert(key, id);
        }
    }
    Ok(out)
}
