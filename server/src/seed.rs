//! The demo organisation: 3 teams, 13 users, 8 lead sources with campaigns and spend, and
//! about 2,000 leads over the last six months with activities and stage history in the event
//! log.
//!
//! It tells the product's story to an evaluator: a team that mostly follows up, with a few
//! telling problem spots a manager would act on. Luis is slipping (late first touches, leads
//! without a next step, some gone stale); direct mail brings mostly non-buyers and loses money;
//! a handful of first touches are overdue; the rest of the team is on time, and returns per
//! channel are the kind a marketing team would believe (a few times the spend for the good
//! channels, below cost for the weak ones).
//!
//! Deterministic: the same seed and anchor time give the same data, so tests and screenshots
//! are stable. Times are laid out relative to the anchor so the demo always looks current.

use app::domain::calendar::{BusinessCalendar, Hours};
use app::domain::time::{days_from_civil, DAY_MS, HOUR_MS};
use app::domain::zone::Zone;
use app::domain::{
    Channel, CloseReason, Criterion, Currency, LeadId, Money, NextStep, NextStepKind, StageId,
    StageKind, Timestamp,
};
use app::domain::{Policy, UserId};
use app::ssr::auth::password;
use app::ssr::store::{
    accounts, contacts, events, leads, org, pipelines, policies, quotes, Store, Tx,
};
use serde_json::json;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct DemoOptions {
    pub leads: usize,
    pub seed: u64,
    /// "Now" for the demo: leads are spread over the six months before it.
    pub anchor: Timestamp,
}

/// Counts of what was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub users: usize,
    pub leads: usize,
    pub activities: usize,
    pub events: usize,
}

/// A small deterministic PRNG (SplitMix64): enough for demo data, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..hi` (empty range gives `lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64) as usize]
    }

    /// Picks by weight.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.range(0, i64::from(total)) as u32;
        for (item, w) in items {
            if r < *w {
                return item;
            }
            r -= w;
        }
        &items[items.len() - 1].0
    }
}

const FIRST: [&str; 40] = [
    "Ada", "Ben", "Chloe", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara",
    "Luis", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wes", "Xena", "Yusuf", "Zoe", "Aaron", "Bianca", "Carlos", "Dina", "Emil", "Fatima", "Gus",
    "Hana", "Ivan", "Julia", "Kofi", "Lena", "Marco", "Nora",
];
const LAST: [&str; 40] = [
    "Abbott",
    "Baker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zimmer",
    "Alvarez",
    "Brennan",
    "Costa",
    "Dalton",
    "Evans",
    "Ferreira",
    "Gallo",
    "Haas",
    "Iqbal",
    "Jovanovic",
    "Keller",
    "Lopez",
    "Murphy",
    "Novak",
];
const COMPANY_A: [&str; 24] = [
    "Northwind",
    "Bluebird",
    "Granite",
    "Summit",
    "Harbor",
    "Copperline",
    "Redwood",
    "Evergreen",
    "Silverline",
    "Ironbridge",
    "Lakeside",
    "Meridian",
    "Pinecrest",
    "Brightwater",
    "Oakridge",
    "Stonegate",
    "Riverbend",
    "Highland",
    "Clearview",
    "Westfield",
    "Foxglove",
    "Kestrel",
    "Beacon",
    "Trident",
];
const COMPANY_B: [&str; 16] = [
    "Logistics",
    "Foods",
    "Packaging",
    "Labs",
    "Manufacturing",
    "Health",
    "Retail",
    "Systems",
    "Builders",
    "Energy",
    "Analytics",
    "Pharma",
    "Textiles",
    "Motors",
    "Hospitality",
    "Supply",
];
const PRODUCTS: [&str; 5] = [
    "Conveyor line",
    "Palletizer",
    "Case packer",
    "Service contract",
    "Labeling system",
];

/// The demo catalogue: (name, SKU, unit price in dollars).
const CATALOGUE: [(&str, &str, i64); 8] = [
    ("Conveyor line, 10 m modular", "CNV-10", 18_500),
    ("Palletizer, robotic cell", "PAL-R1", 64_000),
    ("Case packer, top load", "CSP-TL", 42_750),
    ("Labeling system, print and apply", "LBL-PA", 12_900),
    ("Installation and commissioning (day)", "SVC-INST", 1_450),
    ("Operator training (day)", "SVC-TRN", 980),
    ("Service contract, 12 months", "SVC-12M", 7_200),
    ("Spare parts kit", "SPK-STD", 2_350),
];

/// (name, email local part, role, team index)
const PEOPLE: [(&str, &str, &str, Option<usize>); 13] = [
    ("Morgan Reyes", "morgan", "manager", Some(0)),
    ("Priya Natarajan", "priya", "manager", Some(1)),
    ("Tom Becker", "tom", "manager", Some(2)),
    ("Dana Whitfield", "dana", "rep", Some(0)),
    ("Luis Ortega", "luis", "rep", Some(0)),
    ("Kim Osei", "kim", "rep", Some(0)),
    ("Sam Carter", "sam", "rep", Some(1)),
    ("Aiko Tanaka", "aiko", "rep", Some(1)),
    ("Jordan Blake", "jordan", "rep", Some(2)),
    ("Nia Adeyemi", "nia", "rep", Some(2)),
    ("Riley Chen", "riley", "marketing", None),
    ("Eleanor Voss", "eleanor", "leadership", None),
    ("Alex Admin", "admin", "admin", None),
];

