use custos_core::{ConsentStatus, DataCategory, Jurisdiction, LegalBasis, Purpose, PurposeKey, default_opt_out_jurisdictions};
use serde::{Deserialize, Serialize};

/// Deployment-wide settings of the gate.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// Jurisdictions where consent-based processing may go ahead until the subject opts out.
    pub opt_out_jurisdictions: Vec<Jurisdiction>,
    /// Categories that are stored for fairness audits only and never released.
    pub audit_only: Vec<DataCategory>,
}

impl Default for GateConfig {
    fn default() -> Self {
        let audit_only =
            ["user.demographic.gender", "user.demographic.race_ethnicity"].iter().filter_map(|k| DataCategory::parse(k).ok()).collect();
        Self { opt_out_jurisdictions: default_opt_out_jurisdictions(), audit_only }
    }
}

impl GateConfig {
    /// True when `category` is (under) an audit-only category.
    pub fn is_audit_only(&self, category: &DataCategory) -> bool {
        self.audit_only.iter().any(|a| a.covers(category))
    }
}

/// The objections (GDPR Art. 21) a subject has made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Objections {
    /// Purposes objected to one by one.
    pub purposes: Vec<PurposeKey>,
    /// An objection to all profiling.
    pub profiling: bool,
    /// An objection to all direct marketing.
    pub direct_marketing: bool,
}

/// Everything the gate needs to know about one subject for one purpose.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectState {
    /// Where the subject is.
    pub jurisdiction: Jurisdiction,
    /// The subject was erased; nothing may be used.
    pub erased: bool,
    /// A restriction of processing (GDPR Art. 18) is active.
    pub restricted: bool,
    /// Objections in force.
    pub objections: Objections,
    /// The subject opted out of sale/sharing (CCPA 1798.120).
    pub opted_out_of_sale_or_share: bool,
    /// A Global Privacy Control signal was recorded for the subject earlier.
    pub gpc: bool,
    /// The current consent state for the purpose, if the subject ever answered.
    pub consent: Option<ConsentStatus>,
    /// That consent was given, for this purpose only, after the subject was shown that their
    /// Global Privacy Control signal says otherwise (CCPA regulations § 7025(c)(3)).
    pub consent_overrides_gpc: bool,
    /// The data categories custos holds for the subject.
    pub held: Vec<DataCategory>,
}

custos_core::vocabulary! {
    /// Allow or deny.
    pub enum Decision: "decision" {
        /// The use may go ahead with the released data.
        Allow = "allow" ("Allowed"),
        /// The use must not go ahead.
        Deny = "deny" ("Denied"),
    }
}

