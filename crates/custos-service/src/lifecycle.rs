//! A model version's life: `draft -> in_review -> approved -> retired` (and `rejected`), its
//! model card's fields, and the check on the decision path and at the gate that only an
//! approved version decides about customers.
//!
//! The check runs on every decision, so the lifecycle of each version is read at most once a
//! second per process (a change made through this process is seen at once): a cache hit is a
//! hash lookup. A version whose approval lapsed (its age, or an alert that asked for
//! revalidation) does what its AI system says: keep deciding and alert (the default: no outage),
//! send every decision to review, or refuse.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use custos_core::{AiSystemId, LedgerEvent, ModelId, ModelState, OnExpiry, Timestamp, now};
use custos_store::models::{LifecycleFacts, ModelLifecycle};
use serde_json::json;

use crate::{Receipt, ServiceError, models::Models};

/// Most characters of a model card's free-text fields.
pub const MAX_CARD_TEXT: usize = 20_000;

/// What the decision path may do with a decision under a model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Decide: the version is approved (or unregistered models are allowed).
    Decide,
    /// Store as `shadow`: the version is in review and its deployment allows shadow mode.
    Shadow,
    /// Decide, but send to review: the approval lapsed and its AI system says so.
    Review,
}

/// Lifecycles by `name \u{1f} version`, each read at most once a second (`None`: not
/// registered).
#[derive(Debug, Default)]
pub(crate) struct LifecycleCache(RwLock<HashMap<String, Cached>>);

/// When a lifecycle was read, and what (`None`: not registered).
type Cached = (Instant, Option<Arc<LifecycleFacts>>);

impl LifecycleCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(1);
    const MAX_ENTRIES: usize = 10_000;

    fn fresh(&self, key: &str) -> Option<Option<Arc<LifecycleFacts>>> {
        let guard = self.0.read().ok()?;
        let (at, facts) = guard.get(key)?;
        (at.elapsed() < Self::TTL).then(|| facts.clone())
    }

    fn put(&self, key: String, facts: Option<Arc<LifecycleFacts>>) {
        if let Ok(mut guard) = self.0.write() {
            if guard.len() >= Self::MAX_ENTRIES {
                // Stale entries go first; only a flood of fresh names empties the cache.
                guard.retain(|_, (at, _)| at.elapsed() < Self::TTL);
                if guard.len() >= Self::MAX_ENTRIES {
                    guard.clear();
                }
            }
            guard.insert(key, (Instant::now(), facts));
        }
    }

    /// Forgets everything (a lifecycle changed through this process).
    pub(crate) fn forget(&self) {
        if let Ok(mut guard) = self.0.write() {
            guard.clear();
        }
    }
}

/// Whether an approval has lapsed at `at`: past its expiry, or an alert asked for revalidation.
pub fn lapsed(l: &ModelLifecycle, at: &Timestamp) -> bool {
    l.revalidation_reason.is_some() || l.approval_expires_at.is_some_and(|e| e <= *at)
}

fn state_words(state: &str) -> String {
    ModelState::parse(state).map_or_else(|_| state.to_owned(), |s| s.label().to_lowercase())
}

/// The refusal of a decision under a version that may not decide.
fn refusal(model: &str, version: &str, state: &str, why: &str) -> ServiceError {
    ServiceError::unprocessable(
        "model_version",
        format!("model `{model}` version `{version}` is {} (state `{state}`): {why}", state_words(state)),
    )
}

/// Changes to a model version's card, owner, AI system or shadow setting (every field optional).
#[derive(Debug, Clone, Default)]
pub struct ModelUpdate {
    /// The staff account that answers for it (its email or id).
    pub owner: Option<String>,
    /// What it is for.
    pub intended_use: Option<String>,
    /// What it must not be used for; known weaknesses.
    pub limitations: Option<String>,
    /// Where its training data came from.
    pub training_data: Option<String>,
    /// The AI system it serves (an id; empty to unlink).
    pub ai_system_id: Option<String>,
    /// Whether its decisions are stored as `shadow` while it is in review.
    pub shadow: Option<bool>,
}

