//! Schema parity: the SQLite and PostgreSQL migration trees are written by hand, side by side.
//! Both are migrated here and read back from each database's own catalogue; tables, columns
//! (by type family), nullability, primary keys, unique constraints, foreign keys, indexes and
//! what the triggers fire on must be the same, so the two trees cannot drift apart unnoticed.

use crate::support::{Kind, TestDb};
use sqlx::AnyConnection;
use std::collections::BTreeSet;

/// One fact about a schema, comparable across the two databases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    /// (table, column, type family, not null)
    Column(String, String, &'static str, bool),
    /// (table, columns)
    PrimaryKey(String, String),
    /// (table, columns): a UNIQUE constraint.
    Unique(String, String),
    /// (table, columns, referenced table, referenced columns)
    ForeignKey(String, String, String, String),
    /// (name, table, columns, unique, partial): an index created by name.
    Index(String, String, String, bool, bool),
    /// (table, timing, event): something a trigger fires on.
    Trigger(String, String, String),
}

/// A constraint as PostgreSQL lists it: (kind, table, columns, referenced table, referenced
/// columns).
type ConstraintRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// SQLite's declared types and PostgreSQL's data types, by the values they hold.
fn family(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t == "bigserial" || t == "serial" {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("real") || t.contains("floa") || t.contains("doub") {
        "real"
    } else if t.contains("numeric") || t.contains("decimal") {
        "numeric"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("blob") || t == "bytea" {
        "bytes"
    } else if t.contains("json") {
        "json"
    } else {
        // Unknown: reported as it is written, so a new kind shows up as a difference.
        Box::leak(t.into_boxed_str())
    }
}

/// An index key as written: a column name, or `<expression>`.
fn key(column: Option<String>) -> String {
    // PostgreSQL quotes a key that is also a keyword (`"position"`).
    match column.map(|c| c.trim_matches('"').to_string()) {
        Some(c) if c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') => c,
        _ => "<expression>".into(),
    }
}

/// Tables of the application (not the migrator's own, not SQLite's).
fn ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_")
}

async fn sqlite_schema(conn: &mut AnyConnection) -> BTreeSet<Fact> {
    let mut facts = BTreeSet::new();
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    for (table,) in tables.into_iter().filter(|(t,)| ours(t)) {
        let columns: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (name, declared, not_null, in_pk) in columns {
            // A primary key column never holds NULL in either database.
            facts.insert(Fact::Column(
                table.clone(),
                name.clone(),
                family(&declared),
                not_null == 1 || in_pk > 0,
            ));
            if in_pk > 0 {
                pk.push((in_pk, name));
            }
        }
        if !pk.is_empty() {
            pk.sort();
            let cols: Vec<String> = pk.into_iter().map(|(_, c)| c).collect();
            facts.insert(Fact::PrimaryKey(table.clone(), cols.join(",")));
        }
        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        for (name, unique, origin, partial) in indexes {
            let cols: Vec<(Option<String>,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|(c,)| key(c)).collect();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    facts.insert(Fact::Unique(table.clone(), cols.join(",")));
                }
                _ => {
                    facts.insert(Fact::Index(
                        name,
                        table.clone(),
                        cols.join(","),
                        unique == 1,
                        partial == 1,
                    ));
                }
            }
        }
        let fks: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1)
             ORDER BY id, seq",
        )
        .bind(&table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>)> =
            Default::default();
        for (id, _, to_table, from, to) in fks {
            let e = by_id
                .entry(id)
                .or_insert((to_table, Vec::new(), Vec::new()));
            e.1.push(from);
            e.2.push(to.unwrap_or_else(|| "id".into()));
        }
        for (_, (to_table, from, to)) in by_id {
            facts.insert(Fact::ForeignKey(
                table.clone(),
                from.join(","),
                to_table,
                to.join(","),
            ));
        }
    }
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (table, sql) in triggers {
        let words: Vec<String> = sql
            .split_whitespace()
            .take(8)
            .map(|w| w.to_ascii_uppercase())
            .collect();
        let timing = ["BEFORE", "AFTER", "INSTEAD"]
            .into_iter()
            .find(|t| words.iter().any(|w| w == t))
            .unwrap_or("BEFORE");
        let event = ["INSERT", "UPDATE", "DELETE"]
            .into_iter()
            .find(|e| words.iter().any(|w| w == e))
            .unwrap_or_else(|| panic!("a trigger on {table} fires on what? {sql}"));
        facts.insert(Fact::Trigger(table, timing.into(), event.into()));
    }
    facts
}

