//! What staff may do: one function, [`allowed`], which asks the Cedar policies in
//! `crates/custos-authz/policies/staff.cedar` (a versioned file), and [`reveals`], whether a
//! staff member sees personal data unmasked (their required training valid, a stated purpose of
//! access). Roles are a set (`custos_core::Role`); a person may do what any of their roles
//! allows. Console extractors and menus ask these functions and never compare role names. The
//! permission table the policies replaced is kept in the tests, which check that the policies
//! grant exactly what it granted.

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
        /// The staff training catalog, completions and coverage.
        Trainings = "trainings" ("Training"),
        /// Compliance: obligations, controls, evidence, reports. Marking an obligation not
        /// applicable needs the privacy officer role itself.
        Compliance = "compliance" ("Compliance"),
        /// Segments, exports and privacy budgets: reading them (`read`), exporting (`write`).
        /// Setting an export policy needs the privacy officer role itself.
        Exports = "exports" ("Exports"),
    }
}

custos_core::vocabulary! {
    /// Why a staff member opens personal data: the policies reveal it only for these.
    pub enum AccessPurpose: "purpose" {
        /// Looking at a subject's page.
        ViewSubject = "view_subject" ("Viewing a subject"),
        /// Reviewing a decision in the oversight queue.
        Review = "review" ("Reviewing a decision"),
        /// Handling a data-subject request.
        Dsr = "dsr" ("Handling a request"),
    }
}

fn role_names(staff: &impl HasRoles) -> Vec<&'static str> {
    staff.roles().iter().map(|r| r.as_str()).collect()
}

/// Whether `staff` may `action` the `resource` (reading and writing do not depend on training).
pub fn allowed(staff: &impl HasRoles, action: Action, resource: Resource) -> Decision {
    let roles = role_names(staff);
    let who = custos_authz::Principal { user_id: "staff", roles: &roles, trained: false };
    if custos_authz::Policies::shipped().is_allowed(who, action.as_str(), resource.as_str(), "") { Decision::Allow } else { Decision::Deny }
}

/// Whether `staff` sees the personal data of `resource` unmasked for `purpose`: they may read
/// the area, and the policies allow `reveal` (every training their roles require is valid,
/// `trained`, and the purpose is one the policies accept).
pub fn reveals(staff: &impl HasRoles, trained: bool, resource: Resource, purpose: AccessPurpose) -> bool {
    let roles = role_names(staff);
    let who = custos_authz::Principal { user_id: "staff", roles: &roles, trained };
    allowed(staff, Action::Read, resource) == Decision::Allow
        && custos_authz::Policies::shipped().is_allowed(who, "reveal", resource.as_str(), purpose.as_str())
}

/// The version of the staff policies in force (recorded with each decision that reveals
/// personal data).
pub fn policy_version() -> &'static str {
    custos_authz::Policies::shipped().version()
}

#[cfg(test)]
use Action::{Read, Write};
#[cfg(test)]
use Resource::*;

/// The permission table of 0.2 the Cedar policies replaced: what each role allowed. Everyone
/// signed in read the overview.
#[cfg(test)]
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
            (Read, Trainings),
            (Write, Trainings),
            (Read, Compliance),
            (Write, Compliance),
            (Read, Exports),
            (Write, Exports),
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
            (Read, Trainings),
            (Write, Trainings),
            (Read, Compliance),
            (Write, Compliance),
            (Read, Exports),
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
            (Read, Compliance),
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
            (Read, Trainings),
            (Read, Compliance),
            (Write, Compliance),
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
            (Read, Compliance),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(roles: &[Role]) -> crate::staff::StaffSession {
        crate::staff::StaffSession {
            user_id: "u".into(),
            email: "e@example.org".into(),
            roles: roles.to_vec(),
            csrf: "c".into(),
            missing_trainings: Vec::new(),
        }
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

    /// What the old table allowed a set of roles.
    fn table(roles: &[Role], action: Action, resource: Resource) -> bool {
        (action == Read && resource == Overview) || roles.iter().any(|r| grants(*r).contains(&(action, resource)))
    }

    #[test]
    fn the_default_policies_grant_exactly_the_permission_table() {
        let mut sets: Vec<Vec<Role>> = vec![Vec::new()];
        sets.extend(Role::ALL.iter().map(|r| vec![*r]));
        for (i, a) in Role::ALL.iter().enumerate() {
            for b in &Role::ALL[i + 1..] {
                sets.push(vec![*a, *b]);
            }
        }
        let mut compared = 0;
        for roles in &sets {
            let who = staff(roles);
            for action in Action::ALL {
                for resource in Resource::ALL {
                    let cedar = allowed(&who, *action, *resource) == Decision::Allow;
                    assert_eq!(cedar, table(roles, *action, *resource), "{roles:?} {action:?} {resource:?}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, (1 + 8 + 28) * 2 * Resource::ALL.len());
    }

    #[test]
    fn personal_data_is_revealed_to_trained_readers_with_a_purpose() {
        let officer = staff(&[Role::PrivacyOfficer]);
        assert!(reveals(&officer, true, Subjects, AccessPurpose::ViewSubject));
        assert!(!reveals(&officer, false, Subjects, AccessPurpose::ViewSubject), "training expired: masked");
        let reviewer = staff(&[Role::Reviewer]);
        assert!(reveals(&reviewer, true, Reviews, AccessPurpose::Review));
        assert!(!reveals(&reviewer, true, Subjects, AccessPurpose::ViewSubject), "cannot read subjects at all");
        assert!(!reveals(&staff(&[Role::Admin]), true, Keys, AccessPurpose::ViewSubject), "no personal data there");
        assert!(policy_version().starts_with("staff.cedar@"));
    }
}
