//! Consent signals the ad industry sends, read and written strictly: IAB Europe's TC strings
//! (Transparency and Consent Framework v2.2 and v2.3) and IAB Tech Lab's GPP strings (Global
//! Privacy Platform, with the US national and state sections).
//!
//! Consent management platforms send these strings; custos turns them into consent events.
//! A string the specification forbids is refused with a [`Rule`] naming the broken rule
//! ([`Mode::Strict`]), or decoded as far as it can be with the violations listed
//! ([`Mode::Lenient`]). `encode(decode(s)) == s` for every string the reference encoders
//! produce. Pure: no I/O. The decoded JSON is described in `docs/CONSENT_SIGNALS.md`.

mod bits;
mod ca;
pub mod gpp;
pub mod gvl;
pub mod mapping;
pub mod tcf;
mod time;

use serde::Serialize;

pub use gpp::GppString;
pub use tcf::TcString;

/// How strictly to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Refuse a string that breaks any rule of the specification.
    Strict,
    /// Decode what can be decoded and list the rules broken (a string that cannot be read at
    /// all is still refused).
    Lenient,
}

/// Declares the rule codes with their wire names.
macro_rules! custos_rules {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)* }
        impl $name {
            /// Every rule.
            pub const ALL: &[$name] = &[$($name::$v,)*];
            /// The stable code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }
        }
    };
}

custos_rules! {
    /// The rule a string breaks, as a stable code.
    pub enum Rule {
        /// The string is empty.
        Empty = "empty",
        /// A character outside the base64url alphabet (or `=` padding, which the formats forbid).
        BadBase64 = "bad_base64",
        /// The version field names a version this codec does not read.
        WrongVersion = "wrong_version",
        /// The string ends before its fields do.
        Truncated = "truncated",
        /// Whole characters after the last field, beyond an encoder's padding.
        TrailingData = "trailing_data",
        /// Bits after the last field that are not zero.
        NonzeroPadding = "nonzero_padding",
        /// A segment type that is unknown, repeated, not allowed in this version, or out of place.
        BadSegmentType = "bad_segment_type",
        /// Range entries not in ascending order, overlapping, or ending before they start.
        RangeOutOfOrder = "range_out_of_order",
        /// A vendor id of 0 or above the segment's `MaxVendorId`.
        VendorBeyondMax = "vendor_beyond_max",
        /// A string created after 28 February 2026 without its Disclosed Vendors segment (TCF v2.3).
        DisclosedVendorsMissing = "disclosed_vendors_missing",
        /// Legitimate interest declared for a purpose that may only rest on consent (TCF v2.2:
        /// purposes 1, 3, 4, 5 and 6).
        LegitimateInterestNotAllowed = "legitimate_interest_not_allowed",
        /// A language or country letter outside A-Z.
        BadLanguage = "bad_language",
        /// A field holds a value the specification does not define (a reserved purpose or
        /// restriction type, a notice value of 3, ...).
        BadFieldValue = "bad_field_value",
        /// The GPP header is not a header (its type is not 3).
        WrongHeaderType = "wrong_header_type",
        /// The GPP header lists a different number of sections than the string holds.
        SectionCountMismatch = "section_count_mismatch",
        /// A GPP section id this codec does not know.
        UnknownSection = "unknown_section",
        /// A Fibonacci-coded number or range that is malformed or not ascending.
        BadFibonacci = "bad_fibonacci",
        /// A value that cannot be encoded (too large for its field, or missing).
        NotEncodable = "not_encodable",
        /// A Global Vendor List file that is not one, or breaks its own rules.
        BadVendorList = "bad_vendor_list",
        /// A TC string names a vendor its vendor list version does not hold.
        VendorNotInList = "vendor_not_in_gvl",
        /// A TC string names a vendor list version that was never uploaded.
        GvlVersionUnknown = "gvl_version_unknown",
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A broken rule with what exactly broke it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{rule}: {detail}")]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// Where and how, in words.
    pub detail: String,
}

impl Violation {
    pub(crate) fn new(rule: Rule, detail: impl Into<String>) -> Self {
        Self { rule, detail: detail.into() }
    }
}

/// A decoded string with the rules it broke (empty in strict mode).
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    /// The value.
    pub value: T,
    /// Rules broken that lenient mode let pass.
    pub violations: Vec<Violation>,
}

