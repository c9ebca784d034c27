//! Staff training: a catalog of courses (each valid for some months and required for some
//! roles), completion records per staff member (date, evidence, expiry), coverage per role and
//! reminders before expiry. It decides at run time: a staff member whose required training is
//! not valid sees personal data masked (the Cedar policy `reveal-needs-valid-training`). Every
//! change is a ledger event.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, Months, NaiveDate};
use custos_core::{AlertSource, LedgerEvent, Role, Timestamp, TrainingId, TrainingRecordId, now};
pub use custos_store::trainings::{CompletionRecord, TrainingRecord};
use serde_json::json;

use crate::purposes::check_label;
use crate::{Receipt, Service, ServiceError};

/// Days before a completion expires that its reminder fires.
pub const REMINDER_DAYS: i64 = 30;
/// Longest validity of a course, in months.
pub const MAX_VALIDITY_MONTHS: u32 = 120;

custos_core::vocabulary! {
    /// Whether a course is still required.
    pub enum TrainingStatus: "status" {
        /// Required for its roles.
        Active = "active" ("Active"),
        /// No longer required; completions are kept.
        Retired = "retired" ("Retired"),
    }
}

/// Records a course, or (every field optional) changes one.
#[derive(Debug, Clone, Default)]
pub struct TrainingInput {
    /// Its name (unique).
    pub name: Option<String>,
    /// What it teaches.
    pub description: Option<String>,
    /// Months a completion stays valid (1-120).
    pub validity_months: Option<u32>,
    /// Staff roles that must hold it valid to see personal data.
    pub required_for: Option<Vec<String>>,
    /// `active` (default) or `retired`.
    pub status: Option<String>,
}

/// Records that a staff member completed a course, or changes that record.
#[derive(Debug, Clone, Default)]
pub struct CompletionInput {
    /// The course (POST only).
    pub training_id: Option<String>,
    /// The staff member: an email or an account id (POST only).
    pub user: Option<String>,
    /// When (`YYYY-MM-DD`; required on POST; not in the future).
    pub completed_on: Option<String>,
    /// The evidence: a certificate's reference (required on POST).
    pub evidence: Option<String>,
}

/// A course with, for a write, where the change was recorded.
#[derive(Debug, Clone)]
pub struct TrainingView {
    /// The record.
    pub training: TrainingRecord,
    /// The ledger receipt (writes that changed something).
    pub receipt: Option<Receipt>,
}

/// A completion with what it means today.
#[derive(Debug, Clone)]
pub struct CompletionView {
    /// The record.
    pub record: CompletionRecord,
    /// The staff member's email.
    pub email: String,
    /// Valid today (completed and not past its expiry).
    pub valid: bool,
    /// Days until it expires (negative: since it expired).
    pub expires_in_days: i64,
    /// The ledger receipt (writes only).
    pub receipt: Option<Receipt>,
}

/// Where one staff member stands with the training their roles require.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffTraining {
    /// The account.
    pub user_id: String,
    /// Sign-in name.
    pub email: String,
    /// Their roles.
    pub roles: Vec<Role>,
    /// Names of the required courses valid today.
    pub valid: Vec<String>,
    /// Names of the required courses not valid today (never completed, or expired).
    pub missing: Vec<String>,
}

/// Coverage of one role: how many of its staff hold every course it requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCoverage {
    /// The role.
    pub role: Role,
    /// Courses it requires.
    pub required: Vec<String>,
    /// Staff with the role.
    pub staff: usize,
    /// Of those, how many hold every course valid.
    pub covered: usize,
}

fn day(field: &str, v: &str) -> Result<NaiveDate, ServiceError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=9999).contains(&d.year()))
        .ok_or_else(|| ServiceError::invalid(field, "must be a date such as 2027-03-31"))
}

/// The last day a completion on `completed` stays valid: `months` later, less a day.
fn expiry(completed: NaiveDate, months: u32) -> NaiveDate {
    completed.checked_add_months(Months::new(months)).and_then(|d| d.checked_sub_days(Days::new(1))).unwrap_or(completed)
}

