//! The schema migrations, embedded in the binary: `migrations/sqlite` and `migrations/postgres`
//! hold the same numbered steps, each in its database's dialect.
//!
//! Listed here by hand instead of with `sqlx::migrate!`: that macro pulls sqlx's compile-time
//! drivers (and a second build of SQLite's C source) into every build for one `include_str!`.
//! A test checks that the list matches the directories.

use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// (version, description, SQL)
type Step = (i64, &'static str, &'static str);

pub const SQLITE: &[Step] = &[
    (
        1,
        "core",
        include_str!("../../../../migrations/sqlite/0001_core.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../../../../migrations/sqlite/0002_accounts.sql"),
    ),
    (
        3,
        "board_order",
        include_str!("../../../../migrations/sqlite/0003_board_order.sql"),
    ),
    (
        4,
        "policies",
        include_str!("../../../../migrations/sqlite/0004_policies.sql"),
    ),
    (
        5,
        "sweep",
        include_str!("../../../../migrations/sqlite/0005_sweep.sql"),
    ),
    (
        6,
        "compliance_facts",
        include_str!("../../../../migrations/sqlite/0006_compliance_facts.sql"),
    ),
    (
        7,
        "judge_at",
        include_str!("../../../../migrations/sqlite/0007_judge_at.sql"),
    ),
    (
        8,
        "intake",
        include_str!("../../../../migrations/sqlite/0008_intake.sql"),
    ),
    (
        9,
        "api_tokens",
        include_str!("../../../../migrations/sqlite/0009_api_tokens.sql"),
    ),
    (
        10,
        "scores_requests",
        include_str!("../../../../migrations/sqlite/0010_scores_requests.sql"),
    ),
    (
        11,
        "roi",
        include_str!("../../../../migrations/sqlite/0011_roi.sql"),
    ),
    (
        12,
        "wall_targets",
        include_str!("../../../../migrations/sqlite/0012_wall_targets.sql"),
    ),
    (
        13,
        "roi_rollups",
        include_str!("../../../../migrations/sqlite/0013_roi_rollups.sql"),
    ),
    (
        14,
        "stage_stays",
        include_str!("../../../../migrations/sqlite/0014_stage_stays.sql"),
    ),
    (
        15,
        "org_settings",
        include_str!("../../../../migrations/sqlite/0015_org_settings.sql"),
    ),
    (
        16,
        "reviews",
        include_str!("../../../../migrations/sqlite/0016_reviews.sql"),
    ),
    (
        17,
        "leaderboard",
        include_str!("../../../../migrations/sqlite/0017_leaderboard.sql"),
    ),
    (
        18,
        "quotes",
        include_str!("../../../../migrations/sqlite/0018_quotes.sql"),
    ),
    (
        19,
        "sign_in_pause",
        include_str!("../../../../migrations/sqlite/0019_sign_in_pause.sql"),
    ),
    (
        20,
        "calendar_feeds",
        include_str!("../../../../migrations/sqlite/0020_calendar_feeds.sql"),
    ),
    (
        21,
        "mailbox",
        include_str!("../../../../migrations/sqlite/0021_mailbox.sql"),
    ),
    (
        22,
        "webhooks",
        include_str!("../../../../migrations/sqlite/0022_webhooks.sql"),
    ),
    (
        23,
        "pipelines",
        include_str!("../../../../migrations/sqlite/0023_pipelines.sql"),
    ),
    (
        24,
        "fields",
        include_str!("../../../../migrations/sqlite/0024_fields.sql"),
    ),
    (
        25,
        "forecast",
        include_str!("../../../../migrations/sqlite/0025_forecast.sql"),
    ),
    (
        26,
        "quotas",
        include_str!("../../../../migrations/sqlite/0026_quotas.sql"),
    ),
];

