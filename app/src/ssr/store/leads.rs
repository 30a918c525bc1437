//! Lead rows: reading cards and column summaries, and writing a move.

use super::decode_key;
use crate::domain::filter::{
    BoardFilter, CardSort, ColumnOrder, Cursor, FilterChoice, FilterOptions,
};
use crate::domain::{
    Channel, CloseReason, ColumnSummary, Currency, Lead, LeadId, LeadScope, Money, NextStep,
    NextStepKind, StageId, TeamId, Timestamp, UserRef,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// A lead as selected by `SELECT_LEAD`: joined with its source, campaign and owner.
struct LeadRow {
    id: i64,
    version: i64,
    contact_name: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    channel: String,
    source_id: i64,
    source_name: String,
    campaign_id: Option<i64>,
    campaign_name: Option<String>,
    product_interest: Option<String>,
    score: Option<i64>,
    value_cents: Option<i64>,
    currency: String,
    owner_id: Option<i64>,
    owner_name: Option<String>,
    team_id: Option<i64>,
    stage_id: i64,
    next_step_kind: Option<String>,
    next_step_due_at: Option<i64>,
    next_step_note: Option<String>,
    created_at: i64,
    updated_at: i64,
    first_touched_at: Option<i64>,
    last_touched_at: Option<i64>,
    stage_entered_at: i64,
    closed_at: Option<i64>,
    close_reason: Option<String>,
    close_note: Option<String>,
    score_reasons: Option<String>,
    suggest_close: Option<String>,
}

impl FromRow<'_, AnyRow> for LeadRow {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(LeadRow {
            id: r.try_get("id")?,
            version: r.try_get("version")?,
            contact_name: r.try_get("contact_name")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            company: r.try_get("company")?,
            channel: r.try_get("channel")?,
            source_id: r.try_get("source_id")?,
            source_name: r.try_get("source_name")?,
            campaign_id: r.try_get("campaign_id")?,
            campaign_name: r.try_get("campaign_name")?,
            product_interest: r.try_get("product_interest")?,
            score: r.try_get("score")?,
            value_cents: r.try_get("value_cents")?,
            currency: r.try_get("currency")?,
            owner_id: r.try_get("owner_id")?,
            owner_name: r.try_get("owner_name")?,
            team_id: r.try_get("team_id")?,
            stage_id: r.try_get("stage_id")?,
            next_step_kind: r.try_get("next_step_kind")?,
            next_step_due_at: r.try_get("next_step_due_at")?,
            next_step_note: r.try_get("next_step_note")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            first_touched_at: r.try_get("first_touched_at")?,
            last_touched_at: r.try_get("last_touched_at")?,
            stage_entered_at: r.try_get("stage_entered_at")?,
            closed_at: r.try_get("closed_at")?,
            close_reason: r.try_get("close_reason")?,
            close_note: r.try_get("close_note")?,
            score_reasons: r.try_get("score_reasons")?,
            suggest_close: r.try_get("suggest_close")?,
        })
    }
}

impl TryFrom<LeadRow> for Lead {
    type Error = sqlx::Error;

    fn try_from(r: LeadRow) -> Result<Self, sqlx::Error> {
        let currency = Currency::parse(&r.currency).map_err(|e| sqlx::Error::ColumnDecode {
            index: "currency".into(),
            source: e.into(),
        })?;
        let next_step = match (r.next_step_kind, r.next_step_due_at) {
            (Some(kind), Some(due)) => Some(NextStep {
                kind: decode_key("next_step_kind", &kind, NextStepKind::parse)?,
                due_at: Timestamp(due),
                note: r.next_step_note,
            }),
            _ => None,
        };
        Ok(Lead {
            id: LeadId(r.id),
            version: r.version,
            contact_name: r.contact_name,
            email: r.email,
            phone: r.phone,
            company: r.company,
            channel: decode_key("channel", &r.channel, Channel::parse)?,
            source_id: r.source_id,
            source_name: r.source_name,
            campaign_id: r.campaign_id,
            campaign_name: r.campaign_name,
            product_interest: r.product_interest,
            value: r.value_cents.map(|c| Money::new(c, currency)),
            score: r.score,
            owner: match (r.owner_id, r.owner_name) {
                (Some(id), Some(name)) => Some(UserRef { id, name }),
                _ => None,
            },
            team_id: r.team_id.map(TeamId),
            stage_id: StageId(r.stage_id),
            next_step,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            first_touched_at: r.first_touched_at.map(Timestamp),
            last_touched_at: r.last_touched_at.map(Timestamp),
            stage_entered_at: Timestamp(r.stage_entered_at),
            closed_at: r.closed_at.map(Timestamp),
            close_reason: r
                .close_reason
                .map(|k| decode_key("close_reason", &k, CloseReason::parse))
                .transpose()?,
            close_note: r.close_note,
            score_reasons: r
                .score_reasons
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default(),
            suggest_close: r.suggest_close,
        })
    }
}

