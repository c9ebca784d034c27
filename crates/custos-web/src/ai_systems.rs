//! The AI inventory in the console: every AI system with its risk tier, who it faces, what it
//! is for, its models and owner, in plain words.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use crate::{
    Web,
    format::When,
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, ReadAiSystems},
};

struct SystemRow {
    name: String,
    description: String,
    risk_tier: String,
    faces: String,
    purposes: String,
    models: String,
    owner: String,
    changed: String,
}

#[derive(Template)]
#[template(path = "ai_systems.html")]
struct ListPage {
    page: Page,
    systems: Vec<SystemRow>,
}

/// A risk tier as people read it.
fn tier(t: &str) -> String {
    match t {
        "minimal" => "Minimal".into(),
        "limited" => "Limited (transparency duties)".into(),
        "high" => "High".into(),
        "prohibited" => "Prohibited".into(),
        _ => "Not assessed yet".into(),
    }
}

fn list_or(items: &[String], none: &str) -> String {
    if items.is_empty() { none.to_owned() } else { items.join(", ") }
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadAiSystems>) -> Result<Response, Refusal> {
    let systems = web.service.ai_systems().list().await.or_refuse(&staff)?;
    let page = ListPage {
        page: Page::staff(&staff, "/console/ai-systems"),
        systems: systems
            .iter()
            .map(|a| SystemRow {
                name: a.name.clone(),
                description: a.description.clone(),
                risk_tier: tier(&a.risk_tier),
                faces: match (a.customer_facing, a.direct_interaction) {
                    (true, true) => "Yes, customers talk to it".into(),
                    (true, false) => "Yes".into(),
                    _ => "No".into(),
                },
                purposes: list_or(&a.purposes, "none named"),
                models: list_or(&a.models, "none named"),
                owner: a.business_owner.clone(),
                changed: When::moment(&a.updated_at).text,
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, page.render()))
}
