use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ValidationError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (UUIDv7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the textual form, naming the field on error.
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| ValidationError::new($field, "is not a valid id (expected a UUID)"))
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

id_type!(
    /// Internal identifier of a data subject. Random, so it reveals nothing about the person
    /// and can appear in logs and (later) the audit ledger.
    SubjectId,
    "subject_id"
);
id_type!(
    /// Identifier of one persisted gate check.
    CheckId,
    "check_id"
);
id_type!(
    /// Identifier of one logged AI decision.
    DecisionId,
    "decision_id"
);
id_type!(
    /// Identifier of one data-subject request.
    DsrId,
    "dsr_id"
);
id_type!(
    /// Identifier of one consent event.
    EventId,
    "event_id"
);
id_type!(
    /// Public identifier of an API key (the secret part is never stored).
    ApiKeyId,
    "key_id"
);
id_type!(
    /// Identifier of one fairness audit run.
    AuditId,
    "audit_id"
);
id_type!(
    /// Identifier of one recurring fairness audit.
    ScheduleId,
    "schedule_id"
);
id_type!(
    /// Identifier of one registered model version.
    ModelId,
    "model_id"
);
id_type!(
    /// Identifier of a review rule (stable across its versions).
    RuleId,
    "rule_id"
);
id_type!(
    /// Identifier of one review of a decision.
    ReviewId,
    "review_id"
);
id_type!(
    /// Identifier of one suspension (the stop button).
    SuspensionId,
    "suspension_id"
);
id_type!(
    /// Identifier of one monitor (drift and performance of a model or purpose over time).
    MonitorId,
    "monitor_id"
);
id_type!(
    /// Identifier of one AI system (a use case in the AI inventory).
    AiSystemId,
    "ai_system_id"
);
id_type!(
    /// Identifier of one alert.
    AlertId,
    "alert_id"
);
id_type!(
    /// Identifier of one impact assessment (a DPIA, an AI Act classification).
    AssessmentId,
    "assessment_id"
);
id_type!(
    /// Identifier of one incident (a breach, an AI serious incident, ...).
    IncidentId,
    "incident_id"
);
id_type!(
    /// Identifier of one risk in the risk register.
    RiskId,
    "risk_id"
);
id_type!(
    /// Identifier of one piece of compliance evidence, or of one evaluation run.
    EvidenceId,
    "evidence_id"
);
id_type!(
    /// Identifier of one vendor (a third party that receives customer data).
    VendorId,
    "vendor_id"
);
id_type!(
    /// Identifier of one agreement with a vendor (a data processing agreement, a
    /// joint-controller arrangement, a data-sharing agreement).
    DpaId,
    "dpa_id"
);
id_type!(
    /// Identifier of one course in the staff training catalog.
    TrainingId,
    "training_id"
);
id_type!(
    /// Identifier of one completion of a course by a staff member.
    TrainingRecordId,
    "training_record_id"
);
id_type!(
    /// Identifier of one saved segment (a named selection of subjects and the fields exported
    /// about them).
    SegmentId,
    "segment_id"
);
id_type!(
    /// Identifier of one segment export (its file and report).
    ExportId,
    "export_id"
);
id_type!(
    /// Identifier of one differentially private query answered (a spend of privacy budget).
    QueryId,
    "query_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = SubjectId::new();
        assert_eq!(SubjectId::parse(&id.to_string()), Ok(id));
        let err = SubjectId::parse("not-an-id").expect_err("invalid");
        assert_eq!(err.field(), "subject_id");
        assert!(DsrId::new() != DsrId::new());
    }
}
