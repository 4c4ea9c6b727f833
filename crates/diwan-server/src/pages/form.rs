//! A service's application form as HTML, generated from its package: one view per field
//! (every field type, files and choices included), and the reading of the posted
//! `multipart/form-data` back into the JSON object the domain validates. Files are stored as
//! uploads of the signed-in citizen first, exactly like the API's `POST /uploads`; the
//! form then refers to them by id, as an API client does.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use diwan_domain::form::FieldError;
use diwan_domain::service::{FieldType, ServiceDefinition};
use diwan_domain::text::Lang;
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::crypto::sha256_hex;
use crate::error::ApiError;
use crate::pages::errors::Errors;
use crate::pages::ui::localise_digits;
use crate::routes::uploads::sniff;
use crate::state::AppState;

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A file already uploaded with an earlier post of this form (kept, so a citizen correcting
/// another field need not choose the file again).
pub struct UploadView {
    pub id: String,
    pub filename: String,
    /// The content's hash: what a double post of the same form is recognised by.
    pub sha256: String,
}

pub struct FieldView {
    pub id: String,
    /// `text`, `textarea`, `radios`, `select`, `checkbox` or `file`: how it is drawn.
    pub control: &'static str,
    /// The `<input type>` of a one-line text control.
    pub input_type: &'static str,
    pub inputmode: &'static str,
    pub autocomplete: &'static str,
    /// Digits and codes are typed left to right, even in an Arabic page.
    pub ltr: bool,
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    pub value: String,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
    pub upload: Option<UploadView>,
    /// `accept` of a file input.
    pub accept: String,
}

impl FieldView {
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// What the citizen typed (or what the application holds), as strings per field id.
#[derive(Default)]
pub struct Values {
    pub text: HashMap<String, String>,
    pub uploads: HashMap<String, UploadView>,
}

impl Values {
    /// An application's stored data, to correct and send back.
    pub async fn from_data(state: &AppState, caller: &Caller, data: &Value) -> Values {
        let mut values = Values::default();
        let Some(object) = data.as_object() else {
            return values;
        };
        for (key, value) in object {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            values.text.insert(key.clone(), text);
        }
        values.fill_upload_names(state, caller).await;
        values
    }

    /// Names the files that file fields refer to, keeping only the caller's own uploads.
    async fn fill_upload_names(&mut self, state: &AppState, caller: &Caller) {
        for (field, id) in &self.text {
            if self.uploads.contains_key(field) {
                continue;
            }
            if let Ok(meta) = state.store.get_upload(id).await
                && meta.owner_id == caller.user.id
            {
                self.uploads.insert(
                    field.clone(),
                    UploadView {
                        id: meta.id,
                        filename: meta.filename,
                        sha256: meta.sha256,
                    },
                );
            }
        }
    }
}

fn hint_for(field_type: FieldType, lang: Lang) -> Option<String> {
    let (ar, en) = match field_type {
        FieldType::Date => (
            "سنة-شهر-يوم، مثل ٢٠٠١-٠٣-٢٧",
            "Year-month-day, for example 2001-03-27",
        ),
        FieldType::Phone => ("مثل ٠١٠١٢٣٤٥٦٧٨", "For example 01012345678"),
        FieldType::NationalId => ("١٤ رقمًا", "14 digits"),
        FieldType::File => (
            "ملف PDF أو صورة JPEG أو PNG",
            "A PDF file or a JPEG or PNG image",
        ),
        _ => return None,
    };
    Some(if lang == Lang::Ar { ar } else { en }.to_owned())
}

/// The form's fields, filled with `values` and annotated with `errors`.
pub fn fields(
    service: &ServiceDefinition,
    lang: Lang,
    values: &mut Values,
    errors: &Errors,
) -> Vec<FieldView> {
    service
        .fields
        .iter()
        .map(|f| {
            let value = values.text.get(&f.id).cloned().unwrap_or_default();
            let own_hint = f.help.as_ref().map(|h| h.get(lang).to_owned());
            // The package's own help says it best; the type's hint stands in where it is silent.
            let hint = own_hint.or_else(|| hint_for(f.field_type, lang));
            let (control, input_type, inputmode, autocomplete, ltr) = match f.field_type {
                FieldType::Text => ("text", "text", "", "off", f.pattern.is_some()),
                FieldType::Textarea => ("textarea", "", "", "", false),
                FieldType::Number => ("text", "text", "decimal", "off", true),
                FieldType::Date => ("text", "text", "", "off", true),
                FieldType::Email => ("text", "email", "email", "email", true),
                FieldType::Phone => ("text", "tel", "tel", "tel", true),
                FieldType::NationalId => ("text", "text", "numeric", "off", true),
                FieldType::Boolean => ("checkbox", "", "", "", false),
                FieldType::File => ("file", "", "", "", false),
                // Radios show every choice at once; a long list becomes a drop-down.
                FieldType::Choice if f.options.len() <= 6 => ("radios", "", "", "", false),
                FieldType::Choice => ("select", "", "", "", false),
            };
            FieldView {
                id: f.id.clone(),
                control,
                input_type,
                inputmode,
                autocomplete,
                ltr,
                label: f.label.get(lang).to_owned(),
                hint,
                required: f.required,
                options: f
                    .options
                    .iter()
                    .map(|o| OptionView {
                        value: o.value.clone(),
                        label: o.label.get(lang).to_owned(),
                        selected: o.value == value,
                    })
                    .collect(),
                error: errors.get(&f.id).map(str::to_owned),
                upload: values.uploads.remove(&f.id),
                accept: f.accept.join(","),
                value,
            }
        })
        .collect()
}

/// A posted form: the hidden fields, what was typed, the data for validation and the errors
/// found while reading it (a file of the wrong type, say).
pub struct Posted {
    pub idempotency_key: String,
    /// Parts that are not fields of the service (`expected_version`, say).
    pub extra: HashMap<String, String>,
    pub values: Values,
    pub data: Value,
    pub errors: Vec<FieldError>,
}

fn unreadable(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "Too large",
            "الملفات المرفقة أكبر من المسموح؛ أرفق ملفات أصغر",
            "The attached files are larger than allowed; attach smaller files",
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_form",
            "Invalid form",
            "تعذرت قراءة النموذج المرسل؛ ارجع إلى الصفحة وأعد المحاولة",
            "The form could not be read; go back to the page and try again",
        )
    }
}

