//! Importing leads from a spreadsheet (trade-show lists, purchased lists, old systems): which
//! lead field each column holds, guessed from the header and adjustable, and the report of what
//! an import will do or did, row by row.

use serde::{Deserialize, Serialize};

crate::keyed! {
    /// A lead field a column can fill.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum ImportField {
        ContactName => "contact_name", "Contact name";
        Email => "email", "E-mail";
        Phone => "phone", "Phone";
        Company => "company", "Company";
        ProductInterest => "product_interest", "Product interest";
        /// An amount in whole units or with decimals ("12,400", "99.50").
        Value => "value", "Value";
        Currency => "currency", "Currency";
        Message => "message", "Message / notes";
        Country => "country", "Country";
        Region => "region", "Region / state";
        Postcode => "postcode", "Postcode / ZIP";
    }
}

impl ImportField {
    /// Header texts that mean this field, folded (lower case, letters and digits only).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            ImportField::ContactName => &[
                "contactname",
                "name",
                "fullname",
                "contact",
                "person",
                "attendee",
                "visitor",
            ],
            ImportField::Email => &["email", "emailaddress", "mail", "emailid"],
            ImportField::Phone => &["phone", "phonenumber", "telephone", "tel", "mobile", "cell"],
            ImportField::Company => &[
                "company",
                "companyname",
                "organisation",
                "organization",
                "account",
                "employer",
                "firm",
            ],
            ImportField::ProductInterest => &[
                "productinterest",
                "product",
                "interest",
                "interestedin",
                "products",
            ],
            ImportField::Value => &[
                "value",
                "amount",
                "budget",
                "dealsize",
                "estimatedvalue",
                "dealvalue",
            ],
            ImportField::Currency => &["currency", "curr"],
            ImportField::Message => &["message", "notes", "note", "comment", "comments"],
            ImportField::Country => &["country", "countrycode"],
            ImportField::Region => &["region", "state", "province", "county"],
            ImportField::Postcode => &["postcode", "zip", "zipcode", "postalcode", "plz"],
        }
    }
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// The field each column most likely holds, from its header; a field is given to one column
/// at most (the first that names it). Unrecognised columns map to nothing.
pub fn guess_mapping(headers: &[String]) -> Vec<Option<ImportField>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let h = fold(h);
            let field = ImportField::ALL
                .into_iter()
                .find(|f| !taken.contains(f) && f.synonyms().contains(&h.as_str()));
            if let Some(f) = field {
                taken.push(f);
            }
            field
        })
        .collect()
}

/// The custom field each column not otherwise mapped most likely fills: its header is the
/// field's label or key (folded). A field is given to one column at most.
pub fn guess_custom(
    headers: &[String],
    mapping: &[Option<ImportField>],
    fields: &[(String, String)],
) -> Vec<Option<String>> {
    let mut taken: Vec<&str> = Vec::new();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if mapping.get(i).copied().flatten().is_some() {
                return None;
            }
            let h = fold(h);
            let found = fields.iter().find(|(key, label)| {
                !taken.contains(&key.as_str()) && (fold(label) == h || fold(key) == h)
            })?;
            taken.push(found.0.as_str());
            Some(found.0.clone())
        })
        .collect()
}

/// Checks a mapping: a contact name, and an e-mail or a phone column, each field once.
pub fn check_mapping(mapping: &[Option<ImportField>]) -> Result<(), String> {
    let mut seen = Vec::new();
    for f in mapping.iter().flatten() {
        if seen.contains(f) {
            return Err(format!("Two columns are mapped to {}", f.label()));
        }
        seen.push(*f);
    }
    if !seen.contains(&ImportField::ContactName) {
        return Err("Map a column to Contact name".into());
    }
    if !seen.contains(&ImportField::Email) && !seen.contains(&ImportField::Phone) {
        return Err("Map a column to E-mail or Phone".into());
    }
    Ok(())
}

/// What an import will do (or did) with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RowOutcome {
    /// A new lead.
    New,
    /// The person (same e-mail or phone) has an open lead: the row is added to it as an
    /// inquiry.
    Existing { lead_id: i64 },
    /// Repeats an earlier row of the file (same e-mail or phone): added to that row's lead.
    Repeat { row: usize },
    /// Cannot be imported as it stands; each problem names its field.
    Bad {
        problems: Vec<crate::error::FieldError>,
    },
}

/// One row's line in the report. Rows count from 1 after the header (row 1 is the spreadsheet's
/// line 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowReport {
    pub row: usize,
    /// The row's contact name as read, to find it in the file.
    pub name: String,
    pub outcome: RowOutcome,
}