/// The password of every demo account (printed on first start, given in the README).
pub const DEMO_PASSWORD: &str = "closeloop-demo";

/// Who to sign in as in the demo, for the terminal.
pub fn demo_credentials() -> String {
    let mut out = format!("Demo accounts (password for all: {DEMO_PASSWORD}):\n");
    for (name, local, role, _) in PEOPLE {
        out.push_str(&format!(
            "  {role:<11} {local}@closeloop.example  ({name})\n"
        ));
    }
    out
}

const TEAMS: [&str; 3] = ["Enterprise East", "Mid-Market West", "Inside Sales"];

/// (name, channel, monthly spend in dollars, weight in lead volume)
/// With `DEAL_SIZE` and `BUYERS`, the spend makes returns differ the way a marketing team would
/// expect: direct mail and magazine ads lose money, LinkedIn about doubles it, search ads,
/// trade shows and PR return a few times their cost, the web site (cheap per lead) the most,
/// and referrals cost nothing.
const SOURCES: [(&str, Channel, i64, u32); 8] = [
    ("Google Ads", Channel::Advertising, 63_000, 16),
    ("Trade magazine ads", Channel::Advertising, 54_000, 6),
    ("Trade shows", Channel::TradeShow, 98_000, 12),
    ("Direct mail", Channel::DirectMail, 40_000, 8),
    ("Website", Channel::Web, 45_000, 26),
    ("Press & PR", Channel::Pr, 28_000, 5),
    ("Referrals", Channel::Referral, 0, 14),
    ("LinkedIn", Channel::Social, 34_000, 13),
];

/// The share of each source's inquirers who are buyers (in `SOURCES` order): about the 45 % the
/// seed documents give, but direct mail brings mostly people who were never going to buy.
const BUYERS: [f64; 8] = [0.45, 0.40, 0.50, 0.10, 0.45, 0.50, 0.60, 0.25];

/// Area codes of the demo's (fictional, 555) phone numbers.
const AREAS: [u16; 20] = [
    212, 312, 415, 617, 206, 512, 303, 404, 305, 702, 213, 646, 773, 480, 503, 615, 704, 919, 952,
    858,
];

/// A valid North American number of its own for the `n`th lead (distinct up to 180,000 leads),
/// so the same phone never makes two demo people one.
fn demo_phone(n: usize) -> String {
    let area = AREAS[n % AREAS.len()];
    let line = 1_000 + (n / AREAS.len()) % 9_000;
    format!("+1 {area} 555-{line:04}")
}

/// Deal size per source in percent of the demo's usual (in `SOURCES` order): trade shows and
/// referrals bring big buyers, direct mail and magazine ads small ones, so the ROI page and
/// the wall show channels with clearly different returns.
const DEAL_SIZE: [i64; 8] = [90, 40, 130, 35, 60, 90, 140, 60];

/// One default stage: (key, name, kind, entry criteria, win probability in percent). The key
/// is what the store makes of the name.
pub type DefaultStage = (
    &'static str,
    &'static str,
    StageKind,
    &'static [Criterion],
    Option<u8>,
);

/// The default pipeline of DESIGN.md.
pub const STAGES: [DefaultStage; 7] = [
    ("new", "New", StageKind::Open, &[], Some(10)),
    ("contacted", "Contacted", StageKind::Open, &[], Some(20)),
    (
        "qualified",
        "Qualified",
        StageKind::Open,
        &[Criterion::Value],
        Some(40),
    ),
    (
        "quoted",
        "Quoted",
        StageKind::Open,
        &[Criterion::Value],
        Some(60),
    ),
    (
        "negotiating",
        "Negotiating",
        StageKind::Open,
        &[Criterion::NextStep],
        Some(80),
    ),
    ("won", "Won", StageKind::Won, &[Criterion::Value], None),
    ("lost", "Lost", StageKind::Lost, &[], None),
];

/// Creates the default stages in the first pipeline if there are none (every organisation
/// needs a pipeline).
pub async fn ensure_stages(store: &Store) -> Result<Vec<StageId>, sqlx::Error> {
    let mut tx = store.begin().await?;
    let existing = pipelines::read(&mut tx).await?;
    if !existing.stages().is_empty() {
        return Ok(existing.stages().iter().map(|s| s.id).collect());
    }
    let first = existing
        .default_pipeline()
        .map_or(app::domain::PipelineId(1), |p| p.id);
    let mut ids = Vec::new();
    for (_, name, kind, criteria, probability) in STAGES {
        let row = pipelines::StageRow {
            name,
            kind,
            entry_criteria: criteria,
            probability,
            stale_days: None,
        };
        ids.push(pipelines::insert_stage(&mut tx, first, &row).await?);
    }
    tx.commit().await?;
    store.forget_pipeline();
    Ok(ids)
}

/// Saves the built-in organisation policy (office hours in UTC) when none is saved yet, so
/// every installation starts with explicit, versioned rules that managers can then change.
pub async fn ensure_policy(store: &Store) -> Result<(), sqlx::Error> {
    let mut tx = store.begin().await?;
    let saved = policies::latest(&mut tx).await?;
    if saved.iter().any(|(team, _)| team.is_none()) {
        return Ok(());
    }
    let policy = Policy::default_for(BusinessCalendar::office_hours_utc());
    policies::insert(&mut tx, None, &policy, None, app::ssr::service::now()).await?;
    tx.commit().await?;
    store.forget_pipeline();
    Ok(())
}