const SELECT_LEAD: &str = "\
SELECT l.id, l.version, l.contact_name, l.email, l.phone, l.company,
       s.channel, l.source_id, s.name AS source_name, l.campaign_id, c.name AS campaign_name,
       l.product_interest, l.score,
       l.value_cents, l.currency, l.owner_id, u.name AS owner_name, l.team_id, l.stage_id,
       l.next_step_kind, l.next_step_due_at, l.next_step_note,
       l.created_at, l.updated_at, l.first_touched_at, l.last_touched_at,
       l.stage_entered_at, l.closed_at, l.close_reason, l.close_note,
       l.score_reasons, l.suggest_close
FROM leads l
JOIN sources s ON s.id = l.source_id
LEFT JOIN campaigns c ON c.id = l.campaign_id
LEFT JOIN users u ON u.id = l.owner_id";

fn rows_to_leads(rows: Vec<LeadRow>) -> Result<Vec<Lead>, sqlx::Error> {
    rows.into_iter().map(Lead::try_from).collect()
}

/// One lead by id.
pub async fn lead(conn: &mut AnyConnection, id: LeadId) -> Result<Option<Lead>, sqlx::Error> {
    let row: Option<LeadRow> = sqlx::query_as(&format!("{SELECT_LEAD} WHERE l.id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.map(Lead::try_from).transpose()
}

/// The open leads `owner` owns, whole, oldest first (My day judges each).
pub async fn open_owned_by(conn: &mut AnyConnection, owner: i64) -> Result<Vec<Lead>, sqlx::Error> {
    let rows: Vec<LeadRow> = sqlx::query_as(&format!(
        "{SELECT_LEAD} WHERE l.owner_id = $1 AND l.closed_at IS NULL ORDER BY l.id"
    ))
    .bind(owner)
    .fetch_all(conn)
    .await?;
    rows_to_leads(rows)
}

/// Every open lead, or only those of `teams` (and, with `unassigned`, those of no team), as the
/// follow-up policy judges them: for the policy preview, which judges each lead in Rust. Only
/// the fields `policy::evaluate` reads are filled; names and texts are left empty, and `email`
/// stands for "has an e-mail or a phone" (an empty string when so). Never write these leads
/// back or show them; read a lead whole (`by_ids`) for that.
pub async fn open_for_judging(
    conn: &mut AnyConnection,
    teams: Option<&[i64]>,
    unassigned: bool,
) -> Result<Vec<Lead>, sqlx::Error> {
    let mut filter = "closed_at IS NULL".to_string();
    if let Some(teams) = teams {
        // Team ids are numbers from our own tables: inlined, not user text.
        let list = teams
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let in_teams = if list.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("team_id IN ({list})")
        };
        if unassigned {
            filter.push_str(&format!(" AND ({in_teams} OR team_id IS NULL)"));
        } else {
            filter.push_str(&format!(" AND {in_teams}"));
        }
    }
    Ok(judging(conn, &filter, None)
        .await?
        .into_iter()
        .map(|d| d.lead)
        .collect())
}

/// A lead the sweep must judge, as `open_for_judging` reads it (closed ones too), with the
/// `judge_at` it was read with.
#[derive(Clone, Debug)]
pub struct Due {
    pub lead: Lead,
    pub seen: i64,
}

/// The leads whose `judge_at` has come by `at`: written since the last sweep, under a policy
/// saved since, or with a clock or escalation rung running out.
pub async fn due_for_judging(
    conn: &mut AnyConnection,
    at: Timestamp,
) -> Result<Vec<Due>, sqlx::Error> {
    judging(conn, "judge_at <= $1", Some(at.0)).await
}

async fn judging(
    conn: &mut AnyConnection,
    filter: &str,
    bind: Option<i64>,
) -> Result<Vec<Due>, sqlx::Error> {
    let sql = format!(
        "SELECT id, version, source_id, owner_id, team_id, stage_id, next_step_kind,
                next_step_due_at, created_at, updated_at, first_touched_at,
                last_touched_at, stage_entered_at, value_cents,
                CAST(CASE WHEN email IS NOT NULL OR phone IS NOT NULL THEN 1 ELSE 0 END AS BIGINT),
                closed_at, judge_at
         FROM leads WHERE {filter}"
    );
    let mut q = sqlx::query(&sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let step_kind: Option<String> = r.try_get(6)?;
            let step_due: Option<i64> = r.try_get(7)?;
            let owner_id: Option<i64> = r.try_get(3)?;
            let team_id: Option<i64> = r.try_get(4)?;
            let cents: Option<i64> = r.try_get(13)?;
            let reachable: i64 = r.try_get(14)?;
            let next_step = match (step_kind, step_due) {
                (Some(kind), Some(due)) => Some(NextStep {
                    kind: decode_key("next_step_kind", &kind, NextStepKind::parse)?,
                    due_at: Timestamp(due),
                    note: None,
                }),
                _ => None,
            };
            let lead = Lead {
                id: LeadId(r.try_get(0)?),
                version: r.try_get(1)?,
                contact_name: String::new(),
                email: (reachable != 0).then(String::new),
                phone: None,
                company: None,
                channel: Channel::Other,
                source_id: r.try_get(2)?,
                source_name: String::new(),
                campaign_id: None,
                campaign_name: None,
                product_interest: None,
                value: cents.map(|c| Money::new(c, Currency::USD)),
                score: None,
                owner: owner_id.map(|id| UserRef {
                    id,
                    name: String::new(),
                }),
                team_id: team_id.map(TeamId),
                stage_id: StageId(r.try_get(5)?),
                next_step,
                created_at: Timestamp(r.try_get(8)?),
                updated_at: Timestamp(r.try_get(9)?),
                first_touched_at: r.try_get::<Option<i64>, _>(10)?.map(Timestamp),
                last_touched_at: r.try_get::<Option<i64>, _>(11)?.map(Timestamp),
                stage_entered_at: Timestamp(r.try_get(12)?),
                closed_at: r.try_get::<Option<i64>, _>(15)?.map(Timestamp),
                close_reason: None,
                close_note: None,
                score_reasons: Vec::new(),
                suggest_close: None,
            };
            let seen: Option<i64> = r.try_get(16)?;
            Ok(Due {
                lead,
                seen: seen.unwrap_or(0),
            })
        })
        .collect()
}

