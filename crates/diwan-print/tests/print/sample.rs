//! A birth certificate as the server would fill it, shared by the tests, the bench and the
//! example that renders `docs/screenshots/certificate.png`.

use diwan_print::{Bilingual, CertificateView, Field};

pub fn certificate() -> CertificateView {
    let field = |ar: &str, en: &str, value: &str| Field::new(Bilingual::new(ar, en), value);
    CertificateView {
        agency: Bilingual::new("مصلحة الأحوال المدنية", "Civil Status Organization"),
        service: Bilingual::new("شهادة ميلاد", "Birth certificate"),
        certificate_id: "EG-BC-2026-000173".to_owned(),
        issued_on: "2026-11-28".to_owned(),
        expires_on: None,
        holder_name: "ليلى عبد الله محمد السيد".to_owned(),
        fields: vec![
            field("تاريخ الميلاد", "Date of birth", "2026-11-02"),
            field("محل الميلاد", "Place of birth", "القاهرة، مستشفى الدمرداش"),
            field("النوع", "Sex", "أنثى"),
            field("اسم الأب", "Father's name", "عبد الله محمد السيد"),
            field("اسم الأم", "Mother's name", "منى أحمد عبد الرحمن"),
            field("العنوان", "Address", "12 شارع التحرير، الدقي، الجيزة"),
            field(
                "رقم القيد",
                "Registration no.",
                "قيد رقم 2026/00417 مكتب صحة الدقي",
            ),
            field(
                "جهة الإخطار",
                "Notified by",
                "Demerdash Hospital (Ain Shams University)",
            ),
        ],
        payload: payload(700),
        verify_url: "https://diwan.example.gov.eg/verify".to_owned(),
    }
}

/// `DW1:` and `len` base45 characters, the size of a real payload. Varied (xorshift) so the
/// QR code looks like a real one, and with a double space in it: spaces are base45 digits and
/// must survive printing and copying.
pub fn payload(len: usize) -> String {
    const BASE45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut payload = String::from("DW1:");
    let mut state = 0x2545_F491_u32;
    for i in 0..len {
        if i == len / 3 {
            payload.push_str("  ");
            continue;
        }
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        payload.push(char::from(BASE45[(state % 45) as usize]));
    }
    payload
}
