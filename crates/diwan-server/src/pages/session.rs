//! The browser's side of a page request: the language (from `?lang=`, then a cookie), the
//! session (a cookie holding the same opaque token the API issues; the store keeps only its
//! hash), and the CSRF token every form carries.
//!
//! A form's token is an HMAC, under a key derived from the deployment secret, of the session
//! token's hash — or, before sign-in, of a random per-browser cookie's hash — so a page from
//! another site can neither read it nor guess it, and tokens need no storage.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diwan_domain::text::Lang;
use diwan_store::StoreError;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::auth::Caller;
use crate::crypto::{random_bytes, token_hash};
use crate::error::ApiError;
use crate::pages::ui::{Ui, Who};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "diwan_session";
pub const LANG_COOKIE: &str = "diwan_lang";
/// Random, set before sign-in, so the sign-in forms have a CSRF token too.
pub const BROWSER_COOKIE: &str = "diwan_browser";

/// Who is asking, in which language; built for every page.
pub struct Visitor {
    pub lang: Lang,
    pub caller: Option<Caller>,
    /// What this browser's CSRF tokens are bound to: a hash of a cookie only it holds.
    binding: String,
    csrf_key: Vec<u8>,
    /// `Set-Cookie` values to send with whatever the page answers.
    cookies: Vec<String>,
    secure: bool,
    path: String,
    /// The query string without `lang`, so the language switch keeps a search or a notice.
    query: String,
    zone: jiff::tz::TimeZone,
}

fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    cookies(headers)
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

fn query_lang(parts: &Parts) -> Option<Lang> {
    parts
        .uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(parse_lang)
}

