//! Citizens, officers, sessions and one-time codes.

use std::sync::Arc;

use diwan_store::{NewOfficer, NewOtp, NewSession, OtpCheck, Store, StoreError, UserKind};

use crate::fixtures::{T0, citizen, national_id, phone};

pub async fn a_citizen_is_created_once_then_found(store: Arc<dyn Store>) {
    let created = store
        .upsert_citizen("citizen-1", &national_id(1), &phone(1), T0)
        .await
        .expect("create");
    assert_eq!(created.id, "citizen-1");
    assert_eq!(created.kind, UserKind::Citizen);
    assert_eq!(created.national_id, Some(national_id(1)));
    assert_eq!(created.phone, Some(phone(1)));
    assert_eq!(created.created_at, T0);
    assert_eq!(
        (created.username.as_deref(), created.agency.as_deref()),
        (None, None)
    );
    assert!(created.roles.is_empty() && created.password_hash.is_none());
    assert!(
        !created.display_name.contains(&national_id(1)),
        "the display name does not spell out the national ID: {}",
        created.display_name
    );

    // A later sign-in with another id and phone finds the same citizen, phone unchanged.
    let again = store
        .upsert_citizen("citizen-other", &national_id(1), "+966599999999", T0 + 1)
        .await
        .expect("find");
    assert_eq!(again, created);

    assert_eq!(
        store.find_citizen(&national_id(1)).await.expect("find"),
        created
    );
    assert_eq!(store.get_user("citizen-1").await.expect("get"), created);
    assert!(matches!(
        store.get_user("citizen-other").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.find_citizen(&national_id(2)).await,
        Err(StoreError::NotFound)
    ));
}

fn officer(id: &str, username: &str) -> NewOfficer {
    NewOfficer {
        id: id.to_owned(),
        username: username.to_owned(),
        display_name: "Layla Hassan".to_owned(),
        agency: "civil-registry".to_owned(),
        roles: vec!["clerk".to_owned(), "supervisor".to_owned()],
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        at: T0,
    }
}

