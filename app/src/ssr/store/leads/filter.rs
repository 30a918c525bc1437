//! The board's and the API's filters compiled to SQL (bound parameters, keyset paging), the
//! column counts and pages they select, and the filter bar's lists.

use super::*;
use crate::domain::filter::{
    BoardFilter, CardSort, ColumnOrder, Cursor, FilterChoice, FilterOptions,
};
use crate::domain::{ColumnSummary, Currency, Lead, LeadScope, Money, StageId};
use sqlx::AnyConnection;

/// A bound SQL parameter of a lead filter.
#[derive(Clone, Debug)]
pub(in crate::ssr::store) enum Param {
    Int(i64),
    Text(String),
}

/// Builds a condition on `leads l` with numbered parameters, binding each value rather than
/// formatting it into the SQL.
pub(in crate::ssr::store) struct Condition {
    clauses: Vec<String>,
    params: Vec<Param>,
    first: usize,
}

impl Condition {
    pub(in crate::ssr::store) fn new(first: usize) -> Self {
        Condition {
            clauses: Vec::new(),
            params: Vec::new(),
            first,
        }
    }

    /// The next parameter's placeholder, after binding `p` to it.
    pub(in crate::ssr::store) fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.first + self.params.len() - 1)
    }

    pub(in crate::ssr::store) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    pub(in crate::ssr::store) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".into()
        } else {
            self.clauses.join(" AND ")
        }
    }

    pub(in crate::ssr::store) fn apply<'q, O>(
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
    pub(in crate::ssr::store) fn scope(&mut self, scope: &LeadScope) {
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

    /// `SELECT fv.entity_id …`: the leads one custom field condition selects.
    pub(in crate::ssr::store) fn custom_select(
        &mut self,
        c: &crate::domain::filter::CustomCondition,
    ) -> String {
        use crate::domain::filter::CustomTest;
        let f = self.bind(Param::Int(c.field.0));
        let test = match &c.test {
            CustomTest::Text(t) => format!("fv.value_text = {}", self.bind(Param::Text(t.clone()))),
            CustomTest::Number(n) => format!("fv.value_num = {}", self.bind(Param::Int(*n))),
            CustomTest::TextRange(lo, hi) => {
                let mut parts = vec!["fv.value_text IS NOT NULL".to_string()];
                if let Some(lo) = lo {
                    parts.push(format!(
                        "fv.value_text >= {}",
                        self.bind(Param::Text(lo.clone()))
                    ));
                }
                if let Some(hi) = hi {
                    parts.push(format!(
                        "fv.value_text <= {}",
                        self.bind(Param::Text(hi.clone()))
                    ));
                }
                parts.join(" AND ")
            }
            CustomTest::NumberRange(lo, hi) => {
                let mut parts = vec!["fv.value_num IS NOT NULL".to_string()];
                if let Some(lo) = lo {
                    parts.push(format!("fv.value_num >= {}", self.bind(Param::Int(*lo))));
                }
                if let Some(hi) = hi {
                    parts.push(format!("fv.value_num <= {}", self.bind(Param::Int(*hi))));
                }
                parts.join(" AND ")
            }
        };
        format!("SELECT fv.entity_id FROM field_values fv WHERE fv.field_id = {f} AND {test}")
    }

    /// Restricts to what `filter` asks for (within the scope already applied).
    fn filter(&mut self, filter: &BoardFilter) {
        let eq = |cond: &mut Self, column: &str, v: Option<i64>| {
            if let Some(v) = v {
                let p = cond.bind(Param::Int(v));
                cond.push(format!("{column} = {p}"));
            }
        };
        if let Some(pipeline) = filter.pipeline {
            let p = self.bind(Param::Int(pipeline.0));
            self.push(format!(
                "l.stage_id IN (SELECT id FROM stages WHERE pipeline_id = {p})"
            ));
        }
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
            let p = self.bind(Param::Text(pattern.clone()));
            let custom = format!(
                "l.id IN (SELECT fv.entity_id FROM field_values fv
                   JOIN field_definitions fd ON fd.id = fv.field_id AND fd.entity = 'lead'
                   WHERE fv.value_text LIKE {p} ESCAPE '\\')"
            );
            self.push(format!("({} OR {custom})", ors.join(" OR ")));
        }
        if filter.resolved.len() != filter.custom.len() {
            // Conditions the server did not check select nothing rather than everything.
            self.push("FALSE".into());
            return;
        }
        if let Some(ids) = &filter.matching {
            self.push(if ids.is_empty() {
                "FALSE".into()
            } else {
                format!(
                    "l.id IN ({})",
                    crate::ssr::store::id_list(ids.iter().copied())
                )
            });
            return;
        }
        for c in &filter.resolved {
            let select = self.custom_select(c);
            self.push(format!("l.id IN ({select})"));
        }
    }
}

/// The leads the custom field conditions select together, when there are at most `cap` of
/// them (`None` when more: the conditions are then joined in each query instead).
pub async fn custom_matches(
    conn: &mut AnyConnection,
    conditions: &[crate::domain::filter::CustomCondition],
    cap: usize,
) -> Result<Option<Vec<i64>>, sqlx::Error> {
    if conditions.is_empty() {
        return Ok(None);
    }
    let mut cond = Condition::new(1);
    let selects: Vec<String> = conditions.iter().map(|c| cond.custom_select(c)).collect();
    let sql = format!(
        "SELECT entity_id FROM ({}) m LIMIT {}",
        selects.join(" INTERSECT "),
        cap + 1
    );
    let rows: Vec<(i64,)> = cond.apply(sqlx::query_as(&sql)).fetch_all(conn).await?;
    Ok((rows.len() <= cap).then(|| rows.into_iter().map(|(id,)| id).collect()))
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
        fields: Vec::new(),
    })
}
