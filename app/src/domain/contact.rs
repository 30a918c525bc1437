//! Contacts and companies as identities that can be matched: the normal forms of e-mail
//! addresses, phone numbers (E.164) and names, how alike two names are, and whether a new
//! inquiry comes from a person the system already knows.
//!
//! Every intake path (web form, API, import) runs the same [`compare`], so a person who
//! writes twice becomes one contact with two inquiries, not two strangers.

use super::account::Email;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in E.164 form: `+` and 8 to 15 digits, country code first.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Phone(String);

/// The calling code assumed for numbers written without one (North America).
pub const DEFAULT_CALLING_CODE: &str = "1";

impl Phone {
    /// Parses a phone number as people write it: "+44 20 7946 0958", "(415) 555-0123",
    /// "0044 20 7946 0958", "020 7946 0958" (national, with `calling_code` "44"). An
    /// extension ("x12", "ext. 12") is dropped: it is not part of the number. The error says
    /// what is wrong, for the `phone` field.
    pub fn parse(raw: &str, calling_code: &str) -> Result<Phone, String> {
        let shown = raw.trim();
        if shown.is_empty() {
            return Err("Enter a phone number".into());
        }
        if shown.chars().count() > 40 {
            return Err("A phone number has at most 40 characters".into());
        }
        let lower = shown.to_lowercase();
        let number = match ["ext", "x", "#"].iter().filter_map(|m| lower.find(m)).min() {
            Some(at) => &lower[..at],
            None => &lower[..],
        };
        let number = number.trim();
        let international = number.starts_with('+');
        let body = number.strip_prefix('+').unwrap_or(number);
        if let Some(bad) = body
            .chars()
            .find(|c| !(c.is_ascii_digit() || " -.()/".contains(*c)))
        {
            return Err(format!(
                "\"{shown}\" is not a phone number: \"{bad}\" is not allowed (use digits, spaces and + - ( ))"
            ));
        }
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        let full = if international {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if calling_code == "1" {
            if let Some(rest) = digits.strip_prefix("011") {
                rest.to_string()
            } else if digits.len() == 11 && digits.starts_with('1') {
                digits
            } else {
                format!("1{digits}")
            }
        } else {
            format!(
                "{calling_code}{}",
                digits.strip_prefix('0').unwrap_or(&digits)
            )
        };
        if full.len() < 8 {
            return Err(format!("\"{shown}\" is too short for a phone number"));
        }
        if full.len() > 15 {
            return Err(format!(
                "\"{shown}\" is too long for a phone number (15 digits at most with the country code)"
            ));
        }
        if full.starts_with('0') {
            return Err(format!(
                "\"{shown}\" has no valid country code: write it as +<country code> <number>"
            ));
        }
        if let Some(national) = full.strip_prefix('1') {
            // North American numbering: a ten-digit number whose area code starts with 2–9.
            if national.len() != 10 || national.starts_with(['0', '1']) {
                return Err(format!(
                    "\"{shown}\" is not a North American number (+1 and ten digits, area code first)"
                ));
            }
        }
        Ok(Phone(format!("+{full}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The matching key of an e-mail address: the parsed, lower-case address.
pub fn email_key(raw: &str) -> Option<String> {
    Email::parse(raw).ok().map(|e| e.to_string())
}

/// Lower-case, accents folded, everything but letters and digits turned into spaces, "&" read
/// as "and"; the words in order.
fn words(raw: &str) -> Vec<String> {
    let mut folded = String::with_capacity(raw.len());
    for c in raw.chars().flat_map(char::to_lowercase) {
        match c {
            '&' => folded.push_str(" and "),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => folded.push('a'),
            'æ' => folded.push_str("ae"),
            'ç' | 'č' | 'ć' => folded.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => folded.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' => folded.push('i'),
            'ł' => folded.push('l'),
            'ñ' | 'ń' | 'ň' => folded.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => folded.push('o'),
            'œ' => folded.push_str("oe"),
            'ř' => folded.push('r'),
            'ß' => folded.push_str("ss"),
            'š' | 'ś' => folded.push('s'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => folded.push('u'),
            'ý' | 'ÿ' => folded.push('y'),
            'ž' | 'ź' | 'ż' => folded.push('z'),
            '\'' | '’' => {}
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().map(str::to_string).collect()
}

/// Words that say what legal form a company has, not which company it is.
const LEGAL_FORMS: [&str; 30] = [
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "se",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "aps",
    "pty",
    "pte",
];

/// The matching key of a company name: "ACME, Inc." and "Acme Incorporated" are both "acme";
/// "Smith & Sons Ltd" is "smith and sons". Empty when nothing is left to match on.
pub fn company_key(name: &str) -> String {
    let mut w = words(name);
    while w.len() > 1 && w[0] == "the" {
        w.remove(0);
    }
    while w.len() > 1
        && w.last()
            .is_some_and(|l| l == "and" || LEGAL_FORMS.contains(&l.as_str()))
    {
        w.pop();
    }
    w.join(" ")
}

/// The matching key of a person's name: folded words in the order written.
pub fn name_key(name: &str) -> String {
    words(name).join(" ")
}

/// Jaro–Winkler similarity of two strings, 0.0 (nothing alike) to 1.0 (equal).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        jaro_winkler_of(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_winkler_of(&a, &b)
    }
}

/// Which positions of a string are matched: a bit set on the stack for names of up to 128
/// letters (all real ones), a vector beyond.
enum Marks {
    Small(u128),
    Large(Vec<bool>),
}

impl Marks {
    fn new(len: usize) -> Self {
        if len <= 128 {
            Marks::Small(0)
        } else {
            Marks::Large(vec![false; len])
        }
    }
    fn get(&self, i: usize) -> bool {
        match self {
            Marks::Small(bits) => bits & (1 << i) != 0,
            Marks::Large(v) => v[i],
        }
    }
    fn set(&mut self, i: usize) {
        match self {
            Marks::Small(bits) => *bits |= 1 << i,
            Marks::Large(v) => v[i] = true,
        }
    }
}

fn jaro_winkler_of<T: Ord>(a: &[T], b: &[T]) -> f64 {
    // The greedy matching below depends on which side leads: a fixed order keeps it symmetric.
    let (a, b) = if (a.len(), a) <= (b.len(), b) {
        (a, b)
    } else {
        (b, a)
    };
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_used, mut b_used) = (Marks::new(a.len()), Marks::new(b.len()));
    let mut m = 0;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        if let Some(j) = (lo..hi).find(|&j| !b_used.get(j) && b[j] == *ca) {
            b_used.set(j);
            a_used.set(i);
            m += 1;
        }
    }
    if m == 0 {
        return 0.0;
    }
    let a_matched = (0..a.len()).filter(|&i| a_used.get(i)).map(|i| &a[i]);
    let b_matched = (0..b.len()).filter(|&j| b_used.get(j)).map(|j| &b[j]);
    let half_transpositions = a_matched.zip(b_matched).filter(|(x, y)| x != y).count();
    let m = m as f64;
    let t = half_transpositions as f64 / 2.0;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// How alike two words of a name are; an initial ("J") is as good as a close spelling of
/// the word it starts ("John").
fn word_similarity(a: &str, b: &str) -> f64 {
    let initial = |w: &str| w.chars().count() == 1;
    if (initial(a) || initial(b)) && a.chars().next() == b.chars().next() {
        return 0.9;
    }
    jaro_winkler(a, b)
}

/// How alike two names are, given their folded words: each word of the shorter name paired
/// with its closest word in the other (closest pairs first, whatever the order), and the name
/// only as alike as its least alike pair. "Jon Smith" and "John Smith" are alike; "John Smith"
/// and "Jane Smith" are not, though the strings as a whole are close.
fn words_similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let (short, long) = if (a.len(), a) <= (b.len(), b) {
        (a, b)
    } else {
        (b, a)
    };
    if short.len() > 8 || long.len() > 16 {
        // Not a person's name: compare the text as a whole.
        return jaro_winkler(&short.join(" "), &long.join(" "));
    }
    let mut pairs: Vec<(f64, usize, usize)> = Vec::with_capacity(short.len() * long.len());
    for (i, x) in short.iter().enumerate() {
        for (j, y) in long.iter().enumerate() {
            pairs.push((word_similarity(x, y), i, j));
        }
    }
    pairs.sort_by(|p, q| q.0.total_cmp(&p.0));
    let (mut short_used, mut long_used) = (0u32, 0u32);
    let mut least = 1.0f64;
    for (s, i, j) in pairs {
        if short_used & (1 << i) != 0 || long_used & (1 << j) != 0 {
            continue;
        }
        short_used |= 1 << i;
        long_used |= 1 << j;
        least = least.min(s);
    }
    least
}

/// How alike two people's names are, 0.0 to 1.0, whatever the word order, accents and
/// punctuation ("Byron, Ada" and "Ada Byron" are alike): see [`words_similarity`].
pub fn name_similarity(a: &str, b: &str) -> f64 {
    words_similarity(&words(a), &words(b))
}

/// Names at least this alike, at the same company, are likely the same person.
pub const LIKELY_SAME_NAME: f64 = 0.88;

/// The matching keys of a person: a contact on file, or the sender of a new inquiry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    pub company_key: Option<String>,
    /// The name's folded words, worked out once: a person is compared with many.
    name_words: Vec<String>,
}

impl Identity {
    /// The keys of a person as written; unparseable contact details match nothing.
    pub fn of(name: &str, email: Option<&str>, phone: Option<&str>, company: Option<&str>) -> Self {
        Identity::known(
            name.trim().to_string(),
            email.and_then(email_key),
            phone
                .and_then(|p| Phone::parse(p, DEFAULT_CALLING_CODE).ok())
                .map(|p| p.to_string()),
            company.map(company_key).filter(|k| !k.is_empty()),
        )
    }

    /// The matching key of the name (as [`name_key`]).
    pub fn name_key(&self) -> String {
        self.name_words.join(" ")
    }

    /// A person whose keys are already worked out (a contact on file).
    pub fn known(
        name: String,
        email_key: Option<String>,
        phone_key: Option<String>,
        company_key: Option<String>,
    ) -> Self {
        Identity {
            name_words: words(&name),
            name,
            email_key,
            phone_key,
            company_key,
        }
    }
}

/// How sure a match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Probably the same person: a rep or manager decides on the merge screen.
    Likely,
    /// The same e-mail address or phone number: the same person.
    Exact,
}

/// Why two identities match, in words a rep can check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchReason {
    SameEmail,
    SamePhone,
    /// Same company, names this alike (percent).
    SimilarNameSameCompany {
        similarity: u8,
    },
    SameName,
}

impl MatchReason {
    pub fn label(&self) -> String {
        match self {
            MatchReason::SameEmail => "Same e-mail address".into(),
            MatchReason::SamePhone => "Same phone number".into(),
            MatchReason::SimilarNameSameCompany { similarity } => {
                format!("Same company, name {similarity}% alike")
            }
            MatchReason::SameName => "Same name".into(),
        }
    }
}

/// A match of a new inquiry against a known person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Match {
    pub kind: MatchKind,
    /// 0–100: how sure; orders candidates.
    pub score: u8,
    pub reasons: Vec<MatchReason>,
}

/// Whether `new` is the person `known`: exact on a shared e-mail address or phone number;
/// likely on the same company and a name at least [`LIKELY_SAME_NAME`] alike, or on the very
/// same full name (two words or more) with different contact details.
pub fn compare(new: &Identity, known: &Identity) -> Option<Match> {
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    let mut reasons = Vec::new();
    if same(&new.email_key, &known.email_key) {
        reasons.push(MatchReason::SameEmail);
    }
    if same(&new.phone_key, &known.phone_key) {
        reasons.push(MatchReason::SamePhone);
    }
    if !reasons.is_empty() {
        let score = if reasons.len() == 2 { 100 } else { 95 };
        return Some(Match {
            kind: MatchKind::Exact,
            score,
            reasons,
        });
    }
    if same(&new.company_key, &known.company_key) {
        let similarity = words_similarity(&new.name_words, &known.name_words);
        if similarity >= LIKELY_SAME_NAME {
            let pct = (similarity * 100.0).round() as u8;
            return Some(Match {
                kind: MatchKind::Likely,
                score: (similarity * 90.0).round() as u8,
                reasons: vec![MatchReason::SimilarNameSameCompany { similarity: pct }],
            });
        }
    }
    if new.name_words.len() > 1 && new.name_words == known.name_words {
        return Some(Match {
            kind: MatchKind::Likely,
            score: 70,
            reasons: vec![MatchReason::SameName],
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(raw: &str, cc: &str) -> Result<String, String> {
        Phone::parse(raw, cc).map(|p| p.to_string())
    }

    #[test]
    fn phone_numbers_are_read_as_people_write_them() {
        assert_eq!(e164("(415) 555-0123", "1").unwrap(), "+14155550123");
        assert_eq!(e164("415.555.0123", "1").unwrap(), "+14155550123");
        assert_eq!(e164("1 415 555 0123", "1").unwrap(), "+14155550123");
        assert_eq!(
            e164("+1 (415) 555-0123 ext. 12", "1").unwrap(),
            "+14155550123"
        );
        assert_eq!(e164("+44 20 7946 0958", "1").unwrap(), "+442079460958");
        assert_eq!(e164("0044 20 7946 0958", "1").unwrap(), "+442079460958");
        assert_eq!(e164("011 44 20 7946 0958", "1").unwrap(), "+442079460958");
        assert_eq!(e164("020 7946 0958", "44").unwrap(), "+442079460958");
        assert_eq!(e164("030 1234567", "49").unwrap(), "+49301234567");
        assert_eq!(e164("+49 30 1234567 x3", "1").unwrap(), "+49301234567");
    }

    #[test]
    fn a_bad_phone_number_says_what_is_wrong() {
        assert!(e164("", "1").unwrap_err().contains("Enter"));
        assert!(e164("call me", "1").unwrap_err().contains("not allowed"));
        assert!(e164("555-0123", "1")
            .unwrap_err()
            .contains("North American"));
        assert!(e164("+1 015 555 0123", "1")
            .unwrap_err()
            .contains("North American"));
        assert!(e164("+44 12", "1").unwrap_err().contains("too short"));
        assert!(e164("+44 1234 5678 9012 345", "1")
            .unwrap_err()
            .contains("too long"));
        assert!(e164("+0 1234 5678", "1")
            .unwrap_err()
            .contains("country code"));
        assert!(e164(&"1".repeat(41), "1").unwrap_err().contains("40"));
    }

    #[test]
    fn company_names_match_whatever_their_legal_form_and_spelling() {
        assert_eq!(company_key("ACME, Inc."), "acme");
        assert_eq!(company_key("Acme Incorporated"), "acme");
        assert_eq!(company_key("The Acme Company"), "acme");
        assert_eq!(company_key("Smith & Sons Ltd"), "smith and sons");
        assert_eq!(company_key("Smith and Sons Limited"), "smith and sons");
        assert_eq!(company_key("Müller GmbH & Co. KG"), "muller");
        assert_eq!(company_key("Müller GmbH"), "muller");
        assert_eq!(company_key("O'Brien Holdings"), "obrien holdings");
        // A name that is only a legal form keeps it rather than matching everything.
        assert_eq!(company_key("Co"), "co");
        assert_eq!(company_key(" , "), "");
    }

    #[test]
    fn jaro_winkler_gives_the_textbook_figures() {
        let close = |a: &str, b: &str, want: f64| {
            let got = jaro_winkler(a, b);
            assert!((got - want).abs() < 0.001, "{a}/{b}: {got} != {want}");
        };
        close("martha", "marhta", 0.961);
        close("dwayne", "duane", 0.840);
        close("dixon", "dicksonx", 0.813);
        close("same", "same", 1.0);
        close("abc", "xyz", 0.0);
    }

    #[test]
    fn names_are_alike_whatever_the_word_order_and_accents() {
        assert!(name_similarity("Byron, Ada", "Ada Byron") > 0.99);
        assert!(name_similarity("José Núñez", "Jose Nunez") > 0.99);
        assert!(name_similarity("Jon Smith", "John Smith") >= LIKELY_SAME_NAME);
        assert!(name_similarity("Dana Whitfield", "Kim Osei") < 0.6);
        assert!(name_similarity("J. Smith", "John Smith") >= LIKELY_SAME_NAME);
        assert!(name_similarity("Smith, Jon", "John Smith") >= LIKELY_SAME_NAME);
        // Close as strings, but another first name: someone else at the company.
        assert!(name_similarity("John Smith", "Jane Smith") < LIKELY_SAME_NAME);
        assert!(name_similarity("Ines Brielka", "Ines Brijunsel") < LIKELY_SAME_NAME);
        assert!(name_similarity("Kim", "") == 0.0);
    }

    fn person(name: &str, email: Option<&str>, phone: Option<&str>, co: Option<&str>) -> Identity {
        Identity::of(name, email, phone, co)
    }

    #[test]
    fn the_same_email_or_phone_is_the_same_person() {
        let known = person(
            "Ada Byron",
            Some("ada@engines.example"),
            Some("+1 415 555 0123"),
            Some("Analytical Engines"),
        );
        let by_email = person("A. Byron", Some(" ADA@Engines.example "), None, None);
        let m = compare(&by_email, &known).unwrap();
        assert_eq!(m.kind, MatchKind::Exact);
        assert_eq!(m.reasons, vec![MatchReason::SameEmail]);
        let by_phone = person("Ada", None, Some("(415) 555-0123"), None);
        assert_eq!(
            compare(&by_phone, &known).unwrap().reasons,
            vec![MatchReason::SamePhone]
        );
        let both = person("Ada", Some("ada@engines.example"), Some("4155550123"), None);
        assert_eq!(compare(&both, &known).unwrap().score, 100);
    }

    #[test]
    fn a_similar_name_at_the_same_company_is_likely_the_same_person() {
        let known = person(
            "Jonathan Smith",
            Some("js@acme.example"),
            None,
            Some("ACME Inc."),
        );
        let new = person(
            "Jonathon Smith",
            Some("jon@gmail.example"),
            None,
            Some("Acme"),
        );
        let m = compare(&new, &known).unwrap();
        assert_eq!(m.kind, MatchKind::Likely);
        assert!(matches!(
            m.reasons[0],
            MatchReason::SimilarNameSameCompany { similarity } if similarity >= 88
        ));
        // Another person at the same company is not a duplicate.
        let colleague = person("Maria Lopez", Some("ml@acme.example"), None, Some("Acme"));
        assert_eq!(compare(&colleague, &known), None);
        // The same name elsewhere is worth a look; a first name alone is not.
        let namesake = person("Jonathan Smith", Some("j@other.example"), None, None);
        assert_eq!(
            compare(&namesake, &known).unwrap().reasons,
            vec![MatchReason::SameName]
        );
        let first_only = person("Jonathan", None, None, None);
        assert_eq!(
            compare(&first_only, &person("Jonathan", None, None, None)),
            None
        );
    }

    #[test]
    fn missing_details_never_match_each_other() {
        let a = person("Kim Osei", None, None, None);
        let b = person("Luis Ortega", None, None, None);
        assert_eq!(compare(&a, &b), None);
        let bad_phone = person("Kim Osei", None, Some("call me"), None);
        assert_eq!(bad_phone.phone_key, None);
    }

    proptest! {
        #[test]
        fn a_number_in_e164_parses_to_itself_however_it_is_spaced(
            cc in "[2-9][0-9]{0,2}",
            rest in "[1-9][0-9]{6,10}",
            sep in prop::sample::select(vec![" ", "-", ".", ""]),
        ) {
            let digits = format!("{cc}{rest}");
            prop_assume!(digits.len() <= 15 && !digits.starts_with('1'));
            let spaced: String = digits
                .chars()
                .enumerate()
                .map(|(i, c)| if i > 0 && i % 3 == 0 { format!("{sep}{c}") } else { c.to_string() })
                .collect();
            let parsed = Phone::parse(&format!("+{spaced}"), "1").unwrap();
            prop_assert_eq!(parsed.as_str(), format!("+{digits}"));
            prop_assert_eq!(Phone::parse(parsed.as_str(), "44").unwrap(), parsed);
        }

        #[test]
        fn keys_are_stable_and_similarity_is_symmetric(a in "\\PC{0,30}", b in "\\PC{0,30}") {
            prop_assert_eq!(company_key(&company_key(&a)), company_key(&a));
            prop_assert_eq!(name_key(&name_key(&a)), name_key(&a));
            let s = name_similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert!((s - name_similarity(&b, &a)).abs() < 1e-9);
            prop_assert!(Phone::parse(&a, "1").map_or(true, |p| p.as_str().len() <= 16));
        }
    }
}
