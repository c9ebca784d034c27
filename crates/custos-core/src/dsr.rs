crate::vocabulary! {
    /// The right a data-subject request exercises (GDPR Arts. 15-22, CCPA/CPRA).
    pub enum DsrType: "type" {
        /// Art. 15 / CCPA right to know: a copy of everything held.
        Access = "access" ("Access to data"),
        /// Art. 20: the same, machine-readable, to take elsewhere.
        Portability = "portability" ("Data portability"),
        /// Art. 17 / CCPA delete.
        Erasure = "erasure" ("Erasure"),
        /// Art. 16 / CPRA correct.
        Rectification = "rectification" ("Correction"),
        /// Art. 18: stop processing except where the law requires it.
        Restriction = "restriction" ("Restriction of processing"),
        /// Art. 21: object to a purpose, to profiling or to direct marketing.
        Objection = "objection" ("Objection"),
        /// CCPA 1798.120: opt out of sale and sharing (spelt `opt_out_sale_share` before 0.2).
        OptOutOfSaleOrShare = "opt_out_of_sale_or_share" ("Opt-out of sale or sharing") | "opt_out_sale_share",
        /// Art. 22(3): contest an automated decision and obtain human intervention; names the
        /// decision and carries the subject's statement. Completing it records that a person
        /// reviewed the decision.
        Contest = "contest" ("Contest of an automated decision"),
    }
}

crate::vocabulary! {
    /// Where a data-subject request stands.
    pub enum DsrStatus: "status" {
        /// Received; the requester's identity is not yet confirmed.
        PendingVerification = "pending_verification" ("Waiting for verification"),
        /// Identity confirmed; to be carried out.
        Verified = "verified" ("Verified"),
        /// Deadline extended once, with a reason.
        Extended = "extended" ("Extended"),
        /// Carried out.
        Completed = "completed" ("Completed"),
        /// Refused, with a reason.
        Rejected = "rejected" ("Rejected"),
    }
}

crate::vocabulary! {
    /// What an objection (GDPR Art. 21) is against.
    pub enum ObjectionScope: "objection" {
        /// One purpose, named in the request.
        Purpose = "purpose" ("One purpose"),
        /// Every purpose that profiles the subject.
        Profiling = "profiling" ("Profiling"),
        /// Every direct-marketing (`marketing.*`) purpose.
        DirectMarketing = "direct_marketing" ("Direct marketing"),
    }
}

impl DsrStatus {
    /// The states in which a request still has to be answered.
    pub const OPEN: &'static [DsrStatus] = &[Self::PendingVerification, Self::Verified, Self::Extended];

    /// True while the request still has to be answered.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
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
        assert!(err.message().contains("opt_out_of_sale_or_share"), "{}", err.message());
        assert_eq!(DsrType::parse("opt_out_sale_share"), Ok(DsrType::OptOutOfSaleOrShare), "the old spelling is read for one release");
        assert_eq!(serde_json::to_string(&DsrStatus::PendingVerification).expect("json"), "\"pending_verification\"");
    }
}
