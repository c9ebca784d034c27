//! The words of human oversight: a decision's state and who made it, reviews and what
//! triggers them, the stop button, and the one alert store's states and sources.

crate::vocabulary! {
    /// Where a logged decision stands. Only a `final` decision may be acted on.
    pub enum DecisionStatus: "status" {
        /// Stands as logged (or as a person confirmed it).
        Final = "final" ("Final"),
        /// Waiting for a person; the caller must not act on it yet.
        PendingReview = "pending_review" ("Waiting for review"),
        /// A person replaced it with a decision of their own (`supersedes` names this one).
        Overridden = "overridden" ("Overridden by a person"),
        /// Made by an unapproved model version in shadow mode; never shown to customers.
        Shadow = "shadow" ("Shadow"),
    }
}

crate::vocabulary! {
    /// Who made a decision.
    pub enum DecidedBy: "decided_by" {
        /// The model named on the decision.
        Model = "model" ("The model"),
        /// A reviewer, overriding the model.
        Human = "human" ("A person"),
    }
}

crate::vocabulary! {
    /// Where a review stands. Time never moves a review to `resolved`: only a person does.
    pub enum ReviewStatus: "status" {
        /// Waiting for a reviewer (or for the second reviewer of a two-person rule).
        Open = "open" ("Waiting for a reviewer"),
        /// A reviewer took it.
        Claimed = "claimed" ("Being reviewed"),
        /// Decided by a person (or two).
        Resolved = "resolved" ("Resolved"),
    }
}

crate::vocabulary! {
    /// What a reviewer does with the model's decision.
    pub enum ReviewAction: "action" {
        /// The model's outcome stands.
        Confirm = "confirm" ("Confirmed"),
        /// The reviewer's outcome replaces it.
        Override = "override" ("Overridden"),
    }
}

crate::vocabulary! {
    /// Why a decision went to review: the condition of a rule that matched.
    pub enum ReviewTrigger: "code" {
        /// The rule covers this purpose.
        Purpose = "purpose" ("Purpose under review"),
        /// The rule covers this model (or model version).
        Model = "model" ("Model under review"),
        /// The decision has a legal or similarly significant effect.
        Significant = "significant" ("Significant effect"),
        /// The score lies in the rule's band of low confidence.
        ConfidenceBand = "confidence_band" ("Uncertain score"),
        /// No explanation is available for the decision.
        NoExplanation = "no_explanation" ("No explanation"),
        /// The subject is in a group a firing fairness alert names.
        FairnessAlert = "fairness_alert" ("Group with a fairness alert"),
        /// A review rule matched (what the system that logged the decision is told when the
        /// reasons would reveal audit-only data).
        Rule = "review_rule" ("A review rule"),
        /// Drawn for quality control.
        Sample = "sample" ("Random sample"),
        /// The customer contested the decision.
        Contest = "contest" ("Contested by the customer"),
        /// A suspension sends every decision of the model to review.
        Suspension = "suspension" ("Model suspended"),
        /// The model version's approval lapsed and its AI system sends decisions to review.
        ApprovalExpired = "approval_expired" ("Model approval expired"),
    }
}

crate::vocabulary! {
    /// Where a model version is in its life. Only `approved` versions decide about customers.
    pub enum ModelState: "state" {
        /// Registered, not yet submitted for approval.
        Draft = "draft" ("Draft"),
        /// Submitted: waiting for sign-off.
        InReview = "in_review" ("In review"),
        /// Signed off: may decide.
        Approved = "approved" ("Approved"),
        /// Refused at sign-off.
        Rejected = "rejected" ("Rejected"),
        /// Taken out of use.
        Retired = "retired" ("Retired"),
    }
}

crate::vocabulary! {
    /// Where an approval request stands.
    pub enum ApprovalStatus: "status" {
        /// Waiting for sign-offs.
        Open = "open" ("Waiting for sign-off"),
        /// Every required role signed off.
        Approved = "approved" ("Approved"),
        /// Someone rejected the version.
        Rejected = "rejected" ("Rejected"),
        /// Someone asked for changes; the owner submits again.
        ChangesRequested = "changes_requested" ("Changes requested"),
        /// The owner withdrew it.
        Withdrawn = "withdrawn" ("Withdrawn"),
    }
}

