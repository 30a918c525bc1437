//! Money as integer minor units plus an ISO 4217 currency: no floating point ever touches a price.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three ASCII capital letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars, the demo organisation's currency.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code such as `EUR`; lower case is accepted and normalised.
    pub fn parse(code: &str) -> Result<Self, String> {
        let bytes = code.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => Ok(Currency([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(format!(
                "\"{code}\" is not a currency code; use three letters such as USD"
            )),
        }
    }

    /// The code, e.g. `"USD"`.
    pub fn code(&self) -> &str {
        // Only ASCII letters are ever stored, see `parse`.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The symbol shown before an amount; the code itself where no symbol is common.
    pub fn symbol(&self) -> &str {
        match &self.0 {
            b"USD" | b"CAD" | b"AUD" | b"NZD" => "$",
            b"EUR" => "€",
            b"GBP" => "£",
            b"JPY" => "¥",
            _ => self.code(),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Za-z]{3}$"))
            .description(Some("ISO 4217 currency code, e.g. USD"))
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for Currency {}

/// An amount in minor units (cents) of a currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Money {
    /// Minor units; never negative for a lead's value.
    pub cents: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(cents: i64, currency: Currency) -> Self {
        Money { cents, currency }
    }

    /// Full amount with thousands separators and no cents when whole: `$12,400`, `$99.50`.
    pub fn display(&self) -> String {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        let whole = group_thousands(abs / 100);
        let frac = abs % 100;
        if frac == 0 {
            format!("{sign}{}{whole}", self.currency.symbol())
        } else {
            format!("{sign}{}{whole}.{frac:02}", self.currency.symbol())
        }
    }

    /// Amount with thousands separators and always two decimals, as on an invoice:
    /// `$12,400.00`.
    pub fn exact(&self) -> String {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        format!(
            "{sign}{}{}.{:02}",
            self.currency.symbol(),
            group_thousands(abs / 100),
            abs % 100
        )
    }

    /// Compact amount for column totals: `$950`, `$1.3k`, `$12k`, `$1.24M` (rounded half up,
    /// in integers so that WASM and the server agree to the digit).
    pub fn compact(&self) -> String {
        let sym = self.currency.symbol();
        let sign = if self.cents < 0 { "-" } else { "" };
        let c = self.cents.unsigned_abs();
        let round = |d: u64| (c + d / 2) / d;
        // Each tier also catches amounts that round up into it ($999.99 → $1k, not $1000).
        let body = if c >= 100_000_000 || round(100_000) >= 1_000 {
            // Hundredths of a million.
            format!("{}M", decimal(round(1_000_000), 2))
        } else if c >= 1_000_000 || round(10_000) >= 100 {
            format!("{}k", round(100_000))
        } else if c >= 100_000 || round(100) >= 1_000 {
            // Tenths of a thousand.
            format!("{}k", decimal(round(10_000), 1))
        } else {
            round(100).to_string()
        };
        format!("{sign}{sym}{body}")
    }
}

/// `n` scaled down by `10^places`, without trailing zeros: (124, 2) → "1.24", (200, 2) → "2".
fn decimal(n: u64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let (whole, frac) = (n / scale, n % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:0width$}", width = places as usize);
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

fn group_thousands(mut n: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

#[cfg(test)]
// Amounts are written as dollars_cents (1_250_00 is $1,250.00), which reads better here.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_normalised_to_upper_case() {
        assert_eq!(Currency::parse("eur").unwrap().code(), "EUR");
    }

    #[test]
    fn a_currency_code_must_be_three_letters() {
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("US1").is_err());
        assert!(Currency::parse("DOLLARS").is_err());
    }

    #[test]
    fn whole_amounts_show_without_cents_and_with_separators() {
        assert_eq!(Money::new(1_240_000, Currency::USD).display(), "$12,400");
        assert_eq!(Money::new(9_950, Currency::USD).display(), "$99.50");
        assert_eq!(
            Money::new(123_456_789_00, Currency::USD).display(),
            "$123,456,789"
        );
    }

    #[test]
    fn column_totals_are_compact() {
        assert_eq!(Money::new(95_000, Currency::USD).compact(), "$950");
        assert_eq!(Money::new(1_250_00, Currency::USD).compact(), "$1.3k");
        assert_eq!(Money::new(12_400_00, Currency::USD).compact(), "$12k");
        assert_eq!(Money::new(1_240_000_00, Currency::USD).compact(), "$1.24M");
        assert_eq!(Money::new(2_000_000_00, Currency::USD).compact(), "$2M");
        assert_eq!(Money::new(999_999_99, Currency::USD).compact(), "$1M");
        assert_eq!(Money::new(9_999_99, Currency::USD).compact(), "$10k");
        assert_eq!(Money::new(999_99, Currency::USD).compact(), "$1k");
        assert_eq!(Money::new(-1_250_00, Currency::USD).compact(), "-$1.3k");
    }

    #[test]
    fn currencies_round_trip_through_json_as_their_code() {
        let m = Money::new(500, Currency::parse("GBP").unwrap());
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"cents":500,"currency":"GBP"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"cents":1,"currency":"xx"}"#).is_err());
    }
}