fn forged() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "form_expired",
        "Form expired",
        "انتهت صلاحية هذه الصفحة أو أُرسلت من موقع آخر؛ ارجع إليها وأعد المحاولة",
        "This page has expired or was sent from another site; go back to it and try again",
    )
}

/// Reads the posted form, storing each chosen file as the citizen's upload. The CSRF token
/// (the form's first part) is checked with `csrf_valid` before any file is stored.
pub async fn read(
    state: &AppState,
    caller: &Caller,
    service: &ServiceDefinition,
    mut multipart: Multipart,
    csrf_valid: impl Fn(&str) -> bool,
) -> Result<Posted, ApiError> {
    let mut csrf_checked = false;
    let mut posted = Posted {
        extra: HashMap::new(),
        idempotency_key: String::new(),
        values: Values::default(),
        data: Value::Null,
        errors: Vec::new(),
    };
    // Uploads kept from an earlier post (`<field>__upload`), used when no new file is chosen.
    let mut kept: HashMap<String, String> = HashMap::new();
    while let Some(part) = multipart.next_field().await.map_err(unreadable)? {
        let name = part.name().unwrap_or_default().to_owned();
        if !csrf_checked {
            if name != "csrf" {
                return Err(forged());
            }
            let token = part.text().await.map_err(unreadable)?;
            if !csrf_valid(&token) {
                return Err(forged());
            }
            csrf_checked = true;
            continue;
        }
        let field = service
            .field(&name)
            .filter(|f| f.field_type == FieldType::File);
        if let Some(field) = field {
            let filename =
                diwan_domain::clean_text::clean_file_name(part.file_name().unwrap_or(""));
            let bytes = part.bytes().await.map_err(unreadable)?;
            // A file input left empty still sends an empty part.
            if bytes.is_empty() {
                continue;
            }
            let label = &field.label;
            if bytes.len() > state.settings.max_upload_bytes {
                posted.errors.push(FieldError::new(
                    &field.id,
                    "upload_too_large",
                    format!("«{}»: الملف أكبر من الحجم المسموح", label.ar),
                    format!("{}: the file is larger than allowed", label.en),
                ));
                continue;
            }
            let Some(content_type) = sniff(&bytes) else {
                posted.errors.push(FieldError::new(
                    &field.id,
                    "file_type_not_accepted",
                    format!("«{}»: نقبل ملفات PDF أو صور JPEG أو PNG فقط", label.ar),
                    format!(
                        "{}: we accept only PDF files and JPEG or PNG images",
                        label.en
                    ),
                ));
                continue;
            };
            let stored =
                crate::routes::uploads::store(state, caller, filename, content_type, &bytes).await;
            let meta = match stored {
                Ok(meta) => meta,
                // Over the day's quota: said beside the field, and the form is kept.
                Err(e) if e.code() == "upload_quota_reached" => {
                    let (ar, en) = e.messages();
                    posted.errors.push(FieldError::new(
                        &field.id,
                        "upload_quota_reached",
                        format!("«{}»: {ar}", label.ar),
                        format!("{}: {en}", label.en),
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            };
            posted.values.text.insert(field.id.clone(), meta.id.clone());
            posted.values.uploads.insert(
                field.id.clone(),
                UploadView {
                    id: meta.id,
                    filename: meta.filename,
                    sha256: meta.sha256,
                },
            );
            continue;
        }
        let text = part.text().await.map_err(unreadable)?;
        if name == "idempotency_key" {
            posted.idempotency_key = text;
        } else if let Some(field) = name.strip_suffix("__upload") {
            kept.insert(field.to_owned(), text);
        } else if service.field(&name).is_some() {
            posted.values.text.insert(name, text);
        } else {
            posted.extra.insert(name, text);
        }
    }
    for (field, id) in kept {
        let errored = posted.errors.iter().any(|e| e.field == field);
        if !errored && !id.is_empty() && !posted.values.text.contains_key(&field) {
            posted.values.text.insert(field, id);
        }
    }
    posted.values.fill_upload_names(state, caller).await;
    let mut data = Map::new();
    for f in &service.fields {
        if let Some(v) = posted.values.text.get(&f.id) {
            data.insert(f.id.clone(), Value::String(v.clone()));
        }
    }
    posted.data = Value::Object(data);
    if !csrf_checked {
        return Err(forged());
    }
    Ok(posted)
}

impl Posted {
    /// What a double post of the same form has in common: the data with each file replaced
    /// by its content's hash (a second post stores the same file under a new upload id).
    pub fn request_hash(&self) -> String {
        let mut data = self.data.clone();
        if let Some(object) = data.as_object_mut() {
            for (field, upload) in &self.values.uploads {
                if object.contains_key(field) {
                    object.insert(
                        field.clone(),
                        Value::String(format!("sha256:{}", upload.sha256)),
                    );
                }
            }
        }
        sha256_hex(data.to_string().as_bytes())
    }
}

/// Field errors from reading the form and from validating it, one per field, the reading
/// errors first (a wrong file type says more than "required").
pub fn merge(lang: Lang, reading: &[FieldError], validation: &[FieldError]) -> Errors {
    let mut errors = Errors::default();
    for e in reading {
        errors.push(lang, e.clone());
    }
    for e in validation {
        if !errors.has(&e.field) {
            errors.push(lang, e.clone());
        }
    }
    errors
}

/// A stored value as the reader reads it: a choice's label, yes or no, a file's name,
/// digits in the reader's script.
pub fn shown_value(
    service: &ServiceDefinition,
    field_id: &str,
    value: &Value,
    lang: Lang,
) -> String {
    let field = service.field(field_id);
    let raw = match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => match (b, lang) {
            (true, Lang::Ar) => "نعم".to_owned(),
            (true, Lang::En) => "Yes".to_owned(),
            (false, Lang::Ar) => "لا".to_owned(),
            (false, Lang::En) => "No".to_owned(),
        },
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match field.map(|f| f.field_type) {
        Some(FieldType::Choice) => field
            .and_then(|f| f.options.iter().find(|o| o.value == raw))
            .map(|o| o.label.get(lang).to_owned())
            .unwrap_or(raw),
        Some(FieldType::Number | FieldType::Date | FieldType::Phone | FieldType::NationalId) => {
            localise_digits(lang, &raw)
        }
        _ => raw,
    }
}