crate::vocabulary! {
    /// What a person says on an approval request.
    pub enum Verdict: "verdict" {
        /// Signs off for their role.
        Approve = "approve" ("Approved"),
        /// Refuses the version.
        Reject = "reject" ("Rejected"),
        /// Sends it back to the owner.
        RequestChanges = "request_changes" ("Asked for changes"),
    }
}

crate::vocabulary! {
    /// What decisions under a version whose approval lapsed do (a setting per AI system).
    pub enum OnExpiry: "on_expiry" {
        /// Keep deciding, and raise an alert (no outage).
        Alert = "alert" ("Keep deciding and alert"),
        /// Send every decision to review.
        Review = "review" ("Send every decision to review"),
        /// Refuse decisions.
        Refuse = "refuse" ("Refuse decisions"),
    }
}

crate::vocabulary! {
    /// What a suspension (the stop button, EU AI Act Art. 14(4)(e)) does while it holds.
    pub enum SuspensionMode: "mode" {
        /// The gate refuses every use for the purpose (reason `suspended`).
        Deny = "deny" ("Stop all uses"),
        /// Every decision of the model goes to a person.
        ReviewAll = "review_all" ("Review every decision"),
    }
}

crate::vocabulary! {
    /// Whether an alert still holds.
    pub enum AlertState: "state" {
        /// The condition holds.
        Firing = "firing" ("Firing"),
        /// It no longer holds, or a person resolved it.
        Resolved = "resolved" ("Resolved"),
    }
}

crate::vocabulary! {
    /// Which part of custos raised an alert.
    pub enum AlertSource: "source" {
        /// Human oversight: overdue reviews, rubber-stamping.
        Oversight = "oversight" ("Human oversight"),
        /// Fairness audits.
        Fairness = "fairness" ("Fairness"),
        /// Monitors of drift and quality.
        Monitor = "monitor" ("Monitoring"),
        /// Approvals of model versions.
        Approvals = "approvals" ("Approvals"),
        /// Incidents and their legal clocks.
        Incidents = "incidents" ("Incidents"),
        /// Compliance controls and evidence.
        Compliance = "compliance" ("Compliance"),
        /// Vendors.
        Vendors = "vendors" ("Vendors"),
        /// Staff training.
        Trainings = "trainings" ("Training"),
    }
}

crate::vocabulary! {
    /// What a webhook announces. Endpoints choose the types they want.
    pub enum WebhookEvent: "events" {
        /// A review was resolved: the decision that now stands.
        ReviewResolved = "review.resolved" ("A review was resolved"),
        /// A review passed its due time and was escalated.
        ReviewEscalated = "review.escalated" ("A review is overdue"),
        /// The stop button was pressed.
        SuspensionCreated = "suspension.created" ("Something was suspended"),
        /// A suspension was lifted.
        SuspensionLifted = "suspension.lifted" ("A suspension was lifted"),
        /// An alert started firing.
        AlertFired = "alert.fired" ("An alert fired"),
        /// An alert was resolved.
        AlertResolved = "alert.resolved" ("An alert was resolved"),
    }
}

crate::vocabulary! {
    /// What the search for a counterfactual of a decision found.
    pub enum CounterfactualStatus: "status" {
        /// A change that flips the decision.
        Found = "found" ("A change was found"),
        /// No change within the bounds flips it.
        NotFound = "not_found" ("No change within reach"),
        /// The decision was favourable: nothing to change.
        NotAdverse = "not_adverse" ("Nothing to change"),
    }
}

crate::vocabulary! {
    /// Where a webhook delivery stands.
    pub enum DeliveryStatus: "status" {
        /// Not yet answered with a 2xx; tried again after its backoff.
        Pending = "pending" ("Waiting to be sent"),
        /// The endpoint answered 2xx.
        Delivered = "delivered" ("Delivered"),
        /// Given up after the last attempt, or the endpoint was removed.
        Failed = "failed" ("Given up"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversight_words_round_trip() {
        for s in DecisionStatus::ALL {
            assert_eq!(DecisionStatus::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(ReviewTrigger::parse("confidence_band"), Ok(ReviewTrigger::ConfidenceBand));
        assert!(SuspensionMode::parse("pause").is_err());
        assert_eq!(AlertSource::ALL.len(), 8);
    }
}
