//! Distribution: which rep a new inquiry goes to. Ordered assignment rules, kept as data,
//! match on source, product interest, territory (country, region, postcode prefix) and value
//! band; the first that matches picks a rep of its team, round robin or least loaded, skipping
//! reps who are inactive, away, or at their capacity of open leads.
//!
//! [`route`] is pure: the service feeds it the rules, the lead and the people, and stores its
//! decision; the rule tester shows the same decision with its trace.

use super::access::{TeamId, UserId};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

crate::keyed! {
    /// How a rule picks among its team's reps.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum Strategy {
        /// Each in turn, after whoever this rule gave the last lead.
        RoundRobin => "round_robin", "Round robin";
        /// Whoever has the fewest open leads (ties: longest since their last new lead).
        LeastLoaded => "least_loaded", "Least loaded";
    }
}

/// What a lead must be for a rule to take it. Empty lists and missing bounds match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Conditions {
    pub source_ids: Vec<i64>,
    /// Matched case-insensitively against the lead's product interest, as a part of it.
    pub products: Vec<String>,
    /// ISO 3166 alpha-2 codes, upper case.
    pub countries: Vec<String>,
    /// Region or state names or codes, matched case-insensitively.
    pub regions: Vec<String>,
    /// Postcode starts, matched ignoring case and spaces ("SW1", "941").
    pub postcode_prefixes: Vec<String>,
    /// Value band in minor units: at least `min`, below `max`.
    pub min_value_cents: Option<i64>,
    pub max_value_cents: Option<i64>,
}

impl Conditions {
    /// The conditions in words, for the rules list: "Source: Trade shows · Country: US".
    pub fn summary(&self, source_name: impl Fn(i64) -> String) -> String {
        let mut parts = Vec::new();
        if !self.source_ids.is_empty() {
            let names: Vec<String> = self.source_ids.iter().map(|s| source_name(*s)).collect();
            parts.push(format!("Source: {}", names.join(", ")));
        }
        if !self.products.is_empty() {
            parts.push(format!("Product: {}", self.products.join(", ")));
        }
        if !self.countries.is_empty() {
            parts.push(format!("Country: {}", self.countries.join(", ")));
        }
        if !self.regions.is_empty() {
            parts.push(format!("Region: {}", self.regions.join(", ")));
        }
        if !self.postcode_prefixes.is_empty() {
            parts.push(format!("Postcode: {}…", self.postcode_prefixes.join("…, ")));
        }
        let money = |c: i64| super::money::Money::new(c, super::money::Currency::USD).display();
        match (self.min_value_cents, self.max_value_cents) {
            (Some(a), Some(b)) => parts.push(format!("Value {} to under {}", money(a), money(b))),
            (Some(a), None) => parts.push(format!("Value {} or more", money(a))),
            (None, Some(b)) => parts.push(format!("Value under {}", money(b))),
            (None, None) => {}
        }
        if parts.is_empty() {
            "Every lead".into()
        } else {
            parts.join(" · ")
        }
    }
}

/// One assignment rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub conditions: Conditions,
    pub team_id: TeamId,
    pub strategy: Strategy,
    /// The rep this rule gave its last lead to (round robin continues after them).
    pub last_user_id: Option<UserId>,
}

/// The facts about a new lead that rules look at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Inquiry {
    pub source_id: i64,
    pub product_interest: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub value_cents: Option<i64>,
}

/// A rep (or manager) a rule could give the lead to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub team_id: Option<TeamId>,
    pub active: bool,
    /// Away (holiday, sick) until this instant.
    pub away_until: Option<Timestamp>,
    pub open_leads: i64,
    /// Most open leads they take; none = no cap.
    pub capacity: Option<i64>,
    pub last_assigned_at: Option<Timestamp>,
}

impl Person {
    /// Why they cannot take a lead now, if they cannot.
    pub fn unavailable(&self, now: Timestamp) -> Option<String> {
        if !self.active {
            return Some("deactivated".into());
        }
        if let Some(until) = self.away_until.filter(|u| *u > now) {
            return Some(format!("away until {}", until.short_date(0)));
        }
        match self.capacity {
            Some(cap) if self.open_leads >= cap => Some(format!(
                "at capacity ({} of {cap} open leads)",
                self.open_leads
            )),
            _ => None,
        }
    }
}

