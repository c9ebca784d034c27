//! Sign-off that gates deployment: a model version's owner asks for approval; the roles its AI
//! system names (default `legal` and `compliance`) sign off, each a different person and none
//! the owner or the one who asked; any of them can reject or send it back. Every step is a
//! ledger event; the version's state follows (`in_review`, then `approved`, `rejected` or back
//! to `draft`), and only an approved version decides about customers.
//!
//! Approvals lapse after the months the AI system sets (default 12), with an alert 30 days
//! before and one when they lapse ([`Approvals::sweep`]).

use custos_core::{AlertSource, ApprovalStatus, LedgerEvent, ModelId, ModelState, Role, Timestamp, Verdict, now};
pub use custos_store::approvals::{ApprovalEntry, ApprovalRecord};
use serde_json::json;

use crate::permissions::{Action, Resource};
use crate::staff::StaffIdentity;
use crate::{Receipt, Service, ServiceError, lifecycle::set_state};

/// The roles that sign off when the AI system names none.
pub const DEFAULT_REQUIRED_ROLES: [Role; 2] = [Role::Compliance, Role::Legal];
/// Days before an approval lapses when its owner is reminded.
pub const REMINDER_DAYS: i64 = 30;
/// Most characters of a comment.
pub const MAX_COMMENT: usize = 10_000;

/// Asks for a model version's approval.
#[derive(Debug, Clone, Default)]
pub struct ApprovalInput {
    /// The model version.
    pub model_id: String,
    /// The validation run whose report is the evidence.
    pub validation_id: Option<String>,
    /// Where the DPIA is (required for a high-risk system until assessments live in custos).
    pub dpia_link: Option<String>,
    /// A first comment for the signers.
    pub comment: Option<String>,
}

/// A sign-off, rejection or request for changes.
#[derive(Debug, Clone)]
pub struct SignOffInput {
    /// What the person says.
    pub verdict: Verdict,
    /// The role they sign for (one of theirs, one the request needs).
    pub role: Role,
    /// Why (required).
    pub comment: String,
}

/// A request with its thread and what it still needs.
#[derive(Debug, Clone)]
pub struct ApprovalView {
    /// The request.
    pub approval: ApprovalRecord,
    /// The model version (name and version).
    pub model_name: String,
    /// Its version.
    pub model_version: String,
    /// Sign-offs and comments, oldest first.
    pub entries: Vec<ApprovalEntry>,
    /// Required roles nobody has signed off for yet.
    pub missing_roles: Vec<String>,
    /// The cited validation's verdict, when a report is attached.
    pub validation: Option<ValidationSummary>,
    /// The ledger receipt of the write that returned it.
    pub receipt: Option<Receipt>,
}

fn check_comment(field: &str, v: &str) -> Result<(), ServiceError> {
    if v.trim().is_empty() {
        return Err(ServiceError::invalid(field, "is required: say why"));
    }
    if v.chars().count() > MAX_COMMENT || v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ServiceError::invalid(field, format!("must be at most {MAX_COMMENT} characters without control characters")));
    }
    Ok(())
}

fn not_allowed(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::NotAllowed(custos_core::ValidationError::new(field, message))
}

fn missing(approval: &ApprovalRecord, entries: &[ApprovalEntry]) -> Vec<String> {
    approval
        .required_roles
        .iter()
        .filter(|r| !entries.iter().any(|e| e.kind == "approve" && e.role.as_deref() == Some(r.as_str())))
        .cloned()
        .collect()
}

fn entry(approval_id: &str, staff: &StaffIdentity, role: Option<Role>, kind: &str, body: &str, at: &Timestamp) -> ApprovalEntry {
    ApprovalEntry {
        entry_id: uuid::Uuid::now_v7().to_string(),
        approval_id: approval_id.to_owned(),
        staff_id: staff.user_id.clone(),
        staff_email: staff.email.clone(),
        role: role.map(|r| r.as_str().to_owned()),
        kind: kind.to_owned(),
        body: body.to_owned(),
        created_at: *at,
    }
}

