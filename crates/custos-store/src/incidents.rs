//! Incidents (personal data breaches, AI serious incidents, security events, model failures,
//! complaints) with the facts their legal clocks run from, the response plan's checklist, and
//! the notifications that stop those clocks. What staff write about an incident (description,
//! containment, root cause, actions, reasons for a late notification) may name people: it is
//! sealed at rest.

use custos_core::{IncidentId, Timestamp, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// What staff wrote about an incident (sealed as one document).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IncidentText {
    /// What happened.
    pub description: String,
    /// What was done to contain it.
    #[serde(default)]
    pub containment: String,
    /// Why it happened.
    #[serde(default)]
    pub root_cause: String,
    /// What is done so it does not happen again.
    #[serde(default)]
    pub actions: String,
}

/// One step of an incident's response plan and whether it is done.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanItem {
    /// The step's key in the plan.
    pub key: String,
    /// What to do.
    pub text: String,
    /// When it was done (RFC 3339), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<String>,
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    /// Id.
    pub incident_id: IncidentId,
    /// `personal_data_breach`, `ai_serious_incident`, `security_event`, `model_failure` or
    /// `complaint`.
    pub kind: String,
    /// A short name (no personal data).
    pub title: String,
    /// When the business became aware of it: the legal clocks run from here.
    pub became_aware_at: Timestamp,
    /// When it happened, if known.
    pub occurred_at: Option<Timestamp>,
    /// The AI systems affected.
    pub ai_system_ids: Vec<String>,
    /// The data categories affected (fideslang).
    pub data_categories: Vec<String>,
    /// Where the people affected live (ISO 3166 codes): which laws' clocks run.
    pub jurisdictions: Vec<String>,
    /// How many people are affected, if known.
    pub subjects_affected: Option<u64>,
    /// The subjects affected, when known one by one.
    pub subject_ids: Vec<String>,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// `unlikely`, `risk` or `high_risk` to the people affected (GDPR Art. 33(1), 34(1)).
    pub risk_to_subjects: String,
    /// The business's role for the AI system under the AI Act, for AI serious incidents.
    pub ai_act_role: Option<String>,
    /// `death`, `widespread_or_critical_infrastructure` or `other` (AI Act Art. 73).
    pub serious_incident_type: Option<String>,
    /// `open`, `contained` or `closed`.
    pub status: String,
    /// What staff wrote (sealed at rest).
    pub text: IncidentText,
    /// The response plan's checklist.
    pub plan: Vec<PlanItem>,
    /// Who opened it.
    pub created_by: String,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
}

/// A notification made for one of an incident's duties: it stops that clock.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRecord {
    /// Id.
    pub notification_id: String,
    /// The incident.
    pub incident_id: IncidentId,
    /// The duty it meets (a clock's key, e.g. `gdpr_33_authority`).
    pub duty: String,
    /// When the notification was made.
    pub notified_at: Timestamp,
    /// To whom (an authority, the people affected, the provider).
    pub recipient: String,
    /// The authority's case number or the letter's reference.
    pub reference: String,
    /// Why it was late, when it was (sealed at rest).
    pub late_reason: Option<String>,
    /// How late it was, in seconds (none: on time).
    pub late_seconds: Option<i64>,
    /// Who recorded it.
    pub created_by: String,
    /// When it was recorded.
    pub created_at: Timestamp,
}

fn text_label(id: &IncidentId) -> String {
    crate::sealed::context("incidents", &id.to_string(), "text")
}

fn reason_label(id: &str) -> String {
    crate::sealed::context("incident_notifications", id, "late_reason")
}

fn from_row(tx: &Tx, row: &AnyRow) -> Result<IncidentRecord, StoreError> {
    let incident_id = IncidentId::parse(&text(row, "incident_id")?)?;
    let sealed = opt_bytes(row, "text_ct")?.unwrap_or_default();
    let opened = tx.keyring().open_aggregate(&text_label(&incident_id), &sealed)?;
    let subjects_affected: Option<i64> = row.try_get("subjects_affected").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(IncidentRecord {
        kind: text(row, "kind")?,
        title: text(row, "title")?,
        became_aware_at: ts(row, "became_aware_at")?,
        occurred_at: opt_ts(row, "occurred_at")?,
        ai_system_ids: json(row, "ai_system_ids")?,
        data_categories: json(row, "data_categories")?,
        jurisdictions: json(row, "jurisdictions")?,
        subjects_affected: subjects_affected.map(|n| n.max(0) as u64),
        subject_ids: json(row, "subject_ids")?,
        severity: text(row, "severity")?,
        risk_to_subjects: text(row, "risk_to_subjects")?,
        ai_act_role: opt_text(row, "ai_act_role")?,
        serious_incident_type: opt_text(row, "serious_incident_type")?,
        status: text(row, "status")?,
        text: serde_json::from_slice(&opened).map_err(|e| StoreError::Corrupt(format!("incident text: {e}")))?,
        plan: json(row, "plan")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        closed_at: opt_ts(row, "closed_at")?,
        incident_id,
    })
}