pub const POSTGRES: &[Step] = &[
    (
        1,
        "core",
        include_str!("../../../../migrations/postgres/0001_core.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../../../../migrations/postgres/0002_accounts.sql"),
    ),
    (
        3,
        "board_order",
        include_str!("../../../../migrations/postgres/0003_board_order.sql"),
    ),
    (
        4,
        "policies",
        include_str!("../../../../migrations/postgres/0004_policies.sql"),
    ),
    (
        5,
        "sweep",
        include_str!("../../../../migrations/postgres/0005_sweep.sql"),
    ),
    (
        6,
        "compliance_facts",
        include_str!("../../../../migrations/postgres/0006_compliance_facts.sql"),
    ),
    (
        7,
        "judge_at",
        include_str!("../../../../migrations/postgres/0007_judge_at.sql"),
    ),
    (
        8,
        "intake",
        include_str!("../../../../migrations/postgres/0008_intake.sql"),
    ),
    (
        9,
        "api_tokens",
        include_str!("../../../../migrations/postgres/0009_api_tokens.sql"),
    ),
    (
        10,
        "scores_requests",
        include_str!("../../../../migrations/postgres/0010_scores_requests.sql"),
    ),
    (
        11,
        "roi",
        include_str!("../../../../migrations/postgres/0011_roi.sql"),
    ),
    (
        12,
        "wall_targets",
        include_str!("../../../../migrations/postgres/0012_wall_targets.sql"),
    ),
    (
        13,
        "roi_rollups",
        include_str!("../../../../migrations/postgres/0013_roi_rollups.sql"),
    ),
    (
        14,
        "stage_stays",
        include_str!("../../../../migrations/postgres/0014_stage_stays.sql"),
    ),
    (
        15,
        "org_settings",
        include_str!("../../../../migrations/postgres/0015_org_settings.sql"),
    ),
    (
        16,
        "reviews",
        include_str!("../../../../migrations/postgres/0016_reviews.sql"),
    ),
    (
        17,
        "leaderboard",
        include_str!("../../../../migrations/postgres/0017_leaderboard.sql"),
    ),
    (
        18,
        "quotes",
        include_str!("../../../../migrations/postgres/0018_quotes.sql"),
    ),
    (
        19,
        "sign_in_pause",
        include_str!("../../../../migrations/postgres/0019_sign_in_pause.sql"),
    ),
    (
        20,
        "calendar_feeds",
        include_str!("../../../../migrations/postgres/0020_calendar_feeds.sql"),
    ),
    (
        21,
        "mailbox",
        include_str!("../../../../migrations/postgres/0021_mailbox.sql"),
    ),
    (
        22,
        "webhooks",
        include_str!("../../../../migrations/postgres/0022_webhooks.sql"),
    ),
    (
        23,
        "pipelines",
        include_str!("../../../../migrations/postgres/0023_pipelines.sql"),
    ),
    (
        24,
        "fields",
        include_str!("../../../../migrations/postgres/0024_fields.sql"),
    ),
    (
        25,
        "forecast",
        include_str!("../../../../migrations/postgres/0025_forecast.sql"),
    ),
    (
        26,
        "quotas",
        include_str!("../../../../migrations/postgres/0026_quotas.sql"),
    ),
];

#[derive(Debug)]
struct Embedded(&'static [Step]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        (*description).into(),
                        MigrationType::Simple,
                        (*sql).into(),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// A migrator over one backend's steps.
pub async fn migrator(steps: &'static [Step]) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(steps)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &str) -> Vec<(i64, String)> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(dir);
        let mut out: Vec<(i64, String)> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| {
                let (num, rest) = n.split_once('_').unwrap();
                (
                    num.parse().unwrap(),
                    rest.trim_end_matches(".sql").to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn listed(steps: &[Step]) -> Vec<(i64, String)> {
        steps.iter().map(|(v, d, _)| (*v, d.to_string())).collect()
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        assert_eq!(listed(SQLITE), files("sqlite"));
        assert_eq!(listed(POSTGRES), files("postgres"));
    }

    #[test]
    fn both_backends_have_the_same_steps() {
        assert_eq!(listed(SQLITE), listed(POSTGRES));
    }
}