/// Records when the sweep must judge each lead next (`None`: not until it is written), for
/// the leads still at the version and `judge_at` the sweep read them with: one written or
/// put under a new policy meanwhile stays due.
pub async fn write_judged(
    conn: &mut AnyConnection,
    judged: &[(LeadId, i64, i64, Option<Timestamp>)],
) -> Result<(), sqlx::Error> {
    use super::Cell::Int;
    for chunk in judged.chunks(super::ROWS_PER_STATEMENT) {
        let (values, _) = super::value_rows(
            chunk.iter().map(|(id, version, seen, due)| {
                vec![
                    Int(Some(id.0)),
                    Int(Some(*version)),
                    Int(Some(*seen)),
                    Int(due.map(|t| t.0)),
                ]
            }),
            1,
            true,
        );
        let sql = format!(
            "WITH v (id, version, seen, due) AS (VALUES {values})
             UPDATE leads SET judge_at = v.due
             FROM v WHERE leads.id = v.id AND leads.version = v.version
                      AND leads.judge_at = v.seen AND leads.id IN ({})",
            super::id_list(chunk.iter().map(|(id, ..)| id.0))
        );
        sqlx::query(&sql)
            .persistent(false)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The leads with these ids (those that exist), in no particular order.
pub async fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Lead>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<LeadRow> = sqlx::query_as(&format!(
        "{SELECT_LEAD} WHERE l.id IN ({})",
        super::id_list(ids.iter().copied())
    ))
    .fetch_all(conn)
    .await?;
    rows_to_leads(rows)
}

/// A bound SQL parameter of a lead filter.
#[derive(Clone, Debug)]
pub(super) enum Param {
    Int(i64),
    Text(String),
}

/// Builds a condition on `leads l` with numbered parameters, binding each value rather than
/// formatting it into the SQL.
pub(super) struct Condition {
    clauses: Vec<String>,
    params: Vec<Param>,
    first: usize,
}

impl Condition {
    pub(super) fn new(first: usize) -> Self {
        Condition {
            clauses: Vec::new(),
            params: Vec::new(),
            first,
        }
    }

    /// The next parameter's placeholder, after binding `p` to it.
    pub(super) fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.first + self.params.len() - 1)
    }

    pub(super) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    pub(super) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".into()
        } else {
            self.clauses.join(" AND ")
        }
    }

    pub(super) fn apply<'q, O>(
        &self,
        mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        for p in &self.params {
            query = match p {
                Param::Int(n) => query.bind(*n),
                Param::Text(t) => query.bind(t.clone()),
            };
        }
        query
    }

    /// Restricts to `scope`: what the viewer may see.
    pub(super) fn scope(&mut self, scope: &LeadScope) {
        match scope {
            LeadScope::All => {}
            LeadScope::Owner(user) => {
                let p = self.bind(Param::Int(user.0));
                self.push(format!("l.owner_id = {p}"));
            }
            LeadScope::Teams { teams, also_owner } => {
                let mut sql = if teams.is_empty() {
                    "FALSE".to_string()
                } else {
                    let marks: Vec<String> =
                        teams.iter().map(|t| self.bind(Param::Int(t.0))).collect();
                    format!("l.team_id IN ({})", marks.join(", "))
                };
                if let Some(owner) = also_owner {
                    let p = self.bind(Param::Int(owner.0));
                    sql = format!("({sql} OR l.owner_id = {p})");
                }
                self.push(sql);
            }
        }
    }

    /// Restricts to what `filter` asks for (within the scope already applied).
    fn filter(&mut self, filter: &BoardFilter) {
        let eq = |cond: &mut Self, column: &str, v: Option<i64>| {
            if let Some(v) = v {
                let p = cond.bind(Param::Int(v));
                cond.push(format!("{column} = {p}"));
            }
        };
        eq(self, "l.owner_id", filter.owner.map(|o| o.0));
        eq(self, "l.team_id", filter.team.map(|t| t.0));
        eq(self, "l.source_id", filter.source);
        eq(self, "l.campaign_id", filter.campaign);
        if let Some(lo) = filter.min_value {
            let p = self.bind(Param::Int(lo));
            self.push(format!("l.value_cents >= {p}"));
        }
        if let Some(hi) = filter.max_value {
            let p = self.bind(Param::Int(hi));
            self.push(format!("l.value_cents <= {p}"));
        }
        if let Some(needle) = filter.needle() {
            let pattern = format!("%{}%", escape_like(&needle));
            let fields = [
                "l.contact_name",
                "COALESCE(l.company, '')",
                "COALESCE(l.email, '')",
            ];
            let ors: Vec<String> = fields
                .iter()
                .map(|f| {
                    let p = self.bind(Param::Text(pattern.clone()));
                    format!("LOWER({f}) LIKE {p} ESCAPE '\\'")
                })
                .collect();
            self.push(format!("({})", ors.join(" OR ")));
        }
    }
}