pub async fn officers_have_unique_usernames(store: Arc<dyn Store>) {
    let created = store
        .create_officer(officer("officer-1", "layla"))
        .await
        .expect("create");
    assert_eq!(created.kind, UserKind::Officer);
    assert_eq!(created.username.as_deref(), Some("layla"));
    assert_eq!(created.agency.as_deref(), Some("civil-registry"));
    assert_eq!(created.roles, ["clerk", "supervisor"]);
    assert_eq!(created.national_id, None);
    assert_eq!(store.find_officer("layla").await.expect("find"), created);
    assert_eq!(store.get_user("officer-1").await.expect("get"), created);

    assert!(matches!(
        store.create_officer(officer("officer-2", "layla")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.get_user("officer-2").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.find_officer("nobody").await,
        Err(StoreError::NotFound)
    ));

    // Citizens and officers are not found through each other's doors.
    let alice = citizen(&*store, 1).await;
    assert!(matches!(
        store.find_officer(&alice.id).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_session_lives_until_it_expires_or_is_deleted(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let session = |token: &str| NewSession {
        token_hash: token.to_owned(),
        user_id: alice.id.clone(),
        created_at: T0,
        expires_at: T0 + 1_000,
    };
    store
        .create_session(session("tok-1"))
        .await
        .expect("create");
    store
        .create_session(session("tok-2"))
        .await
        .expect("create");

    assert_eq!(store.session_user("tok-1", T0).await.expect("live"), alice);
    assert_eq!(
        store.session_user("tok-1", T0 + 999).await.expect("live"),
        alice
    );
    assert!(matches!(
        store.session_user("tok-1", T0 + 1_000).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.session_user("unknown", T0).await,
        Err(StoreError::NotFound)
    ));

    store.delete_session("tok-2").await.expect("delete");
    assert!(matches!(
        store.session_user("tok-2", T0).await,
        Err(StoreError::NotFound)
    ));
    store
        .delete_session("tok-2")
        .await
        .expect("deleting twice is fine");
    assert_eq!(
        store
            .session_user("tok-1", T0)
            .await
            .expect("others live on"),
        alice
    );

    let mut orphan = session("tok-3");
    orphan.user_id = "no-such-user".to_owned();
    assert!(matches!(
        store.create_session(orphan).await,
        Err(StoreError::NotFound)
    ));
}

fn otp(n: u32, code_hash: &str, at: i64) -> NewOtp {
    NewOtp {
        national_id: national_id(n),
        phone: phone(n),
        code_hash: code_hash.to_owned(),
        created_at: at,
        expires_at: at + 300_000,
    }
}

pub async fn a_code_is_single_use(store: Arc<dyn Store>) {
    let id = national_id(1);
    assert_eq!(
        store.check_otp(&id, "h1", T0, 3).await.expect("check"),
        OtpCheck::NoLiveCode,
        "nothing sent yet"
    );
    store.put_otp(otp(1, "h1", T0)).await.expect("put");
    assert_eq!(
        store
            .check_otp(&id, "wrong", T0 + 1, 3)
            .await
            .expect("check"),
        OtpCheck::Wrong { attempts_left: 2 }
    );
    assert_eq!(
        store.check_otp(&id, "h1", T0 + 2, 3).await.expect("check"),
        OtpCheck::Valid { phone: phone(1) }
    );
    assert_eq!(
        store.check_otp(&id, "h1", T0 + 3, 3).await.expect("check"),
        OtpCheck::NoLiveCode,
        "used up"
    );
}

pub async fn wrong_codes_use_up_the_attempts(store: Arc<dyn Store>) {
    let id = national_id(1);
    store.put_otp(otp(1, "h1", T0)).await.expect("put");
    for left in [2, 1, 0] {
        assert_eq!(
            store
                .check_otp(&id, "wrong", T0 + 1, 3)
                .await
                .expect("check"),
            OtpCheck::Wrong {
                attempts_left: left
            }
        );
    }
    assert_eq!(
        store.check_otp(&id, "h1", T0 + 2, 3).await.expect("check"),
        OtpCheck::NoLiveCode,
        "voided after the last wrong try"
    );

    // A new code starts with all its attempts.
    store.put_otp(otp(1, "h2", T0 + 10)).await.expect("put");
    assert_eq!(
        store
            .check_otp(&id, "wrong", T0 + 11, 3)
            .await
            .expect("check"),
        OtpCheck::Wrong { attempts_left: 2 }
    );
    assert_eq!(
        store.check_otp(&id, "h2", T0 + 12, 3).await.expect("check"),
        OtpCheck::Valid { phone: phone(1) }
    );
}

pub async fn a_code_expires_and_a_new_one_voids_the_old(store: Arc<dyn Store>) {
    let id = national_id(1);
    store.put_otp(otp(1, "h1", T0)).await.expect("put");
    assert_eq!(
        store
            .check_otp(&id, "h1", T0 + 300_000, 3)
            .await
            .expect("check"),
        OtpCheck::NoLiveCode,
        "dead at expires_at"
    );

    store.put_otp(otp(1, "h2", T0 + 1_000)).await.expect("put");
    store.put_otp(otp(1, "h3", T0 + 2_000)).await.expect("put");
    assert_eq!(
        store
            .check_otp(&id, "h2", T0 + 3_000, 3)
            .await
            .expect("check"),
        OtpCheck::Wrong { attempts_left: 2 },
        "the older code no longer works"
    );
    assert_eq!(
        store
            .check_otp(&id, "h3", T0 + 2_000 + 299_999, 3)
            .await
            .expect("check"),
        OtpCheck::Valid { phone: phone(1) },
        "alive until just before expires_at"
    );

    // Codes are per national ID.
    store.put_otp(otp(2, "h1", T0)).await.expect("put");
    assert_eq!(
        store
            .check_otp(&national_id(2), "h3", T0, 3)
            .await
            .expect("check"),
        OtpCheck::Wrong { attempts_left: 2 }
    );
}

pub async fn sends_are_counted_per_national_id(store: Arc<dyn Store>) {
    for at in [T0, T0 + 10, T0 + 20] {
        store.put_otp(otp(1, "h", at)).await.expect("put");
    }
    store.put_otp(otp(2, "h", T0 + 20)).await.expect("put");
    let count = |n: u32, since: i64| {
        let store = Arc::clone(&store);
        async move {
            store
                .count_otps_since(&national_id(n), since)
                .await
                .expect("count")
        }
    };
    assert_eq!(count(1, T0).await, 3);
    assert_eq!(count(1, T0 + 10).await, 2, "since is inclusive");
    assert_eq!(count(1, T0 + 21).await, 0);
    assert_eq!(count(2, T0).await, 1);
    assert_eq!(count(3, T0).await, 0);
}

pub async fn send_limits_count_per_national_id_and_per_phone(store: Arc<dyn Store>) {
    use diwan_store::{OtpLimit, OtpScope};
    let limits = [
        OtpLimit {
            scope: OtpScope::NationalId,
            since: T0,
            max_sends: 2,
        },
        OtpLimit {
            scope: OtpScope::Phone,
            since: T0,
            max_sends: 3,
        },
    ];
    let to_shared_phone = |n: u32, at: i64| {
        let mut code = otp(n, "h", at);
        code.phone = phone(99);
        code
    };
    // Two for ID 1, then its ID limit refuses the third.
    for at in [T0, T0 + 1] {
        assert_eq!(
            store
                .put_otp_within_limits(to_shared_phone(1, at), &limits)
                .await
                .expect("put"),
            None
        );
    }
    assert_eq!(
        store
            .put_otp_within_limits(to_shared_phone(1, T0 + 2), &limits)
            .await
            .expect("put"),
        Some(limits[0])
    );
    // ID 2 has room, but the shared number has one left, then none.
    assert_eq!(
        store
            .put_otp_within_limits(to_shared_phone(2, T0 + 3), &limits)
            .await
            .expect("put"),
        None
    );
    assert_eq!(
        store
            .put_otp_within_limits(to_shared_phone(3, T0 + 4), &limits)
            .await
            .expect("put"),
        Some(limits[1])
    );
    // Refusals stored nothing; another number is unaffected.
    assert_eq!(
        store
            .count_otps_since(&national_id(3), T0)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        store
            .put_otp_within_limits(otp(4, "h", T0 + 5), &limits)
            .await
            .expect("put"),
        None
    );
}
