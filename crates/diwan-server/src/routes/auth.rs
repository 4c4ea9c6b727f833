//! Sign-in: citizens with their national ID and a one-time code sent to their mobile,
//! officers with a username and an Argon2id-hashed password. Both get a bearer token.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use diwan_domain::digits::to_ascii_digits;
use diwan_store::{NewOtp, NewSession, OtpCheck, OtpLimit, OtpScope, StoreError, User, UserKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::client_addr::ClientAddr;
use crate::crypto;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::limits::{ClientBudget, Taken};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpRequest {
    /// 14 digits; Eastern Arabic digits accepted.
    pub national_id: String,
    /// Mobile number, local (`010…`) or international (`+2010…`).
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OtpSent {
    pub message_ar: String,
    pub message_en: String,
    /// Seconds the code stays valid.
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub national_id: String,
    /// The six-digit code; Eastern Arabic digits accepted.
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    /// `citizen` or `officer`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

impl UserDto {
    pub fn from_user(u: &User) -> Self {
        UserDto {
            id: u.id.clone(),
            kind: match u.kind {
                UserKind::Citizen => "citizen".into(),
                UserKind::Officer => "officer".into(),
            },
            username: u.username.clone(),
            agency: u.agency.clone(),
            roles: u.roles.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Unix time (seconds) when the token stops working.
    pub expires_at: i64,
    pub user: UserDto,
}

fn too_many_codes(window_secs: i64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_codes",
        "Too many codes",
        "طلبت رموزًا كثيرة خلال وقت قصير؛ انتظر قليلًا ثم حاول مرة أخرى",
        "You asked for too many codes in a short time; wait a while and try again",
    )
    .retry_after(window_secs as u64)
}

fn too_many_from_client(retry_after_secs: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests_from_client",
        "Too many sign-in requests from this network",
        "وصلتنا طلبات دخول كثيرة من شبكتك خلال وقت قصير؛ انتظر قليلًا ثم حاول مرة أخرى",
        "We have had many sign-in requests from your network in a short time; wait a while and try again",
    )
    .retry_after(retry_after_secs)
}

/// Takes one request from the client's `budget` on this node (`client_*` settings), or
/// refuses with `429 too_many_requests_from_client`. The first step of every sign-in
/// handler, before any store work, so a refusal says nothing about the IDs, numbers or
/// usernames named.
pub fn take_from_client(
    state: &AppState,
    client: ClientAddr,
    budget: ClientBudget,
) -> ApiResult<Taken> {
    state
        .client_windows
        .try_take(budget, client.limit_key(), state.now_ms(), &state.settings)
        .map_err(too_many_from_client)
}

/// Gives a sign-in attempt back to the client's budget once it turned out right, so
/// citizens and officers who sign in (on a shared address) do not use it up.
fn give_back_to_client(state: &AppState, taken: Taken) {
    state.client_windows.give_back(taken, &state.settings);
}

fn sms_busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "sms_busy",
        "Too many sign-in codes right now",
        "نرسل رموزًا كثيرة الآن؛ حاول مرة أخرى بعد دقيقة",
        "We are sending a great many codes right now; try again in a minute",
    )
    .retry_after(60)
}

fn field_error(field: &str, code: &str, ar: String, en: String) -> ApiError {
    ApiError::invalid_field(field, code, ar, en)
}

/// Sends a six-digit sign-in code to the citizen's mobile.
///
/// The answer is the same whether or not the number matches the one registered for the
/// national ID, so the endpoint does not reveal who is registered with which number.
/// Besides the limits per national ID and per number (`429 too_many_codes`), each client
/// (IP address, or IPv6 /64) may ask for codes for a limited number of national IDs in a
/// window, whatever it names (`429 too_many_requests_from_client`); asking again for the
/// same ID does not count against it.
#[utoipa::path(post, path = "/auth/citizen/otp", tag = "sign-in", request_body = OtpRequest,
    responses((status = 202, body = OtpSent),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn citizen_otp(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(req): ApiJson<OtpRequest>,
) -> ApiResult<(StatusCode, Json<OtpSent>)> {
    // Every request, valid or not, registered or not: one client cycling IDs and numbers
    // meets this limit whatever the store holds. Only a national ID it has not asked for in
    // the window counts; the store limits the codes for one ID.
    state
        .client_windows
        .try_take_code_request(
            client.limit_key(),
            &req.national_id,
            state.now_ms(),
            &state.settings,
        )
        .map_err(too_many_from_client)?;
    let now = state.now_ms();
    let mut errors = Vec::new();
    let national_id = state
        .country
        .parse_national_id(&req.national_id, state.today());
    let phone = state.country.parse_mobile(&req.phone);
    if let Err(e) = &national_id {
        errors.push(diwan_domain::form::FieldError::new(
            "national_id",
            e.code(),
            e.message_ar(),
            e.message_en(),
        ));
    }
    if let Err(e) = &phone {
        errors.push(diwan_domain::form::FieldError::new(
            "phone",
            e.code(),
            e.message_ar(),
            e.message_en(),
        ));
    }
    let (Ok(national_id), Ok(phone)) = (national_id, phone) else {
        return Err(ApiError::validation(errors));
    };
    let settings = &state.settings;
    let window_start = now - settings.otp_window_secs * 1000;
    let registered = match state.store.find_citizen(national_id.as_str()).await {
        Ok(user) => user.phone,
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // A code goes only to the number registered for the ID, or, where self-enrolment is on
    // (pilots and demos), to the number an unknown citizen gives. Anything else is answered
    // the same way but stores nothing, so a stranger who knows an ID can neither replace the
    // citizen's live code nor learn which number is registered.
    let may_send = match &registered {
        Some(r) => r == phone.e164(),
        None => settings.self_enrolment,
    };
    // The node's SMS budget is looked at for every request, so that a spent budget answers
    // the same for the registered number and any other, and spent only by a text that goes
    // out (so requests that send nothing cannot use it up for everyone).
    if !state.sms_budget.has_left(now) {
        return Err(sms_busy());
    }
    // Made either way, so both answers cost the same work.
    let code = crypto::new_code().map_err(ApiError::internal)?;
    let code_hash = crypto::code_hash(&settings.secret.0, national_id.as_str(), &code);
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let id_limits = [
        (
            window_start,
            settings.otp_sends_per_window,
            settings.otp_window_secs,
        ),
        (now - DAY_MS, settings.otp_sends_per_day, DAY_MS / 1000),
    ];
    if !may_send {
        // Nothing is stored, but the national ID's limits answer as they would for the real
        // number (the phone's are not reached: nothing is sent to it).
        for (since, max_sends, window_secs) in id_limits {
            let sent = state
                .store
                .count_otps_since(national_id.as_str(), since)
                .await?;
            if sent >= max_sends {
                return Err(too_many_codes(window_secs));
            }
        }
    } else {
        let limit = |scope, since, max_sends| OtpLimit {
            scope,
            since,
            max_sends,
        };
        let limits = [
            limit(OtpScope::NationalId, id_limits[0].0, id_limits[0].1),
            limit(OtpScope::NationalId, id_limits[1].0, id_limits[1].1),
            limit(
                OtpScope::Phone,
                window_start,
                settings.otp_phone_sends_per_window,
            ),
            limit(
                OtpScope::Phone,
                now - DAY_MS,
                settings.otp_phone_sends_per_day,
            ),
        ];
        if !state.sms_budget.try_take(now) {
            // Spent by another request since the check above.
            return Err(sms_busy());
        }
        // The limits are checked and the code recorded in one store operation, so parallel
        // requests, on any node, cannot all slip under them.
        let refused = state
            .store
            .put_otp_within_limits(
                NewOtp {
                    national_id: national_id.as_str().to_string(),
                    phone: phone.e164().to_string(),
                    code_hash,
                    created_at: now,
                    expires_at: now + settings.otp_ttl_secs * 1000,
                },
                &limits,
            )
            .await?;
        if let Some(limit) = refused {
            return Err(too_many_codes((now - limit.since) / 1000));
        }
        let text = format!(
            "رمز الدخول إلى ديوان: {code}. لا تشاركه مع أحد. Diwan sign-in code: {code}. Do not share it."
        );
        // Not awaited: the answer must take as long whether or not a text goes out.
        crate::sms::send_detached(&state.sms, phone.e164(), &text);
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(OtpSent {
            message_ar: "إذا كان رقم المحمول هو المسجل لهذا الرقم القومي فقد أرسلنا إليه رمز الدخول".into(),
            message_en: "If this mobile number is the one registered for this national ID, we have sent it a sign-in code".into(),
            expires_in: settings.otp_ttl_secs,
        }),
    ))
}

/// Exchanges the code for a bearer token.
///
/// Each client (IP address, or IPv6 /64) has a budget of code checks per window
/// (`429 too_many_requests_from_client`); a right code gives its attempt back.
#[utoipa::path(post, path = "/auth/citizen/verify", tag = "sign-in", request_body = VerifyRequest,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn citizen_verify(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let taken = take_from_client(&state, client, ClientBudget::SignInAttempts)?;
    let now = state.now_ms();
    let national_id = state
        .country
        .parse_national_id(&req.national_id, state.today())
        .map_err(|e| field_error("national_id", e.code(), e.message_ar(), e.message_en()))?;
    let code: String = to_ascii_digits(req.code.trim())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_error(
            "code",
            "code_format",
            "الرمز ستة أرقام كما وصلك في الرسالة".into(),
            "The code is the six digits in the text message".into(),
        ));
    }
    let hash = crypto::code_hash(&state.settings.secret.0, national_id.as_str(), &code);
    let check = state
        .store
        .check_otp(
            national_id.as_str(),
            &hash,
            now,
            state.settings.otp_max_attempts,
        )
        .await?;
    let phone = match check {
        OtpCheck::Valid { phone } => phone,
        OtpCheck::Wrong { attempts_left } => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_code",
                "Wrong code",
                format!("الرمز غير صحيح؛ بقيت {attempts_left} محاولات"),
                format!("That code is not right; {attempts_left} attempts left"),
            )
            .with_field("code")
            .with_extra(serde_json::json!({ "attempts_left": attempts_left })));
        }
        OtpCheck::NoLiveCode => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "no_live_code",
                "No valid code",
                "لا يوجد رمز صالح؛ اطلب رمزًا جديدًا",
                "There is no valid code; ask for a new one",
            )
            .with_field("code"));
        }
    };
    let registered = match state.store.find_citizen(national_id.as_str()).await {
        Ok(user) => Some(user),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // The code went to a number other than the registered one (see `citizen_otp`): refuse
    // exactly as for a wrong code.
    if let Some(user) = &registered
        && user.phone.as_deref() != Some(phone.as_str())
    {
        {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "no_live_code",
                "No valid code",
                "لا يوجد رمز صالح؛ اطلب رمزًا جديدًا",
                "There is no valid code; ask for a new one",
            )
            .with_field("code"));
        }
    }
    let user = match registered {
        Some(user) => user,
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            state
                .store
                .upsert_citizen(&id, national_id.as_str(), &phone, now)
                .await?
        }
    };
    // The right code: its attempt goes back (one success, never the whole count).
    give_back_to_client(&state, taken);
    issue_token(&state, user).await.map(Json)
}