/// The demo's rules: New York office hours for the organisation (US holidays closed), Pacific
/// time for the West team.
fn demo_policies(now: Timestamp) -> (Policy, Policy) {
    let day = Some(Hours {
        open: 9 * 60,
        close: 17 * 60,
    });
    let (year, _, _) = app::domain::time::civil_from_days(now.0.div_euclid(DAY_MS));
    let mut holidays = Vec::new();
    for y in [year - 1, year, year + 1] {
        holidays.extend([
            days_from_civil(y, 1, 1),
            days_from_civil(y, 7, 4),
            thanksgiving(y),
            days_from_civil(y, 12, 25),
        ]);
    }
    holidays.sort_unstable();
    let east = BusinessCalendar {
        zone_name: "America/New_York".into(),
        zone: Zone::parse("EST5EDT,M3.2.0,M11.1.0").expect("a valid rule"),
        week: [day, day, day, day, day, None, None],
        holidays,
    };
    let mut west_calendar = east.clone();
    west_calendar.zone_name = "America/Los_Angeles".into();
    west_calendar.zone = Zone::parse("PST8PDT,M3.2.0,M11.1.0").expect("a valid rule");
    let org = Policy::default_for(east);
    let mut west = Policy::default_for(west_calendar);
    west.name = "Mid-Market West".into();
    west.first_touch_minutes = Some(2 * 60);
    (org, west)
}

/// The fourth Thursday of November.
fn thanksgiving(year: i64) -> i64 {
    let first = days_from_civil(year, 11, 1);
    // 1970-01-01 was a Thursday.
    let to_thursday = (-first).rem_euclid(7);
    first + to_thursday + 21
}

/// Follow-up discipline of the demo reps, in the order they are created (see `load_demo`):
/// Dana, Luis, Kim, Sam, Aiko, Jordan, Nia. Everyone follows up but Luis, who is slipping
/// (the story of Morgan's next one-on-one).
const DISCIPLINE: [f64; 7] = [0.98, 0.70, 0.93, 0.90, 0.95, 0.92, 0.94];
/// Leads of the demo per stalled lead of the slipping rep it leaves stale: 4 in the usual
/// 2,000, none in a demo under 1,000 (the tests' small ones, whose data stays as it was).
const LEADS_PER_STALE: usize = 500;

/// Loads the demo organisation into an empty database. Returns `None` (and changes nothing)
/// when leads already exist.
pub async fn load_demo(
    store: &Store,
    opts: DemoOptions,
) -> Result<Option<DemoSummary>, sqlx::Error> {
    let stage_ids = ensure_stages(store).await?;
    let mut tx = store.begin().await?;
    if leads::count(&mut tx).await? > 0 {
        return Ok(None);
    }
    let mut rng = Rng::new(opts.seed);
    let now = opts.anchor;
    let start = now.plus_days(-182);
    let mut summary = DemoSummary::default();
    let org = organisation(&mut tx, now, start, &mut summary).await?;
    let sources = sources(&mut tx, &mut rng, now, start).await?;
    demo_rules(&mut tx, &org.team_ids, &sources, start).await?;

    // Phase 3: leads, simulated through the pipeline.
    // The last few leads are likely duplicates of earlier ones (see `demo_duplicates`).
    let duplicates = (opts.leads / 20).min(3);
    // The last leads are fresh inquiries of the last three hours, two per rep, nobody has called
    // yet: every rep's My day and board start with new business whatever the demo's size.
    let fresh_from = (opts.leads - duplicates).saturating_sub(2 * org.reps.len());
    let plan = LeadPlan {
        now,
        start,
        org: &org,
        sources: &sources,
        source_weights: sources.iter().enumerate().map(|(i, s)| (i, s.2)).collect(),
        stage_ids: &stage_ids,
        fresh_from,
        // Just before them, a handful of first touches overdue by days (two of Luis's, one of
        // Nia's): five days back always holds a working day, whatever the day the demo starts.
        overdue_from: fresh_from.saturating_sub(3),
        // Stalled leads of the slipping rep left without a next step (see `draw_lead`).
        stale_wanted: if opts.leads >= 1_000 {
            opts.leads / LEADS_PER_STALE
        } else {
            0
        },
    };
    let mut stale_made = 0usize;
    for n in 0..opts.leads - duplicates {
        let drawn = draw_lead(&plan, &mut rng, n, &mut stale_made);
        write_lead(&mut tx, &drawn, &stage_ids, &mut summary).await?;
        // Keep transactions short on very large demos.
        if n % 5_000 == 4_999 {
            tx.commit().await?;
            tx = store.begin().await?;
        }
    }
    tx.commit().await?;
    store.forget_pipeline();
    ensure_contacts(store).await?;
    summary.leads += demo_duplicates(store, now, duplicates).await?;
    Ok(Some(summary))
}

/// The demo's teams, people and rules, made before any lead.
struct Org {
    team_ids: Vec<i64>,
    /// Each rep: (user id, name, team).
    reps: Vec<(i64, String, Option<i64>)>,
    /// The organisation's policy (New York hours) and the West team's (Pacific).
    org_policy: Policy,
    west_policy: Policy,
}