/// Escapes LIKE's wildcards so a search for "50%" finds the text "50%".
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `ORDER BY` of a column order, the same order as `ColumnOrder::key` in the domain, and
/// written so that an index of migration 0003 yields it without sorting.
fn order_by_sql(order: ColumnOrder) -> &'static str {
    if order.closed {
        return "l.closed_at DESC NULLS LAST, l.id DESC";
    }
    match order.sort {
        CardSort::Attention => "l.next_step_due_at ASC NULLS FIRST, l.id ASC",
        // Values are never negative (a CHECK), so NULLS LAST matches the domain's -1.
        CardSort::Value => "l.value_cents DESC NULLS LAST, l.id DESC",
        CardSort::Newest => "l.created_at DESC, l.id DESC",
        // Scores are 0–100, so NULLS LAST matches the domain's -1.
        CardSort::Score => "l.score DESC NULLS LAST, l.id DESC",
    }
}

/// The rows after `cursor` in `order` (keyset paging), spelled out per order so that NULLs
/// (no next step, no value) sit where the domain puts them and indexes stay usable.
fn after_cursor_sql(cond: &mut Condition, order: ColumnOrder, cursor: &Cursor) -> String {
    let c = &cursor.0;
    let nullable_desc = |cond: &mut Condition, column: &str, value: i64, null_key: i64, id: i64| {
        let i = cond.bind(Param::Int(id));
        if value == null_key {
            format!("({column} IS NULL AND l.id < {i})")
        } else {
            let v = cond.bind(Param::Int(value));
            let v2 = cond.bind(Param::Int(value));
            format!("({column} < {v} OR ({column} = {v2} AND l.id < {i}) OR {column} IS NULL)")
        }
    };
    if order.closed {
        return nullable_desc(cond, "l.closed_at", c[0], 0, c[1]);
    }
    match order.sort {
        CardSort::Attention => {
            let i = cond.bind(Param::Int(c[2]));
            if c[0] == 0 {
                format!("((l.next_step_due_at IS NULL AND l.id > {i}) OR l.next_step_due_at IS NOT NULL)")
            } else {
                let d = cond.bind(Param::Int(c[1]));
                let d2 = cond.bind(Param::Int(c[1]));
                format!("(l.next_step_due_at > {d} OR (l.next_step_due_at = {d2} AND l.id > {i}))")
            }
        }
        CardSort::Value => nullable_desc(cond, "l.value_cents", c[0], -1, c[1]),
        CardSort::Score => nullable_desc(cond, "l.score", c[0], -1, c[1]),
        CardSort::Newest => {
            let t = cond.bind(Param::Int(c[0]));
            let t2 = cond.bind(Param::Int(c[0]));
            let i = cond.bind(Param::Int(c[1]));
            format!("(l.created_at < {t} OR (l.created_at = {t2} AND l.id < {i}))")
        }
    }
}