async fn issue_token(state: &AppState, user: User) -> ApiResult<TokenResponse> {
    let now = state.now_ms();
    let token = crypto::new_token().map_err(ApiError::internal)?;
    let expires_at = now + state.settings.session_ttl_secs * 1000;
    state
        .store
        .create_session(NewSession {
            token_hash: crypto::token_hash(&token),
            user_id: user.id.clone(),
            created_at: now,
            expires_at,
        })
        .await?;
    Ok(TokenResponse {
        token,
        expires_at: expires_at / 1000,
        user: UserDto::from_user(&user),
    })
}

/// Officer sign-in with username and password.
///
/// Failed attempts are limited per username (`429 too_many_attempts`), and attempts per
/// client, in a budget apart from citizens' code checks, a right password giving its attempt
/// back (`429 too_many_requests_from_client`).
#[utoipa::path(post, path = "/auth/officer/login", tag = "sign-in", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn officer_login(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    // Per client before per username: one client guessing across usernames meets this.
    let taken = take_from_client(&state, client, ClientBudget::OfficerAttempts)?;
    let now = state.now_ms();
    let settings = &state.settings;
    let username = req.username.trim().to_lowercase();
    if username.is_empty() || username.len() > 128 || req.password.len() > 1024 {
        return Err(bad_login());
    }
    let window = settings.login_window_secs * 1000;
    if !state
        .login_limiter
        .try_begin(&username, now, window, settings.login_failures_per_window)
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many attempts",
            "محاولات دخول فاشلة كثيرة؛ انتظر ثم حاول مرة أخرى",
            "Too many failed sign-in attempts; wait and try again",
        )
        .retry_after(settings.login_window_secs as u64));
    }
    let user = match state.store.find_officer(&username).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // Verify against a fixed hash when the user does not exist, so timing does not tell.
    let phc = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| crypto::dummy_hash().to_string());
    let password = req.password;
    let _permit = state.login_limiter.hashing.try_acquire().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Busy",
            "الخادم مشغول بطلبات دخول كثيرة؛ حاول بعد لحظات",
            "The server is busy with many sign-ins; try again in a moment",
        )
        .retry_after(1)
    })?;
    let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&password, &phc))
        .await
        .map_err(ApiError::internal)?;
    match user {
        Some(user) if ok => {
            state.login_limiter.succeeded(&username);
            give_back_to_client(&state, taken);
            issue_token(&state, user).await.map(Json)
        }
        // The attempt reserved in `try_begin` stays counted as a failure.
        _ => Err(bad_login()),
    }
}

fn bad_login() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Invalid credentials",
        "اسم المستخدم أو كلمة المرور غير صحيحة",
        "The username or password is not right",
    )
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/auth/logout", tag = "sign-in", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    crate::auth::end_session(&state, &caller.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is signed in.
#[utoipa::path(get, path = "/me", tag = "sign-in", security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(caller: Caller) -> Json<UserDto> {
    Json(UserDto::from_user(&caller.user))
}