fn parse_lang(s: &str) -> Option<Lang> {
    match s {
        "ar" => Some(Lang::Ar),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// A request to a loopback address. Cookies lose `Secure` there only when the node allows it
/// (`plain_http_cookies_on_loopback`: demo mode, tests), because behind a reverse proxy on
/// the same machine every request arrives on loopback too.
fn is_loopback(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map(|(name, _)| name)
        .unwrap_or(host);
    matches!(name, "localhost" | "[::1]") || name.starts_with("127.")
}

pub fn csrf_key(secret: &[u8]) -> Vec<u8> {
    hmac_bytes(secret, b"diwan/portal/csrf/v1")
}

fn hmac_bytes(key: &[u8], message: &[u8]) -> Vec<u8> {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; this branch cannot be reached.
        Err(_) => Vec::new(),
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let headers = &parts.headers;
        let secure = !(state.settings.plain_http_cookies_on_loopback && is_loopback(headers));
        let mut visitor = Visitor {
            lang: Lang::Ar,
            caller: None,
            binding: String::new(),
            csrf_key: csrf_key(&state.settings.secret.0),
            cookies: Vec::new(),
            secure,
            zone: state.time_zone.clone(),
            // One leading slash: `//host/x` in a link would lead to another site.
            path: format!("/{}", parts.uri.path().trim_start_matches('/')),
            query: parts
                .uri
                .query()
                .unwrap_or_default()
                .split('&')
                .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
                .collect::<Vec<_>>()
                .join("&"),
        };
        // Arabic unless the reader chose English: on this request, or earlier (the cookie).
        match query_lang(parts) {
            Some(lang) => {
                visitor.lang = lang;
                let value = if lang == Lang::Ar { "ar" } else { "en" };
                visitor.set_cookie(LANG_COOKIE, value, Some(365 * 24 * 3600));
            }
            None => {
                if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(parse_lang) {
                    visitor.lang = lang;
                }
            }
        }
        if let Some(token) = cookie(headers, SESSION_COOKIE) {
            let hash = token_hash(token);
            match crate::auth::session_user(state, &hash).await {
                Ok(user) => {
                    visitor.binding = hash.clone();
                    visitor.caller = Some(Caller {
                        user,
                        token_hash: hash,
                    });
                }
                // Expired or signed out elsewhere: forget the cookie.
                Err(StoreError::NotFound) => visitor.clear_cookie(SESSION_COOKIE),
                Err(e) => return Err(visitor.fail(e.into())),
            }
        }
        if visitor.binding.is_empty() {
            match cookie(headers, BROWSER_COOKIE) {
                Some(value) => visitor.binding = token_hash(value),
                None => {
                    let value = match random_bytes::<32>() {
                        Ok(bytes) => URL_SAFE_NO_PAD.encode(bytes),
                        Err(e) => return Err(visitor.fail(ApiError::internal(e))),
                    };
                    visitor.binding = token_hash(&value);
                    visitor.set_cookie(BROWSER_COOKIE, &value, None);
                }
            }
        }
        Ok(visitor)
    }
}

impl Visitor {
    /// The language, token and header data every template gets.
    pub fn ui(&self) -> Ui {
        Ui {
            lang: self.lang,
            csrf: self.csrf_token(),
            who: self.caller.as_ref().map(|c| Who {
                officer: !c.is_citizen(),
                name: c.user.username.clone(),
            }),
            here: if self.query.is_empty() {
                self.path.clone()
            } else {
                format!("{}?{}", self.path, self.query)
            },
            zone: self.zone.clone(),
        }
    }

    pub fn csrf_token(&self) -> String {
        hex::encode(hmac_bytes(&self.csrf_key, self.binding.as_bytes()))
    }

    /// A form's token must be this browser's; otherwise the post came from elsewhere (or the
    /// session changed since the form was shown) and nothing is done.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Response> {
        if self.csrf_valid(submitted) {
            Ok(())
        } else {
            Err(self.fail(ApiError::new(
                StatusCode::FORBIDDEN,
                "form_expired",
                "Form expired",
                "انتهت صلاحية هذه الصفحة أو أُرسلت من موقع آخر؛ ارجع إليها وأعد المحاولة",
                "This page has expired or was sent from another site; go back to it and try again",
            )))
        }
    }

    pub fn csrf_valid(&self, submitted: &str) -> bool {
        hex::decode(submitted.trim()).is_ok_and(|bytes| {
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.csrf_key).is_ok_and(|mut mac| {
                mac.update(self.binding.as_bytes());
                // Constant-time comparison.
                mac.verify_slice(&bytes).is_ok()
            })
        })
    }

    fn set_cookie(&mut self, name: &str, value: &str, max_age: Option<i64>) {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Some(secs) = max_age {
            c.push_str(&format!("; Max-Age={secs}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        // A cookie set earlier in this request is replaced, not sent twice.
        self.cookies
            .retain(|old| !old.starts_with(&format!("{name}=")));
        self.cookies.push(c);
    }

    fn clear_cookie(&mut self, name: &str) {
        self.set_cookie(name, "", Some(0));
    }

    /// Signs the browser in with a token the API issued.
    pub fn start_session(&mut self, token: &str, ttl_secs: i64) {
        self.set_cookie(SESSION_COOKIE, token, Some(ttl_secs));
    }

    pub fn end_session(&mut self) {
        self.clear_cookie(SESSION_COOKIE);
    }

    /// Adds this request's cookies to a response.
    pub fn finish(&self, mut response: Response) -> Response {
        for c in &self.cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        response
    }

    /// `303 See Other`: after a form post, the browser gets the next page, so reloading it
    /// does not post again.
    pub fn redirect(&self, to: &str) -> Response {
        self.finish(Redirect::to(to).into_response())
    }

    /// An error as a page in the reader's language.
    pub fn fail(&self, e: ApiError) -> Response {
        self.finish(crate::pages::errors::error_page(self.ui(), e))
    }

    /// The signed-in citizen, or the sign-in page (coming back here afterwards).
    pub fn citizen(&self) -> Result<&Caller, Response> {
        match &self.caller {
            Some(c) if c.is_citizen() => Ok(c),
            Some(_) => Err(self.fail(ApiError::forbidden(
                "أنت مسجل الدخول كموظف؛ سجّل الخروج ثم ادخل برقمك القومي",
                "You are signed in as an officer; sign out, then sign in with your national ID",
            ))),
            None => Err(self.redirect(&format!("/sign-in?next={}", self.path))),
        }
    }

    /// The signed-in officer, or the back office's sign-in page.
    pub fn officer(&self) -> Result<&Caller, Response> {
        match &self.caller {
            Some(c) if !c.is_citizen() => Ok(c),
            Some(_) => Err(self.fail(ApiError::forbidden(
                "هذه الصفحات للموظفين فقط",
                "These pages are for officers only",
            ))),
            None => Err(self.redirect("/office/sign-in")),
        }
    }
}

/// Where to go after signing in: only a path of this site (never `//host` or a URL).
pub fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.len() <= 200
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => default.to_owned(),
    }
}

/// Turns a store or API error into the reader's error page inside handlers.
pub trait OrPage<T> {
    fn or_page(self, v: &Visitor) -> Result<T, Response>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self, v: &Visitor) -> Result<T, Response> {
        self.map_err(|e| v.fail(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/services/x/apply"), "/"),
            "/services/x/apply"
        );
        assert_eq!(safe_next(Some("//evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("https://evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("/\\evil.example"), "/"), "/");
        assert_eq!(safe_next(None, "/office"), "/office");
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(is_loopback(&h));
        h.insert(header::HOST, HeaderValue::from_static("diwan.gov.eg"));
        assert!(!is_loopback(&h));
        h.insert(header::HOST, HeaderValue::from_static("localhost"));
        assert!(is_loopback(&h));
    }
}