/// Count and value per currency of every stage with leads in `scope` matching `filter`,
/// computed in SQL over all of them, not the loaded page.
pub async fn column_summaries(
    conn: &mut AnyConnection,
    scope: &LeadScope,
    filter: &BoardFilter,
) -> Result<Vec<ColumnSummary>, sqlx::Error> {
    let mut cond = Condition::new(1);
    cond.scope(scope);
    cond.filter(filter);
    // CAST: PostgreSQL's SUM(bigint) is numeric, which the Any driver cannot decode.
    let sql = format!(
        "SELECT l.stage_id, l.currency, COUNT(*), CAST(COALESCE(SUM(l.value_cents), 0) AS BIGINT)
         FROM leads l WHERE {} GROUP BY l.stage_id, l.currency ORDER BY l.stage_id",
        cond.sql()
    );
    let rows: Vec<(i64, String, i64, i64)> =
        cond.apply(sqlx::query_as(&sql)).fetch_all(conn).await?;
    let mut out: Vec<ColumnSummary> = Vec::new();
    for (stage, currency, count, total) in rows {
        let currency = Currency::parse(&currency).map_err(|e| sqlx::Error::ColumnDecode {
            index: "currency".into(),
            source: e.into(),
        })?;
        let col = match out.iter_mut().find(|c| c.stage_id.0 == stage) {
            Some(c) => c,
            None => {
                out.push(ColumnSummary::empty(StageId(stage)));
                out.last_mut().expect("just pushed")
            }
        };
        col.count += count;
        if total != 0 {
            col.totals.push(Money::new(total, currency));
        }
    }
    for c in &mut out {
        c.totals.sort_by_key(|m| std::cmp::Reverse(m.cents));
    }
    Ok(out)
}

