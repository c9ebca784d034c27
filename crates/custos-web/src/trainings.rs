//! Staff training in the console: coverage per role (a chart with its numbers), each staff
//! member's valid and missing courses, and the catalog.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use custos_core::now;

use crate::{
    Web, charts,
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, ReadTrainings},
};

struct PersonRow {
    email: String,
    roles: String,
    valid: String,
    missing: String,
}

struct CourseRow {
    name: String,
    validity: String,
    required_for: String,
    status: String,
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct TrainingsPage {
    page: Page,
    chart: String,
    people: Vec<PersonRow>,
    courses: Vec<CourseRow>,
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadTrainings>) -> Result<Response, Refusal> {
    let (people, roles) = web.service.trainings().coverage(now()).await.or_refuse(&staff)?;
    let catalog = web.service.trainings().list().await.or_refuse(&staff)?;
    let rows: Vec<charts::RateBar> = roles
        .iter()
        .filter(|r| r.staff > 0 && !r.required.is_empty())
        .map(|r| (format!("{} ({} of {})", r.role.label(), r.covered, r.staff), r.covered as f64 / r.staff as f64, None))
        .collect();
    let role_names = |roles: &[custos_core::Role]| roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
    let page = TrainingsPage {
        page: Page::staff(&staff, "/console/trainings"),
        chart: if rows.is_empty() {
            "<p>No role requires a course yet.</p>".to_owned()
        } else {
            charts::rates("Staff holding every course their role requires", &rows)
        },
        people: people
            .iter()
            .map(|p| PersonRow {
                email: p.email.clone(),
                roles: role_names(&p.roles),
                valid: if p.valid.is_empty() { "—".to_owned() } else { p.valid.join(", ") },
                missing: p.missing.join(", "),
            })
            .collect(),
        courses: catalog
            .iter()
            .map(|t| CourseRow {
                name: t.name.clone(),
                validity: format!("{} month{}", t.validity_months, if t.validity_months == 1 { "" } else { "s" }),
                required_for: t
                    .required_for
                    .iter()
                    .map(|r| custos_core::Role::parse(r).map_or_else(|_| r.clone(), |r| r.label().to_owned()))
                    .collect::<Vec<_>>()
                    .join(", "),
                status: crate::format::label_of::<custos_service::trainings::TrainingStatus>(&t.status),
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, page.render()))
}