/// The report of a checked file: counts, and a line for every row that is not simply new.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub rows: usize,
    pub new: usize,
    pub existing: usize,
    pub repeats: usize,
    pub bad: usize,
    /// Every row that is bad, a repeat or an existing person, in file order.
    pub lines: Vec<RowReport>,
    /// The rows were written (an import, not a check).
    pub committed: bool,
    /// Stopped on request: nothing was written.
    pub cancelled: bool,
}

/// An uploaded file waiting to be checked and imported: its columns with the guessed mapping,
/// and the first rows to preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDraft {
    /// Names the upload in later calls; only its uploader can use it.
    pub id: String,
    pub file_name: String,
    pub headers: Vec<String>,
    pub mapping: Vec<Option<ImportField>>,
    /// The custom field (by key) each column fills instead, where it fills one.
    #[serde(default)]
    pub custom: Vec<Option<String>>,
    /// The live lead custom fields a column can fill: (key, label).
    #[serde(default)]
    pub fields: Vec<(String, String)>,
    /// The first rows, as read.
    pub preview: Vec<Vec<String>>,
    pub rows: usize,
}

/// Rows shown in an upload's preview.
pub const PREVIEW_ROWS: usize = 5;

/// Where an import job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    /// Uploaded; nothing run yet.
    Ready,
    /// Checking every row (a dry run that writes nothing).
    Checking,
    /// Checked: the report says what an import would do.
    Checked,
    /// Writing the rows.
    Importing,
    /// Imported and committed.
    Done,
    /// Stopped on request; nothing was written.
    Cancelled,
    /// Failed on the server; nothing was written.
    Failed,
}

impl ImportPhase {
    /// A check or an import is under way.
    pub fn running(self) -> bool {
        matches!(self, ImportPhase::Checking | ImportPhase::Importing)
    }
}

/// An import job as its uploader sees it, sent as it progresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStatus {
    pub id: String,
    pub phase: ImportPhase,
    /// Rows handled so far, of `total`.
    pub done: usize,
    pub total: usize,
    /// The last finished check or import.
    pub report: Option<ImportReport>,
    /// What went wrong, for a failed run.
    pub error: Option<String>,
    /// A run waiting for the database (another import or a large write holds it): how long
    /// it has waited so far, in whole seconds.
    #[serde(default)]
    pub waiting_secs: Option<u64>,
}

impl ImportStatus {
    /// Percentage done, 0–100.
    pub fn percent(&self) -> u32 {
        if self.total == 0 {
            return 0;
        }
        ((self.done.min(self.total) * 100) / self.total) as u32
    }
}

/// How to run an uploaded file: attribution, the mapping, and whether to write (import) or
/// only check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRun {
    pub source_id: i64,
    pub campaign_id: Option<i64>,
    pub mapping: Vec<Option<ImportField>>,
    /// Per column, the custom field key it fills (for columns not mapped to a lead field).
    #[serde(default)]
    pub custom: Vec<Option<String>>,
    pub commit: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(hs: &[&str]) -> Vec<String> {
        hs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn common_headers_are_recognised() {
        let m = guess_mapping(&headers(&[
            "Full Name",
            "E-mail Address",
            "Mobile",
            "Organisation",
            "Interested in",
            "Budget",
            "Notes",
            "Country",
            "State",
            "ZIP",
            "Booth visit",
        ]));
        assert_eq!(
            m,
            vec![
                Some(ImportField::ContactName),
                Some(ImportField::Email),
                Some(ImportField::Phone),
                Some(ImportField::Company),
                Some(ImportField::ProductInterest),
                Some(ImportField::Value),
                Some(ImportField::Message),
                Some(ImportField::Country),
                Some(ImportField::Region),
                Some(ImportField::Postcode),
                None,
            ]
        );
    }

    #[test]
    fn a_field_goes_to_the_first_column_naming_it() {
        let m = guess_mapping(&headers(&["Phone", "Telephone", "Name"]));
        assert_eq!(
            m,
            vec![
                Some(ImportField::Phone),
                None,
                Some(ImportField::ContactName)
            ]
        );
    }

    #[test]
    fn a_mapping_needs_a_name_and_a_way_to_reach_them() {
        use ImportField::*;
        assert!(check_mapping(&[Some(ContactName), Some(Email)]).is_ok());
        assert!(check_mapping(&[Some(ContactName), None, Some(Phone)]).is_ok());
        assert!(check_mapping(&[Some(Email)])
            .unwrap_err()
            .contains("Contact name"));
        assert!(check_mapping(&[Some(ContactName), Some(Company)])
            .unwrap_err()
            .contains("E-mail or Phone"));
        assert!(
            check_mapping(&[Some(ContactName), Some(Email), Some(Email)])
                .unwrap_err()
                .contains("Two columns")
        );
    }

    #[test]
    fn keys_round_trip() {
        for f in ImportField::ALL {
            assert_eq!(ImportField::parse(f.key()), Some(f));
        }
    }
}