pub(crate) fn check_card_text(field: &str, v: &str) -> Result<(), ServiceError> {
    if v.chars().count() > MAX_CARD_TEXT || v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ServiceError::invalid(field, format!("must be at most {MAX_CARD_TEXT} characters without control characters")));
    }
    Ok(())
}

/// The staff account `who` names: an email (any case) or an account id.
pub(crate) async fn find_staff(tx: &mut custos_store::Tx, who: &str) -> Result<Option<custos_store::StaffUser>, ServiceError> {
    match custos_store::staff::user_by_email(tx, &who.trim().to_lowercase()).await? {
        Some(u) => Ok(Some(u)),
        None => Ok(custos_store::staff::user_by_id(tx, who).await?),
    }
}

/// The staff account `owner` names (an email or an account id); 422 if none.
pub(crate) async fn resolve_owner(tx: &mut custos_store::Tx, owner: &str) -> Result<custos_store::StaffUser, ServiceError> {
    let user = find_staff(tx, owner).await?;
    user.ok_or_else(|| {
        ServiceError::unprocessable("owner", format!("no staff account `{owner}`: the owner is a person with a console account"))
    })
}

impl Models<'_> {
    /// The lifecycle of the version decisions quote (cached for a second).
    pub(crate) async fn lifecycle(&self, name: &str, version: &str) -> Result<Option<Arc<LifecycleFacts>>, ServiceError> {
        let key = format!("{name}\u{1f}{version}");
        if let Some(hit) = self.0.lifecycles.fresh(&key) {
            return Ok(hit);
        }
        let (n, v) = (name.to_owned(), version.to_owned());
        let facts = self.0.read(async |tx| Ok(custos_store::models::lifecycle_by_name(tx, &n, &v).await?)).await?.map(Arc::new);
        self.0.lifecycles.put(key, facts.clone());
        Ok(facts)
    }

    /// Forgets the lifecycles read so far (benchmarks: the cost of a miss).
    pub fn forget_lifecycles(&self) {
        self.0.lifecycles.forget();
    }

    /// Whether a decision under `model` / `version` may be made now, and how; a refusal names
    /// the version and its state. What the decision path and the gate ask.
    pub async fn admit(&self, model: &str, version: &str) -> Result<Admission, ServiceError> {
        let Some(facts) = self.lifecycle(model, version).await? else {
            if self.0.config().allow_unregistered_models {
                return Ok(Admission::Decide);
            }
            return Err(ServiceError::unprocessable(
                "model",
                format!(
                    "model `{model}` version `{version}` is not registered: register it and have it approved \
                     (or start the server with --allow-unregistered-models)"
                ),
            ));
        };
        admission(model, version, &facts, &now())
    }

    /// Changes a version's card fields, owner, AI system or shadow setting; a ledger event
    /// naming what changed. The card of an approved or retired version is what was approved:
    /// only its owner and shadow setting change.
    pub async fn update(&self, model_id: &str, input: ModelUpdate, actor: &str) -> Result<crate::models::ModelView, ServiceError> {
        let id = ModelId::parse(model_id)?;
        for (field, v) in
            [("intended_use", &input.intended_use), ("limitations", &input.limitations), ("training_data", &input.training_data)]
        {
            if let Some(v) = v {
                check_card_text(field, v)?;
            }
        }
        if let Some(o) = &input.owner {
            crate::check_token("owner", o)?;
        }
        let ai_system = match input.ai_system_id.as_deref() {
            None => None,
            Some("") => Some(None),
            Some(a) => Some(Some(AiSystemId::parse(a).map_err(|e| ServiceError::invalid("ai_system_id", e.message()))?)),
        };
        let at = now();
        let actor = actor.to_owned();
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::models::lock(tx, &id).await?;
                let record = custos_store::models::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "model" })?;
                let mut l = record.lifecycle.clone();
                let frozen = matches!(l.state.as_str(), "approved" | "retired" | "in_review");
                let asking = !custos_store::approvals::list(tx, Some("open"), Some(&id), 1).await?.is_empty();
                if (l.state == "in_review" || asking) && input.owner.is_some() {
                    return Err(ServiceError::Conflict(
                        "the owner of a version in review cannot change: the signers were chosen against them".into(),
                    ));
                }
                let card_change =
                    input.intended_use.is_some() || input.limitations.is_some() || input.training_data.is_some() || ai_system.is_some();
                if frozen && card_change {
                    return Err(ServiceError::Conflict(format!(
                        "the card of a version that is {} cannot change: register a new version",
                        state_words(&l.state)
                    )));
                }
                if let Some(o) = &input.owner {
                    l.owner_id = Some(resolve_owner(tx, o).await?.user_id);
                }
                if let Some(v) = &input.intended_use {
                    l.intended_use.clone_from(v);
                }
                if let Some(v) = &input.limitations {
                    l.limitations.clone_from(v);
                }
                if let Some(v) = &input.training_data {
                    l.training_data.clone_from(v);
                }
                if let Some(a) = ai_system {
                    if let Some(a) = &a
                        && custos_store::ai_systems::get(tx, a).await?.is_none()
                    {
                        return Err(ServiceError::unprocessable("ai_system_id", "no such AI system"));
                    }
                    l.ai_system_id = a;
                }
                if let Some(s) = input.shadow {
                    l.shadow = s;
                }
                let mut changed = serde_json::Map::new();
                let before = &record.lifecycle;
                if l.owner_id != before.owner_id {
                    changed.insert("owner_id".into(), json!(l.owner_id));
                }
                for (k, a, b) in [
                    ("intended_use", &l.intended_use, &before.intended_use),
                    ("limitations", &l.limitations, &before.limitations),
                    ("training_data", &l.training_data, &before.training_data),
                ] {
                    if a != b {
                        changed.insert(k.into(), json!(crate::ledger::sha256_hex(a.as_bytes())));
                    }
                }
                if l.ai_system_id != before.ai_system_id {
                    changed.insert("ai_system_id".into(), json!(l.ai_system_id.map(|a| a.to_string())));
                }
                if l.shadow != before.shadow {
                    changed.insert("shadow".into(), json!(l.shadow));
                }
                if changed.is_empty() {
                    return Ok(None);
                }
                custos_store::models::update_lifecycle(tx, &id, &l).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ModelUpdated,
                    &at,
                    json!({"model_id": id.to_string(), "changed": changed, "by": actor}),
                );
                Ok(Some(custos_store::ledger::append_leaf(tx, leaf).await?))
            })
            .await?;
        self.0.lifecycles.forget();
        let mut view = self.get(model_id).await?;
        view.receipt = receipt;
        Ok(view)
    }

    /// Takes a version out of use (any state but `retired`); its decisions are refused from now
    /// on. A ledger event with the reason.
    pub async fn retire(&self, model_id: &str, reason: &str, actor: &str) -> Result<crate::models::ModelView, ServiceError> {
        let id = ModelId::parse(model_id)?;
        if reason.trim().is_empty() {
            return Err(ServiceError::invalid("reason", "say why the version is retired"));
        }
        check_card_text("reason", reason)?;
        let at = now();
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::models::lock(tx, &id).await?;
                let record = custos_store::models::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "model" })?;
                if record.lifecycle.state == ModelState::Retired.as_str() {
                    return Err(ServiceError::Conflict("the version is retired already".into()));
                }
                let receipt = set_state(tx, &id, &record.lifecycle, ModelState::Retired, reason, actor, &at).await?;
                // An open request for a retired version has nothing left to approve.
                for open in custos_store::approvals::list(tx, Some("open"), Some(&id), 10).await? {
                    custos_store::approvals::decide(tx, &open.approval_id, "withdrawn", &at, None).await?;
                    let leaf = crate::ledger::event_at(
                        LedgerEvent::ApprovalDecided,
                        &at,
                        json!({"approval_id": open.approval_id, "model_id": id.to_string(), "status": "withdrawn", "why": "the version was retired", "by": actor}),
                    );
                    custos_store::ledger::append_leaf(tx, leaf).await?;
                }
                Ok(receipt)
            })
            .await?;
        self.0.lifecycles.forget();
        let mut view = self.get(model_id).await?;
        view.receipt = Some(receipt);
        Ok(view)
    }

    /// Writes the ledger event for the versions an upgrade marked approved (they were deciding
    /// before approvals existed), once.
    pub(crate) async fn log_upgrade_approvals(&self) -> Result<(), ServiceError> {
        let at = now();
        self.0
            .write(async |tx| {
                let pending = custos_store::models::upgrade_pending(tx).await?;
                if pending.is_empty() {
                    return Ok(());
                }
                let versions: Vec<_> = pending
                    .iter()
                    .map(|(id, name, version)| json!({"model_id": id.to_string(), "name": name, "version": version}))
                    .collect();
                custos_store::models::upgrade_logged(tx).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ModelsApprovedAtUpgrade,
                    &at,
                    json!({
                        "versions": versions,
                        "why": "registered before approvals were enforced (custos 0.3): they were deciding already and stay approved until retired",
                    }),
                );
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await
    }
}