/// Phase 1: the commission rate, the catalogue and the seller on quotes, teams, the follow-up
/// policies, and every demo account.
async fn organisation(
    tx: &mut Tx,
    now: Timestamp,
    start: Timestamp,
    summary: &mut DemoSummary,
) -> Result<Org, sqlx::Error> {
    // Teams and people.
    // Reps see an estimated commission of 5 % on My day.
    app::ssr::store::today::set_commission_bp(tx, Some(500), None, now).await?;
    // The catalogue quotes draw on, and the seller printed on them.
    for (name, sku, dollars) in CATALOGUE {
        let unit = app::domain::Money::new(dollars * 100, app::domain::Currency::USD);
        let key = app::domain::quote::sku_key(sku);
        quotes::insert_product(tx, (name, sku, &key, unit, true), start).await?;
    }
    quotes::set_company(
        tx,
        &app::domain::quote::Company {
            name: "Closeloop Packaging Systems".into(),
            address: "1200 Harbor Way, Suite 300\nOakland, CA 94607".into(),
            email: "sales@closeloop.example".into(),
            phone: "+1 510 555 0134".into(),
            tax_id: "US 94-1234567".into(),
        },
        None,
        start,
    )
    .await?;
    let mut team_ids = Vec::new();
    for name in TEAMS {
        team_ids.push(org::insert_team(tx, name, start).await?);
    }
    let (org_policy, west_policy) = demo_policies(now);
    policies::insert(tx, None, &org_policy, None, start).await?;
    policies::insert(
        tx,
        Some(app::domain::TeamId(team_ids[1])),
        &west_policy,
        None,
        start,
    )
    .await?;
    let mut reps: Vec<(i64, String, Option<i64>)> = Vec::new();
    let mut managers: Vec<(i64, i64)> = Vec::new();
    // One hash for every demo account: the demo password is public anyway, and this keeps
    // demo loading fast (argon2id costs tens of milliseconds per hash by design).
    let demo_hash = tokio::task::spawn_blocking(|| password::hash_blocking(DEMO_PASSWORD))
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("hashing the demo password: {e}")))?;
    for (name, local, role, team) in PEOPLE {
        let team_id = team.map(|t| team_ids[t]);
        let id = org::insert_user(
            &mut *tx,
            &format!("{local}@closeloop.example"),
            name,
            role,
            team_id,
            start,
        )
        .await?;
        summary.users += 1;
        accounts::set_password(tx, UserId(id), &demo_hash).await?;
        if role == "manager" {
            if let Some(t) = team_id {
                org::set_team_manager(tx, t, id).await?;
                managers.push((t, id));
            }
        }
        if role == "rep" {
            reps.push((id, name.to_string(), team_id));
        }
    }
    demo_quotas(tx, &reps, &managers, &org_policy, now).await?;
    Ok(Org {
        team_ids,
        reps,
        org_policy,
        west_policy,
    })
}

/// Every rep's quotas, set by their manager from this month (this quarter): $250,000 won a
/// month and 40 wins a quarter; Luis, who is slipping, also a follow-up score of 85.
async fn demo_quotas(
    tx: &mut Tx,
    reps: &[(i64, String, Option<i64>)],
    managers: &[(i64, i64)],
    policy: &Policy,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    use app::domain::quota::{month_at, quarter_of, Cadence, Measure, QuotaChange};
    let month = month_at(now, &policy.calendar.zone);
    for (id, name, team) in reps {
        let by = managers
            .iter()
            .find(|(t, _)| Some(*t) == *team)
            .map(|(_, m)| *m);
        let mut set = vec![
            (Measure::WonValue, Cadence::Month, month, 25_000_000),
            (Measure::Wins, Cadence::Quarter, quarter_of(month), 40),
        ];
        if name.starts_with("Luis") {
            set.push((Measure::Score, Cadence::Month, month, 85));
        }
        for (measure, cadence, starts, target) in set {
            let change = QuotaChange {
                user_id: *id,
                measure,
                cadence,
                starts,
                target,
                currency: app::domain::Currency::USD,
            };
            app::ssr::store::quotas::set(&mut *tx, &change, by, now).await?;
        }
    }
    Ok(())
}

/// A lead source: (id, its campaigns, its weight in lead volume).
type Source = (i64, Vec<i64>, u32);

/// Phase 2: the lead sources, one or two campaigns each, and their monthly spend.
async fn sources(
    tx: &mut Tx,
    rng: &mut Rng,
    now: Timestamp,
    start: Timestamp,
) -> Result<Vec<Source>, sqlx::Error> {
    // Sources, one or two campaigns each, monthly spend.
    let mut sources: Vec<Source> = Vec::new();
    for (name, channel, monthly, weight) in SOURCES {
        let source_id = org::insert_source(tx, name, channel, start).await?;
        let mut campaigns = Vec::new();
        for (half, label) in [(0, "Summer"), (1, "Autumn")] {
            if monthly == 0 && half == 1 {
                break;
            }
            let c_start = start.plus_days(half * 91);
            let c_end = (half == 0).then(|| c_start.plus_days(91));
            let cname = if monthly == 0 {
                format!("{name} programme")
            } else {
                format!(
                    "{name} – {label} {}",
                    c_start.date_string(0).get(..4).unwrap_or("")
                )
            };
            // Billed at the start of each month it runs: three months for the first, four
            // (up to now) for the running one, so any period has its spend. Budgeted 10 % above
            // that, so neither runs over (the jitter is at most 15 % a month).
            let months = if c_end.is_some() { 3 } else { 4 };
            let budget = (monthly > 0).then(|| Money::new(monthly * months * 110, Currency::USD));
            let cid = org::insert_campaign(tx, source_id, &cname, c_start, c_end, budget).await?;
            if monthly > 0 {
                for m in 0..months {
                    let at = c_start.plus_days(m * 30);
                    if at > now {
                        break;
                    }
                    let jitter = rng.range(-15, 16);
                    // Spend grows with the business (60 % of the monthly figure six months
                    // ago, 140 % now), as inquiries do, so a month's return looks like the
                    // half year's.
                    let ramp = 60 + 16 * (half * 3 + m);
                    let dollars = monthly * ramp / 100 * (100 + jitter) / 100;
                    org::insert_spend(
                        tx,
                        cid,
                        at,
                        Money::new(dollars * 100, Currency::USD),
                        Some("Monthly spend"),
                    )
                    .await?;
                }
            }
            campaigns.push(cid);
        }
        sources.push((source_id, campaigns, weight));
    }
    Ok(sources)
}