/// Stores a new incident.
pub async fn insert(tx: &mut Tx, r: &IncidentRecord) -> Result<(), StoreError> {
    let sealed = tx.keyring().seal_aggregate(&text_label(&r.incident_id), &serde_json::to_vec(&r.text).unwrap_or_default())?;
    sqlx::query(
        "INSERT INTO incidents (incident_id, kind, title, became_aware_at, occurred_at, ai_system_ids, data_categories, jurisdictions, \
         subjects_affected, subject_ids, severity, risk_to_subjects, ai_act_role, serious_incident_type, status, text_ct, plan, created_by, \
         created_at, updated_at, closed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(r.incident_id.to_string())
    .bind(r.kind.clone())
    .bind(r.title.clone())
    .bind(format_timestamp(&r.became_aware_at))
    .bind(r.occurred_at.as_ref().map(format_timestamp))
    .bind(to_json(&r.ai_system_ids))
    .bind(to_json(&r.data_categories))
    .bind(to_json(&r.jurisdictions))
    .bind(r.subjects_affected.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
    .bind(to_json(&r.subject_ids))
    .bind(r.severity.clone())
    .bind(r.risk_to_subjects.clone())
    .bind(r.ai_act_role.clone())
    .bind(r.serious_incident_type.clone())
    .bind(r.status.clone())
    .bind(sealed)
    .bind(to_json(&r.plan))
    .bind(r.created_by.clone())
    .bind(format_timestamp(&r.created_at))
    .bind(format_timestamp(&r.updated_at))
    .bind(r.closed_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces an incident's changeable fields; false if there is none.
pub async fn update(tx: &mut Tx, r: &IncidentRecord) -> Result<bool, StoreError> {
    let sealed = tx.keyring().seal_aggregate(&text_label(&r.incident_id), &serde_json::to_vec(&r.text).unwrap_or_default())?;
    Ok(sqlx::query(
        "UPDATE incidents SET title = $2, became_aware_at = $3, occurred_at = $4, ai_system_ids = $5, data_categories = $6, \
         jurisdictions = $7, subjects_affected = $8, subject_ids = $9, severity = $10, risk_to_subjects = $11, ai_act_role = $12, \
         serious_incident_type = $13, status = $14, text_ct = $15, plan = $16, updated_at = $17, closed_at = $18 WHERE incident_id = $1",
    )
    .bind(r.incident_id.to_string())
    .bind(r.title.clone())
    .bind(format_timestamp(&r.became_aware_at))
    .bind(r.occurred_at.as_ref().map(format_timestamp))
    .bind(to_json(&r.ai_system_ids))
    .bind(to_json(&r.data_categories))
    .bind(to_json(&r.jurisdictions))
    .bind(r.subjects_affected.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
    .bind(to_json(&r.subject_ids))
    .bind(r.severity.clone())
    .bind(r.risk_to_subjects.clone())
    .bind(r.ai_act_role.clone())
    .bind(r.serious_incident_type.clone())
    .bind(r.status.clone())
    .bind(sealed)
    .bind(to_json(&r.plan))
    .bind(format_timestamp(&r.updated_at))
    .bind(r.closed_at.as_ref().map(format_timestamp))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One incident.
pub async fn get(tx: &mut Tx, id: &IncidentId) -> Result<Option<IncidentRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM incidents WHERE incident_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(|r| from_row(tx, r)).transpose()
}

/// Incidents, newest awareness first, optionally only those not closed (at most `limit`).
pub async fn list(tx: &mut Tx, open_only: bool, limit: u32) -> Result<Vec<IncidentRecord>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM incidents WHERE ($1 = 0 OR status <> 'closed') ORDER BY became_aware_at DESC, incident_id LIMIT $2")
            .bind(b(open_only))
            .bind(i64::from(limit))
            .fetch_all(tx.conn())
            .await?;
    rows.iter().map(|r| from_row(tx, r)).collect()
}

/// Records a notification (its late reason sealed).
pub async fn insert_notification(tx: &mut Tx, n: &NotificationRecord) -> Result<(), StoreError> {
    let reason =
        n.late_reason.as_ref().map(|r| tx.keyring().seal_aggregate(&reason_label(&n.notification_id), r.as_bytes())).transpose()?;
    sqlx::query(
        "INSERT INTO incident_notifications (notification_id, incident_id, duty, notified_at, recipient, reference, late_reason_ct, \
         late_seconds, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(n.notification_id.clone())
    .bind(n.incident_id.to_string())
    .bind(n.duty.clone())
    .bind(format_timestamp(&n.notified_at))
    .bind(n.recipient.clone())
    .bind(n.reference.clone())
    .bind(reason)
    .bind(n.late_seconds)
    .bind(n.created_by.clone())
    .bind(format_timestamp(&n.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An incident's notifications, oldest first.
pub async fn notifications(tx: &mut Tx, id: &IncidentId) -> Result<Vec<NotificationRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM incident_notifications WHERE incident_id = $1 ORDER BY notified_at, notification_id LIMIT 1000")
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let notification_id = text(row, "notification_id")?;
        let late_reason = opt_bytes(row, "late_reason_ct")?
            .map(|s| {
                tx.keyring()
                    .open_aggregate(&reason_label(&notification_id), &s)
                    .and_then(|v| String::from_utf8(v).map_err(|e| StoreError::Corrupt(e.to_string())))
            })
            .transpose()?;
        out.push(NotificationRecord {
            incident_id: IncidentId::parse(&text(row, "incident_id")?)?,
            duty: text(row, "duty")?,
            notified_at: ts(row, "notified_at")?,
            recipient: text(row, "recipient")?,
            reference: text(row, "reference")?,
            late_reason,
            late_seconds: row.try_get("late_seconds").map_err(|e| StoreError::Corrupt(e.to_string()))?,
            created_by: text(row, "created_by")?,
            created_at: ts(row, "created_at")?,
            notification_id,
        });
    }
    Ok(out)
}