/// Up to `limit` cards of `stage` in `scope` matching `filter`, in `order`, starting after
/// `after` (keyset paging: the cost does not grow with the page number). The flag says whether
/// more follow.
pub async fn column_page(
    conn: &mut AnyConnection,
    scope: &LeadScope,
    filter: &BoardFilter,
    stage: StageId,
    order: ColumnOrder,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<Lead>, bool), sqlx::Error> {
    let mut cond = Condition::new(1);
    let p = cond.bind(Param::Int(stage.0));
    cond.push(format!("l.stage_id = {p}"));
    cond.scope(scope);
    cond.filter(filter);
    if let Some(after) = after {
        let clause = after_cursor_sql(&mut cond, order, after);
        cond.push(clause);
    }
    let limit_mark = cond.bind(Param::Int(limit + 1));
    let sql = format!(
        "{SELECT_LEAD} WHERE {} ORDER BY {} LIMIT {limit_mark}",
        cond.sql(),
        order_by_sql(order)
    );
    let rows: Vec<LeadRow> = cond.apply(sqlx::query_as(&sql)).fetch_all(conn).await?;
    let mut cards = rows_to_leads(rows)?;
    let more = cards.len() as i64 > limit;
    cards.truncate(limit.max(0) as usize);
    Ok((cards, more))
}

/// One page of leads in `scope` matching `q`, by id, and whether more follow.
pub async fn list(
    conn: &mut AnyConnection,
    scope: &LeadScope,
    q: &crate::domain::filter::LeadQuery,
) -> Result<(Vec<Lead>, bool), sqlx::Error> {
    use crate::domain::filter::LeadStatus;
    let mut cond = Condition::new(1);
    cond.scope(scope);
    cond.filter(&q.filter);
    if let Some(stage) = q.stage {
        let p = cond.bind(Param::Int(stage.0));
        cond.push(format!("l.stage_id = {p}"));
    }
    match q.status {
        LeadStatus::Open => cond.push("l.closed_at IS NULL".to_string()),
        LeadStatus::Closed => cond.push("l.closed_at IS NOT NULL".to_string()),
        LeadStatus::All => {}
    }
    if let Some(after) = q.after {
        let p = cond.bind(Param::Int(after));
        cond.push(format!("l.id > {p}"));
    }
    let limit_mark = cond.bind(Param::Int(q.limit + 1));
    let sql = format!(
        "{SELECT_LEAD} WHERE {} ORDER BY l.id LIMIT {limit_mark}",
        cond.sql()
    );
    let rows: Vec<LeadRow> = cond.apply(sqlx::query_as(&sql)).fetch_all(conn).await?;
    let mut items = rows_to_leads(rows)?;
    let more = items.len() as i64 > q.limit;
    items.truncate(q.limit.max(0) as usize);
    Ok((items, more))
}

/// Gives the lead to `owner` (in `team`) if the row is still at `expected_version`.
pub async fn write_owner(
    conn: &mut AnyConnection,
    id: LeadId,
    owner: crate::domain::UserId,
    team: Option<TeamId>,
    expected_version: i64,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE leads SET owner_id = $1, team_id = $2, assigned_at = $3, updated_at = $3,
                version = version + 1, facts_at = NULL, judge_at = 0
         WHERE id = $4 AND version = $5",
    )
    .bind(owner.0)
    .bind(team.map(|t| t.0))
    .bind(at.0)
    .bind(id.0)
    .bind(expected_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

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
            contact_id, company_id, reached_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, $24, $25, $26, $27,
            COALESCE($28, (SELECT position FROM stages WHERE id = $11 AND kind <> 'lost')))
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
    .fetch_one(conn)
    .await?;
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
}