custos_core::vocabulary! {
    /// Machine-readable reason codes; stable, documented in the API.
    #[non_exhaustive]
    pub enum ReasonCode: "code" {
        /// The subject was erased.
        SubjectErased = "subject_erased" ("Subject erased"),
        /// A person suspended the purpose (the stop button, EU AI Act Art. 14(4)(e)).
        Suspended = "suspended" ("Suspended by a person"),
        /// No purpose with that key is declared.
        PurposeUnknown = "purpose_unknown" ("Unknown purpose"),
        /// A restriction of processing is active.
        ProcessingRestricted = "processing_restricted" ("Processing restricted"),
        /// A restriction is active but the purpose is a legal obligation.
        RestrictionOverriddenByLegalObligation = "restriction_overridden_by_legal_obligation" ("Restricted, but required by law"),
        /// The purpose rests on a contract with the subject.
        BasisContract = "basis_contract" ("Needed for a contract"),
        /// The purpose rests on a legal obligation.
        BasisLegalObligation = "basis_legal_obligation" ("Required by law"),
        /// The purpose rests on legitimate interest and no objection stops it.
        BasisLegitimateInterest = "basis_legitimate_interest" ("Legitimate interest"),
        /// The subject objected to this purpose.
        ObjectionPurpose = "objection_purpose" ("Objected to this purpose"),
        /// The subject objected to profiling.
        ObjectionProfiling = "objection_profiling" ("Objected to profiling"),
        /// The subject objected to direct marketing.
        ObjectionDirectMarketing = "objection_direct_marketing" ("Objected to direct marketing"),
        /// A Global Privacy Control signal opts the subject out of sale/sharing.
        GpcOptOut = "gpc_opt_out" ("Global Privacy Control opt-out"),
        /// The subject allowed this purpose after being shown their GPC signal says otherwise.
        ConsentOverridesGpc = "consent_overrides_gpc" ("Allowed despite Global Privacy Control"),
        /// The subject opted out of sale/sharing (`opted_out_sale_share` before 0.2).
        OptedOutOfSaleOrShare = "opted_out_of_sale_or_share" ("Opted out of sale or sharing") | "opted_out_sale_share",
        /// A current granted consent covers the purpose.
        ConsentGranted = "consent_granted" ("Consent granted"),
        /// No consent was given and the purpose needs one.
        ConsentMissing = "consent_missing" ("No consent"),
        /// The subject refused consent.
        ConsentDenied = "consent_denied" ("Consent refused"),
        /// The subject withdrew consent.
        ConsentWithdrawn = "consent_withdrawn" ("Consent withdrawn"),
        /// Opt-out jurisdiction and the subject has not opted out.
        OptOutNotExercised = "opt_out_not_exercised" ("No opt-out"),
        /// The purpose is sensitive, so consent is required everywhere.
        SensitiveRequiresConsent = "sensitive_requires_consent" ("Sensitive: consent needed"),
        /// A requested category is not one the purpose may use; it was withheld.
        CategoryNotAllowed = "category_not_allowed" ("Category not allowed"),
        /// A requested category is audit-only; it was withheld.
        CategoryAuditOnly = "category_audit_only" ("Category for audits only"),
        /// Released values are pseudonymous tokens.
        Pseudonymized = "pseudonymized" ("Released as tokens"),
        /// The model version named on the check is not approved (or not registered).
        ModelNotApproved = "model_not_approved" ("Model version not approved"),
        /// The recipient is a processor or sub-processor without a data processing agreement
        /// in force covering the data (GDPR Art. 28), or whose transfer has no mechanism.
        NoValidDpa = "no_valid_dpa" ("No valid data processing agreement"),
        /// The recipient is a joint controller without an arrangement in force (GDPR Art. 26).
        NoJointArrangement = "no_joint_arrangement" ("No joint-controller arrangement"),
        /// The purpose or a data category is not declared as shared with the recipient, or
        /// the relationship ended.
        RecipientNotDeclared = "recipient_not_declared" ("Not declared for this recipient"),
        /// The subject's latest TC string does not let the TCF vendor receiving the data
        /// process it for the purpose's TCF purposes (no consent or legitimate interest, a
        /// publisher restriction, not declared in the vendor list, or no TC string at all).
        TcfVendorNotAllowed = "tcf_vendor_not_allowed" ("Not allowed for this TCF vendor"),
    }
}

/// One reason for a decision: a stable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable code.
    pub code: ReasonCode,
    /// Explanation in plain English.
    pub message: String,
}

/// A data category the gate releases, and whether as a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The category released.
    pub category: DataCategory,
    /// Release a pseudonymous token instead of the value.
    pub pseudonymize: bool,
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct GateDecision {
    /// Allow or deny.
    pub decision: Decision,
    /// Why, most decisive first.
    pub reasons: Vec<Reason>,
    /// What may be released; always empty on deny.
    pub released: Vec<Release>,
}

fn reason(code: ReasonCode, message: impl Into<String>) -> Reason {
    Reason { code, message: message.into() }
}

fn deny(reasons: Vec<Reason>) -> GateDecision {
    GateDecision { decision: Decision::Deny, reasons, released: Vec::new() }
}