/// What a version's lifecycle allows at `at`.
pub(crate) fn admission(model: &str, version: &str, facts: &LifecycleFacts, at: &Timestamp) -> Result<Admission, ServiceError> {
    let l = &facts.lifecycle;
    match l.state.as_str() {
        "approved" if lapsed(l, at) => match OnExpiry::parse(&facts.on_expiry).unwrap_or(OnExpiry::Alert) {
            OnExpiry::Alert => Ok(Admission::Decide),
            OnExpiry::Review => Ok(Admission::Review),
            OnExpiry::Refuse => Err(refusal(
                model,
                version,
                &l.state,
                "its approval lapsed and its AI system refuses decisions until it is validated and signed off again",
            )),
        },
        "approved" => Ok(Admission::Decide),
        "in_review" if l.shadow => Ok(Admission::Shadow),
        "in_review" => Err(refusal(model, version, &l.state, "it decides about customers once legal and compliance have signed off")),
        "draft" => Err(refusal(model, version, &l.state, "submit it for approval; it decides about customers once signed off")),
        "rejected" => Err(refusal(model, version, &l.state, "its approval was refused")),
        _ => Err(refusal(model, version, &l.state, "it no longer decides")),
    }
}

/// Moves a version to `to` inside a write: the lifecycle row and a ledger event.
pub(crate) async fn set_state(
    tx: &mut custos_store::Tx,
    id: &ModelId,
    current: &ModelLifecycle,
    to: ModelState,
    why: &str,
    actor: &str,
    at: &Timestamp,
) -> Result<Receipt, ServiceError> {
    let mut l = current.clone();
    l.state = to.as_str().to_owned();
    l.state_changed_at = Some(*at);
    custos_store::models::update_lifecycle(tx, id, &l).await?;
    let leaf = crate::ledger::event_at(
        LedgerEvent::ModelStateChanged,
        at,
        json!({"model_id": id.to_string(), "from": current.state, "to": to.as_str(), "why": why, "by": actor}),
    );
    Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state: &str, on_expiry: &str) -> LifecycleFacts {
        LifecycleFacts {
            model_id: ModelId::new(),
            lifecycle: ModelLifecycle { state: state.into(), ..Default::default() },
            on_expiry: on_expiry.into(),
        }
    }

    #[test]
    fn only_approved_versions_decide() {
        let at = now();
        assert_eq!(admission("m", "1", &facts("approved", "alert"), &at).ok(), Some(Admission::Decide));
        for state in ["draft", "in_review", "rejected", "retired"] {
            let e = admission("m", "1", &facts(state, "alert"), &at).expect_err("refused").to_string();
            assert!(e.contains("`m` version `1`") && e.contains(state), "{e}");
        }
        let mut shadow = facts("in_review", "alert");
        shadow.lifecycle.shadow = true;
        assert_eq!(admission("m", "1", &shadow, &at).ok(), Some(Admission::Shadow));
        shadow.lifecycle.state = "draft".into();
        assert!(admission("m", "1", &shadow, &at).is_err(), "shadow mode is for versions in review only");
    }

    #[test]
    fn a_lapsed_approval_does_what_its_system_says() {
        let at = now();
        let mut f = facts("approved", "alert");
        f.lifecycle.approval_expires_at = Some(at - chrono::Duration::seconds(1));
        assert_eq!(admission("m", "1", &f, &at).ok(), Some(Admission::Decide));
        f.on_expiry = "review".into();
        assert_eq!(admission("m", "1", &f, &at).ok(), Some(Admission::Review));
        f.on_expiry = "refuse".into();
        assert!(admission("m", "1", &f, &at).is_err());
        f.lifecycle.approval_expires_at = Some(at + chrono::Duration::days(1));
        assert_eq!(admission("m", "1", &f, &at).ok(), Some(Admission::Decide), "not lapsed yet");
        f.lifecycle.revalidation_reason = Some("drift".into());
        assert!(admission("m", "1", &f, &at).is_err(), "an alert asking for revalidation lapses it");
    }
}