/// Where a lead goes, and why, step by step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Decision {
    /// The rule that took the lead and the rep it chose; none when no rule matched or every
    /// rep of the matching rule was unavailable (the lead then waits, unassigned).
    pub assigned: Option<Assignment>,
    /// One line per rule looked at and per rep skipped, in order.
    pub trace: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub rule_id: i64,
    pub rule_name: String,
    pub user_id: UserId,
    pub user_name: String,
    pub team_id: TeamId,
    pub strategy: Strategy,
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Why the lead does not meet the conditions, or `None` when it does.
pub fn mismatch(c: &Conditions, lead: &Inquiry) -> Option<String> {
    if !c.source_ids.is_empty() && !c.source_ids.contains(&lead.source_id) {
        return Some("source does not match".into());
    }
    if !c.products.is_empty() {
        let interest = lead.product_interest.as_deref().map(str::to_lowercase);
        let hit = interest.is_some_and(|i| {
            c.products
                .iter()
                .any(|p| !p.trim().is_empty() && i.contains(&p.trim().to_lowercase()))
        });
        if !hit {
            return Some("product interest does not match".into());
        }
    }
    if !c.countries.is_empty() {
        let country = lead.country.as_deref().map(|s| s.trim().to_uppercase());
        if !country.is_some_and(|k| c.countries.iter().any(|x| x.eq_ignore_ascii_case(&k))) {
            return Some("country does not match".into());
        }
    }
    if !c.regions.is_empty() {
        let region = lead.region.as_deref().map(fold);
        if !region.is_some_and(|r| c.regions.iter().any(|x| fold(x) == r)) {
            return Some("region does not match".into());
        }
    }
    if !c.postcode_prefixes.is_empty() {
        let code = lead.postcode.as_deref().map(fold);
        if !code.is_some_and(|p| {
            c.postcode_prefixes
                .iter()
                .any(|x| !fold(x).is_empty() && p.starts_with(&fold(x)))
        }) {
            return Some("postcode does not match".into());
        }
    }
    if c.min_value_cents.is_some() || c.max_value_cents.is_some() {
        let Some(v) = lead.value_cents else {
            return Some("no value to compare with the value band".into());
        };
        if c.min_value_cents.is_some_and(|m| v < m) || c.max_value_cents.is_some_and(|m| v >= m) {
            return Some("value is outside the band".into());
        }
    }
    None
}

/// Routes one inquiry: the first active rule whose conditions hold takes it, and picks among
/// the people of its team (reps and managers, as given) by its strategy, skipping whoever is
/// unavailable. A matching rule with nobody available ends the search: the lead waits for a
/// manager rather than falling through to a rule meant for other leads.
pub fn route(rules: &[Rule], lead: &Inquiry, people: &[Person], now: Timestamp) -> Decision {
    let mut trace = Vec::new();
    for rule in rules {
        if !rule.active {
            trace.push(format!("“{}”: switched off", rule.name));
            continue;
        }
        if let Some(why) = mismatch(&rule.conditions, lead) {
            trace.push(format!("“{}”: {why}", rule.name));
            continue;
        }
        trace.push(format!(
            "“{}” matches ({})",
            rule.name,
            rule.strategy.label()
        ));
        let mut team: Vec<&Person> = people
            .iter()
            .filter(|p| p.team_id == Some(rule.team_id))
            .collect();
        team.sort_by_key(|p| p.id);
        let mut available = Vec::new();
        for p in &team {
            match p.unavailable(now) {
                Some(why) => trace.push(format!("skipped {}: {why}", p.name)),
                None => available.push(*p),
            }
        }
        let chosen = match rule.strategy {
            Strategy::RoundRobin => {
                let after = rule.last_user_id.unwrap_or(UserId(i64::MIN));
                available
                    .iter()
                    .find(|p| p.id > after)
                    .or_else(|| available.first())
                    .copied()
            }
            Strategy::LeastLoaded => available
                .iter()
                .min_by_key(|p| {
                    (
                        p.open_leads,
                        p.last_assigned_at.map_or(i64::MIN, |t| t.0),
                        p.id,
                    )
                })
                .copied(),
        };
        return match chosen {
            Some(p) => {
                trace.push(match rule.strategy {
                    Strategy::RoundRobin => format!("→ {} (next in turn)", p.name),
                    Strategy::LeastLoaded => {
                        format!("→ {} (fewest open leads: {})", p.name, p.open_leads)
                    }
                });
                Decision {
                    assigned: Some(Assignment {
                        rule_id: rule.id,
                        rule_name: rule.name.clone(),
                        user_id: p.id,
                        user_name: p.name.clone(),
                        team_id: rule.team_id,
                        strategy: rule.strategy,
                    }),
                    trace,
                }
            }
            None => {
                trace.push("→ nobody available: the lead waits unassigned".into());
                Decision {
                    assigned: None,
                    trace,
                }
            }
        };
    }
    trace.push("No rule matches: the lead waits unassigned".into());
    Decision {
        assigned: None,
        trace,
    }
}

