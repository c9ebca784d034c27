//! Vendors in the console: the data-flow diagram (AI systems to vendors, with the data
//! categories each flow carries) and the register, each vendor with its agreements, their
//! dates and transfer mechanisms, whether data may go to it today and its newest
//! due-diligence review (started here, filled in on the assessment's page).

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use custos_govern::transfers::{TransferMechanism, TransferStatus};
use custos_service::assessments::AssessmentStatus;
use custos_service::vendors::{AgreementKind, VendorRole};

use crate::{
    Web,
    charts::{self, FlowTarget},
    format::label_of,
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, ReadVendors},
};

struct AgreementRow {
    kind: String,
    dates: String,
    transfer: String,
    state: String,
    bad: bool,
}

struct VendorRow {
    vendor_id: String,
    name: String,
    role: String,
    country: String,
    shares: String,
    agreements: Vec<AgreementRow>,
    today: String,
    blocked: bool,
    /// (assessment id, status and outcome in words, bad) of its newest due-diligence review.
    review: Option<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "vendors.html")]
struct VendorsPage {
    page: Page,
    diagram: String,
    vendors: Vec<VendorRow>,
    /// May start a due-diligence review.
    can_assess: bool,
}

fn long(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_or_else(|_| d.to_owned(), |d| d.format("%-d %B %Y").to_string())
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadVendors>) -> Result<Response, Refusal> {
    let vendors = web.service.vendors().list().await.or_refuse(&staff)?;
    let systems = web.service.ai_systems().list().await.or_refuse(&staff)?;
    let purpose_names: std::collections::BTreeMap<String, String> = web
        .service
        .purposes()
        .all()
        .await
        .or_refuse(&staff)?
        .into_iter()
        .map(|p| (p.purpose.purpose.to_string(), p.purpose.name))
        .collect();
    // Staff read names, not keys.
    let category_words =
        |keys: &[String]| keys.iter().map(|k| custos_core::data_category_name(k).unwrap_or(k).to_owned()).collect::<Vec<_>>().join(", ");
    let purpose_words =
        |keys: &[String]| keys.iter().map(|k| purpose_names.get(k).cloned().unwrap_or_else(|| k.clone())).collect::<Vec<_>>().join(", ");
    let active: Vec<_> = vendors.iter().filter(|v| v.vendor.status == "active").collect();
    // Sources: the AI systems that send data to a vendor, and "Other processing" for vendors
    // no AI system is declared to feed.
    let mut sources: Vec<String> = Vec::new();
    let mut edges = Vec::new();
    let mut targets = Vec::new();
    for (t, v) in active.iter().enumerate() {
        targets.push(FlowTarget { name: v.vendor.name.clone(), role: label_of::<VendorRole>(&v.vendor.role), blocked: v.blocked.clone() });
        let cats = category_words(&v.vendor.data_categories);
        let names: Vec<String> = if v.vendor.ai_system_ids.is_empty() {
            vec!["Other processing".to_owned()]
        } else {
            v.vendor
                .ai_system_ids
                .iter()
                .map(|id| systems.iter().find(|s| s.ai_system_id.to_string() == *id).map_or_else(|| id.clone(), |s| s.name.clone()))
                .collect()
        };
        for name in names {
            let s = sources.iter().position(|x| *x == name).unwrap_or_else(|| {
                sources.push(name.clone());
                sources.len() - 1
            });
            edges.push((s, t, if cats.is_empty() { "no category declared".to_owned() } else { cats.clone() }));
        }
    }
    let rows = vendors
        .iter()
        .map(|v| VendorRow {
            vendor_id: v.vendor.vendor_id.to_string(),
            name: v.vendor.name.clone(),
            role: label_of::<VendorRole>(&v.vendor.role),
            country: v.vendor.country.clone(),
            shares: format!(
                "{} for {}",
                if v.vendor.data_categories.is_empty() { "nothing declared".to_owned() } else { category_words(&v.vendor.data_categories) },
                if v.vendor.purposes.is_empty() { "no declared purpose".to_owned() } else { purpose_words(&v.vendor.purposes) }
            ),
            agreements: v
                .dpas
                .iter()
                .map(|d| {
                    let mechanism = TransferMechanism::parse(&d.dpa.transfer_mechanism).map_or("unknown", |m| m.label());
                    let (state, bad) = match (d.dpa.status.as_str(), d.in_force, d.expires_in_days) {
                        ("terminated", _, _) => ("Terminated".to_owned(), false),
                        (_, false, Some(n)) if n < 0 => ("Expired".to_owned(), true),
                        (_, false, _) => ("Not in force yet".to_owned(), true),
                        (_, true, Some(n)) if n <= custos_service::vendors::EXPIRY_NOTICE_DAYS => {
                            (format!("In force, expires in {n} day{}", if n == 1 { "" } else { "s" }), true)
                        }
                        _ => ("In force".to_owned(), false),
                    };
                    AgreementRow {
                        kind: label_of::<AgreementKind>(&d.dpa.kind),
                        dates: format!(
                            "signed {}{}",
                            long(&d.dpa.signed_on),
                            d.dpa.expires_on.as_deref().map_or_else(|| ", no expiry".to_owned(), |e| format!(", expires {}", long(e)))
                        ),
                        transfer: match d.transfer {
                            TransferStatus::NoTransfer => format!("processed in {} (EEA)", d.dpa.country),
                            TransferStatus::Covered => format!("processed in {}: {mechanism}", d.dpa.country),
                            TransferStatus::Uncovered => format!("processed in {} without a transfer mechanism", d.dpa.country),
                        },
                        bad: bad || d.transfer == TransferStatus::Uncovered,
                        state,
                    }
                })
                .collect(),
            today: if v.vendor.status != "active" {
                "Ended: receives nothing".to_owned()
            } else {
                v.blocked.clone().unwrap_or_else(|| "May receive its declared data".to_owned())
            },
            blocked: v.blocked.is_some() && v.vendor.status == "active",
            review: v.review.as_ref().map(|a| {
                let outcome = a.result.get("outcome").and_then(serde_json::Value::as_str).unwrap_or_default();
                (
                    a.assessment_id.to_string(),
                    format!("{}: {}", label_of::<AssessmentStatus>(&a.status), crate::assessments::outcome_words(outcome)),
                    outcome == "insufficient",
                )
            }),
        })
        .collect();
    let page = VendorsPage {
        page: Page::staff(&staff, "/console/vendors"),
        diagram: charts::flows("Where customer data goes", &sources, &targets, &edges),
        vendors: rows,
        can_assess: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Assessments),
    };
    Ok(html(StatusCode::OK, page.render()))
}