/// Decides whether `purpose` (None when no such purpose is declared) may use the `requested`
/// categories of the subject described by `subject`. `gpc_signal` is a `Sec-GPC: 1` header on
/// the request being decided.
pub fn evaluate(
    config: &GateConfig,
    subject: &SubjectState,
    purpose: Option<&Purpose>,
    requested: &[DataCategory],
    gpc_signal: bool,
) -> GateDecision {
    use ReasonCode as R;
    if subject.erased {
        return deny(vec![reason(R::SubjectErased, "The subject's data was erased.")]);
    }
    let Some(purpose) = purpose else {
        return deny(vec![reason(R::PurposeUnknown, "No purpose with this key is declared.")]);
    };
    let mut reasons = Vec::new();
    if subject.restricted {
        if purpose.legal_basis != LegalBasis::LegalObligation {
            return deny(vec![reason(R::ProcessingRestricted, "The subject restricted processing of their data (GDPR Art. 18).")]);
        }
        reasons.push(reason(R::RestrictionOverriddenByLegalObligation, "Processing is restricted, but this purpose is required by law."));
    }
    match purpose.legal_basis {
        LegalBasis::Contract => {
            reasons.push(reason(R::BasisContract, "The purpose is needed to perform a contract with the subject."));
            return allow(config, subject, purpose, requested, reasons);
        }
        LegalBasis::LegalObligation => {
            reasons.push(reason(R::BasisLegalObligation, "The purpose is required by law."));
            return allow(config, subject, purpose, requested, reasons);
        }
        LegalBasis::Consent | LegalBasis::LegitimateInterest => {}
    }

    if subject.objections.purposes.contains(&purpose.purpose) {
        return deny(vec![reason(R::ObjectionPurpose, "The subject objected to this purpose.")]);
    }
    if purpose.profiling && subject.objections.profiling {
        return deny(vec![reason(R::ObjectionProfiling, "The subject objected to profiling.")]);
    }
    if purpose.purpose.is_marketing() && subject.objections.direct_marketing {
        return deny(vec![reason(R::ObjectionDirectMarketing, "The subject objected to direct marketing.")]);
    }
    let opt_out_jurisdiction = subject.jurisdiction.is_opt_out(&config.opt_out_jurisdictions);
    if purpose.sale_or_share && opt_out_jurisdiction {
        if gpc_signal || subject.gpc {
            // The customer's explicit choice for this one purpose, made knowing the conflict,
            // wins over the signal; withdrawing it brings the signal back.
            if subject.consent == Some(ConsentStatus::Granted) && subject.consent_overrides_gpc {
                reasons.push(reason(
                    R::ConsentOverridesGpc,
                    "The subject allowed this purpose after being told that their Global Privacy Control signal says otherwise.",
                ));
            } else {
                return deny(vec![reason(R::GpcOptOut, "A Global Privacy Control signal opts the subject out of sale and sharing.")]);
            }
        }
        if subject.opted_out_of_sale_or_share {
            return deny(vec![reason(R::OptedOutOfSaleOrShare, "The subject opted out of the sale and sharing of their data.")]);
        }
    }

    if purpose.legal_basis == LegalBasis::LegitimateInterest {
        reasons.push(reason(R::BasisLegitimateInterest, "The purpose rests on legitimate interest and the subject has not objected."));
        return allow(config, subject, purpose, requested, reasons);
    }

    // Consent basis.
    match subject.consent {
        Some(ConsentStatus::Granted) => {
            reasons.push(reason(R::ConsentGranted, "The subject consented to this purpose."));
            allow(config, subject, purpose, requested, reasons)
        }
        Some(ConsentStatus::Denied) => deny(vec![reason(R::ConsentDenied, "The subject refused consent to this purpose.")]),
        Some(ConsentStatus::Withdrawn) => deny(vec![reason(R::ConsentWithdrawn, "The subject withdrew consent to this purpose.")]),
        None if purpose.sensitive => {
            deny(vec![reason(R::SensitiveRequiresConsent, "The purpose uses sensitive data, which needs the subject's explicit consent.")])
        }
        None if !opt_out_jurisdiction => deny(vec![reason(R::ConsentMissing, "The subject has not consented to this purpose.")]),
        None => {
            reasons.push(reason(
                R::OptOutNotExercised,
                "In the subject's jurisdiction this use is allowed until the subject opts out, and they have not.",
            ));
            allow(config, subject, purpose, requested, reasons)
        }
    }
}

/// Completes an allow: releases the held categories that are both requested and allowed for
/// the purpose, never audit-only ones, and explains what was withheld.
fn allow(
    config: &GateConfig,
    subject: &SubjectState,
    purpose: &Purpose,
    requested: &[DataCategory],
    mut reasons: Vec<Reason>,
) -> GateDecision {
    use ReasonCode as R;
    for r in requested {
        if config.is_audit_only(r) {
            reasons.push(reason(R::CategoryAuditOnly, format!("`{r}` is kept for fairness audits only and is never released.")));
        } else if !purpose.data_categories.iter().any(|c| c.covers(r) || r.covers(c)) {
            reasons.push(reason(R::CategoryNotAllowed, format!("`{r}` is not a data category this purpose may use.")));
        }
    }
    for h in &subject.held {
        let withheld_child = requested.iter().any(|r| r.covers(h) && r != h) && purpose.allows(h) && config.is_audit_only(h);
        if withheld_child && !requested.iter().any(|r| config.is_audit_only(r)) {
            reasons.push(reason(R::CategoryAuditOnly, format!("`{h}` is kept for fairness audits only and is never released.")));
        }
    }
    let released: Vec<Release> = subject
        .held
        .iter()
        .filter(|h| requested.iter().any(|r| r.covers(h)) && purpose.allows(h) && !config.is_audit_only(h))
        .map(|h| Release { category: h.clone(), pseudonymize: purpose.pseudonymize })
        .collect();
    if purpose.pseudonymize && !released.is_empty() {
        reasons.push(reason(R::Pseudonymized, "Values are released as pseudonymous tokens."));
    }
    GateDecision { decision: Decision::Allow, reasons, released }
}

#[cfg(test)]
mod tests;
