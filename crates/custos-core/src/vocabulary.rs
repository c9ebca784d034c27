//! Closed sets of words: one Rust enum per set, one stored and wire name per value, one label
//! people read, and the older spellings still accepted on input for one release.
//!
//! Every enum made with [`vocabulary!`](crate::vocabulary) implements [`Vocabulary`], so the
//! server can list the values in `/openapi.json`, the console can show labels instead of codes
//! and the glossary test can compare the words with `docs/GLOSSARY.md`, all from one table.

/// A closed set of words with a stored/wire name and a plain label per value.
pub trait Vocabulary: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// The JSON field (or CLI flag) the words usually fill, named in validation errors.
    const FIELD: &'static str;
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The stored and wire name (lower snake case).
    fn as_str(self) -> &'static str;
    /// What people read: a short phrase in sentence case.
    fn label(self) -> &'static str;
    /// Parses the stored or wire name, or an older spelling of it.
    fn parse(s: &str) -> Result<Self, crate::ValidationError>;
}

/// The sentence a validation error gives when a word is not in a set: "must be one of a, b or c".
pub fn one_of(names: &[&str]) -> String {
    match names {
        [] => "must be empty".to_owned(),
        [one] => format!("must be {one}"),
        [init @ .., last] => format!("must be one of {} or {last}", init.join(", ")),
    }
}

/// Declares a [`Vocabulary`] enum: `Variant = "wire_name" ("Label") [| "old_spelling" ...]`.
///
/// The enum serializes as its wire name and deserializes from the wire name or any older
/// spelling; errors list the current names only.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$doc:meta])* $vis:vis enum $name:ident : $field:literal {
        $($(#[$vdoc:meta])* $variant:ident = $text:literal ($label:literal) $(| $old:literal)*),+ $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// What people read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses the stored or wire name (older spellings included).
            pub fn parse(s: &str) -> ::std::result::Result<Self, $crate::ValidationError> {
                match s {
                    $($text $(| $old)* => Ok($name::$variant),)+
                    _ => Err($crate::ValidationError::new($field, $crate::one_of(&[$($text),+]))),
                }
            }
        }

        impl $crate::Vocabulary for $name {
            const FIELD: &'static str = $field;
            const ALL: &'static [Self] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn label(self) -> &'static str {
                $name::label(self)
            }
            fn parse(s: &str) -> ::std::result::Result<Self, $crate::ValidationError> {
                $name::parse(s)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&s).map_err(|e| ::serde::de::Error::custom(e.message()))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::one_of;

    crate::vocabulary! {
        /// A test set.
        enum Colour: "colour" {
            /// Red.
            Red = "red" ("Red"),
            /// Dark blue, once spelt `navy`.
            DarkBlue = "dark_blue" ("Dark blue") | "navy",
        }
    }

    #[test]
    fn names_labels_and_old_spellings() {
        assert_eq!(Colour::parse("dark_blue"), Ok(Colour::DarkBlue));
        assert_eq!(Colour::parse("navy"), Ok(Colour::DarkBlue), "old spelling accepted");
        assert_eq!(serde_json::to_string(&Colour::DarkBlue).expect("json"), "\"dark_blue\"", "answers use the new one");
        assert_eq!(serde_json::from_str::<Colour>("\"navy\"").expect("json"), Colour::DarkBlue);
        let err = Colour::parse("green").expect_err("unknown");
        assert_eq!((err.field(), err.message()), ("colour", "must be one of red or dark_blue"));
        assert_eq!(Colour::DarkBlue.label(), "Dark blue");
        assert_eq!(one_of(&["a", "b", "c"]), "must be one of a, b or c");
        let serde_err = serde_json::from_str::<Colour>("\"green\"").expect_err("unknown").to_string();
        assert!(serde_err.contains("must be one of red or dark_blue"), "{serde_err}");
    }
}