/// What every simulated lead is drawn against (phase 3).
struct LeadPlan<'a> {
    now: Timestamp,
    start: Timestamp,
    org: &'a Org,
    sources: &'a [Source],
    source_weights: Vec<(usize, u32)>,
    stage_ids: &'a [StageId],
    /// Leads from here on are fresh inquiries of the last hours (two per rep).
    fresh_from: usize,
    /// Leads from here to `fresh_from` have first touches overdue by days.
    overdue_from: usize,
    /// How many stalled leads of the slipping rep go stale.
    stale_wanted: usize,
}

/// One simulated lead: the row, and the touches and stage changes its history records.
struct DrawnLead {
    lead: leads::NewLead,
    /// The acting owner of its history.
    actor: Option<i64>,
    touches: Vec<(Timestamp, &'static str, &'static str)>,
    /// Stage changes: (from, to, when), as indexes into `STAGES`.
    history: Vec<(usize, usize, Timestamp)>,
    close_reason: Option<CloseReason>,
    /// Its expected close date and whether its rep commits to it.
    forecast: Option<(String, bool)>,
}

/// Draws the `n`th lead: when and where it came from, who owns it, and its walk through the
/// stages up to now. Pure: only `rng` and `stale_made` change.
fn draw_lead(plan: &LeadPlan, rng: &mut Rng, n: usize, stale_made: &mut usize) -> DrawnLead {
    let LeadPlan {
        now,
        start,
        org,
        sources,
        stage_ids,
        fresh_from,
        overdue_from,
        stale_wanted,
        ..
    } = *plan;
    let source_weights = &plan.source_weights;
    let (reps, team_ids) = (&org.reps, &org.team_ids);
    let (org_policy, west_policy) = (&org.org_policy, &org.west_policy);
    let overdue_owner = [1, 1, 6];
    // Skew creation towards recent months: sqrt of a uniform leans towards 1.
    let age_frac = 1.0 - rng.unit().sqrt();
    let created =
        Timestamp(now.0 - (age_frac * 180.0 * DAY_MS as f64) as i64 - rng.range(0, 8) * HOUR_MS);
    let src = &sources[*rng.weighted(source_weights)];
    let campaign = if src.1.is_empty() {
        None
    } else {
        // The campaign running when the lead came in.
        let idx = if created.0 >= start.plus_days(91).0 {
            src.1.len() - 1
        } else {
            0
        };
        Some(src.1[idx])
    };
    let fresh = (n >= fresh_from).then(|| n - fresh_from);
    let overdue = (overdue_from..fresh_from)
        .contains(&n)
        .then(|| n - overdue_from);
    let created = match (fresh, overdue) {
        (Some(k), _) => Timestamp(now.0 - (15 + 12 * k as i64) * 60_000),
        (_, Some(k)) => Timestamp(now.0 - 5 * DAY_MS - (k as i64) * 7 * HOUR_MS),
        _ => created,
    };
    let first = *rng.pick(&FIRST);
    let last = *rng.pick(&LAST);
    let company = format!("{} {}", rng.pick(&COMPANY_A), rng.pick(&COMPANY_B));
    let domain = company.to_lowercase().replace(' ', "");
    let has_company = rng.chance(0.9);
    let email = rng.chance(0.92).then(|| {
        format!(
            "{}.{}@{}.example",
            first.to_lowercase(),
            last.to_lowercase(),
            if has_company { domain.as_str() } else { "mail" }
        )
    });
    let phone = rng.chance(0.6).then(|| {
        // Drawn as before, so the rest of the data does not shift; the number is the lead's.
        rng.range(100, 9999);
        demo_phone(n)
    });
    // A few leads wait in a team's queue for its manager to hand out.
    let owner = if rng.chance(0.015) {
        None
    } else {
        Some(rng.pick(reps).clone())
    };
    let owner = match (fresh, overdue) {
        (Some(k), _) => Some(reps[k % reps.len()].clone()),
        (_, Some(k)) => Some(reps[overdue_owner[k] % reps.len()].clone()),
        _ => owner,
    };
    // How closely the owner follows up (1 = always on time): reps differ, so the
    // compliance page has a spread to show. Only the odds change, never the number of
    // draws, so the rest of the data stays as it was.
    let discipline = owner
        .as_ref()
        .and_then(|o| reps.iter().position(|r| r.0 == o.0))
        .map_or(0.8, |i| DISCIPLINE[i % DISCIPLINE.len()]);
    // Unassigned leads wait in a team's queue for its manager to hand out.
    let unowned_team = Some(team_ids[n % team_ids.len()]);
    let value_cents = {
        // Roughly log-uniform between $2k and $150k, scaled by the source's deal size,
        // rounded to $100.
        let dollars = (2_000.0 * (75.0f64).powf(rng.unit())) as i64;
        let size = sources
            .iter()
            .position(|s| s.0 == src.0)
            .map_or(100, |i| DEAL_SIZE[i % DEAL_SIZE.len()]);
        (dollars * size / 100 / 100).max(1) * 100 * 100
    };
    let mut has_value = rng.chance(0.35);

    // Walk the stages. Index into STAGES; 5 = won, 6 = lost.
    let mut stage = 0usize;
    let mut stalled = false;
    let mut t = created;
    let mut history: Vec<(usize, usize, Timestamp)> = Vec::new();
    let mut touches: Vec<(Timestamp, &str, &str)> = Vec::new();
    let mut close_reason = None;
    let source_index = sources.iter().position(|s| s.0 == src.0).unwrap_or(0);
    let is_buyer = rng.chance(BUYERS[source_index % BUYERS.len()]);
    // Business minutes to the first touch (counted in the owner's team's hours, as the
    // SLA is): within the hour or two for most, later the less disciplined the rep; now
    // and then a miss by a working day or two.
    let mut first_touch_delay =
        (rng.range(10, 150) as f64 * (1.0 + (1.0 - discipline) * 4.0)) as i64 * 60_000;
    if rng.chance((1.0 - discipline) * 0.5) {
        first_touch_delay += rng.range(1, 3) * 8 * HOUR_MS;
    }
    let calendar = if owner.as_ref().map_or(unowned_team, |o| o.2) == Some(team_ids[1]) {
        &west_policy.calendar
    } else {
        &org_policy.calendar
    };
    let age = now.0 - created.0;
    let waiting = if age < 6 * HOUR_MS {
        // Inquiries of the last hours nobody has called yet: the New column, SLA running.
        0.7
    } else if age < 14 * DAY_MS {
        // A handful overdue, most of them the slipping rep's.
        (1.0 - discipline) * 0.2
    } else {
        0.0
    };
    if rng.chance(waiting) || fresh.is_some() || overdue.is_some() {
        first_touch_delay = 365 * DAY_MS;
    }
    loop {
        let gap = if stage == 0 {
            first_touch_delay
        } else {
            rng.range(1, 10) * DAY_MS + rng.range(0, 24) * HOUR_MS
        };
        let next_t = if stage == 0 && gap < 365 * DAY_MS {
            calendar.add_business_ms(t, gap).unwrap_or(t.plus_ms(gap))
        } else {
            t.plus_ms(gap)
        };
        if next_t >= now || stage >= 5 {
            break;
        }
        // Some open leads simply stall (they become stale), mostly the slipping rep's.
        if stage > 0 && rng.chance(0.01 + (1.0 - discipline) * 0.15) {
            stalled = true;
            break;
        }
        let kind = *rng.pick(&["call", "email", "call", "meeting"]);
        let outcome = if is_buyer || stage == 0 {
            *rng.pick(&["connected", "left voicemail", "interested", "sent info"])
        } else {
            *rng.pick(&["no answer", "not interested", "left voicemail"])
        };
        touches.push((next_t, kind, outcome));
        let to = if !is_buyer && stage >= 1 {
            close_reason = Some(*rng.weighted(&[
                (CloseReason::NotABuyer, 40),
                (CloseReason::NoResponse, 25),
                (CloseReason::NoBudget, 12),
                (CloseReason::Duplicate, 6),
                (CloseReason::SpamBadData, 7),
                (CloseReason::BoughtElsewhere, 10),
            ]));
            6
        } else if is_buyer && stage == 4 {
            if rng.chance(0.65) {
                5
            } else {
                close_reason = Some(CloseReason::BoughtElsewhere);
                6
            }
        } else if is_buyer && stage >= 2 && rng.chance(0.12) {
            close_reason = Some(*rng.pick(&[CloseReason::NoBudget, CloseReason::BoughtElsewhere]));
            6
        } else {
            stage + 1
        };
        if matches!(to, 2..=5) {
            has_value = true;
        }
        history.push((stage, to, next_t));
        stage = to;
        t = next_t;
    }
    let kind = STAGES[stage].2;
    let closed_at = kind.is_closed().then_some(t);
    let next_step = if kind.is_closed() {
        None
    } else if stage == 4 || rng.chance(0.5 + discipline / 2.0) {
        // About a fifth later today (a rep's day of calls), the rest in the coming days; a
        // few overdue by a day or two.
        let due = if rng.chance((1.0 - discipline) * 0.6) {
            now.plus_ms(-rng.range(1, 2 * 24) * HOUR_MS)
        } else if rng.chance(0.18) {
            now.plus_ms(rng.range(1, 6) * HOUR_MS)
        } else {
            now.plus_ms(rng.range(6, 10 * 24) * HOUR_MS)
        };
        Some(NextStep {
            kind: *rng.pick(&NextStepKind::ALL),
            due_at: Timestamp(due.0 - due.0 % (15 * 60_000)),
            note: None,
        })
    } else {
        None
    };
    // A fresh inquiry's next step is its first call, due when the SLA runs out.
    let next_step = match fresh.or(overdue) {
        Some(_) => Some(NextStep {
            kind: NextStepKind::Call,
            due_at: Timestamp(created.0 + 4 * HOUR_MS - created.0 % (15 * 60_000)),
            note: None,
        }),
        None => next_step,
    };
    // The slipping rep has let a few stalled leads go stale (no next step, idle beyond the
    // policy's 14 days): the story of Morgan's next review, whatever day the demo is
    // loaded on. Decided after the draws, so the rest of the data stays as it was.
    let next_step = if stalled
        && discipline < 0.8
        && *stale_made < stale_wanted
        && !kind.is_closed()
        && now.0 - t.0 > 16 * DAY_MS
    {
        *stale_made += 1;
        None
    } else {
        next_step
    };
    let value = has_value.then(|| Money::new(value_cents, Currency::USD));
    let last_touch = touches.last().map(|x| x.0);
    let lead = leads::NewLead {
        fields: Default::default(),
        contact_name: format!("{first} {last}"),
        email,
        phone,
        company: has_company.then_some(company),
        source_id: src.0,
        campaign_id: campaign,
        product_interest: Some(rng.pick(&PRODUCTS).to_string()),
        value,
        owner_id: owner.as_ref().map(|o| o.0),
        team_id: owner.as_ref().map_or(unowned_team, |o| o.2),
        stage_id: stage_ids[stage],
        next_step,
        created_at: created,
        assigned_at: owner.as_ref().map(|_| created.plus_ms(5 * 60_000)),
        first_touched_at: touches.first().map(|x| x.0),
        last_touched_at: last_touch,
        stage_entered_at: t,
        closed_at,
        close_reason,
        close_note: None,
        version: 1 + history.len() as i64,
        updated_at: last_touch.unwrap_or(created),
        contact_id: None,
        company_id: None,
        // A lost lead got as far as the last stage it was in before (positions of
        // `ensure_stages`).
        reached_position: history
            .iter()
            .flat_map(|(from, to, _)| [*from, *to])
            .chain([stage])
            .filter(|s| STAGES[*s].2 != StageKind::Lost)
            .max()
            .map(|s| (s as i64 + 1) * 10),
    };
    // The forecast: open leads from Qualified on have an expected close date (a quarter of
    // the qualified ones not yet; a few past due), some of the furthest are committed.
    // Worked out from the lead's number, not drawn, so the rest of the data stays as it was.
    let forecast =
        (!kind.is_closed() && stage >= 2 && !(stage == 2 && n.is_multiple_of(4))).then(|| {
            let h = (n as i64).wrapping_mul(2_654_435_761).rem_euclid(1_000);
            let days = if h % 17 == 0 {
                -(3 + h % 18)
            } else if stage == 2 {
                20 + h % 90
            } else {
                5 + h % 70
            };
            let day = (now.0 + days * DAY_MS).div_euclid(DAY_MS);
            let committed =
                (stage == 4 && n.is_multiple_of(2)) || (stage == 3 && n.is_multiple_of(5));
            (app::domain::time::date_text(day), committed && days > 0)
        });
    DrawnLead {
        lead,
        actor: owner.as_ref().map(|o| o.0),
        touches,
        history,
        close_reason,
        forecast,
    }
}

