//! The gate's rule for data released to a vendor (the check's `recipient`): who may receive
//! what, decided from the vendor register. Pure: the caller says which agreements are in force
//! on the day and whether their transfers are covered.
//!
//! - Every vendor receives only for the purposes and data categories declared shared with it
//!   (the record of recipients, GDPR Art. 30(1)(d), and what notices tell people, Art.
//!   13(1)(e)); otherwise `recipient_not_declared`. A vendor whose relationship ended receives
//!   nothing.
//! - A processor or sub-processor also needs a data processing agreement (Art. 28(3)) in force
//!   that covers every released category, processed where its transfer is covered (Art. 44-46);
//!   otherwise `no_valid_dpa`.
//! - A joint controller needs an arrangement (Art. 26) in force; otherwise
//!   `no_joint_arrangement`.
//! - Another recipient (a controller of its own) needs only the declaration.

use custos_core::{DataCategory, PurposeKey};

use crate::{Reason, ReasonCode};

custos_core::vocabulary! {
    /// What a vendor is to the business, which decides the rule data to it follows.
    pub enum VendorRole: "role" {
        /// Processes personal data on the business's behalf (GDPR Art. 28).
        Processor = "processor" ("Processor"),
        /// Processes it on behalf of one of the business's processors (Art. 28(2), (4)).
        SubProcessor = "sub_processor" ("Sub-processor"),
        /// Decides purposes and means together with the business (Art. 26).
        JointController = "joint_controller" ("Joint controller"),
        /// Another recipient that uses the data as a controller of its own.
        Recipient = "recipient" ("Other recipient"),
    }
}

custos_core::vocabulary! {
    /// The kind of agreement that lets data flow to a vendor.
    pub enum AgreementKind: "kind" {
        /// A data processing agreement (GDPR Art. 28(3)); with a sub-processor, the terms its
        /// processor passed on (Art. 28(4)).
        Dpa = "dpa" ("Data processing agreement"),
        /// A joint-controller arrangement (Art. 26).
        JointArrangement = "joint_arrangement" ("Joint-controller arrangement"),
        /// A data-sharing agreement with another controller.
        DataSharing = "data_sharing" ("Data-sharing agreement"),
    }
}

/// One agreement with a vendor, as the gate needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Its kind.
    pub kind: AgreementKind,
    /// The categories it covers.
    pub categories: Vec<DataCategory>,
    /// Signed, not expired and not terminated on the day of the check.
    pub in_force: bool,
    /// The country it is processed in is in the EEA, or the transfer has a mechanism that
    /// works there.
    pub transfer_covered: bool,
}

/// What the gate knows about the vendor a check names as its recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipientFacts {
    /// Its name, for the reason's sentence.
    pub name: String,
    /// Its role.
    pub role: VendorRole,
    /// False once the relationship ended.
    pub active: bool,
    /// Purposes declared shared with it.
    pub purposes: Vec<PurposeKey>,
    /// Data categories declared shared with it.
    pub categories: Vec<DataCategory>,
    /// Its agreements.
    pub agreements: Vec<Agreement>,
}

fn reason(code: ReasonCode, message: String) -> Option<Reason> {
    Some(Reason { code, message })
}