/// Which format a string is in, from its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A TC string (its version field, 2, packs to `C`).
    Tcf,
    /// A GPP string (its header type, 3, packs to `D`).
    Gpp,
}

/// The format of a string: a GPP string has sections (`~`) or is a bare header (`DB...`, no
/// `.`); anything else is read as a TC string (whose version field then decides).
pub fn kind(s: &str) -> Result<Kind, Violation> {
    if s.bytes().all(|b| b == b'.' || b == b'~') {
        return Err(Violation::new(Rule::Empty, "the string is empty"));
    }
    if s.contains('~') || (s.starts_with("DB") && !s.contains('.')) { Ok(Kind::Gpp) } else { Ok(Kind::Tcf) }
}

/// Collects violations: the first is an error in strict mode; lenient mode keeps them all.
pub(crate) struct Checks {
    mode: Mode,
    pub(crate) found: Vec<Violation>,
}

impl Checks {
    pub(crate) fn new(mode: Mode) -> Self {
        Self { mode, found: Vec::new() }
    }

    /// Records a rule of the framework's policy rather than of the format (reserved purposes,
    /// day-level timestamps, global scope): strict mode lets it pass, lenient mode lists it, so
    /// strings the reference libraries write are never refused for it.
    pub(crate) fn advise(&mut self, v: impl FnOnce() -> Violation) {
        if self.mode == Mode::Lenient {
            self.found.push(v());
        }
    }

    /// Records a violation that lenient mode can read past.
    pub(crate) fn flag(&mut self, v: Violation) -> Result<(), Violation> {
        match self.mode {
            Mode::Strict => Err(v),
            Mode::Lenient => {
                self.found.push(v);
                Ok(())
            }
        }
    }
}

/// Decodes a TC or GPP string (told apart by its first character) to the JSON described in
/// `docs/CONSENT_SIGNALS.md`; in lenient mode the rules broken are listed under `violations`.
pub fn decode_json(s: &str, mode: Mode) -> Result<serde_json::Value, Violation> {
    let (value, violations) = match kind(s)? {
        Kind::Tcf => {
            let d = tcf::decode(s, mode)?;
            (serde_json::to_value(&d.value), d.violations)
        }
        Kind::Gpp => {
            let d = gpp::decode(s, mode)?;
            (serde_json::to_value(&d.value), d.violations)
        }
    };
    let mut value = value.map_err(|e| Violation::new(Rule::NotEncodable, e.to_string()))?;
    if mode == Mode::Lenient
        && let Some(map) = value.as_object_mut()
    {
        map.insert("violations".into(), serde_json::to_value(&violations).unwrap_or_default());
    }
    Ok(value)
}

/// Encodes a decoded value back to its string: a GPP value has a `header`, anything else is
/// read as a TC string.
pub fn encode_json(value: &serde_json::Value) -> Result<String, Violation> {
    let mut value = value.clone();
    if let Some(map) = value.as_object_mut() {
        map.remove("violations");
    }
    let unreadable = |e: serde_json::Error| Violation::new(Rule::NotEncodable, e.to_string());
    if value.get("header").is_some() {
        gpp::encode(&serde_json::from_value(value).map_err(unreadable)?)
    } else {
        tcf::encode(&serde_json::from_value(value).map_err(unreadable)?)
    }
}

/// Whether a string is valid in the given mode (the first rule it breaks otherwise).
pub fn validate(s: &str, mode: Mode) -> Result<(), Violation> {
    match kind(s)? {
        Kind::Tcf => tcf::decode(s, mode).map(|_| ()),
        Kind::Gpp => gpp::decode(s, mode).map(|_| ()),
    }
}
