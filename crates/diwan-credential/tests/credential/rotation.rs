//! Key rotation: old certificates keep verifying while their key stays published.

use diwan_credential::{KeySet, VerifyError, sign, verify};

use super::{DAY, T0, key, key_set, typical_claims};

#[test]
fn certificates_from_both_keys_verify_with_the_published_set() {
    let (old, new) = (key(1), key(2));
    let switch = T0 + 365 * DAY;
    let keys = key_set(&[(&old, T0, Some(switch)), (&new, switch, None)]);

    let mut claims = typical_claims();
    claims.expires_at = None;
    claims.issued_at = T0 + 10;
    let by_old = sign(&claims, &old).unwrap();
    let mut later = claims.clone();
    later.issued_at = switch + 10;
    let by_new = sign(&later, &new).unwrap();

    let now = switch + 100 * DAY;
    assert_eq!(verify(&by_old, &keys, now).unwrap().kid, old.kid());
    assert_eq!(verify(&by_new, &keys, now).unwrap().kid, new.kid());

    // The retired key cannot issue "new" certificates unnoticed.
    let late_by_old = sign(&later, &old).unwrap();
    assert_eq!(
        verify(&late_by_old, &keys, now).unwrap_err(),
        VerifyError::KeyNotValidAt {
            kid: old.kid(),
            issued_at: switch + 10
        }
    );

    // Removing a key (as after a compromise) makes its certificates unknown.
    let without_old = KeySet::new(
        keys.keys()
            .iter()
            .filter(|k| k.kid() != old.kid())
            .cloned()
            .collect(),
    )
    .unwrap();
    assert_eq!(
        verify(&by_old, &without_old, now).unwrap_err(),
        VerifyError::UnknownKey(old.kid())
    );
    assert_eq!(verify(&by_new, &without_old, now).unwrap().kid, new.kid());
}

#[test]
fn the_set_survives_publication_as_json() {
    let (old, new) = (key(1), key(2));
    let switch = T0 + 365 * DAY;
    let keys = key_set(&[(&old, T0, Some(switch)), (&new, switch, None)]);
    let published = KeySet::from_json(&keys.to_json()).unwrap();
    assert_eq!(published, keys);
    let payload = sign(&typical_claims(), &old).unwrap();
    assert!(verify(&payload, &published, T0).is_ok());
}
