//! Fixed key and claims give one exact payload: Ed25519 and the CBOR encoding are
//! deterministic. A change here is a change of format (or of the zlib compressor's output,
//! which only moves the last expectation) — see docs/design/certificate.md.

use std::collections::BTreeMap;

use diwan_credential::{CertificateClaims, FieldValue, HolderIdHash, SigningKey, Title, sign};
use expect_test::expect;

use super::{T0, key_set, unwrap_cose};

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn claims() -> CertificateClaims {
    CertificateClaims {
        issuer: "EG".to_owned(),
        issued_at: T0,
        expires_at: Some(T0 + 90 * 86_400),
        certificate_id: "CRT-2026-000001".to_owned(),
        service_id: "birth_certificate".to_owned(),
        service_version: 1,
        holder_name: "منى حسن".to_owned(),
        holder_id_hash: HolderIdHash::compute(b"0123456789abcdef", "28501011234567").unwrap(),
        fields: BTreeMap::from([
            (
                "child_name".to_owned(),
                FieldValue::Text("ياسمين".to_owned()),
            ),
            ("birth_order".to_owned(), FieldValue::Integer(2)),
            ("twin".to_owned(), FieldValue::Bool(false)),
        ]),
        title: Some(Title {
            ar: "شهادة ميلاد".to_owned(),
            en: "Birth certificate".to_owned(),
        }),
    }
}

#[test]
fn holder_id_hash_is_hmac_sha256_truncated() {
    // Computed independently (Python's hmac module).
    let hash = HolderIdHash::compute(b"0123456789abcdef", "28501011234567").unwrap();
    expect!["8070853ddc8cb46d513537b30c42ee6b"].assert_eq(&hex::encode(hash.as_bytes()));
}

#[test]
fn known_answer() {
    // RFC 8032 test 1 secret key; its kid is the head of the RFC 8037 A.3 thumbprint. The
    // COSE bytes and payload were also checked with Python (`cryptography` for Ed25519 over a
    // hand-built Sig_structure, hand-written base45 and zlib).
    let key = SigningKey::from_bytes(&hex32(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    ));
    expect!["kPrK_qmxVWY"].assert_eq(&key.kid().to_string());

    let payload = sign(&claims(), &key).unwrap();
    let cose = unwrap_cose(&payload);
    expect!["d2844da20127044890facafea9b15566a058b7a501624547041a69cc6000061a6955b900074f4352542d323032362d3030303030313a00010000a70101027162697274685f63657274696669636174650301046dd985d986d98920d8add8b3d98605508070853ddc8cb46d513537b30c42ee6b06a3647477696ef46a6368696c645f6e616d656cd98ad8a7d8b3d985d98ad9866b62697274685f6f7264657202078275d8b4d987d8a7d8afd8a920d985d98ad984d8a7d8af7142697274682063657274696669636174655840141529ca2b09f799c1dc3567616e913ac0b4c18c5ae2d2bef96585259be393a6b2ae490617a7c35ab9ff191db68f161ec9f39e5489a821e69a3d617cb0b49e02"].assert_eq(&hex::encode(&cose));
    expect!["DW1:NCF/504B0T9WTWGSLK/-4 79WVVX8W$IM$/CV9BV%K2JC0:8BF3U$P600BF3U$A700-0AGIA5W58469%6646646746/E7V50W30W50+D0%JC5LEY8DKPC5LEREDOEDIECTYCZ50-*DK-G62H4FHTHRZHRLMRAU0UAG:$GU*RJ M:BA*17XO1F6UY$0LVCE4F91EAKD:8DSVD+2CBEC: CPMRNHRZHRKMRPMRLMR+PD*EDAWE-2CYKE5$COB07MG HRMMRNHRVHRPHR*64K-G+OHXZG%9L38M H85LEG7DKPC5LEREDOEDIECO CO48HU25PPVB1VJJX$R53D0:DAJ7D%MKXHGUSJ6OO$C.X4TYSE3LM1MTY0H9L5LBABW1Y304I6+3-ZU-UALBL*6T8Y7FYFN$M0G0U4F72"].assert_eq(&payload);
    assert_eq!(sign(&claims(), &key).unwrap(), payload, "deterministic");

    let verified = diwan_credential::verify(&payload, &key_set(&[(&key, T0, None)]), T0).unwrap();
    assert_eq!(verified.claims, claims());
}