/// Inserts leads with multi-row statements (an import's new leads); the same columns as
/// [`insert_lead`], plus place and score.
pub async fn insert_leads(
    conn: &mut AnyConnection,
    rows: &[LeadInsert],
) -> Result<(), sqlx::Error> {
    use super::Cell::{Int, OptText, Text};
    for chunk in rows.chunks(super::ROWS_PER_STATEMENT / 2) {
        let currencies: Vec<String> = chunk
            .iter()
            .map(|r| {
                r.lead
                    .value
                    .map_or_else(|| "USD".into(), |v| v.currency.code().to_string())
            })
            .collect();
        let (values, texts) = super::value_rows_for(
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
                reached_position)
             VALUES {values}"
        );
        super::execute_with(&mut *conn, &sql, texts).await?;
    }
    Ok(())
}

/// Number of leads in the database.
pub async fn count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads")
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// The filter bar's lists for a viewer with `scope`: owners and teams they may see, and every
/// source and campaign (those are not secret; leads behind them are still scoped).
pub async fn filter_options(
    conn: &mut AnyConnection,
    scope: &LeadScope,
) -> Result<FilterOptions, sqlx::Error> {
    async fn choices(
        conn: &mut AnyConnection,
        sql: &str,
        params: &[i64],
    ) -> Result<Vec<FilterChoice>, sqlx::Error> {
        let mut q = sqlx::query_as::<_, (i64, String)>(sql);
        for p in params {
            q = q.bind(*p);
        }
        Ok(q.fetch_all(conn)
            .await?
            .into_iter()
            .map(|(id, name)| FilterChoice { id, name })
            .collect())
    }
    let people = "SELECT u.id, u.name FROM users u
                  WHERE u.deactivated_at IS NULL AND u.role IN ('rep', 'manager')";
    let (owners, teams) = match scope {
        LeadScope::All => (
            choices(conn, &format!("{people} ORDER BY u.name"), &[]).await?,
            choices(conn, "SELECT id, name FROM teams ORDER BY name", &[]).await?,
        ),
        LeadScope::Owner(user) => (
            choices(conn, &format!("{people} AND u.id = $1"), &[user.0]).await?,
            Vec::new(),
        ),
        LeadScope::Teams { teams, also_owner } => {
            let ids: Vec<i64> = teams.iter().map(|t| t.0).collect();
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let in_teams = if ids.is_empty() {
                "FALSE".to_string()
            } else {
                format!("u.team_id IN ({})", marks.join(", "))
            };
            let mut params = ids.clone();
            let who = match also_owner {
                Some(o) => {
                    params.push(o.0);
                    format!("({in_teams} OR u.id = ${})", params.len())
                }
                None => in_teams,
            };
            let team_sql = if ids.is_empty() {
                "SELECT id, name FROM teams WHERE FALSE".to_string()
            } else {
                format!(
                    "SELECT id, name FROM teams WHERE id IN ({}) ORDER BY name",
                    marks.join(", ")
                )
            };
            (
                choices(
                    conn,
                    &format!("{people} AND {who} ORDER BY u.name"),
                    &params,
                )
                .await?,
                choices(conn, &team_sql, &ids).await?,
            )
        }
    };
    Ok(FilterOptions {
        owners,
        teams,
        sources: choices(conn, "SELECT id, name FROM sources ORDER BY name", &[]).await?,
        campaigns: choices(conn, "SELECT id, name FROM campaigns ORDER BY name", &[]).await?,
    })
}