/// Writes a drawn lead: the row, its creation, each touch and each stage change as events.
async fn write_lead(
    tx: &mut Tx,
    drawn: &DrawnLead,
    stage_ids: &[StageId],
    summary: &mut DemoSummary,
) -> Result<(), sqlx::Error> {
    let DrawnLead {
        lead,
        actor,
        touches,
        history,
        close_reason,
        forecast,
    } = drawn;
    let (actor, close_reason) = (*actor, *close_reason);
    let lead_id: LeadId = leads::insert_lead(&mut *tx, lead).await?;
    if let Some((day, committed)) = forecast {
        leads::set_forecast(&mut *tx, lead_id, Some(day), *committed).await?;
    }
    summary.leads += 1;
    events::append(
        &mut *tx,
        &events::NewEvent {
            at: lead.created_at,
            actor_id: None,
            kind: "lead.created",
            lead_id: Some(lead_id),
            payload: json!({"before": null, "after": {"stage_id": stage_ids[0], "source_id": lead.source_id, "owner_id": actor}}),
        },
    )
    .await?;
    summary.events += 1;
    for (at, kind, outcome) in touches {
        org::insert_activity(&mut *tx, lead_id, actor, kind, Some(outcome), None, *at).await?;
        summary.activities += 1;
        events::append(
            &mut *tx,
            &events::NewEvent {
                at: *at,
                actor_id: actor,
                kind: "lead.logged",
                lead_id: Some(lead_id),
                payload: json!({"before": null, "after": {"kind": kind, "outcome": outcome}}),
            },
        )
        .await?;
        summary.events += 1;
    }
    for (i, (from, to, at)) in history.iter().enumerate() {
        let reason = (*to == 6).then_some(close_reason).flatten();
        events::append(
            &mut *tx,
            &events::NewEvent {
                at: *at,
                actor_id: actor,
                kind: "lead.moved",
                lead_id: Some(lead_id),
                payload: json!({
                    "before": {"stage_id": stage_ids[*from], "version": 1 + i as i64},
                    "after": {"stage_id": stage_ids[*to], "version": 2 + i as i64, "close_reason": reason},
                }),
            },
        )
        .await?;
        summary.events += 1;
    }
    Ok(())
}

