//! Keyed enums: a closed set of choices, each with a stable key (stored in the database,
//! sent on the wire, put in URLs) and a label (shown to people). `keyed!` writes the enum, its
//! `ALL` list in declaration order, `key`, `label` and `parse` (from a key), so the three can
//! never disagree with one another.
//!
//! ```text
//! keyed! {
//!     /// How a rep felt about the call.
//!     #[derive(Hash)]
//!     pub enum Mood {
//!         Glad => "glad", "Glad";
//!         /// Rarely.
//!         Sad => "sad", "Sad";
//!     }
//! }
//! // Mood::ALL == [Mood::Glad, Mood::Sad]; Mood::parse("sad") == Some(Mood::Sad);
//! // Mood::Glad.key() == "glad"; Mood::Glad.label() == "Glad"
//! ```
//!
//! Serde attributes stay the enum's own (`#[serde(rename_all = "snake_case")]` where the keys
//! are the snake-cased names); a test below checks the two agree for every domain enum, and
//! `model`'s keyed enums check their own.

/// How many keys a `keyed!` enum has (its `ALL` length).
#[doc(hidden)]
pub const fn count(keys: &[&str]) -> usize {
    keys.len()
}

/// Declares a keyed enum: `Variant => "key", "Label";` per choice. See the module docs.
#[macro_export]
macro_rules! keyed {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $key:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every choice, in declaration order.
            pub const ALL: [$name; $crate::domain::keyed::count(&[$($key),+])] =
                [$($name::$variant),+];

            /// The stable key: stored, sent and put in URLs.
            pub fn key(self) -> &'static str {
                match self {
                    $( $name::$variant => $key, )+
                }
            }

            /// The words shown to people.
            pub fn label(self) -> &'static str {
                match self {
                    $( $name::$variant => $label, )+
                }
            }

            /// The choice with this key, if any.
            pub fn parse(key: &str) -> Option<Self> {
                match key {
                    $( $key => Some($name::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::keyed! {
        /// A test enum.
        #[derive(Hash)]
        enum Light {
            Red => "red", "Stop";
            /// Between.
            Amber => "amber", "Wait";
            Green => "green", "Go";
        }
    }

    #[test]
    fn keys_labels_and_all_agree() {
        assert_eq!(Light::ALL, [Light::Red, Light::Amber, Light::Green]);
        for l in Light::ALL {
            assert_eq!(Light::parse(l.key()), Some(l));
        }
        assert_eq!(Light::Amber.label(), "Wait");
        assert_eq!(Light::parse("blue"), None);
        assert_eq!(Light::parse("Red"), None, "keys are exact");
    }

    /// Every keyed enum of the domain travels (serde) as its key.
    #[test]
    fn every_domain_enum_travels_as_its_key() {
        macro_rules! travels_as_key {
            ($($t:ty),* $(,)?) => {$(
                for v in <$t>::ALL {
                    assert_eq!(
                        serde_json::to_string(&v).unwrap(),
                        format!("\"{}\"", v.key()),
                        "{}",
                        stringify!($t)
                    );
                    assert_eq!(
                        serde_json::from_str::<$t>(&format!("\"{}\"", v.key())).unwrap(),
                        v
                    );
                }
            )*};
        }
        use crate::domain::*;
        travels_as_key!(
            recognition::Visibility,
            roi::Column,
            compliance::Measure,
            today::SnoozeReason,
            stage::Criterion,
            account::TokenScope,
            lead::Channel,
            lead::CloseReason,
            lead::NextStepKind,
            activity::Outcome,
            routing::Strategy,
            access::Role,
            import::ImportField,
        );
    }
}