/// Writes every field a rep can change (details, value, stage, close-out, next step, touch
/// times) if the row is still at `expected_version`. Returns false when someone else changed
/// the lead first; nothing is written then.
pub async fn write(
    conn: &mut AnyConnection,
    lead: &Lead,
    expected_version: i64,
) -> Result<bool, sqlx::Error> {
    let step = lead.next_step.as_ref();
    let done = sqlx::query(
        "UPDATE leads SET contact_name = $1, email = $2, phone = $3, company = $4,
                product_interest = $5, value_cents = $6, currency = $7,
                stage_id = $8, stage_entered_at = $9, closed_at = $10, close_reason = $11,
                close_note = $12, next_step_kind = $13, next_step_due_at = $14,
                next_step_note = $15, first_touched_at = $16, last_touched_at = $17,
                updated_at = $18, version = $19, facts_at = NULL, judge_at = 0,
                reached_position = (SELECT CASE WHEN s.kind = 'lost'
                        OR s.position <= COALESCE(leads.reached_position, -1)
                    THEN leads.reached_position ELSE s.position END
                    FROM stages s WHERE s.id = $8)
         WHERE id = $20 AND version = $21",
    )
    .bind(&lead.contact_name)
    .bind(lead.email.as_deref())
    .bind(lead.phone.as_deref())
    .bind(lead.company.as_deref())
    .bind(lead.product_interest.as_deref())
    .bind(lead.value.map(|v| v.cents))
    .bind(
        lead.value
            .map_or_else(|| "USD".to_string(), |v| v.currency.code().to_string()),
    )
    .bind(lead.stage_id.0)
    .bind(lead.stage_entered_at.0)
    .bind(lead.closed_at.map(|t| t.0))
    .bind(lead.close_reason.map(|r| r.key()))
    .bind(lead.close_note.as_deref())
    .bind(step.map(|s| s.kind.key()))
    .bind(step.map(|s| s.due_at.0))
    .bind(step.and_then(|s| s.note.as_deref()))
    .bind(lead.first_touched_at.map(|t| t.0))
    .bind(lead.last_touched_at.map(|t| t.0))
    .bind(lead.updated_at.0)
    .bind(lead.version)
    .bind(lead.id.0)
    .bind(expected_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A logged activity with its author's name.
#[derive(Clone, Debug)]
pub struct ActivityRow {
    pub at: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub outcome: Option<String>,
    pub note: Option<String>,
}

/// The newest `limit` activities of a lead, newest first.
pub async fn activities(
    conn: &mut AnyConnection,
    lead: LeadId,
    limit: i64,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    type Row = (i64, Option<String>, String, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.occurred_at, u.name, a.kind, a.outcome, a.note
             FROM activities a LEFT JOIN users u ON u.id = a.actor_id
             WHERE a.lead_id = $1 ORDER BY a.occurred_at DESC, a.id DESC LIMIT $2",
    )
    .bind(lead.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, actor, kind, outcome, note)| ActivityRow {
            at,
            actor,
            kind,
            outcome,
            note,
        })
        .collect())
}

/// A user's display name by id.
pub async fn user_name(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// A new version of a lead that something was added to (an inquiry), to be judged again by
/// the sweep at once.
pub async fn bump(
    conn: &mut AnyConnection,
    lead: LeadId,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET version = version + 1, updated_at = $2, judge_at = 0 WHERE id = $1",
    )
    .bind(lead.0)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// A lead's contact and company.
pub async fn person_of(
    conn: &mut AnyConnection,
    lead: LeadId,
) -> Result<Option<(Option<i64>, Option<i64>)>, sqlx::Error> {
    sqlx::query_as("SELECT contact_id, company_id FROM leads WHERE id = $1")
        .bind(lead.0)
        .fetch_optional(conn)
        .await
}

/// Open leads with an owner, a contact and a company named, by id (`limit` of them after
/// skipping `offset`): (lead, contact, company).
pub async fn open_with_company(
    conn: &mut AnyConnection,
    limit: i64,
    offset: i64,
) -> Result<Vec<(i64, i64, Option<i64>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, contact_id, company_id FROM leads
         WHERE closed_at IS NULL AND company IS NOT NULL AND owner_id IS NOT NULL
           AND contact_id IS NOT NULL
         ORDER BY id LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}
