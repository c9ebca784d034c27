use serde::{Deserialize, Serialize};

use crate::ValidationError;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored name.
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ValidationError::new(
                        $field,
                        concat!("must be one of ", $($text, " "),+).trim_end().replace(' ', ", "),
                    )),
                }
            }
        }
    };
}

wire_enum!(
    /// The right a data-subject request exercises (GDPR Arts. 15-22, CCPA/CPRA).
    DsrType, "type" {
        /// Art. 15 / CCPA right to know: a copy of everything held.
        Access = "access",
        /// Art. 20: the same, machine-readable, to take elsewhere.
        Portability = "portability",
        /// Art. 17 / CCPA delete.
        Erasure = "erasure",
        /// Art. 16 / CPRA correct.
        Rectification = "rectification",
        /// Art. 18: stop processing except where the law requires it.
        Restriction = "restriction",
        /// Art. 21: object to a purpose, to profiling or to direct marketing.
        Objection = "objection",
        /// CCPA 1798.120: opt out of sale and sharing.
        OptOutSaleShare = "opt_out_sale_share",
        /// Art. 22(3): contest an automated decision and obtain human intervention; names the
        /// decision and carries the subject's statement. Completing it records that a person
        /// reviewed the decision.
        Contest = "contest",
    }
);

wire_enum!(
    /// Where a data-subject request stands.
    DsrStatus, "status" {
        /// Received; the requester's identity is not yet confirmed.
        PendingVerification = "pending_verification",
        /// Identity confirmed; to be carried out.
        Verified = "verified",
        /// Deadline extended once, with a reason.
        Extended = "extended",
        /// Carried out.
        Completed = "completed",
        /// Refused, with a reason.
        Rejected = "rejected",
    }
);

wire_enum!(
    /// What an objection (GDPR Art. 21) is against.
    ObjectionScope, "objection" {
        /// One purpose, named in the request.
        Purpose = "purpose",
        /// Every purpose that profiles the subject.
        Profiling = "profiling",
        /// Every direct-marketing (`marketing.*`) purpose.
        DirectMarketing = "direct_marketing",
    }
);

impl DsrStatus {
    /// True while the request still has to be answered.
    pub fn is_open(self) -> bool {
        matches!(self, Self::PendingVerification | Self::Verified | Self::Extended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_errors_list_choices() {
        for t in DsrType::ALL {
            assert_eq!(DsrType::parse(t.as_str()), Ok(*t));
        }
        let err = DsrType::parse("forget-me").expect_err("unknown");
        assert!(err.message().contains("opt_out_sale_share"), "{}", err.message());
        assert_eq!(serde_json::to_string(&DsrStatus::PendingVerification).expect("json"), "\"pending_verification\"");
    }
}
