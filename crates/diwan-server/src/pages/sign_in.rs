//! Citizen sign-in in two pages (national ID and mobile number, then the code sent by SMS),
//! and signing out. The rules are the API's: these handlers call `routes::auth`'s, so the
//! code limits (per national ID, per number and per client), the registered-number check and
//! the token are exactly the same.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pages::errors::Errors;
use crate::pages::session::{Visitor, safe_next};
use crate::pages::ui::Ui;
use crate::pages::{bad_form, render, render_refused};
use crate::routes::auth::{OtpRequest, VerifyRequest, citizen_otp, citizen_verify};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ui: Ui,
    errors: Errors,
    national_id: String,
    phone: String,
    next: String,
}

#[derive(Template)]
#[template(path = "sign_in_code.html")]
struct CodePage {
    ui: Ui,
    errors: Errors,
    national_id: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    let page = SignInPage {
        ui: v.ui(),
        errors: Errors::default(),
        national_id: String::new(),
        phone: String::new(),
        next: safe_next(q.next.as_deref(), "/"),
    };
    render(&v, StatusCode::OK, page)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    next: String,
}

/// Asks for a code; the next page asks for it.
pub async fn send_code(
    State(state): State<AppState>,
    v: Visitor,
    client: ClientAddr,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, Response> {
    let Form(form) = form.map_err(|_| bad_form(&v))?;
    v.check_csrf(&form.csrf)?;
    let next = safe_next(Some(&form.next), "/");
    let request = OtpRequest {
        national_id: form.national_id.clone(),
        phone: form.phone.clone(),
    };
    match citizen_otp(State(state), client, ApiJson(request)).await {
        Ok(_) => Ok(render(
            &v,
            StatusCode::OK,
            CodePage {
                ui: v.ui(),
                errors: Errors::default(),
                national_id: form.national_id,
                next,
            },
        )),
        Err(e) if e.status.is_client_error() => Ok(render_refused(
            &v,
            &e,
            SignInPage {
                ui: v.ui(),
                errors: Errors::from_api(v.lang, &e),
                national_id: form.national_id,
                phone: form.phone,
                next,
            },
        )),
        Err(e) => Err(v.fail(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// Checks the code; on success the browser holds the session and goes where it was going.
pub async fn check_code(
    State(state): State<AppState>,
    mut v: Visitor,
    client: ClientAddr,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, Response> {
    let Form(form) = form.map_err(|_| bad_form(&v))?;
    v.check_csrf(&form.csrf)?;
    let next = safe_next(Some(&form.next), "/");
    let ttl = state.settings.session_ttl_secs;
    let request = VerifyRequest {
        national_id: form.national_id.clone(),
        code: form.code,
    };
    match citizen_verify(State(state), client, ApiJson(request)).await {
        Ok(token) => {
            v.start_session(&token.token, ttl);
            Ok(v.redirect(&next))
        }
        Err(e) if e.status.is_client_error() => {
            // Errors about the ID belong to the first page; here they sit on the code.
            let mut errors = Errors::from_api(v.lang, &e);
            for shown in &mut errors.list {
                shown.field = "code".to_owned();
            }
            Ok(render_refused(
                &v,
                &e,
                CodePage {
                    ui: v.ui(),
                    errors,
                    national_id: form.national_id,
                    next,
                },
            ))
        }
        Err(e) => Err(v.fail(e)),
    }
}

/// The code page only exists as the answer to the first: a plain visit starts again.
pub async fn code_again(v: Visitor) -> Response {
    v.redirect("/sign-in")
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    mut v: Visitor,
    form: Result<Form<SignOutForm>, FormRejection>,
) -> Result<Response, Response> {
    let Form(form) = form.map_err(|_| bad_form(&v))?;
    v.check_csrf(&form.csrf)?;
    let officer = v.caller.as_ref().is_some_and(|c| !c.is_citizen());
    if let Some(caller) = &v.caller {
        crate::auth::end_session(&state, &caller.token_hash)
            .await
            .map_err(|e| v.fail(ApiError::from(e)))?;
    }
    v.end_session();
    Ok(v.redirect(if officer { "/office/sign-in" } else { "/" }))
}