async fn postgres_schema(conn: &mut AnyConnection) -> BTreeSet<Fact> {
    let mut facts = BTreeSet::new();
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (table, column, data_type, nullable) in columns.into_iter().filter(|c| ours(&c.0)) {
        facts.insert(Fact::Column(
            table,
            column,
            family(&data_type),
            nullable == "NO",
        ));
    }
    // Constraints, with their columns in key order.
    let constraints: Vec<ConstraintRow> = sqlx::query_as(
        "SELECT con.contype::text, rel.relname::text,
                    (SELECT string_agg(a.attname::text, ',' ORDER BY k.i)
                     FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n),
                    ref.relname::text,
                    (SELECT string_agg(a.attname::text, ',' ORDER BY k.i)
                     FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n)
             FROM pg_constraint con
             JOIN pg_class rel ON rel.oid = con.conrelid
             JOIN pg_namespace ns ON ns.oid = rel.relnamespace
             LEFT JOIN pg_class ref ON ref.oid = con.confrelid
             WHERE ns.nspname = 'public' AND con.contype IN ('p', 'u', 'f')",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (kind, table, cols, to_table, to_cols) in constraints {
        if !ours(&table) {
            continue;
        }
        let cols = cols.unwrap_or_default();
        facts.insert(match kind.as_str() {
            "p" => Fact::PrimaryKey(table, cols),
            "u" => Fact::Unique(table, cols),
            _ => Fact::ForeignKey(
                table,
                cols,
                to_table.unwrap_or_default(),
                to_cols.unwrap_or_default(),
            ),
        });
    }
    // Indexes created by name: not those behind a primary key or unique constraint.
    let indexes: Vec<(i64, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT i.oid::bigint, i.relname::text, t.relname::text,
                ix.indisunique::int::bigint, (ix.indpred IS NOT NULL)::int::bigint,
                ix.indnkeyatts::bigint
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace ns ON ns.oid = t.relnamespace
         WHERE ns.nspname = 'public'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (oid, name, table, unique, partial, keys) in indexes {
        if !ours(&table) {
            continue;
        }
        let mut cols = Vec::new();
        for n in 1..=keys {
            let (col,): (Option<String>,) =
                sqlx::query_as("SELECT pg_get_indexdef($1::bigint::oid, $2::int, true)")
                    .bind(oid)
                    .bind(n)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            cols.push(key(col));
        }
        facts.insert(Fact::Index(
            name,
            table,
            cols.join(","),
            unique == 1,
            partial == 1,
        ));
    }
    let triggers: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT event_object_table::text, action_timing::text, event_manipulation::text
         FROM information_schema.triggers WHERE trigger_schema = 'public'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (table, timing, event) in triggers {
        let timing = timing
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        facts.insert(Fact::Trigger(table, timing, event));
    }
    facts
}

/// What one side has and the other lacks, one fact a line.
fn difference(a: &BTreeSet<Fact>, b: &BTreeSet<Fact>) -> Vec<String> {
    a.difference(b).map(|f| format!("{f:?}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_trees_build_the_same_schema() {
    let sqlite = TestDb::new(Kind::Sqlite).await;
    let postgres = TestDb::new(Kind::Postgres).await;
    let lite = sqlite_schema(&mut sqlite.store.read().await.unwrap()).await;
    let pg = postgres_schema(&mut postgres.store.read().await.unwrap()).await;
    // The comparison means something: every kind of fact is there on both sides.
    for facts in [&lite, &pg] {
        let tables: BTreeSet<&str> = facts
            .iter()
            .filter_map(|f| match f {
                Fact::Column(t, ..) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert!(tables.len() >= 30, "only {} tables", tables.len());
        for kind in ["PrimaryKey", "Unique", "ForeignKey", "Index", "Trigger"] {
            assert!(
                facts.iter().any(|f| format!("{f:?}").starts_with(kind)),
                "no {kind} read"
            );
        }
    }
    let only_sqlite = difference(&lite, &pg);
    let only_pg = difference(&pg, &lite);
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "the migration trees differ.\nOnly in SQLite:\n  {}\nOnly in PostgreSQL:\n  {}",
        only_sqlite.join("\n  "),
        only_pg.join("\n  ")
    );
    // And a drift is seen: a column added on one side only is named.
    let mut conn = sqlite.store.read().await.unwrap();
    sqlx::query("ALTER TABLE leads ADD COLUMN drift_probe TEXT")
        .execute(&mut *conn)
        .await
        .unwrap();
    let drifted = sqlite_schema(&mut conn).await;
    drop(conn);
    assert_eq!(
        difference(&drifted, &pg),
        [r#"Column("leads", "drift_probe", "text", false)"#]
    );
    sqlite.finish().await;
    postgres.finish().await;
}

#[test]
fn type_families_group_each_databases_spelling() {
    assert_eq!(family("INTEGER"), family("bigint"));
    assert_eq!(family("TEXT"), family("character varying"));
    assert_eq!(family("REAL"), family("double precision"));
    assert_ne!(family("INTEGER"), family("TEXT"));
    assert_eq!(key(Some("lead_id".into())), "lead_id");
    assert_eq!(key(Some("\"position\"".into())), "position");
    assert_eq!(key(Some("lower(email)".into())), "<expression>");
    assert_eq!(key(None), "<expression>");
}