/// A few likely duplicates for the merge screen: a second inquiry from an open lead's person
/// under a misspelt name and another address, at the same company, a day ago.
async fn demo_duplicates(
    store: &Store,
    now: Timestamp,
    count: usize,
) -> Result<usize, sqlx::Error> {
    use app::domain::contact::{Identity, MatchReason};
    let mut tx = store.begin().await?;
    let picks = leads::open_with_company(&mut tx, count as i64, 7).await?;
    let ids: Vec<i64> = picks.iter().map(|p| p.0).collect();
    let originals = leads::by_ids(&mut tx, &ids).await?;
    let first_stage = STAGES[0].0;
    let stage = app::ssr::store::org::stage_id(&mut tx, first_stage)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let at = now.plus_ms(-26 * HOUR_MS);
    for (lead, _, company_id) in &picks {
        let Some(o) = originals.iter().find(|l| l.id.0 == *lead) else {
            continue;
        };
        // "Dana Whitfield" → "Dana Whitfeld": one letter dropped from the last name.
        let mut words: Vec<String> = o.contact_name.split(' ').map(str::to_string).collect();
        if let Some(last) = words.last_mut() {
            if last.chars().count() > 4 {
                let mut chars: Vec<char> = last.chars().collect();
                chars.remove(chars.len() - 2);
                *last = chars.into_iter().collect();
            }
        }
        let name = words.join(" ");
        let email = format!("{}.{}@mail.example", words[0].to_lowercase(), o.id);
        let company = o.company.clone().map(|c| format!("{c} Inc."));
        let who = Identity::of(&name, Some(&email), None, company.as_deref());
        let contact = contacts::insert_contact(
            &mut tx,
            &contacts::NewContact {
                company_id: *company_id,
                name: &name,
                email: Some(&email),
                phone: None,
                identity: &who,
                at,
            },
        )
        .await?;
        let new_id = leads::insert_lead(
            &mut tx,
            &leads::NewLead {
                fields: Default::default(),
                contact_name: name.clone(),
                email: Some(email.clone()),
                phone: None,
                company,
                source_id: o.source_id,
                campaign_id: None,
                product_interest: o.product_interest.clone(),
                value: None,
                owner_id: o.owner.as_ref().map(|u| u.id),
                team_id: o.team_id.map(|t| t.0),
                stage_id: app::domain::StageId(stage),
                next_step: Some(NextStep {
                    kind: NextStepKind::Call,
                    due_at: now.plus_ms(2 * HOUR_MS),
                    note: None,
                }),
                created_at: at,
                assigned_at: Some(at),
                first_touched_at: None,
                last_touched_at: None,
                stage_entered_at: at,
                closed_at: None,
                close_reason: None,
                close_note: None,
                version: 1,
                updated_at: at,
                contact_id: Some(contact),
                company_id: *company_id,
                reached_position: None,
            },
        )
        .await?;
        events::append(
            &mut tx,
            &events::NewEvent {
                at,
                actor_id: None,
                kind: "lead.created",
                lead_id: Some(new_id),
                payload: json!({"before": null, "after": {"stage_id": stage, "source_id": o.source_id}}),
            },
        )
        .await?;
        let similarity =
            (app::domain::contact::name_similarity(&name, &o.contact_name) * 100.0).round() as u8;
        let reasons = serde_json::to_string(&[MatchReason::SimilarNameSameCompany { similarity }])
            .unwrap_or_default();
        contacts::insert_candidates(&mut tx, new_id, &[(o.id, similarity.min(90), reasons)], at)
            .await?;
    }
    tx.commit().await?;
    Ok(picks.len())
}