/// What a cited validation report says, in short.
#[derive(Debug, Clone)]
pub struct ValidationSummary {
    /// The run.
    pub validation_id: String,
    /// Whether every check passed.
    pub passed: bool,
    /// SHA-256 of the report (as in the ledger).
    pub report_sha256: String,
    /// The checks, each with whether it passed and what it says.
    pub checks: Vec<(String, bool, String)>,
}

fn summary(v: &custos_store::validations::ValidationRecord) -> Option<ValidationSummary> {
    let report: serde_json::Value = serde_json::from_str(v.report.as_deref()?).ok()?;
    let checks = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["check"].as_str().unwrap_or_default().to_owned(),
                c["passed"].as_bool().unwrap_or(false),
                c["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    Some(ValidationSummary { validation_id: v.validation_id.clone(), passed: v.passed?, report_sha256: v.report_sha256.clone()?, checks })
}

/// Approval requests and their sign-offs.
#[derive(Clone, Copy)]
pub struct Approvals<'a>(pub(crate) &'a Service);

impl Approvals<'_> {
    /// Submits a version for approval (a person who may write approvals: its owner or an admin);
    /// the version goes `in_review`. Refused for a version without an owner, one that is in
    /// review, approved or retired already, and, for a high-risk system, without a DPIA link.
    pub async fn request(&self, input: ApprovalInput, staff: &StaffIdentity) -> Result<ApprovalView, ServiceError> {
        if !staff.may(Action::Write, Resource::Approvals) {
            return Err(not_allowed("authorization", "asking for an approval needs the model owner or admin role"));
        }
        let model_id = ModelId::parse(&input.model_id).map_err(|e| ServiceError::invalid("model_id", e.message()))?;
        if let Some(v) = &input.validation_id {
            crate::check_token("validation_id", v)?;
        }
        let validation_id = input.validation_id.clone();
        if let Some(l) = &input.dpia_link
            && (!(l.starts_with("https://") || l.starts_with("http://")) || l.len() > 2_000 || l.chars().any(char::is_control))
        {
            return Err(ServiceError::invalid("dpia_link", "must be an http(s) URL of at most 2000 characters"));
        }
        if let Some(c) = &input.comment {
            check_comment("comment", c)?;
        }
        let at = now();
        let approval_id = uuid::Uuid::now_v7().to_string();
        let actor = format!("staff:{}", staff.user_id);
        let receipt = self
            .0
            .write(async |tx| {
                if !custos_store::models::lock(tx, &model_id).await? {
                    return Err(ServiceError::unprocessable("model_id", "no such model version"));
                }
                let model = custos_store::models::get(tx, &model_id)
                    .await?
                    .ok_or_else(|| ServiceError::unprocessable("model_id", "no such model version"))?;
                let l = &model.lifecycle;
                if l.owner_id.as_deref() != Some(staff.user_id.as_str()) && !staff.roles.contains(&Role::Admin) {
                    return Err(not_allowed("authorization", "only the version's owner (or an admin) asks for its approval"));
                }
                match l.state.as_str() {
                    "draft" | "rejected" => {}
                    "approved" if crate::lifecycle::lapsed(l, &at) => {}
                    other => {
                        return Err(ServiceError::Conflict(format!(
                            "model `{}` version `{}` is {} (state `{other}`): nothing to ask for",
                            model.name,
                            model.version,
                            ModelState::parse(other).map_or(other.to_owned(), |s| s.label().to_lowercase())
                        )));
                    }
                }
                // The evidence: a finished validation of this very version.
                let evidence = match &validation_id {
                    Some(v) => {
                        let run = custos_store::validations::get(tx, v)
                            .await?
                            .ok_or_else(|| ServiceError::unprocessable("validation_id", "no such validation"))?;
                        if run.model_id != model_id {
                            return Err(ServiceError::unprocessable("validation_id", "the validation is of another model version"));
                        }
                        if run.status != "succeeded" {
                            return Err(ServiceError::unprocessable(
                                "validation_id",
                                format!("the validation is {}: cite a finished report", run.status),
                            ));
                        }
                        Some(json!({"report_sha256": run.report_sha256, "passed": run.passed}))
                    }
                    None => None,
                };
                if l.owner_id.is_none() {
                    return Err(ServiceError::unprocessable(
                        "model_id",
                        "the version has no owner: set `owner` to a staff account (PATCH /v1/models/{model_id}) first",
                    ));
                }
                // The AI system: the one the version names, else the one that lists the model.
                let system = match l.ai_system_id {
                    Some(id) => custos_store::ai_systems::get(tx, &id).await?,
                    None => custos_store::ai_systems::list(tx, 1_000).await?.into_iter().find(|a| a.models.contains(&model.name)),
                };
                if let Some(s) = &system
                    && let Some(why) = crate::assessments::blocks_approval(tx, s).await?
                {
                    return Err(ServiceError::unprocessable("model_id", why));
                }
                if system.as_ref().is_some_and(|s| s.risk_tier == "high") && input.dpia_link.is_none() {
                    return Err(ServiceError::unprocessable("dpia_link", "the AI system is high-risk: link its DPIA"));
                }
                // The system's roles when they are two or more signing roles (a record from before
                // that rule may hold fewer), else the default.
                let valid = |roles: &[String]| {
                    roles.len() >= 2 && roles.iter().all(|r| Role::parse(r).is_ok_and(|r| crate::ai_systems::SIGNING_ROLES.contains(&r)))
                };
                let required_roles = match &system {
                    Some(s) if valid(&s.required_roles) => s.required_roles.clone(),
                    _ => DEFAULT_REQUIRED_ROLES.iter().map(|r| r.as_str().to_owned()).collect(),
                };
                let record = ApprovalRecord {
                    approval_id: approval_id.clone(),
                    model_id,
                    ai_system_id: system.as_ref().map(|s| s.ai_system_id),
                    requested_by: staff.user_id.clone(),
                    validation_id: input.validation_id.clone(),
                    dpia_link: input.dpia_link.clone(),
                    required_roles,
                    status: ApprovalStatus::Open.as_str().to_owned(),
                    created_at: at,
                    decided_at: None,
                    expires_at: None,
                };
                custos_store::approvals::insert(tx, &record).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => ServiceError::Conflict("the version has an open approval request".into()),
                    other => other.into(),
                })?;
                if let Some(c) = &input.comment {
                    custos_store::approvals::insert_entry(tx, &entry(&approval_id, staff, None, "comment", c, &at)).await?;
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ApprovalRequested,
                    &at,
                    json!({
                        "approval_id": approval_id,
                        "model_id": model_id.to_string(),
                        "ai_system_id": record.ai_system_id.map(|a| a.to_string()),
                        "requested_by": actor,
                        "owner_id": l.owner_id,
                        "validation_id": record.validation_id,
                        "validation": evidence,
                        "dpia_link": record.dpia_link,
                        "required_roles": record.required_roles,
                    }),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                // An approved version asking again (its approval lapsed) keeps deciding while
                // it is reviewed: what a lapsed approval does is its AI system's setting.
                if l.state != ModelState::Approved.as_str() {
                    set_state(tx, &model_id, l, ModelState::InReview, "submitted for approval", &actor, &at).await?;
                }
                Ok(receipt)
            })
            .await?;
        self.0.lifecycles.forget();
        let mut view = self.get(&approval_id).await?;
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// Records a person's verdict for one role. Approve: once every required role is signed off
    /// (by different people), the version is approved. Reject: the version is rejected. Request
    /// changes: it goes back to `draft`. Refused for the version's owner, the one who asked,
    /// someone who signed this request already, a role they do not hold or the request does
    /// not need, and a request that is no longer open.
    pub async fn sign(&self, approval_id: &str, input: SignOffInput, staff: &StaffIdentity) -> Result<ApprovalView, ServiceError> {
        check_comment("comment", &input.comment)?;
        if !staff.roles.contains(&input.role) {
            return Err(not_allowed("role", format!("you do not hold the role `{}`", input.role.as_str())));
        }
        let at = now();
        let actor = format!("staff:{}", staff.user_id);
        let approval_id = approval_id.to_owned();
        let receipt = self
            .0
            .write(async |tx| {
                // Lock the version, then the request (the order every writer takes: retiring a
                // version locks it before it withdraws its requests): concurrent sign-offs queue up.
                let first =
                    custos_store::approvals::get(tx, &approval_id).await?.ok_or(ServiceError::NotFound { resource: "approval" })?;
                custos_store::models::lock(tx, &first.model_id).await?;
                custos_store::approvals::lock_open(tx, &approval_id).await?;
                let approval =
                    custos_store::approvals::get(tx, &approval_id).await?.ok_or(ServiceError::NotFound { resource: "approval" })?;
                if approval.status != ApprovalStatus::Open.as_str() {
                    return Err(ServiceError::Conflict(format!(
                        "the request is {}: it takes no more sign-offs",
                        ApprovalStatus::parse(&approval.status).map_or(approval.status.clone(), |s| s.label().to_lowercase())
                    )));
                }
                if !approval.required_roles.iter().any(|r| r == input.role.as_str()) {
                    return Err(ServiceError::unprocessable(
                        "role",
                        format!("this request needs sign-off from {}", approval.required_roles.join(" and ")),
                    ));
                }
                let model = custos_store::models::get(tx, &approval.model_id).await?.ok_or(ServiceError::NotFound { resource: "model" })?;
                if model.lifecycle.owner_id.as_deref() == Some(staff.user_id.as_str()) {
                    return Err(not_allowed("authorization", "the model's owner cannot sign off their own model"));
                }
                if approval.requested_by == staff.user_id {
                    return Err(not_allowed("authorization", "the person who asked for the approval cannot sign it"));
                }
                let entries = custos_store::approvals::entries(tx, &approval_id).await?;
                if entries.iter().any(|e| e.staff_id == staff.user_id && e.kind != "comment") {
                    return Err(ServiceError::Conflict("you signed this request already: each sign-off is a different person".into()));
                }
                if input.verdict == Verdict::Approve && !missing(&approval, &entries).iter().any(|r| r == input.role.as_str()) {
                    return Err(ServiceError::Conflict(format!("`{}` signed off already", input.role.as_str())));
                }
                let signed = entry(&approval_id, staff, Some(input.role), input.verdict.as_str(), &input.comment, &at);
                custos_store::approvals::insert_entry(tx, &signed).await.map_err(|e| match e {
                    custos_store::StoreError::Conflict => {
                        ServiceError::Conflict("someone signed for this role, or you signed, at the same time: reload the request".into())
                    }
                    other => other.into(),
                })?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ApprovalSignedOff,
                    &at,
                    json!({
                        "approval_id": approval_id,
                        "model_id": approval.model_id.to_string(),
                        "by": actor,
                        "role": input.role.as_str(),
                        "verdict": input.verdict.as_str(),
                        "comment_sha256": crate::ledger::sha256_hex(input.comment.as_bytes()),
                    }),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                let mut all = entries;
                all.push(signed);
                let outcome = match input.verdict {
                    Verdict::Reject => Some((ApprovalStatus::Rejected, ModelState::Rejected)),
                    Verdict::RequestChanges => Some((ApprovalStatus::ChangesRequested, ModelState::Draft)),
                    Verdict::Approve if missing(&approval, &all).is_empty() => Some((ApprovalStatus::Approved, ModelState::Approved)),
                    Verdict::Approve => None,
                };
                let Some((status, state)) = outcome else { return Ok(receipt) };
                if state == ModelState::Approved
                    && let Some(id) = approval.ai_system_id
                    && let Some(s) = custos_store::ai_systems::get(tx, &id).await?
                    && let Some(why) = crate::assessments::blocks_approval(tx, &s).await?
                {
                    return Err(ServiceError::unprocessable("verdict", why));
                }
                let months = match approval.ai_system_id {
                    Some(id) => custos_store::ai_systems::get(tx, &id).await?.map_or(12, |s| s.approval_months),
                    None => 12,
                };
                let expires_at = (state == ModelState::Approved && months > 0)
                    .then(|| at.checked_add_months(chrono::Months::new(months)))
                    .flatten();
                if !custos_store::approvals::decide(tx, &approval_id, status.as_str(), &at, expires_at.as_ref()).await? {
                    return Err(ServiceError::Conflict("someone decided the request at the same time: reload it".into()));
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ApprovalDecided,
                    &at,
                    json!({
                        "approval_id": approval_id,
                        "model_id": approval.model_id.to_string(),
                        "status": status.as_str(),
                        "expires_at": expires_at.as_ref().map(custos_core::format_timestamp),
                        "signed_by": all.iter().filter(|e| e.kind == "approve").map(|e| json!({"role": e.role, "by": format!("staff:{}", e.staff_id)})).collect::<Vec<_>>(),
                        "validation_id": approval.validation_id,
                    }),
                );
                custos_store::ledger::append_leaf(tx, leaf).await?;
                let mut l = model.lifecycle.clone();
                // Changes asked of a version that was approved before leave it approved (lapsed).
                if state == ModelState::Draft && l.state == ModelState::Approved.as_str() {
                    return Ok(receipt);
                }
                if state == ModelState::Approved {
                    l.approved_at = Some(at);
                    l.approval_expires_at = expires_at;
                    l.approval_source = Some("sign_off".into());
                    l.revalidation_reason = None;
                }
                let why = format!("approval request {approval_id} {}", status.label().to_lowercase());
                set_state(tx, &approval.model_id, &l, state, &why, &actor, &at).await?;
                if state == ModelState::Approved {
                    let about = format!("model:{}", approval.model_id);
                    for kind in ["approval_expiring", "approval_expired"] {
                        crate::alerts::settle(tx, AlertSource::Approvals, kind, &about, &at).await?;
                    }
                }
                Ok(receipt)
            })
            .await?;
        self.0.lifecycles.forget();
        let mut view = self.get(&approval_id).await?;
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// Adds a comment to a request's thread (a person who may read approvals).
    pub async fn comment(&self, approval_id: &str, body: &str, staff: &StaffIdentity) -> Result<ApprovalView, ServiceError> {
        check_comment("body", body)?;
        if !staff.may(Action::Read, Resource::Approvals) {
            return Err(not_allowed("authorization", "commenting needs a role that reads approvals"));
        }
        let at = now();
        let approval_id = approval_id.to_owned();
        let receipt = self
            .0
            .write(async |tx| {
                let approval =
                    custos_store::approvals::get(tx, &approval_id).await?.ok_or(ServiceError::NotFound { resource: "approval" })?;
                custos_store::approvals::insert_entry(tx, &entry(&approval_id, staff, None, "comment", body, &at)).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ApprovalCommented,
                    &at,
                    json!({
                        "approval_id": approval_id,
                        "model_id": approval.model_id.to_string(),
                        "by": format!("staff:{}", staff.user_id),
                        "comment_sha256": crate::ledger::sha256_hex(body.as_bytes()),
                    }),
                );
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        let mut view = self.get(&approval_id).await?;
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// One request with its thread.
    pub async fn get(&self, approval_id: &str) -> Result<ApprovalView, ServiceError> {
        let id = approval_id.to_owned();
        self.0
            .read(async |tx| {
                let approval = custos_store::approvals::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "approval" })?;
                let entries = custos_store::approvals::entries(tx, &id).await?;
                let model = custos_store::models::get(tx, &approval.model_id).await?.ok_or(ServiceError::NotFound { resource: "model" })?;
                let validation = match &approval.validation_id {
                    Some(v) => custos_store::validations::get(tx, v).await?.as_ref().and_then(summary),
                    None => None,
                };
                Ok(ApprovalView {
                    validation,
                    missing_roles: missing(&approval, &entries),
                    model_name: model.name,
                    model_version: model.version,
                    approval,
                    entries,
                    receipt: None,
                })
            })
            .await
    }

    /// Requests, newest first (at most 500), optionally of one status or one model version.
    pub async fn list(&self, status: Option<&str>, model_id: Option<&str>) -> Result<Vec<ApprovalRecord>, ServiceError> {
        if let Some(s) = status {
            ApprovalStatus::parse(s).map_err(|e| ServiceError::invalid("status", e.message()))?;
        }
        let model_id = model_id.map(|m| ModelId::parse(m).map_err(|e| ServiceError::invalid("model_id", e.message()))).transpose()?;
        let status = status.map(str::to_owned);
        self.0.read(async |tx| Ok(custos_store::approvals::list(tx, status.as_deref(), model_id.as_ref(), 500).await?)).await
    }

    /// What waits for this person: open requests needing a role they hold and nobody signed
    /// for yet, that they did not ask for, sign or own.
    pub async fn inbox(&self, staff: &StaffIdentity) -> Result<Vec<ApprovalView>, ServiceError> {
        let open = self.list(Some("open"), None).await?;
        let mut out = Vec::new();
        for a in open {
            let view = self.get(&a.approval_id).await?;
            let mine = view.missing_roles.iter().any(|r| staff.roles.iter().any(|h| h.as_str() == r));
            let signed = view.entries.iter().any(|e| e.staff_id == staff.user_id && e.kind != "comment");
            if mine && !signed && a.requested_by != staff.user_id {
                out.push(view);
            }
        }
        Ok(out)
    }

    /// Reminds owners 30 days before an approval lapses and alerts when it has (one alert of
    /// each per version while it holds). Runs with the other periodic work.
    pub async fn sweep(&self) -> Result<usize, ServiceError> {
        let at = now();
        let horizon = at + chrono::Duration::days(REMINDER_DAYS);
        self.0
            .write(async |tx| {
                let mut fired = 0;
                for m in custos_store::models::approvals_lapsing(tx, &horizon).await? {
                    let Some(expires) = m.lifecycle.approval_expires_at else { continue };
                    let about = format!("model:{}", m.model_id);
                    let (kind, message) = if expires <= at {
                        ("approval_expired", format!("The approval of {} {} lapsed on {}.", m.name, m.version, expires.format("%-d %B %Y")))
                    } else {
                        (
                            "approval_expiring",
                            format!(
                                "The approval of {} {} lapses on {}: validate it and ask for sign-off again.",
                                m.name,
                                m.version,
                                expires.format("%-d %B %Y")
                            ),
                        )
                    };
                    let firing = crate::alerts::Firing {
                        source: AlertSource::Approvals,
                        kind,
                        about: &about,
                        message,
                        value: None,
                        threshold: None,
                    };
                    if crate::alerts::fire(tx, firing, &at).await?.is_some() {
                        fired += 1;
                    }
                }
                Ok(fired)
            })
            .await
    }

    /// Marks an approved version of `model` (every approved version when `version` is `None`)
    /// for revalidation because an alert asked; what its decisions then do is its AI system's
    /// expiry setting. Inside the alert's write.
    pub(crate) async fn require_revalidation(
        tx: &mut custos_store::Tx,
        model: &str,
        version: Option<&str>,
        why: &str,
        at: &Timestamp,
    ) -> Result<usize, ServiceError> {
        let mut marked = 0;
        for m in custos_store::models::all(tx).await? {
            if m.name != model || version.is_some_and(|v| v != m.version) || m.lifecycle.state != "approved" {
                continue;
            }
            custos_store::models::lock(tx, &m.model_id).await?;
            let Some(m) = custos_store::models::get(tx, &m.model_id).await? else { continue };
            if m.lifecycle.state != "approved" || m.lifecycle.revalidation_reason.is_some() {
                continue;
            }
            let mut l = m.lifecycle.clone();
            l.revalidation_reason = Some(why.to_owned());
            custos_store::models::update_lifecycle(tx, &m.model_id, &l).await?;
            let leaf = crate::ledger::event_at(
                LedgerEvent::ModelRevalidationRequired,
                at,
                json!({"model_id": m.model_id.to_string(), "name": m.name, "version": m.version, "why": why}),
            );
            custos_store::ledger::append_leaf(tx, leaf).await?;
            marked += 1;
        }
        Ok(marked)
    }
}