/// A model card: what the version is, what it is for and not for, where its data came from,
/// who answers for it and who approved it on what evidence. Rendered as Markdown here and as
/// HTML by the console.
#[derive(Debug, Clone)]
pub struct ModelCard {
    /// The version.
    pub model: crate::models::ModelView,
    /// The owner's sign-in name.
    pub owner_email: Option<String>,
    /// The AI system's name.
    pub ai_system: Option<String>,
    /// Approval requests, newest first, with their threads.
    pub approvals: Vec<crate::approvals::ApprovalView>,
}

fn md_text(s: &str) -> String {
    // Markdown-significant characters at line starts and inline markup are escaped.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl ModelCard {
    /// The card as Markdown.
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let m = &self.model;
        let l = &m.lifecycle;
        let date = |t: &Timestamp| t.format("%-d %B %Y").to_string();
        let or_none = |s: &str| if s.trim().is_empty() { "Not stated.".to_owned() } else { md_text(s) };
        let mut o = String::new();
        let _ = writeln!(o, "# Model card: {} {}\n", md_text(&m.name), md_text(&m.version));
        let state = ModelState::parse(&l.state).map_or(l.state.clone(), |s| s.label().to_owned());
        let _ = writeln!(o, "| | |\n|---|---|");
        let _ =
            writeln!(o, "| State | {state}{} |", if m.approval_lapsed { " (approval lapsed: validate and sign off again)" } else { "" });
        let _ = writeln!(o, "| Owner | {} |", self.owner_email.as_deref().map_or_else(|| md_text(&m.owner), md_text));
        let _ = writeln!(o, "| AI system | {} |", self.ai_system.as_deref().map_or("None named".to_owned(), md_text));
        let _ = writeln!(o, "| Purpose | {} |", m.purpose.as_deref().map_or("None named".to_owned(), md_text));
        let _ = writeln!(o, "| Model | {} ({}), {} trees, {} inputs |", m.library, md_text(&m.objective), m.trees, m.features.len());
        let _ = writeln!(o, "| File SHA-256 | `{}` |", m.file_sha256);
        let _ = writeln!(o, "| Registered | {} |", date(&m.created_at));
        if let Some(a) = &l.approved_at {
            let _ = writeln!(o, "| Approved | {} |", date(a));
        }
        if let Some(e) = &l.approval_expires_at {
            let _ = writeln!(o, "| Approval lapses | {} |", date(e));
        }
        if let Some(r) = &l.revalidation_reason {
            let _ = writeln!(o, "| Must be validated again | {} |", md_text(r));
        }
        let _ = writeln!(o, "\n## Intended use\n\n{}\n", or_none(&l.intended_use));
        let _ = writeln!(o, "## Limitations\n\n{}\n", or_none(&l.limitations));
        let _ = writeln!(o, "## Training data\n\n{}\n", or_none(&l.training_data));
        let _ = writeln!(o, "## Inputs\n\n{}\n", m.features.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "));
        let _ = writeln!(o, "## Validation and sign-off\n");
        if l.approval_source.as_deref().is_some_and(|s| s.starts_with("upgrade")) {
            let _ = writeln!(o, "Approved by the upgrade to custos 0.3: the version was deciding before approvals were enforced.\n");
        }
        if self.approvals.is_empty() {
            let _ = writeln!(o, "No approval was asked for yet.");
        }
        for a in &self.approvals {
            let status = custos_core::ApprovalStatus::parse(&a.approval.status).map_or(a.approval.status.clone(), |s| s.label().to_owned());
            let _ = writeln!(o, "### Request of {}: {status}\n", date(&a.approval.created_at));
            let _ = writeln!(o, "- Needs: {}", a.approval.required_roles.join(", "));
            match (&a.approval.validation_id, &a.validation) {
                (_, Some(v)) => {
                    let verdict = if v.passed { "passed every check" } else { "FAILED" };
                    let _ = writeln!(o, "- Validation report `{}` (SHA-256 `{}`): {verdict}", md_text(&v.validation_id), v.report_sha256);
                    for (check, passed, detail) in &v.checks {
                        let _ = writeln!(o, "  - {} {}: {}", if *passed { "pass" } else { "FAIL" }, md_text(check), md_text(detail));
                    }
                }
                (Some(v), None) => {
                    let _ = writeln!(o, "- Validation report: `{}`", md_text(v));
                }
                (None, None) => {
                    let _ = writeln!(o, "- Validation report: none attached");
                }
            }
            if let Some(d) = &a.approval.dpia_link {
                let _ = writeln!(o, "- DPIA: <{}>", d.replace('>', "%3E"));
            }
            for e in &a.entries {
                let what = match e.kind.as_str() {
                    "approve" => "signed off",
                    "reject" => "rejected",
                    "request_changes" => "asked for changes",
                    _ => "commented",
                };
                let role = e.role.as_deref().map(|r| format!(" as {r}")).unwrap_or_default();
                let _ = writeln!(
                    o,
                    "- {} {}, {what}{role}: {}",
                    date(&e.created_at),
                    md_text(&e.staff_email),
                    md_text(&e.body.replace('\n', " "))
                );
            }
            let _ = writeln!(o);
        }
        o
    }
}

impl Models<'_> {
    /// A version's model card; the sign-off threads (comments and who wrote them) only
    /// `with_threads` (a reader of approvals).
    pub async fn card(&self, model_id: &str, with_threads: bool) -> Result<ModelCard, ServiceError> {
        let model = self.get(model_id).await?;
        let owner_id = model.lifecycle.owner_id.clone();
        let system_id = model.lifecycle.ai_system_id;
        let (owner_email, ai_system) = self
            .0
            .read(async |tx| {
                let owner = match &owner_id {
                    Some(id) => custos_store::staff::user_by_id(tx, id).await?.map(|u| u.email),
                    None => None,
                };
                let system = match &system_id {
                    Some(id) => custos_store::ai_systems::get(tx, id).await?.map(|a| a.name),
                    None => None,
                };
                Ok((owner, system))
            })
            .await?;
        let mut approvals = Vec::new();
        for a in self.0.approvals().list(None, Some(model_id)).await?.into_iter().take(20) {
            let mut view = self.0.approvals().get(&a.approval_id).await?;
            if !with_threads {
                view.entries.clear();
            }
            approvals.push(view);
        }
        Ok(ModelCard { model, owner_email, ai_system, approvals })
    }
}