fn apply(input: &TrainingInput, mut t: TrainingRecord) -> Result<TrainingRecord, ServiceError> {
    if let Some(v) = &input.name {
        check_label("name", v, 200)?;
        v.trim().clone_into(&mut t.name);
    }
    if let Some(v) = &input.description {
        crate::check_text("description", v, 5_000, false)?;
        t.description.clone_from(v);
    }
    if let Some(m) = input.validity_months {
        if !(1..=MAX_VALIDITY_MONTHS).contains(&m) {
            return Err(ServiceError::invalid("validity_months", format!("must be 1 to {MAX_VALIDITY_MONTHS}")));
        }
        t.validity_months = m;
    }
    if let Some(list) = &input.required_for {
        let mut roles = Vec::with_capacity(list.len());
        for (i, r) in list.iter().enumerate() {
            roles.push(Role::parse(r).map_err(|e| ServiceError::invalid(&format!("required_for[{i}]"), e.message()))?.as_str().to_owned());
        }
        roles.sort();
        roles.dedup();
        t.required_for = roles;
    }
    if let Some(s) = &input.status {
        t.status = TrainingStatus::parse(s).map_err(|e| ServiceError::invalid("status", e.message()))?.as_str().to_owned();
    }
    Ok(t)
}

fn training_doc(t: &TrainingRecord) -> serde_json::Value {
    json!({
        "training_id": t.training_id.to_string(),
        "name": t.name,
        "validity_months": t.validity_months,
        "required_for": t.required_for,
        "status": t.status,
    })
}

fn view(record: CompletionRecord, email: String, today: NaiveDate) -> CompletionView {
    let completed = NaiveDate::parse_from_str(&record.completed_on, "%Y-%m-%d").unwrap_or(today);
    let expires = NaiveDate::parse_from_str(&record.expires_on, "%Y-%m-%d").unwrap_or(today);
    CompletionView {
        valid: completed <= today && today <= expires,
        expires_in_days: (expires - today).num_days(),
        record,
        email,
        receipt: None,
    }
}

/// A staff member as the training rules see them.
struct Person<'a> {
    user_id: &'a str,
    email: &'a str,
    roles: &'a [Role],
}

/// Where each person stands: for each staff member, the required active courses valid today
/// and those not.
fn standing(people: &[Person<'_>], catalog: &[TrainingRecord], completions: &[CompletionRecord], today: NaiveDate) -> Vec<StaffTraining> {
    people
        .iter()
        .map(|u| {
            let required = catalog.iter().filter(|t| {
                t.status == TrainingStatus::Active.as_str() && u.roles.iter().any(|r| t.required_for.iter().any(|x| x == r.as_str()))
            });
            let (mut valid, mut missing) = (Vec::new(), Vec::new());
            for t in required {
                let held = completions
                    .iter()
                    .any(|c| c.user_id == u.user_id && c.training_id == t.training_id && view(c.clone(), String::new(), today).valid);
                if held { valid.push(t.name.clone()) } else { missing.push(t.name.clone()) }
            }
            StaffTraining { user_id: u.user_id.to_owned(), email: u.email.to_owned(), roles: u.roles.to_vec(), valid, missing }
        })
        .collect()
}

fn people(users: &[custos_store::StaffUser]) -> Vec<Person<'_>> {
    users.iter().map(|u| Person { user_id: &u.user_id, email: &u.email, roles: &u.roles }).collect()
}

fn taken(e: custos_store::StoreError, name: &str) -> ServiceError {
    match e {
        custos_store::StoreError::Conflict => ServiceError::Conflict(format!("a course named `{name}` exists already")),
        other => other.into(),
    }
}

/// Staff training.
#[derive(Clone, Copy)]
pub struct Trainings<'a>(pub(crate) &'a Service);

