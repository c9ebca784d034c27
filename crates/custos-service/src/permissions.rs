//! What staff may do: one function, [`allowed`], over one table of roles. Roles are a set
//! (`custos_core::Role`); a person may do what any of their roles allows. Console extractors and
//! menus ask this function and never compare role names, so new roles, resources and the Cedar
//! policies of a later issue change this file only.

use custos_core::Role;
use custos_policy::Decision;

/// Someone whose roles decide what they may do (a console session, a personal token's owner).
pub trait HasRoles {
    /// Their roles (a set).
    fn roles(&self) -> &[Role];
}

custos_core::vocabulary! {
    /// What a person wants to do with a resource.
    pub enum Action: "action" {
        /// See it.
        Read = "read" ("See"),
        /// Create or change it.
        Write = "write" ("Change"),
    }
}

custos_core::vocabulary! {
    /// What the console shows and changes.
    pub enum Resource: "resource" {
        /// The overview's counts.
        Overview = "overview" ("Overview"),
        /// Subjects and their personal data.
        Subjects = "subjects" ("Subjects"),
        /// Data-subject requests.
        Dsrs = "dsrs" ("Requests"),
        /// Decisions and their explanations.
        Decisions = "decisions" ("Decisions"),
        /// Fairness audits and their reports.
        Audits = "audits" ("Fairness"),
        /// Purposes and notices.
        Purposes = "purposes" ("Purposes"),
        /// API keys.
        Keys = "keys" ("API keys"),
        /// Registered models.
        Models = "models" ("Models"),
        /// The audit ledger.
        Ledger = "ledger" ("Ledger"),
        /// Reviews of decisions: the queue, claiming and resolving.
        Reviews = "reviews" ("Reviews"),
        /// Oversight settings: review rules, suspensions, oversight figures.
        Oversight = "oversight" ("Oversight"),
        /// Alerts from every source.
        Alerts = "alerts" ("Alerts"),
        /// Monitors of models' inputs and performance.
        Monitors = "monitors" ("Monitors"),
        /// The AI inventory.
        AiSystems = "ai_systems" ("AI systems"),
        /// Approval requests of model versions: reading them and the thread (`read`), asking
        /// for one (`write`). Signing off needs the role the request names, not this grant.
        Approvals = "approvals" ("Approvals"),
        /// The risk register: reading it, recording and raising risks, changing them.
        Risks = "risks" ("Risks"),
        /// Incidents and their legal clocks: reading them, opening and handling them.
        Incidents = "incidents" ("Incidents"),
        /// Impact assessments (DPIA, AI Act classification): reading, filling in and
        /// submitting them. Approving needs the privacy officer role itself.
        Assessments = "assessments" ("Assessments"),
        /// The vendor register and the agreements with vendors.
        Vendors = "vendors" ("Vendors"),
    }
}

use Action::{Read, Write};
use Resource::*;

