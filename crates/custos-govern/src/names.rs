//! The one way this crate's closed sets (tiers, roles, incident kinds, ...) are read from and
//! written as text: a table per enum, its names equal to the serde names.

use thiserror::Error;

/// A text that names none of the values of an enum of this crate (a misspelt tier, role or
/// incident kind): never taken for a default.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown {field}: {value:?}")]
pub struct UnknownValue {
    /// Which value was being read ("role", "tier", ...).
    pub field: &'static str,
    /// The text that was given.
    pub value: String,
}

/// Implements `ALL`, `as_str`, `parse`, `Display` and `FromStr` for a fieldless enum from one
/// table of snake_case names, which equal the serde names.
macro_rules! named_enum {
    ($ty:ident, $field:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable snake_case name, identical to the serde form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// Reads a snake_case name (surrounding whitespace ignored); any other text is an
            /// [`UnknownValue`], so a typo is never taken for a default.
            pub fn parse(text: &str) -> Result<Self, $crate::names::UnknownValue> {
                match text.trim() {
                    $($text => Ok(Self::$variant),)+
                    other => Err($crate::names::UnknownValue { field: $field, value: other.to_owned() }),
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::names::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }
    };
}

pub(crate) use named_enum;
