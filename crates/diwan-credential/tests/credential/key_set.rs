//! The published key set format.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diwan_credential::{KeySet, Kid, PublicKey};
use expect_test::expect;

use super::{DAY, T0, key, key_set};

#[test]
fn the_published_form() {
    let keys = key_set(&[
        (&key(1), T0, Some(T0 + 365 * DAY)),
        (&key(2), T0 + 365 * DAY, None),
    ]);
    expect![[r#"
        {
          "keys": [
            {
              "kid": "UDDReOZl1io",
              "kty": "OKP",
              "crv": "Ed25519",
              "x": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
              "alg": "EdDSA",
              "valid_from": "2026-01-01T00:00:00Z",
              "valid_until": "2027-01-01T00:00:00Z"
            },
            {
              "kid": "aVBtapLd11Q",
              "kty": "OKP",
              "crv": "Ed25519",
              "x": "gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q",
              "alg": "EdDSA",
              "valid_from": "2027-01-01T00:00:00Z",
              "valid_until": null
            }
          ]
        }"#]]
    .assert_eq(&keys.to_json());
    // The kid in the set is the kid in the COSE header.
    let kid = URL_SAFE_NO_PAD.decode("UDDReOZl1io").unwrap();
    assert_eq!(key(1).kid().as_bytes(), kid.as_slice());
}

fn one_key(edit: impl Fn(&mut serde_json::Value)) -> Result<KeySet, String> {
    let keys = key_set(&[(&key(1), T0, None)]);
    let mut json: serde_json::Value = serde_json::from_str(&keys.to_json()).unwrap();
    edit(&mut json["keys"][0]);
    KeySet::from_json(&json.to_string()).map_err(|e| e.to_string())
}

#[test]
fn what_a_key_set_may_and_may_not_say() {
    // Absent valid_until and unknown members are fine (RFC 7517 says ignore them).
    assert!(
        one_key(|k| {
            k.as_object_mut().unwrap().remove("valid_until");
            k["use"] = "sig".into();
        })
        .is_ok()
    );
    // Any offset is understood.
    assert!(one_key(|k| k["valid_from"] = "2026-01-01T02:00:00+02:00".into()).is_ok());

    let refused = |edit: fn(&mut serde_json::Value)| one_key(edit).unwrap_err();
    expect!["key UDDReOZl1io: only kty OKP, crv Ed25519, alg EdDSA are supported"]
        .assert_eq(&refused(|k| k["kty"] = "EC".into()));
    expect!["key UDDReOZl1io: only kty OKP, crv Ed25519, alg EdDSA are supported"]
        .assert_eq(&refused(|k| k["alg"] = "ES256".into()));
    expect!["key UDDReOZl1io: x is not a usable Ed25519 public key (32 bytes, base64url)"]
        .assert_eq(&refused(|k| k["x"] = "AAAA".into()));
    expect!["key UDDReOZl1io: x is not a usable Ed25519 public key (32 bytes, base64url)"]
        .assert_eq(&refused(|k| {
            k["x"] = "ikx6LdxxrdVP-lcyFjv6ZMAmlNxrkN1Clax8lbIGm8g=".into()
        }));
    expect![
        "key AAAAAAAAAAA: kid does not match the key (first 8 bytes of its RFC 7638 thumbprint)"
    ]
    .assert_eq(&refused(|k| k["kid"] = "AAAAAAAAAAA".into()));
    expect!["key UDDReOZl1io: valid_from or valid_until is not an RFC 3339 time in whole seconds"]
        .assert_eq(&refused(|k| k["valid_from"] = "2026-01-01".into()));
    expect!["the key set is not valid JSON of the expected shape: invalid type: integer `1800000000`, expected a string at line 1 column 132"]
        .assert_eq(&refused(|k| k["valid_until"] = 1_800_000_000.into()));
    expect!["key UDDReOZl1io: valid_until is not after valid_from"].assert_eq(&refused(|k| {
        k["valid_until"] = "2025-12-31T23:59:59Z".into()
    }));
    expect!["the key set is not valid JSON of the expected shape: missing field `x` at line 1 column 127"]
        .assert_eq(&refused(|k| {
            k.as_object_mut().unwrap().remove("x");
        }));

    let mut doubled: serde_json::Value =
        serde_json::from_str(&key_set(&[(&key(1), T0, None)]).to_json()).unwrap();
    let first = doubled["keys"][0].clone();
    doubled["keys"].as_array_mut().unwrap().push(first);
    let doubled = doubled.to_string();
    expect!["two keys share kid UDDReOZl1io"]
        .assert_eq(&KeySet::from_json(&doubled).unwrap_err().to_string());
}

#[test]
fn a_key_that_is_not_a_point_or_is_weak_is_refused() {
    // The identity point (small order) and a y with no point on the curve.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(PublicKey::new(&identity, T0, None).is_err());
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert!(PublicKey::new(&not_a_point, T0, None).is_err());
}

#[test]
fn serde_goes_through_the_same_checks() {
    let keys = key_set(&[(&key(1), T0, None)]);
    let json = serde_json::to_string(&keys).unwrap();
    let back: KeySet = serde_json::from_str(&json).unwrap();
    assert_eq!(back, keys);
    let bad = json.replace("EdDSA", "ES256");
    assert!(serde_json::from_str::<KeySet>(&bad).is_err());
    assert!(keys.get(&Kid::from_bytes([0; 8])).is_none());
}
