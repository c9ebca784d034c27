//! Smaller closed sets of the domain: staff roles, fairness audit states and the names of
//! ledger events. (DSR, consent and purpose words live beside their types.)

crate::vocabulary! {
    /// A staff member's role in the console. Roles are a set, not a ladder: a person holds any
    /// number of them, and what each allows is one permission table (`custos-service`'s
    /// `allowed`), never a comparison of role names.
    pub enum Role: "role" {
        /// Reviews automated decisions.
        Reviewer = "reviewer" ("Reviewer"),
        /// Runs and reads fairness audits.
        Analyst = "analyst" ("Analyst"),
        /// Handles data-subject requests and reads subjects.
        PrivacyOfficer = "privacy_officer" ("Privacy officer"),
        /// Configures custos: purposes, notices, API keys, staff.
        Admin = "admin" ("Administrator"),
        /// Reads requests and decisions for legal review.
        Legal = "legal" ("Legal"),
        /// Reads decisions and audits for compliance reporting.
        Compliance = "compliance" ("Compliance"),
        /// Owns models: reads their decisions and audits.
        ModelOwner = "model_owner" ("Model owner"),
        /// Looks after keys and the ledger.
        Security = "security" ("Security"),
    }
}

crate::vocabulary! {
    /// Where a fairness audit is in its life.
    pub enum AuditStatus: "status" {
        /// Waiting for the worker.
        Queued = "queued" ("Queued"),
        /// Being computed.
        Running = "running" ("Running"),
        /// Finished with a report.
        Succeeded = "succeeded" ("Finished"),
        /// Finished without a report (the error says why).
        Failed = "failed" ("Failed"),
    }
}

