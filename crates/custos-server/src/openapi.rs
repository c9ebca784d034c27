use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::routes::*;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("custos API key").build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "custos", description = "Compliance control plane: consent, purpose gate, subject vault and data-subject rights."),
    paths(
        healthz, openapi_json, gpc_json,
        create_purpose, list_purposes, get_purpose, create_notice, list_notices,
        create_subject, list_subjects, get_subject, patch_subject, subject_consents, subject_decisions,
        record_consent, record_signal, load_vendor_list, list_vendor_lists, gate_check, record_decision, record_outcome,
        create_dsr, list_dsr, get_dsr, verify_dsr, complete_dsr, extend_dsr, reject_dsr, export_dsr, merge_dsr,
        create_key, list_keys, revoke_key,
        ledger_checkpoint, publish_checkpoint, ledger_key, ledger_entry, inclusion_proof, consistency_proof,
        pii_analyze, pii_anonymize, pii_deanonymize, pii_detokenize, pii_supported_entities, pii_recognizers,
        create_fairness_audit, list_fairness_audits, get_fairness_audit, fairness_report, list_fairness_alerts,
        create_fairness_schedule, list_fairness_schedules, delete_fairness_schedule,
        register_model, list_models, get_model, decision_explanation, decision_reasons,
        create_privacy_link, create_consent_token, embed_consents, embed_answer,
        get_decision, contest_decision, decision_counterfactual,
        list_reviews, get_review, review_inputs, claim_review, assign_review, resolve_review,
        create_review_rule, list_review_rules, delete_review_rule, create_suspension, list_suspensions, lift_suspension, oversight_metrics,
        list_alerts, acknowledge_alert, resolve_alert,
        create_webhook, list_webhooks, delete_webhook, webhook_deliveries,
        create_monitor, list_monitors, get_monitor, monitor_report, monitor_windows, monitor_history, silence_monitor, upload_reference_profile,
        create_ai_system, list_ai_systems, get_ai_system, patch_ai_system, publish_disclosure, list_disclosures, serve_disclosure,
        patch_model, retire_model, model_card,
        create_approval, list_approvals, get_approval, sign_approval, comment_approval,
        create_validation, get_validation,
        create_risk, list_risks, get_risk, patch_risk,
        create_assessment, list_assessments, get_assessment, patch_assessment, assessment_report, list_questionnaires,
        create_incident, list_incidents, get_incident, patch_incident, notify_incident, incident_report, send_letters,
        create_vendor, list_vendors, get_vendor, patch_vendor, create_dpa, list_dpas, patch_dpa,
        create_training, list_trainings, training_coverage, get_training, patch_training, create_training_record, list_training_records,
        patch_training_record,
        list_obligations, scope_obligation, list_controls, list_evidence, get_evidence, evidence_file, upload_evidence, start_run, list_runs,
        compliance_report, ropa,
        put_export_policy, list_export_policies, export_policy_versions, create_segment, list_segments, create_export, list_exports,
        get_export, export_file, dp_query, list_privacy_budgets,
    ),
    components(schemas(crate::ApiError)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

/// The OpenAPI 3.1 document of the API, generated from the handlers and request types.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
