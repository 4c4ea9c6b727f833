//! The ledger as every backend keeps it: each change with its leaf (and none for a refused
//! change), leaves in change order, stored nodes that give the RFC 6962 root and proofs, and
//! certificates with revocation.

use std::sync::Arc;

use diwan_ledger::{Hash, MemoryTree, inclusion_proof_nodes, leaf_hash, verify_inclusion};
use diwan_store::{
    CertificateRevocation, LEAF_APPLICATION_EVENT, LEAF_CERTIFICATE_ISSUED,
    LEAF_CERTIFICATE_REVOKED, LEAF_DATA_ACCESS, NewCertificate, NewLeaf, Store, StoreError,
    StoredLeaf,
};

use crate::fixtures::{T0, action, application, citizen};

fn read_of(application_id: &str, n: u32) -> NewLeaf {
    NewLeaf {
        kind: LEAF_DATA_ACCESS,
        application_id: Some(application_id.to_owned()),
        entry: format!("read {application_id} #{n}").into_bytes(),
        at: T0 + 10,
    }
}

/// The whole integrated log, with its head checked against an independent tree.
async fn whole_log(store: &dyn Store) -> Vec<StoredLeaf> {
    // Reading events makes a multi-node store place what is pending first.
    let head = store.ledger_head().await.expect("head");
    let leaves = store.ledger_leaves(0, head.size).await.expect("leaves");
    assert_eq!(leaves.len() as u64, head.size);
    let mut tree = MemoryTree::new();
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(leaf.index, Some(i as u64), "placed in order");
        tree.push(leaf_hash(&leaf.entry)).expect("push");
    }
    assert_eq!(
        Hash(head.root),
        tree.root(),
        "the stored root is the RFC 6962 root"
    );
    leaves
}

pub async fn every_change_has_its_leaf_in_order(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let first = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create")
        .application;
    let reviewed = store
        .apply_action(action(&first, "start_review", "under_review", T0 + 1))
        .await
        .expect("review");
    store
        .append_leaf(read_of("app-1", 1))
        .await
        .expect("read recorded");
    let mut approve = action(&reviewed, "approve", "approved", T0 + 2);
    approve.certificate = Some(NewCertificate {
        id: "cert-1".to_owned(),
        payload: "DW1:PAYLOAD".to_owned(),
        key_id: "kid-1".to_owned(),
        expires_at: Some(T0 + 1_000),
        ledger_entry: b"issued cert-1".to_vec(),
    });
    store.apply_action(approve).await.expect("approve");

    // Refused changes leave no leaf.
    assert!(matches!(
        store
            .apply_action(action(&first, "approve", "approved", T0 + 3))
            .await,
        Err(StoreError::VersionConflict { .. })
    ));
    assert!(matches!(
        store.create_application(application("app-1", &alice)).await,
        Err(StoreError::Conflict(_))
    ));

    // Every event has been numbered, which on PostgreSQL means every leaf placed.
    store.list_events("app-1").await.expect("events");
    let leaves = whole_log(&*store).await;
    let kinds: Vec<(&str, &[u8])> = leaves
        .iter()
        .map(|leaf| (leaf.kind.as_str(), leaf.entry.as_slice()))
        .collect();
    assert_eq!(
        kinds,
        [
            (LEAF_APPLICATION_EVENT, &b"submitted app-1"[..]),
            (LEAF_APPLICATION_EVENT, &b"start_review app-1 v2"[..]),
            (LEAF_DATA_ACCESS, &b"read app-1 #1"[..]),
            (LEAF_APPLICATION_EVENT, &b"approve app-1 v3"[..]),
            (LEAF_CERTIFICATE_ISSUED, &b"issued cert-1"[..]),
        ]
    );
    assert!(
        leaves
            .iter()
            .all(|leaf| leaf.application_id.as_deref() == Some("app-1"))
    );

    let certificate = store
        .certificate_for_application("app-1")
        .await
        .expect("issued");
    assert_eq!(certificate.id, "cert-1");
    assert_eq!(certificate.payload, "DW1:PAYLOAD");
    assert_eq!(certificate.issued_at, T0 + 2);
    assert_eq!(certificate.expires_at, Some(T0 + 1_000));
    assert_eq!(certificate.revoked_at, None);
    assert_eq!(
        store.get_certificate("cert-1").await.expect("by id"),
        certificate
    );
}