/// A rule form's name, conditions, team and strategy.
pub type CheckedRule = (String, Conditions, TeamId, Strategy);

/// A rule as typed into the settings form; [`RuleForm::check`] turns it into conditions or
/// names every bad field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RuleForm {
    pub name: String,
    pub active: bool,
    pub source_ids: Vec<i64>,
    /// Comma-separated lists, as typed.
    pub products: String,
    pub countries: String,
    pub regions: String,
    pub postcode_prefixes: String,
    /// Amounts in major units, as typed ("5000", "12,500.50"); empty = no bound.
    pub min_value: String,
    pub max_value: String,
    pub team_id: Option<i64>,
    pub strategy: String,
}

fn list(raw: &str) -> Vec<String> {
    raw.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl RuleForm {
    /// The form of a stored rule.
    pub fn of(rule: &Rule) -> Self {
        let money = |c: Option<i64>| c.map(super::activity::amount_text).unwrap_or_default();
        RuleForm {
            name: rule.name.clone(),
            active: rule.active,
            source_ids: rule.conditions.source_ids.clone(),
            products: rule.conditions.products.join(", "),
            countries: rule.conditions.countries.join(", "),
            regions: rule.conditions.regions.join(", "),
            postcode_prefixes: rule.conditions.postcode_prefixes.join(", "),
            min_value: money(rule.conditions.min_value_cents),
            max_value: money(rule.conditions.max_value_cents),
            team_id: Some(rule.team_id.0),
            strategy: rule.strategy.key().into(),
        }
    }

    /// The rule's name, conditions, team and strategy, or one error per bad field.
    pub fn check(
        &self,
        teams: &[TeamId],
        sources: &[i64],
    ) -> Result<CheckedRule, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 80 {
            errors.push((
                "name",
                "Give the rule a name of 1 to 80 characters".to_string(),
            ));
        }
        if let Some(bad) = self.source_ids.iter().find(|s| !sources.contains(s)) {
            errors.push(("source_ids", format!("There is no source {bad}")));
        }
        let countries: Vec<String> = list(&self.countries)
            .iter()
            .map(|c| c.to_uppercase())
            .collect();
        if let Some(bad) = countries
            .iter()
            .find(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
        {
            errors.push((
                "countries",
                format!("\"{bad}\" is not a two-letter country code (US, GB, DE, …)"),
            ));
        }
        let mut amount = |field: &'static str, raw: &str| -> Option<i64> {
            if raw.trim().is_empty() {
                return None;
            }
            match super::activity::parse_amount(raw) {
                Ok(c) => Some(c),
                Err(m) => {
                    errors.push((field, m));
                    None
                }
            }
        };
        let min = amount("min_value", &self.min_value);
        let max = amount("max_value", &self.max_value);
        if let (Some(a), Some(b)) = (min, max) {
            if a >= b {
                errors.push((
                    "max_value",
                    "The upper bound must be above the lower one".into(),
                ));
            }
        }
        let team = match self.team_id {
            Some(t) if teams.contains(&TeamId(t)) => Some(TeamId(t)),
            _ => {
                errors.push(("team_id", "Choose the team that takes these leads".into()));
                None
            }
        };
        let strategy = Strategy::parse(&self.strategy);
        if strategy.is_none() {
            errors.push(("strategy", "Choose round robin or least loaded".into()));
        }
        let lists = [
            ("products", list(&self.products)),
            ("regions", list(&self.regions)),
            ("postcode_prefixes", list(&self.postcode_prefixes)),
        ];
        for (field, items) in &lists {
            if items.len() > 50 || items.iter().any(|i| i.chars().count() > 60) {
                errors.push((
                    field,
                    "At most 50 entries of up to 60 characters each".into(),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let [(_, products), (_, regions), (_, postcode_prefixes)] = lists;
        Ok((
            name,
            Conditions {
                source_ids: self.source_ids.clone(),
                products,
                countries,
                regions,
                postcode_prefixes,
                min_value_cents: min,
                max_value_cents: max,
            },
            team.unwrap_or(TeamId(0)),
            strategy.unwrap_or(Strategy::RoundRobin),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_800_000_000_000);

    fn person(id: i64, team: i64, open: i64) -> Person {
        Person {
            id: UserId(id),
            name: format!("Rep {id}"),
            team_id: Some(TeamId(team)),
            active: true,
            away_until: None,
            open_leads: open,
            capacity: None,
            last_assigned_at: None,
        }
    }

    fn rule(id: i64, team: i64, strategy: Strategy, conditions: Conditions) -> Rule {
        Rule {
            id,
            name: format!("Rule {id}"),
            active: true,
            conditions,
            team_id: TeamId(team),
            strategy,
            last_user_id: None,
        }
    }

    fn assigned(d: &Decision) -> Option<i64> {
        d.assigned.as_ref().map(|a| a.user_id.0)
    }

    #[test]
    fn the_first_matching_rule_takes_the_lead() {
        let rules = [
            rule(
                1,
                1,
                Strategy::RoundRobin,
                Conditions {
                    source_ids: vec![2],
                    ..Default::default()
                },
            ),
            rule(
                2,
                2,
                Strategy::RoundRobin,
                Conditions {
                    countries: vec!["DE".into(), "AT".into()],
                    ..Default::default()
                },
            ),
            rule(3, 3, Strategy::RoundRobin, Conditions::default()),
        ];
        let people = [person(10, 1, 0), person(20, 2, 0), person(30, 3, 0)];
        let lead = |source, country: &str| Inquiry {
            source_id: source,
            country: Some(country.into()),
            ..Default::default()
        };
        assert_eq!(
            assigned(&route(&rules, &lead(2, "US"), &people, NOW)),
            Some(10)
        );
        let d = route(&rules, &lead(5, "at"), &people, NOW);
        assert_eq!(assigned(&d), Some(20));
        assert_eq!(d.trace[0], "“Rule 1”: source does not match");
        assert_eq!(
            assigned(&route(&rules, &lead(5, "FR"), &people, NOW)),
            Some(30)
        );
        assert_eq!(
            route(&rules[..2], &lead(5, "FR"), &people, NOW).assigned,
            None
        );
    }

    #[test]
    fn territory_product_and_value_band_conditions() {
        let c = Conditions {
            products: vec!["stretch wrap".into()],
            regions: vec!["New York".into()],
            postcode_prefixes: vec!["100".into(), "SW1".into()],
            min_value_cents: Some(500_000),
            max_value_cents: Some(5_000_000),
            ..Default::default()
        };
        let mut lead = Inquiry {
            source_id: 1,
            product_interest: Some("Stretch Wrap, 40 pallets".into()),
            region: Some("new york".into()),
            postcode: Some("10017".into()),
            value_cents: Some(1_000_000),
            ..Default::default()
        };
        assert_eq!(mismatch(&c, &lead), None);
        lead.postcode = Some("sw1a 1aa".into());
        assert_eq!(mismatch(&c, &lead), None);
        lead.postcode = Some("94105".into());
        assert_eq!(mismatch(&c, &lead).unwrap(), "postcode does not match");
        lead.postcode = Some("10017".into());
        lead.value_cents = Some(5_000_000);
        assert_eq!(mismatch(&c, &lead).unwrap(), "value is outside the band");
        lead.value_cents = None;
        assert!(mismatch(&c, &lead).unwrap().contains("no value"));
        lead.value_cents = Some(500_000);
        lead.product_interest = Some("Labels".into());
        assert_eq!(
            mismatch(&c, &lead).unwrap(),
            "product interest does not match"
        );
    }

    #[test]
    fn round_robin_takes_turns_and_skips_whoever_is_unavailable() {
        let mut r = rule(1, 1, Strategy::RoundRobin, Conditions::default());
        let mut people = vec![
            person(3, 1, 0),
            person(1, 1, 0),
            person(2, 1, 0),
            person(9, 2, 0),
        ];
        let lead = Inquiry::default();
        let mut order = Vec::new();
        for _ in 0..4 {
            let d = route(std::slice::from_ref(&r), &lead, &people, NOW);
            let who = assigned(&d).unwrap();
            order.push(who);
            r.last_user_id = Some(UserId(who));
        }
        assert_eq!(order, [1, 2, 3, 1], "in id order, other teams never");
        // Rep 2 is away, rep 3 is at capacity, so after 1 comes 1 again.
        people[2].away_until = Some(Timestamp(NOW.0 + 1));
        people[0].capacity = Some(0);
        let d = route(std::slice::from_ref(&r), &lead, &people, NOW);
        assert_eq!(assigned(&d), Some(1));
        assert!(
            d.trace
                .iter()
                .any(|t| t.starts_with("skipped Rep 2: away until")),
            "{:?}",
            d.trace
        );
        assert!(d
            .trace
            .iter()
            .any(|t| t == "skipped Rep 3: at capacity (0 of 0 open leads)"));
        // Back from holiday: their turn comes again.
        people[2].away_until = Some(NOW);
        assert_eq!(
            assigned(&route(std::slice::from_ref(&r), &lead, &people, NOW)),
            Some(2)
        );
        // Nobody available: the lead waits; later rules are not tried.
        for p in &mut people {
            p.active = false;
        }
        let fallback = rule(2, 2, Strategy::RoundRobin, Conditions::default());
        let d = route(&[r, fallback], &lead, &people, NOW);
        assert_eq!(d.assigned, None);
        assert!(d.trace.last().unwrap().contains("nobody available"));
    }

    #[test]
    fn least_loaded_picks_the_fewest_open_leads_then_the_longest_wait() {
        let r = rule(1, 1, Strategy::LeastLoaded, Conditions::default());
        let mut people = vec![person(1, 1, 12), person(2, 1, 7), person(3, 1, 7)];
        people[1].last_assigned_at = Some(Timestamp(NOW.0 - 1_000));
        people[2].last_assigned_at = Some(Timestamp(NOW.0 - 9_000));
        let d = route(std::slice::from_ref(&r), &Inquiry::default(), &people, NOW);
        assert_eq!(assigned(&d), Some(3));
        assert_eq!(d.trace.last().unwrap(), "→ Rep 3 (fewest open leads: 7)");
        people[2].capacity = Some(7);
        assert_eq!(
            assigned(&route(&[r], &Inquiry::default(), &people, NOW)),
            Some(2)
        );
    }

    #[test]
    fn a_rule_form_names_every_bad_field() {
        let form = RuleForm {
            name: " ".into(),
            source_ids: vec![99],
            countries: "US, Germany".into(),
            min_value: "5,000".into(),
            max_value: "1000".into(),
            team_id: Some(7),
            strategy: "random".into(),
            ..Default::default()
        };
        let errors = form.check(&[TeamId(1)], &[1, 2]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.0).collect();
        assert_eq!(
            fields,
            [
                "name",
                "source_ids",
                "countries",
                "max_value",
                "team_id",
                "strategy"
            ]
        );
        let ok = RuleForm {
            name: "Trade shows, big deals".into(),
            active: true,
            source_ids: vec![2],
            countries: "us, ca".into(),
            postcode_prefixes: "100, 101".into(),
            min_value: "10,000".into(),
            team_id: Some(1),
            strategy: "least_loaded".into(),
            ..Default::default()
        };
        let (name, c, team, strategy) = ok.check(&[TeamId(1)], &[1, 2]).unwrap();
        assert_eq!(name, "Trade shows, big deals");
        assert_eq!(c.countries, ["US", "CA"]);
        assert_eq!(c.postcode_prefixes, ["100", "101"]);
        assert_eq!(c.min_value_cents, Some(1_000_000));
        assert_eq!((team, strategy), (TeamId(1), Strategy::LeastLoaded));
    }
}