impl Trainings<'_> {
    /// Records a course: `name` and `validity_months` are required. A ledger event.
    pub async fn create(&self, input: TrainingInput, actor: &str) -> Result<TrainingView, ServiceError> {
        for (field, given) in [("name", input.name.is_some()), ("validity_months", input.validity_months.is_some())] {
            if !given {
                return Err(ServiceError::invalid(field, "is required"));
            }
        }
        let at = now();
        let base = TrainingRecord {
            training_id: TrainingId::new(),
            name: String::new(),
            description: String::new(),
            validity_months: 12,
            required_for: Vec::new(),
            status: TrainingStatus::Active.as_str().to_owned(),
            created_at: at,
            updated_at: at,
        };
        let record = apply(&input, base)?;
        let receipt = self
            .0
            .write(async |tx| {
                custos_store::trainings::insert(tx, &record).await.map_err(|e| taken(e, &record.name))?;
                let leaf =
                    crate::ledger::event_at(LedgerEvent::TrainingCreated, &at, json!({"training": training_doc(&record), "actor": actor}));
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        Ok(TrainingView { training: record, receipt: Some(receipt) })
    }

    /// Changes the given fields; a ledger event naming what changed.
    pub async fn update(&self, training_id: &str, input: TrainingInput, actor: &str) -> Result<TrainingView, ServiceError> {
        let id = TrainingId::parse(training_id)?;
        let at = now();
        let view = self
            .0
            .write(async |tx| {
                let current = custos_store::trainings::get(tx, &id).await?.ok_or(ServiceError::NotFound { resource: "training" })?;
                let mut next = apply(&input, current.clone())?;
                let (before, after) = (training_doc(&current), training_doc(&next));
                let fields: serde_json::Map<String, serde_json::Value> = crate::ledger::changed_fields(&before, &after);
                if fields.is_empty() && next.description == current.description {
                    return Ok(TrainingView { training: current, receipt: None });
                }
                next.updated_at = at;
                if !custos_store::trainings::update(tx, &next).await.map_err(|e| taken(e, &next.name))? {
                    return Err(ServiceError::NotFound { resource: "training" });
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::TrainingUpdated,
                    &at,
                    json!({"training_id": id.to_string(), "changed": fields, "actor": actor}),
                );
                Ok(TrainingView { training: next, receipt: Some(custos_store::ledger::append_leaf(tx, leaf).await?) })
            })
            .await?;
        Ok(view)
    }

    /// One course.
    pub async fn get(&self, training_id: &str) -> Result<TrainingRecord, ServiceError> {
        let id = TrainingId::parse(training_id)?;
        self.0
            .read(async |tx| Ok(custos_store::trainings::get(tx, &id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "training" })
    }

    /// The catalog by name (at most 1,000).
    pub async fn list(&self) -> Result<Vec<TrainingRecord>, ServiceError> {
        self.0.read(async |tx| Ok(custos_store::trainings::list(tx, 1_000).await?)).await
    }

    /// Records a completion: the expiry follows from the course's validity. A ledger event.
    pub async fn complete(&self, input: CompletionInput, actor: &str) -> Result<CompletionView, ServiceError> {
        let training = TrainingId::parse(input.training_id.as_deref().ok_or_else(|| ServiceError::invalid("training_id", "is required"))?)?;
        let user = input.user.clone().ok_or_else(|| ServiceError::invalid("user", "is required"))?;
        crate::check_token("user", &user)?;
        let completed =
            day("completed_on", input.completed_on.as_deref().ok_or_else(|| ServiceError::invalid("completed_on", "is required"))?)?;
        let evidence = input.evidence.clone().ok_or_else(|| ServiceError::invalid("evidence", "is required"))?;
        check_label("evidence", &evidence, 200)?;
        let at = now();
        let today = at.date_naive();
        if completed > today {
            return Err(ServiceError::invalid("completed_on", "cannot be in the future"));
        }
        let (record, email, receipt) = self
            .0
            .write(async |tx| {
                let course = custos_store::trainings::get(tx, &training)
                    .await?
                    .ok_or_else(|| ServiceError::unprocessable("training_id", format!("no course `{training}`")))?;
                let person = crate::lifecycle::find_staff(tx, &user)
                    .await?
                    .ok_or_else(|| ServiceError::unprocessable("user", format!("no staff account `{user}`")))?;
                let record = CompletionRecord {
                    training_record_id: TrainingRecordId::new(),
                    training_id: training,
                    user_id: person.user_id.clone(),
                    completed_on: completed.format("%Y-%m-%d").to_string(),
                    expires_on: expiry(completed, course.validity_months).format("%Y-%m-%d").to_string(),
                    evidence: evidence.trim().to_owned(),
                    recorded_by: actor.to_owned(),
                    created_at: at,
                    updated_at: at,
                };
                custos_store::trainings::insert_completion(tx, &record).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::TrainingCompleted,
                    &at,
                    json!({"training_record_id": record.training_record_id.to_string(), "training_id": training.to_string(),
                           "user_id": record.user_id, "completed_on": record.completed_on, "expires_on": record.expires_on,
                           "evidence_sha256": crate::ledger::sha256_hex(record.evidence.as_bytes()), "actor": actor}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok((record, person.email, receipt))
            })
            .await?;
        // The change is committed: a failed alert check is logged, and the hourly sweep retries.
        if let Err(e) = self.sweep(at).await {
            tracing::error!(error = %e, "checking training alerts after a change failed");
        }
        let mut v = view(record, email, today);
        v.receipt = Some(receipt);
        Ok(v)
    }

    /// Corrects a completion's date or evidence (the expiry follows). A ledger event.
    pub async fn update_completion(&self, record_id: &str, input: CompletionInput, actor: &str) -> Result<CompletionView, ServiceError> {
        let id = TrainingRecordId::parse(record_id)?;
        for (field, given) in [("training_id", input.training_id.is_some()), ("user", input.user.is_some())] {
            if given {
                return Err(ServiceError::invalid(field, "cannot change: record a new completion instead"));
            }
        }
        let completed = input.completed_on.as_deref().map(|d| day("completed_on", d)).transpose()?;
        if let Some(e) = &input.evidence {
            check_label("evidence", e, 200)?;
        }
        let at = now();
        let today = at.date_naive();
        if completed.is_some_and(|c| c > today) {
            return Err(ServiceError::invalid("completed_on", "cannot be in the future"));
        }
        let (record, email, receipt) = self
            .0
            .write(async |tx| {
                let mut r = custos_store::trainings::get_completion(tx, &id)
                    .await?
                    .ok_or(ServiceError::NotFound { resource: "training record" })?;
                let course =
                    custos_store::trainings::get(tx, &r.training_id).await?.ok_or(ServiceError::NotFound { resource: "training" })?;
                if let Some(c) = completed {
                    r.completed_on = c.format("%Y-%m-%d").to_string();
                    r.expires_on = expiry(c, course.validity_months).format("%Y-%m-%d").to_string();
                }
                if let Some(e) = &input.evidence {
                    e.trim().clone_into(&mut r.evidence);
                }
                r.updated_at = at;
                custos_store::trainings::update_completion(tx, &r).await?;
                let email = custos_store::staff::user_by_id(tx, &r.user_id).await?.map(|u| u.email).unwrap_or_default();
                let leaf = crate::ledger::event_at(
                    LedgerEvent::TrainingRecordUpdated,
                    &at,
                    json!({"training_record_id": id.to_string(), "completed_on": r.completed_on, "expires_on": r.expires_on,
                           "evidence_sha256": crate::ledger::sha256_hex(r.evidence.as_bytes()), "actor": actor}),
                );
                let receipt = custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok((r, email, receipt))
            })
            .await?;
        // The change is committed: a failed alert check is logged, and the hourly sweep retries.
        if let Err(e) = self.sweep(at).await {
            tracing::error!(error = %e, "checking training alerts after a change failed");
        }
        let mut v = view(record, email, today);
        v.receipt = Some(receipt);
        Ok(v)
    }

    /// Completions, newest first (at most 1,000), of one staff member (an email or an account
    /// id) or of everyone.
    pub async fn completions(&self, user: Option<&str>) -> Result<Vec<CompletionView>, ServiceError> {
        let today = now().date_naive();
        let (records, users) = self
            .0
            .read(async |tx| {
                let user_id = match user {
                    Some(u) => {
                        Some(crate::lifecycle::find_staff(tx, u).await?.ok_or(ServiceError::NotFound { resource: "staff member" })?.user_id)
                    }
                    None => None,
                };
                Ok((custos_store::trainings::completions(tx, user_id.as_deref(), 1_000).await?, custos_store::staff::users(tx).await?))
            })
            .await?;
        let emails: BTreeMap<String, String> = users.into_iter().map(|u| (u.user_id, u.email)).collect();
        Ok(records
            .into_iter()
            .map(|r| {
                let email = emails.get(&r.user_id).cloned().unwrap_or_default();
                view(r, email, today)
            })
            .collect())
    }

    /// Where every staff member stands on the day of `at`, and the coverage of each role.
    pub async fn coverage(&self, at: Timestamp) -> Result<(Vec<StaffTraining>, Vec<RoleCoverage>), ServiceError> {
        let (users, catalog, completions) = self
            .0
            .read(async |tx| {
                Ok((
                    custos_store::staff::users(tx).await?,
                    custos_store::trainings::list(tx, 1_000).await?,
                    custos_store::trainings::completions(tx, None, 100_000).await?,
                ))
            })
            .await?;
        let people = standing(&people(&users), &catalog, &completions, at.date_naive());
        let roles = Role::ALL
            .iter()
            .map(|role| {
                let required: Vec<String> = catalog
                    .iter()
                    .filter(|t| t.status == TrainingStatus::Active.as_str() && t.required_for.iter().any(|r| r == role.as_str()))
                    .map(|t| t.name.clone())
                    .collect();
                let with: Vec<&StaffTraining> = people.iter().filter(|p| p.roles.contains(role)).collect();
                // Covered for this role: every course the role requires is valid.
                let covered = with.iter().filter(|p| required.iter().all(|n| p.valid.contains(n))).count();
                RoleCoverage { role: *role, required, staff: with.len(), covered }
            })
            .collect();
        Ok((people, roles))
    }

    /// The names of the required courses `user_id` does not hold valid on the day of `at`.
    pub(crate) async fn missing_for(&self, user_id: &str, roles: &[Role], at: Timestamp) -> Result<Vec<String>, ServiceError> {
        let uid = user_id.to_owned();
        let (catalog, completions) = self
            .0
            .read(async |tx| {
                Ok((custos_store::trainings::list(tx, 1_000).await?, custos_store::trainings::completions(tx, Some(&uid), 1_000).await?))
            })
            .await?;
        let person = Person { user_id, email: "", roles };
        Ok(standing(&[person], &catalog, &completions, at.date_naive()).pop().map(|s| s.missing).unwrap_or_default())
    }

    /// Reminders on the day of `at`: a required course that expires within [`REMINDER_DAYS`]
    /// (`training_expiring`) or has expired (`training_expired`) for a staff member whose roles
    /// need it, one alert per person and course, settled when renewed. The number fired.
    pub async fn sweep(&self, at: Timestamp) -> Result<usize, ServiceError> {
        let today = at.date_naive();
        self.0
            .write(async |tx| {
                let users = custos_store::staff::users(tx).await?;
                let catalog = custos_store::trainings::list(tx, 1_000).await?;
                let completions = custos_store::trainings::completions(tx, None, 100_000).await?;
                let complete = completions.len() < 100_000;
                let mut holding = BTreeSet::new();
                let mut fired = 0;
                for u in &users {
                    for t in catalog.iter().filter(|t| {
                        t.status == TrainingStatus::Active.as_str()
                            && u.roles.iter().any(|r| t.required_for.iter().any(|x| x == r.as_str()))
                    }) {
                        let Some(latest) = completions
                            .iter()
                            .filter(|c| c.user_id == u.user_id && c.training_id == t.training_id)
                            .max_by(|a, b| a.expires_on.cmp(&b.expires_on))
                        else {
                            continue;
                        };
                        let v = view(latest.clone(), u.email.clone(), today);
                        let about = format!("{}/{}", u.user_id, t.training_id);
                        let expires = NaiveDate::parse_from_str(&latest.expires_on, "%Y-%m-%d")
                            .map_or_else(|_| latest.expires_on.clone(), |d| d.format("%-d %B %Y").to_string());
                        let (kind, message) = if v.expires_in_days < 0 {
                            (
                                "training_expired",
                                format!(
                                    "{}'s \"{}\" training expired on {expires}: personal data is masked for them until it is renewed.",
                                    u.email, t.name
                                ),
                            )
                        } else if v.expires_in_days <= REMINDER_DAYS {
                            (
                                "training_expiring",
                                format!("{}'s \"{}\" training expires on {expires} (in {} days).", u.email, t.name, v.expires_in_days),
                            )
                        } else {
                            continue;
                        };
                        holding.insert((kind.to_owned(), about.clone()));
                        let f = crate::alerts::Firing {
                            source: AlertSource::Trainings,
                            kind,
                            about: &about,
                            message,
                            value: Some(v.expires_in_days as f64),
                            threshold: Some(REMINDER_DAYS as f64),
                        };
                        if crate::alerts::fire(tx, f, &at).await?.is_some() {
                            fired += 1;
                        }
                    }
                }
                if complete {
                    let firing =
                        custos_store::alerts::list(tx, Some(AlertSource::Trainings), Some(custos_core::AlertState::Firing), 10_000).await?;
                    for a in firing.iter().filter(|a| !holding.contains(&(a.kind.clone(), a.about.clone()))) {
                        crate::alerts::settle(tx, AlertSource::Trainings, &a.kind, &a.about, &at).await?;
                    }
                }
                Ok(fired)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_is_valid_for_its_months_to_the_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(expiry(d("2026-01-15"), 12), d("2027-01-14"));
        assert_eq!(expiry(d("2026-01-31"), 1), d("2026-02-27"), "month ends clamp");
        let record = CompletionRecord {
            training_record_id: TrainingRecordId::new(),
            training_id: TrainingId::new(),
            user_id: "u".into(),
            completed_on: "2026-01-15".into(),
            expires_on: "2027-01-14".into(),
            evidence: "cert 1".into(),
            recorded_by: "key:k".into(),
            created_at: now(),
            updated_at: now(),
        };
        assert!(view(record.clone(), String::new(), d("2027-01-14")).valid);
        assert!(!view(record.clone(), String::new(), d("2027-01-15")).valid);
        assert!(!view(record.clone(), String::new(), d("2026-01-14")).valid, "not before it was completed");
        assert_eq!(view(record, String::new(), d("2026-12-15")).expires_in_days, 30);
    }

    #[test]
    fn courses_are_checked() {
        let base = TrainingRecord {
            training_id: TrainingId::new(),
            name: "n".into(),
            description: String::new(),
            validity_months: 12,
            required_for: Vec::new(),
            status: "active".into(),
            created_at: now(),
            updated_at: now(),
        };
        let field = |i: TrainingInput| match apply(&i, base.clone()).expect_err("refused") {
            ServiceError::Invalid(v) => v.field().to_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(TrainingInput { validity_months: Some(0), ..Default::default() }), "validity_months");
        assert_eq!(field(TrainingInput { validity_months: Some(121), ..Default::default() }), "validity_months");
        assert_eq!(field(TrainingInput { required_for: Some(vec!["boss".into()]), ..Default::default() }), "required_for[0]");
        assert_eq!(field(TrainingInput { status: Some("paused".into()), ..Default::default() }), "status");
        assert_eq!(field(TrainingInput { name: Some(String::new()), ..Default::default() }), "name");
        let ok = apply(
            &TrainingInput { required_for: Some(vec!["reviewer".into(), "admin".into(), "reviewer".into()]), ..Default::default() },
            base,
        )
        .expect("valid");
        assert_eq!(ok.required_for, ["admin", "reviewer"]);
    }
}