crate::vocabulary! {
    /// Every kind of event the ledger records; the wire name is the leaf's `event` field.
    pub enum LedgerEvent: "event" {
        /// An API key was created.
        ApiKeyCreated = "api_key.created" ("API key created"),
        /// An API key was revoked.
        ApiKeyRevoked = "api_key.revoked" ("API key revoked"),
        /// A consent event was recorded.
        ConsentRecorded = "consent.recorded" ("Consent recorded"),
        /// A consent signal (TC or GPP string) was received for a subject and stored sealed,
        /// with its digest and what it changed.
        SignalRecorded = "signal.recorded" ("Consent signal recorded"),
        /// An automated decision was logged.
        DecisionRecorded = "decision.recorded" ("Decision recorded"),
        /// What actually happened after a decision was recorded.
        DecisionOutcome = "decision.outcome" ("Decision outcome recorded"),
        /// A subject was created.
        SubjectCreated = "subject.created" ("Subject created"),
        /// A subject's data or jurisdiction changed.
        SubjectUpdated = "subject.updated" ("Subject updated"),
        /// A Global Privacy Control signal seen on a request about a subject was recorded as
        /// their opt-out of sale and sharing (only when it changed their state).
        SubjectGpcRecorded = "subject.gpc_recorded" ("Global Privacy Control signal recorded"),
        /// A subject was erased (crypto-shredded).
        SubjectErased = "subject.erased" ("Subject erased"),
        /// A data-subject request was filed.
        DsrCreated = "dsr.created" ("Request received"),
        /// A request's requester was verified.
        DsrVerified = "dsr.verified" ("Request verified"),
        /// A request's deadline was extended.
        DsrExtended = "dsr.extended" ("Request extended"),
        /// A request was rejected.
        DsrRejected = "dsr.rejected" ("Request rejected"),
        /// A request was carried out.
        DsrCompleted = "dsr.completed" ("Request completed"),
        /// A fairness audit was asked for.
        FairnessAuditRequested = "fairness.audit_requested" ("Fairness audit requested"),
        /// A recurring fairness audit was scheduled.
        FairnessScheduleCreated = "fairness.schedule_created" ("Fairness schedule created"),
        /// A recurring fairness audit was removed.
        FairnessScheduleDeleted = "fairness.schedule_deleted" ("Fairness schedule deleted"),
        /// An audit read sensitive data to compute group metrics.
        FairnessSensitiveDataRead = "fairness.sensitive_data_read" ("Sensitive data read for an audit"),
        /// A fairness audit finished with a report.
        FairnessAuditCompleted = "fairness.audit_completed" ("Fairness audit finished"),
        /// A fairness audit failed.
        FairnessAuditFailed = "fairness.audit_failed" ("Fairness audit failed"),
        /// The gate answered a check.
        GateCheck = "gate.check" ("Gate check"),
        /// A model was registered.
        ModelRegistered = "model.registered" ("Model registered"),
        /// PII tokens were put in the vault.
        PiiTokensVaulted = "pii.tokens_vaulted" ("PII tokens vaulted"),
        /// Vaulted PII tokens were turned back into values.
        PiiDetokenized = "pii.detokenized" ("PII tokens revealed"),
        /// A customer signed in to the privacy center.
        PrivacyCenterSignedIn = "privacy_center.signed_in" ("Customer signed in to the privacy center"),
        /// A purpose was declared.
        PurposeCreated = "purpose.created" ("Purpose declared"),
        /// A notice version was published.
        NoticePublished = "notice.published" ("Notice published"),
        /// Data past its retention period was deleted.
        RetentionExpired = "retention.expired" ("Data past retention deleted"),
        /// Gate checks past their retention period were deleted.
        RetentionChecksExpired = "retention.checks_expired" ("Old gate checks deleted"),
        /// A retention run deleted monitors' stored window sketches past their retention.
        RetentionMonitorWindowsExpired = "retention.monitor_windows_expired" ("Old monitor windows deleted"),
        /// A staff account was created.
        StaffUserCreated = "staff.user_created" ("Staff account created"),
        /// A staff member's password was reset.
        StaffPasswordReset = "staff.password_reset" ("Staff password reset"),
        /// A console sign-in failed.
        StaffSignInFailed = "staff.sign_in_failed" ("Console sign-in failed"),
        /// A staff member signed in to the console.
        StaffSignedIn = "staff.signed_in" ("Staff signed in"),
        /// A staff member signed out.
        StaffSignedOut = "staff.signed_out" ("Staff signed out"),
        /// A staff member opened a subject's page.
        StaffViewedSubject = "staff.viewed_subject" ("Staff viewed a subject"),
        /// The master key was replaced and every data key re-wrapped.
        MasterKeyRotated = "master_key.rotated" ("Master key rotated"),
        /// A review rule was created (or a new version of one).
        ReviewRuleCreated = "review_rule.created" ("Review rule created"),
        /// A review rule was deleted.
        ReviewRuleDeleted = "review_rule.deleted" ("Review rule deleted"),
        /// A decision was sent to a person for review.
        ReviewOpened = "review.opened" ("Review opened"),
        /// A reviewer took a review, or it was assigned to one.
        ReviewClaimed = "review.claimed" ("Review taken"),
        /// A reviewer recorded their judgement.
        ReviewVerdict = "review.verdict" ("Reviewer's judgement recorded"),
        /// A review was resolved: the decision confirmed or overridden.
        ReviewResolved = "review.resolved" ("Review resolved"),
        /// A review passed its due time and went to the escalation role (it stays open).
        ReviewEscalated = "review.escalated" ("Review overdue and escalated"),
        /// The stop button: a purpose or model was suspended.
        SuspensionCreated = "suspension.created" ("Suspended"),
        /// A suspension was lifted.
        SuspensionLifted = "suspension.lifted" ("Suspension lifted"),
        /// An alert started firing.
        AlertFired = "alert.fired" ("Alert fired"),
        /// An impact assessment was started (its answers' digest and what custos concluded).
        AssessmentCreated = "assessment.created" ("Assessment started"),
        /// An assessment's answers or status changed.
        AssessmentUpdated = "assessment.updated" ("Assessment updated"),
        /// A privacy officer approved an assessment.
        AssessmentApproved = "assessment.approved" ("Assessment approved"),
        /// An approved assessment went back for review: its AI system changed.
        AssessmentReviewRequired = "assessment.review_required" ("Assessment needs review"),
        /// An incident was opened (its facts; never what staff wrote about it).
        IncidentOpened = "incident.opened" ("Incident opened"),
        /// An incident's facts, status, plan or texts changed (texts are named, not copied).
        IncidentUpdated = "incident.updated" ("Incident updated"),
        /// Letters went to the people an incident affects (counts and the letter's digest).
        IncidentLettersSent = "incident.letters_sent" ("Letters sent to the people affected"),
        /// A notification an incident's legal duty asks for was recorded (the clock stopped).
        IncidentNotified = "incident.notified" ("Incident notification recorded"),
        /// A risk was recorded in the risk register (or raised from an alert or incident).
        RiskCreated = "risk.created" ("Risk recorded"),
        /// A risk's scores, mitigations, owner, status or review date changed.
        RiskUpdated = "risk.updated" ("Risk updated"),
        /// A vendor was added to the register (its role, country and what it receives).
        VendorCreated = "vendor.created" ("Vendor recorded"),
        /// A vendor's record changed (the leaf names the fields and their new values).
        VendorUpdated = "vendor.updated" ("Vendor updated"),
        /// An agreement with a vendor was recorded (its kind, dates, country and mechanism).
        DpaRecorded = "dpa.recorded" ("Agreement with a vendor recorded"),
        /// An agreement with a vendor changed or was terminated.
        DpaUpdated = "dpa.updated" ("Agreement with a vendor updated"),
        /// A course was added to the staff training catalog.
        TrainingCreated = "training.created" ("Training course recorded"),
        /// A course's validity, required roles or status changed.
        TrainingUpdated = "training.updated" ("Training course updated"),
        /// A staff member's completion of a course was recorded (the evidence as a digest).
        TrainingCompleted = "training.completed" ("Training completed"),
        /// A completion's date or evidence was corrected.
        TrainingRecordUpdated = "training.record_updated" ("Training record corrected"),
        /// The staff policies decided whether a staff member sees personal data unmasked (the
        /// area, the purpose, the decision and the policies' version).
        AccessDecided = "access.decided" ("Access to personal data decided"),
        /// A version of the obligations catalog was loaded (its version, what it added,
        /// removed and changed).
        CatalogLoaded = "catalog.loaded" ("Obligations catalog loaded"),
        /// A DPO marked an obligation not applicable, or applicable again (the leaf carries a
        /// digest of the justification).
        ObligationScoped = "obligation.scoped" ("Obligation scoped"),
        /// A control was evaluated: the leaf carries the SHA-256 of the evidence record.
        EvidenceRecorded = "evidence.recorded" ("Compliance evidence recorded"),
        /// A person uploaded a file as evidence for a manual control (the file's and the
        /// record's SHA-256).
        EvidenceUploaded = "evidence.uploaded" ("Compliance evidence uploaded"),
        /// A person acknowledged an alert.
        AlertAcknowledged = "alert.acknowledged" ("Alert acknowledged"),
        /// An alert stopped firing.
        AlertResolved = "alert.resolved" ("Alert resolved"),
        /// A staff member took a request (or gave it to someone).
        DsrOwnerSet = "dsr.owner_set" ("Request owner set"),
        /// A staff member added an internal note to a request (the leaf carries a digest only).
        DsrNoteAdded = "dsr.note_added" ("Note added to a request"),
        /// A monitor was created (its reference window and settings).
        MonitorCreated = "monitor.created" ("Monitor created"),
        /// A monitor's alerts were silenced until a time, or the silence lifted.
        MonitorSilenced = "monitor.silenced" ("Monitor silenced"),
        /// A monitor's reference was replaced by an uploaded profile (the leaf carries its
        /// digest, rows and columns).
        MonitorReferenceUploaded = "monitor.reference_uploaded" ("Monitor reference profile uploaded"),
        /// An AI system was added to the inventory.
        AiSystemCreated = "ai_system.created" ("AI system recorded"),
        /// A customer-facing AI system's disclosure was published in a language (a new version).
        AiDisclosurePublished = "ai_system.disclosure_published" ("AI disclosure published"),
        /// A version of the IAB's Global Vendor List was uploaded.
        VendorListLoaded = "tcf.gvl_loaded" ("Global Vendor List uploaded"),
        /// An AI system's record changed (the leaf names the fields and their new values).
        AiSystemUpdated = "ai_system.updated" ("AI system updated"),
        /// Versions that decided before approvals existed were marked approved by the upgrade.
        ModelsApprovedAtUpgrade = "model.approved_at_upgrade" ("Models approved by the upgrade"),
        /// A model version's card, owner, AI system or shadow setting changed.
        ModelUpdated = "model.updated" ("Model updated"),
        /// A model version moved to another lifecycle state (the leaf says from, to and why).
        ModelStateChanged = "model.state_changed" ("Model state changed"),
        /// An approved version must be validated again (an alert or the approval's age).
        ModelRevalidationRequired = "model.revalidation_required" ("Model must be validated again"),
        /// A model version was submitted for approval.
        ApprovalRequested = "approval.requested" ("Approval requested"),
        /// A person signed off, rejected or asked for changes on an approval request.
        ApprovalSignedOff = "approval.signed_off" ("Approval signed"),
        /// A person commented on an approval request (the leaf holds a hash of the text).
        ApprovalCommented = "approval.commented" ("Approval comment"),
        /// An approval request was decided: approved, rejected or sent back for changes.
        ApprovalDecided = "approval.decided" ("Approval decided"),
        /// A validation set was uploaded (sealed) and its run queued.
        ValidationStarted = "validation.started" ("Validation started"),
        /// A validation run ended: its report's SHA-256 and whether it passed, or that it failed.
        ValidationFinished = "validation.finished" ("Validation finished"),
        /// A kept validation set was deleted (its retention ended, or its run was interrupted).
        ValidationSetDeleted = "validation.set_deleted" ("Validation set deleted"),
        /// A segment was saved (its name, filter and fields).
        SegmentCreated = "segment.created" ("Segment saved"),
        /// A purpose's export policy got a new version (the whole policy, and whether the
        /// privacy budget was reset).
        ExportPolicyChanged = "export_policy.changed" ("Export policy changed"),
        /// A segment export was made: the purpose, the policy version, what was achieved and
        /// the SHA-256 of the file.
        ExportCreated = "export.created" ("Segment exported"),
        /// An export's file was deleted (its retention ended).
        ExportFileDeleted = "export.file_deleted" ("Export file deleted"),
        /// A differentially private query was answered and its privacy budget spent.
        DpQueryAnswered = "dp.query_answered" ("Private statistics released"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;

    fn distinct<T: Vocabulary>() {
        let mut names: Vec<&str> = T::ALL.iter().map(|v| v.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), T::ALL.len(), "{} names are distinct", T::FIELD);
        for v in T::ALL {
            assert_eq!(T::parse(v.as_str()), Ok(*v));
            assert!(!v.label().is_empty() && !v.label().contains(['_', '.']), "{:?} has a plain label", v);
        }
    }

    #[test]
    fn words_are_distinct_and_round_trip() {
        distinct::<Role>();
        distinct::<AuditStatus>();
        distinct::<LedgerEvent>();
        assert_eq!(LedgerEvent::ALL.len(), 98);
    }
}