/// Why data of `released` categories may not go to `r` for `purpose`, or None when it may.
pub fn refusal(r: &RecipientFacts, purpose: &PurposeKey, released: &[DataCategory]) -> Option<Reason> {
    use ReasonCode as R;
    let name = &r.name;
    if !r.active {
        return reason(R::RecipientNotDeclared, format!("{name} no longer receives data: the relationship ended."));
    }
    if !r.purposes.contains(purpose) {
        return reason(R::RecipientNotDeclared, format!("This purpose is not one declared as shared with {name}."));
    }
    if let Some(c) = released.iter().find(|c| !r.categories.iter().any(|d| d.covers(c))) {
        return reason(R::RecipientNotDeclared, format!("`{c}` is not a data category declared as shared with {name}."));
    }
    match r.role {
        VendorRole::Processor | VendorRole::SubProcessor => {
            let dpas: Vec<&Agreement> = r.agreements.iter().filter(|a| a.kind == AgreementKind::Dpa).collect();
            let valid: Vec<&&Agreement> = dpas.iter().filter(|a| a.in_force && a.transfer_covered).collect();
            if valid.is_empty() {
                let why = if dpas.is_empty() {
                    "there is no data processing agreement with it"
                } else if dpas.iter().any(|a| a.in_force) {
                    "its data processing agreement sends the data outside the EEA without a transfer mechanism"
                } else {
                    "its data processing agreement is not in force (expired, terminated or not yet signed)"
                };
                return reason(R::NoValidDpa, format!("{name} processes data for the business, but {why} (GDPR Art. 28)."));
            }
            if let Some(c) = released.iter().find(|c| !valid.iter().any(|a| a.categories.iter().any(|d| d.covers(c)))) {
                return reason(R::NoValidDpa, format!("No data processing agreement in force with {name} covers `{c}` (GDPR Art. 28)."));
            }
            None
        }
        VendorRole::JointController => {
            if r.agreements.iter().any(|a| a.kind == AgreementKind::JointArrangement && a.in_force) {
                None
            } else {
                reason(
                    R::NoJointArrangement,
                    format!("{name} is a joint controller without an arrangement in force on each side's duties (GDPR Art. 26)."),
                )
            }
        }
        VendorRole::Recipient => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(s: &str) -> DataCategory {
        DataCategory::parse(s).expect("category")
    }

    fn purpose() -> PurposeKey {
        PurposeKey::parse("marketing.advertising").expect("purpose")
    }

    fn vendor(role: VendorRole, agreements: Vec<Agreement>) -> RecipientFacts {
        RecipientFacts {
            name: "Mailer Ltd".into(),
            role,
            active: true,
            purposes: vec![purpose()],
            categories: vec![cat("user.contact")],
            agreements,
        }
    }

    fn dpa(in_force: bool, transfer_covered: bool) -> Agreement {
        Agreement { kind: AgreementKind::Dpa, categories: vec![cat("user.contact.email")], in_force, transfer_covered }
    }

    fn code(r: &RecipientFacts, released: &[&str]) -> Option<ReasonCode> {
        refusal(r, &purpose(), &released.iter().map(|c| cat(c)).collect::<Vec<_>>()).map(|r| r.code)
    }

    #[test]
    fn processors_need_a_dpa_in_force_covering_each_category() {
        use ReasonCode as R;
        let email = ["user.contact.email"];
        assert_eq!(code(&vendor(VendorRole::Processor, vec![]), &email), Some(R::NoValidDpa));
        assert_eq!(code(&vendor(VendorRole::Processor, vec![dpa(false, true)]), &email), Some(R::NoValidDpa));
        assert_eq!(code(&vendor(VendorRole::Processor, vec![dpa(true, false)]), &email), Some(R::NoValidDpa));
        assert_eq!(code(&vendor(VendorRole::Processor, vec![dpa(true, true)]), &email), None);
        assert_eq!(code(&vendor(VendorRole::SubProcessor, vec![dpa(true, true)]), &email), None);
        // Declared but not covered by the agreement.
        assert_eq!(code(&vendor(VendorRole::Processor, vec![dpa(true, true)]), &["user.contact.phone_number"]), Some(R::NoValidDpa));
        // An expired agreement next to a valid one does not matter.
        assert_eq!(code(&vendor(VendorRole::Processor, vec![dpa(false, true), dpa(true, true)]), &email), None);
        // Another kind of agreement is not a DPA.
        let sharing = Agreement { kind: AgreementKind::DataSharing, ..dpa(true, true) };
        assert_eq!(code(&vendor(VendorRole::Processor, vec![sharing]), &email), Some(R::NoValidDpa));
        let why =
            refusal(&vendor(VendorRole::Processor, vec![dpa(true, false)]), &purpose(), &[cat("user.contact.email")]).expect("refused");
        assert!(why.message.contains("outside the EEA"), "{}", why.message);
    }

    #[test]
    fn every_vendor_receives_only_what_was_declared() {
        use ReasonCode as R;
        for role in VendorRole::ALL {
            let v = vendor(*role, vec![dpa(true, true), Agreement { kind: AgreementKind::JointArrangement, ..dpa(true, true) }]);
            assert_eq!(code(&v, &["user.financial"]), Some(R::RecipientNotDeclared), "{role:?}");
            let other = PurposeKey::parse("analytics").expect("purpose");
            assert_eq!(refusal(&v, &other, &[]).map(|r| r.code), Some(R::RecipientNotDeclared), "{role:?}");
            assert_eq!(code(&RecipientFacts { active: false, ..v.clone() }, &[]), Some(R::RecipientNotDeclared), "{role:?}");
            assert_eq!(code(&v, &["user.contact.email"]), None, "{role:?}");
        }
    }

    #[test]
    fn joint_controllers_need_an_arrangement_and_recipients_a_declaration() {
        use ReasonCode as R;
        let email = ["user.contact.email"];
        assert_eq!(code(&vendor(VendorRole::JointController, vec![dpa(true, true)]), &email), Some(R::NoJointArrangement));
        let arrangement = Agreement { kind: AgreementKind::JointArrangement, ..dpa(false, true) };
        assert_eq!(code(&vendor(VendorRole::JointController, vec![arrangement.clone()]), &email), Some(R::NoJointArrangement));
        let arrangement = Agreement { in_force: true, ..arrangement };
        assert_eq!(code(&vendor(VendorRole::JointController, vec![arrangement]), &email), None);
        assert_eq!(code(&vendor(VendorRole::Recipient, vec![]), &email), None);
    }
}
