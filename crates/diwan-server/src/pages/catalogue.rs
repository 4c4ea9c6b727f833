//! The catalogue: every service by agency and category, a search box (the same
//! `diwan_search` index as `GET /api/v1/search`), and a page per service saying what it is,
//! the documents needed, the fee and how long it takes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::error::ApiError;
use crate::pages::render;
use crate::pages::session::Visitor;
use crate::pages::ui::{Ui, money};
use crate::state::AppState;

/// Longest query accepted, as for the API's search.
const MAX_QUERY_CHARS: usize = 500;
const MAX_RESULTS: usize = 10;

/// Category ids of the catalogue and their names. Unknown ids are shown as they are.
const CATEGORIES: &[(&str, &str, &str)] = &[
    ("civil_status", "الأحوال المدنية", "Civil status"),
    ("business", "الأعمال والتجارة", "Business"),
    ("education", "التعليم", "Education"),
    ("health", "الصحة", "Health"),
    ("housing", "الإسكان", "Housing"),
    ("justice", "العدل", "Justice"),
    ("local_development", "التنمية المحلية", "Local development"),
    ("notary", "الشهر العقاري والتوثيق", "Notary"),
    ("security", "الأمن", "Security"),
    ("social", "التضامن الاجتماعي", "Social support"),
    ("supply", "التموين", "Supply"),
    ("traffic", "المرور", "Traffic"),
    ("travel", "السفر والجوازات", "Travel and passports"),
    ("utilities", "المرافق", "Utilities"),
];

fn category_name(ui: &Ui, id: &str) -> String {
    CATEGORIES
        .iter()
        .find(|(c, _, _)| *c == id)
        .map(|(_, ar, en)| ui.t(ar, en).to_owned())
        .unwrap_or_else(|| id.to_owned())
}

pub struct Choice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

pub struct ServiceItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub agency: String,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    ui: Ui,
    q: String,
    query_error: Option<String>,
    agencies: Vec<Choice>,
    categories: Vec<Choice>,
    services: Vec<ServiceItem>,
    /// A search found nothing it is sure of: the results are suggestions.
    unsure: bool,
    /// The search is about something done elsewhere: its name, and where.
    elsewhere: Option<(String, String)>,
    searched: bool,
}

#[derive(Debug, Deserialize)]
pub struct CatalogueQuery {
    q: Option<String>,
    agency: Option<String>,
    category: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    v: Visitor,
    Query(query): Query<CatalogueQuery>,
) -> Response {
    let ui = v.ui();
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let agency = query.agency.filter(|a| !a.is_empty());
    let category = query.category.filter(|c| !c.is_empty());
    let catalog = &state.catalog;
    let item = |s: &diwan_domain::service::ServiceDefinition| ServiceItem {
        id: s.id.clone(),
        name: ui.tx(&s.name).to_owned(),
        description: ui.tx(&s.description).to_owned(),
        agency: catalog
            .agency(&s.agency)
            .map(|a| ui.tx(&a.name).to_owned())
            .unwrap_or_else(|| s.agency.clone()),
    };
    let mut query_error = None;
    let mut unsure = false;
    let mut elsewhere = None;
    let services: Vec<ServiceItem> = if q.chars().count() > MAX_QUERY_CHARS {
        query_error = Some(
            ui.t(
                "البحث أطول من المسموح؛ اكتب كلمات أقل",
                "The search is too long; use fewer words",
            )
            .to_owned(),
        );
        Vec::new()
    } else if !q.is_empty() {
        let found = state.search.search(&q, MAX_RESULTS);
        unsure = !found.confident;
        elsewhere = found
            .elsewhere
            .as_ref()
            .and_then(|h| catalog.elsewhere.get(h.service_id))
            .map(|e| (ui.tx(&e.name).to_owned(), ui.tx(&e.done_at).to_owned()));
        found
            .hits
            .iter()
            .filter_map(|h| catalog.service(h.service_id))
            .map(|s| item(s))
            .collect()
    } else {
        catalog
            .services
            .values()
            .filter(|s| agency.as_deref().is_none_or(|a| s.agency == a))
            .filter(|s| category.as_deref().is_none_or(|c| s.category == c))
            .map(|s| item(s))
            .collect()
    };
    let mut category_ids: Vec<&str> = catalog
        .services
        .values()
        .map(|s| s.category.as_str())
        .collect();
    category_ids.sort_unstable();
    category_ids.dedup();
    let page = CataloguePage {
        agencies: catalog
            .agencies
            .values()
            .filter(|a| catalog.services.values().any(|s| s.agency == a.id))
            .map(|a| Choice {
                id: a.id.clone(),
                name: ui.tx(&a.name).to_owned(),
                selected: agency.as_deref() == Some(a.id.as_str()),
            })
            .collect(),
        categories: category_ids
            .into_iter()
            .map(|c| Choice {
                id: c.to_owned(),
                name: category_name(&ui, c),
                selected: category.as_deref() == Some(c),
            })
            .collect(),
        searched: !q.is_empty(),
        services,
        unsure,
        elsewhere,
        query_error,
        q,
        ui,
    };
    render(&v, StatusCode::OK, page)
}

pub struct DocumentItem {
    pub name: String,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    ui: Ui,
    id: String,
    name: String,
    description: String,
    agency: String,
    category: String,
    fee: String,
    fee_note: Option<String>,
    processing_time: Option<String>,
    documents: Vec<DocumentItem>,
    certificate: Option<String>,
}

pub async fn service(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Response {
    let Some(s) = state.catalog.service(&id) else {
        return v.fail(ApiError::not_found());
    };
    let ui = v.ui();
    let page = ServicePage {
        id: s.id.clone(),
        name: ui.tx(&s.name).to_owned(),
        description: ui.tx(&s.description).to_owned(),
        agency: state
            .catalog
            .agency(&s.agency)
            .map(|a| ui.tx(&a.name).to_owned())
            .unwrap_or_else(|| s.agency.clone()),
        category: category_name(&ui, &s.category),
        fee: if s.fee.amount_minor == 0 {
            ui.t("مجانًا", "Free").to_owned()
        } else {
            money(v.lang, &s.fee.amount, &state.country.currency.symbol)
        },
        fee_note: s.fee.note.as_ref().map(|n| ui.tx(n).to_owned()),
        processing_time: s.processing_time.as_ref().map(|p| ui.tx(p).to_owned()),
        documents: s
            .documents
            .iter()
            .map(|d| DocumentItem {
                name: ui.tx(&d.name).to_owned(),
                required: d.required,
            })
            .collect(),
        certificate: s.certificate.as_ref().map(|c| ui.tx(&c.title).to_owned()),
        ui,
    };
    render(&v, StatusCode::OK, page)
}