/// What each role allows. Everyone signed in reads the overview.
fn grants(role: Role) -> &'static [(Action, Resource)] {
    match role {
        Role::Reviewer => &[(Read, Decisions), (Read, Reviews), (Write, Reviews)],
        Role::Analyst => {
            &[(Read, Decisions), (Read, Audits), (Write, Audits), (Read, Monitors), (Read, AiSystems), (Read, Risks), (Read, Assessments)]
        }
        Role::PrivacyOfficer => &[
            (Read, Subjects),
            (Write, Subjects),
            (Read, Dsrs),
            (Write, Dsrs),
            (Read, Decisions),
            (Read, Audits),
            (Write, Audits),
            (Read, Reviews),
            (Write, Reviews),
            (Read, Oversight),
            (Read, Alerts),
            (Write, Alerts),
            (Read, Monitors),
            (Read, AiSystems),
            (Read, Risks),
            (Write, Risks),
            (Read, Incidents),
            (Write, Incidents),
            (Read, Assessments),
            (Write, Assessments),
            (Read, Vendors),
            (Write, Vendors),
        ],
        Role::Admin => &[
            (Read, Subjects),
            (Write, Subjects),
            (Read, Dsrs),
            (Write, Dsrs),
            (Read, Decisions),
            (Read, Audits),
            (Write, Audits),
            (Read, Purposes),
            (Write, Purposes),
            (Read, Keys),
            (Write, Keys),
            (Read, Models),
            (Read, Ledger),
            (Read, Reviews),
            (Read, Oversight),
            (Write, Oversight),
            (Read, Alerts),
            (Write, Alerts),
            (Read, Monitors),
            (Write, Monitors),
            (Read, AiSystems),
            (Read, Approvals),
            (Write, Approvals),
            (Read, Risks),
            (Write, Risks),
            (Read, Incidents),
            (Write, Incidents),
            (Read, Assessments),
            (Write, Assessments),
            (Read, Vendors),
            (Write, Vendors),
        ],
        Role::Legal => &[
            (Read, Dsrs),
            (Read, Decisions),
            (Read, Reviews),
            (Read, AiSystems),
            (Read, Models),
            (Read, Approvals),
            (Read, Risks),
            (Read, Incidents),
            (Read, Assessments),
            (Write, Assessments),
            (Read, Vendors),
            (Write, Vendors),
        ],
        Role::Compliance => &[
            (Read, Decisions),
            (Read, Audits),
            (Read, Purposes),
            (Read, Ledger),
            (Read, Reviews),
            (Read, Oversight),
            (Read, Alerts),
            (Read, Monitors),
            (Read, AiSystems),
            (Read, Models),
            (Read, Approvals),
            (Read, Risks),
            (Write, Risks),
            (Read, Incidents),
            (Read, Assessments),
            (Write, Assessments),
            (Read, Vendors),
        ],
        Role::ModelOwner => &[
            (Read, Decisions),
            (Read, Audits),
            (Write, Audits),
            (Read, Models),
            (Read, Oversight),
            (Read, Alerts),
            (Read, Monitors),
            (Read, AiSystems),
            (Read, Approvals),
            (Write, Approvals),
            (Read, Risks),
            (Write, Risks),
            (Read, Incidents),
            (Read, Assessments),
            (Write, Assessments),
        ],
        Role::Security => &[
            (Read, Keys),
            (Read, Ledger),
            (Read, Alerts),
            (Read, Risks),
            (Write, Risks),
            (Read, Incidents),
            (Write, Incidents),
            (Read, Assessments),
            (Read, Vendors),
        ],
    }
}

/// Whether `staff` may `action` the `resource`.
pub fn allowed(staff: &impl HasRoles, action: Action, resource: Resource) -> Decision {
    let ok = (action == Read && resource == Overview) || staff.roles().iter().any(|r| grants(*r).contains(&(action, resource)));
    if ok { Decision::Allow } else { Decision::Deny }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(roles: &[Role]) -> crate::staff::StaffSession {
        crate::staff::StaffSession { user_id: "u".into(), email: "e@example.org".into(), roles: roles.to_vec(), csrf: "c".into() }
    }

    #[test]
    fn roles_are_a_set_not_a_ladder() {
        let reviewer = staff(&[Role::Reviewer]);
        assert!(reviewer.may(Read, Decisions) && reviewer.may(Read, Overview));
        assert!(!reviewer.may(Read, Subjects) && !reviewer.may(Write, Audits));
        // Two roles allow what either allows, nothing more.
        let both = staff(&[Role::Legal, Role::Analyst]);
        assert!(both.may(Read, Dsrs) && both.may(Write, Audits));
        assert!(!both.may(Write, Dsrs) && !both.may(Read, Subjects));
        // What the ladder gave the four roles of 0.1 is kept.
        let officer = staff(&[Role::PrivacyOfficer]);
        assert!(officer.may(Write, Dsrs) && officer.may(Read, Audits) && !officer.may(Write, Keys));
        assert!(staff(&[Role::Admin]).may(Write, Keys));
        // No role, no access beyond the overview.
        assert_eq!(allowed(&staff(&[]), Read, Decisions), Decision::Deny);
        for role in Role::ALL {
            assert!(!grants(*role).is_empty(), "{role:?} allows something");
        }
    }
}
