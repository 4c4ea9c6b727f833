//! Errors on pages: a whole-page error (not found, forbidden, server trouble) in the reader's
//! language, and the field errors of a form, shown beside each field and summarised at the
//! top (GOV.UK's pattern), from the same bilingual `FieldError`s the API returns.

use askama::Template;
use axum::response::{IntoResponse, Response};
use diwan_domain::form::FieldError;
use diwan_domain::text::Lang;

use crate::error::ApiError;
use crate::pages::ui::{Ui, localise_digits};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ui: Ui,
    title: String,
    message: String,
}

pub fn error_page(ui: Ui, e: ApiError) -> Response {
    let status = e.status;
    if status.is_server_error() {
        tracing::error!(
            code = e.code,
            cause = e.cause.as_deref().unwrap_or(""),
            "page failed"
        );
    }
    let title = match status.as_u16() {
        404 => ui.t("الصفحة غير موجودة", "Page not found"),
        403 => ui.t("غير مسموح", "Not allowed"),
        s if s >= 500 => ui.t(
            "عذرًا، حدثت مشكلة في الخدمة",
            "Sorry, there is a problem with the service",
        ),
        _ => ui.t("هناك مشكلة", "There is a problem"),
    }
    .to_owned();
    let message = if ui.ar() {
        e.message_ar.clone()
    } else {
        e.message_en.clone()
    };
    let page = ErrorPage { ui, title, message };
    match page.render() {
        Ok(body) => (status, crate::pages::html(body)).into_response(),
        Err(_) => e.into_response(),
    }
}

/// An unknown address: a page for a browser (it asks for HTML), problem+json for anything
/// else, as the API answers.
pub async fn not_found(
    visitor: crate::pages::session::Visitor,
    headers: axum::http::HeaderMap,
) -> Response {
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        error_page(visitor.ui(), ApiError::not_found())
    } else {
        ApiError::not_found().into_response()
    }
}

/// One error as a form shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The field's id, so the summary links to it (`#field`); empty for a form-level error.
    pub field: String,
    pub message: String,
}

/// A form's errors in the reader's language.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    pub list: Vec<Shown>,
}

impl Errors {
    pub fn from_fields(lang: Lang, errors: &[FieldError]) -> Errors {
        Errors {
            list: errors
                .iter()
                .map(|e| Shown {
                    field: e.field.clone(),
                    message: match lang {
                        // The domain writes counts in Western digits; an Arabic page shows
                        // its own.
                        Lang::Ar => localise_digits(lang, &e.message_ar),
                        Lang::En => e.message_en.clone(),
                    },
                })
                .collect(),
        }
    }

    /// An API error as form errors: its field list, else its one field, else the form's.
    pub fn from_api(lang: Lang, e: &ApiError) -> Errors {
        if !e.errors.is_empty() {
            return Errors::from_fields(lang, &e.errors);
        }
        let message = match lang {
            Lang::Ar => localise_digits(lang, &e.message_ar),
            Lang::En => e.message_en.clone(),
        };
        Errors {
            list: vec![Shown {
                field: e.field.clone().unwrap_or_default(),
                message,
            }],
        }
    }

    pub fn push(&mut self, lang: Lang, e: FieldError) {
        self.list
            .extend(Errors::from_fields(lang, std::slice::from_ref(&e)).list);
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The message beside `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
}