pub async fn proofs_come_from_stored_nodes(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let app = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create")
        .application;
    for n in 0..12 {
        store.append_leaf(read_of(&app.id, n)).await.expect("read");
    }
    store.list_events(&app.id).await.expect("events");
    let leaves = whole_log(&*store).await;
    let head = store.ledger_head().await.expect("head");
    assert_eq!(head.size, 13);
    for (index, leaf) in leaves.iter().enumerate() {
        let wanted: Vec<(u8, u64)> = inclusion_proof_nodes(index as u64, head.size)
            .expect("nodes")
            .into_iter()
            .map(|node| (node.level(), node.index()))
            .collect();
        let hashes = store.ledger_nodes(&wanted).await.expect("stored nodes");
        let mut map = diwan_ledger::NodeMap::new();
        for ((level, idx), hash) in wanted.iter().zip(hashes) {
            map.insert(
                diwan_ledger::NodeId::new(*level, *idx).expect("node"),
                Hash(hash),
            );
        }
        let proof = diwan_ledger::inclusion_proof(&map, index as u64, head.size).expect("proof");
        verify_inclusion(
            &leaf_hash(&leaf.entry),
            index as u64,
            head.size,
            &proof,
            &Hash(head.root),
        )
        .expect("verifies");
    }
    assert!(matches!(
        store.ledger_nodes(&[(40, 0)]).await,
        Err(StoreError::NotFound)
    ));
    // Reads past the end are clamped, not errors.
    assert_eq!(store.ledger_leaves(10, 1_000).await.expect("tail").len(), 3);
    assert!(store.ledger_leaves(13, 20).await.expect("none").is_empty());
}

pub async fn a_certificate_is_revoked_once_with_its_leaf(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let app = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create")
        .application;
    let mut approve = action(&app, "approve", "approved", T0 + 1);
    approve.certificate = Some(NewCertificate {
        id: "cert-1".to_owned(),
        payload: "DW1:X".to_owned(),
        key_id: "kid".to_owned(),
        expires_at: None,
        ledger_entry: b"issued".to_vec(),
    });
    store.apply_action(approve).await.expect("approve");
    let revocation = |id: &str| CertificateRevocation {
        certificate_id: id.to_owned(),
        reason: "issued_in_error".to_owned(),
        at: T0 + 5,
        ledger_entry: b"revoked".to_vec(),
    };
    let revoked = store
        .revoke_certificate(revocation("cert-1"))
        .await
        .expect("revoke");
    assert_eq!(revoked.revoked_at, Some(T0 + 5));
    assert_eq!(revoked.revoke_reason.as_deref(), Some("issued_in_error"));
    assert!(matches!(
        store.revoke_certificate(revocation("cert-1")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.revoke_certificate(revocation("no-such")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.certificate_for_application("no-such").await,
        Err(StoreError::NotFound)
    ));
    store.list_events(&app.id).await.expect("events");
    // A leaf appended after the revocation pushes the sequencer past it on every backend.
    store.append_leaf(read_of(&app.id, 0)).await.expect("read");
    store.list_events(&app.id).await.expect("events");
    let kinds: Vec<String> = whole_log(&*store)
        .await
        .into_iter()
        .map(|leaf| leaf.kind)
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == LEAF_CERTIFICATE_REVOKED)
            .count(),
        1,
        "{kinds:?}"
    );
}

pub async fn a_citizen_sees_only_leaves_about_their_applications(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let bob = citizen(&*store, 2).await;
    for (id, who) in [("a-1", &alice), ("b-1", &bob), ("a-2", &alice)] {
        store
            .create_application(application(id, who))
            .await
            .expect("create");
        store.append_leaf(read_of(id, 1)).await.expect("read");
    }
    let about_alice = store
        .leaves_about_applicant(&alice.id, 100)
        .await
        .expect("alice");
    let mut apps: Vec<&str> = about_alice
        .iter()
        .filter_map(|leaf| leaf.application_id.as_deref())
        .collect();
    apps.dedup();
    assert_eq!(apps, ["a-2", "a-1"], "newest first, only hers");
    assert_eq!(about_alice.len(), 4);
    assert_eq!(
        store
            .leaves_about_applicant(&alice.id, 1)
            .await
            .expect("limit")
            .len(),
        1
    );
}