/// The demo's assignment rules: trade-show leads and big deals to Enterprise East (least
/// loaded), the US West to Mid-Market West, everything else to Inside Sales (round robin).
async fn demo_rules(
    tx: &mut app::ssr::store::Tx,
    teams: &[i64],
    sources: &[(i64, Vec<i64>, u32)],
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    use app::domain::routing::{Conditions, Strategy};
    use app::ssr::store::routing::{insert_rule, RuleFields};
    let trade_shows = SOURCES
        .iter()
        .position(|s| s.1 == Channel::TradeShow)
        .map(|i| sources[i].0);
    let rules = [
        (
            "Trade shows to Enterprise East",
            Conditions {
                source_ids: trade_shows.into_iter().collect(),
                ..Default::default()
            },
            teams[0],
            Strategy::LeastLoaded,
        ),
        (
            "Deals of $50,000 or more to Enterprise East",
            Conditions {
                min_value_cents: Some(5_000_000),
                ..Default::default()
            },
            teams[0],
            Strategy::LeastLoaded,
        ),
        (
            "US West to Mid-Market West",
            Conditions {
                countries: vec!["US".into()],
                regions: [
                    "CA",
                    "OR",
                    "WA",
                    "NV",
                    "AZ",
                    "UT",
                    "CO",
                    "California",
                    "Oregon",
                    "Washington",
                ]
                .map(String::from)
                .to_vec(),
                ..Default::default()
            },
            teams[1],
            Strategy::RoundRobin,
        ),
        (
            "Everything else to Inside Sales",
            Conditions::default(),
            teams[2],
            Strategy::RoundRobin,
        ),
    ];
    for (name, conditions, team, strategy) in &rules {
        insert_rule(
            tx,
            &RuleFields {
                name,
                active: true,
                conditions,
                team_id: app::domain::TeamId(*team),
                strategy: *strategy,
            },
            at,
        )
        .await?;
    }
    Ok(())
}

/// Links every lead that has no contact yet to one (and to its company): leads from before
/// contacts existed, and the demo's. Intake links its own leads as they arrive.
pub async fn ensure_contacts(store: &Store) -> Result<contacts::Backfilled, sqlx::Error> {
    let mut tx = store.begin().await?;
    let done = contacts::backfill(&mut tx).await?;
    tx.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rng_is_deterministic_per_seed() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a[0], Rng::new(8).next_u64());
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            let v = r.range(3, 9);
            assert!((3..9).contains(&v));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(r.range(5, 5), 5);
    }
}
