//! Rules of the code that the compiler cannot check, checked by reading the source.
//!
//! Who read a citizen's application must never depend on a handler remembering to record it:
//! `routes::applications::load_visible` is the one door to an application's data, and it
//! records every read by someone other than the applicant. These tests fail if a new page or
//! route reaches the data around it.

#![allow(
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every function body (from one `fn ` to the next) of every source file, with its file.
fn functions() -> Vec<(String, String)> {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 10, "found the sources: {files:?}");
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let name = file.display().to_string();
        for body in text.split("fn ").skip(1) {
            out.push((name.clone(), body.to_owned()));
        }
    }
    out
}

#[test]
fn only_load_visible_reads_an_application() {
    // Listing gives officers no form data (see `routes::applications::list`), so the one
    // read of an application by id is the recorded one.
    let readers: Vec<String> = functions()
        .into_iter()
        .filter(|(_, body)| body.contains("store.get_application("))
        .map(|(file, body)| format!("{file}: fn {}", body.lines().next().unwrap_or_default()))
        .collect();
    assert_eq!(readers.len(), 1, "{readers:#?}");
    assert!(readers[0].contains("load_visible"), "{readers:#?}");
}

#[test]
fn an_applications_history_documents_and_certificate_are_read_only_after_load_visible() {
    for call in [
        "store.list_events(",
        "store.get_upload_content(",
        "store.certificate_for_application(",
    ] {
        for (file, body) in functions() {
            let Some(at) = body.find(call) else { continue };
            // Either it loaded the application through the door itself, or it was handed the
            // `Application` a caller loaded that way (only `load_visible` reads one by id).
            let signature = body.split('{').next().unwrap_or_default();
            assert!(
                body[..at].contains("load_visible(") || signature.contains("&Application"),
                "{file}: fn {} calls {call} without load_visible before it",
                body.lines().next().unwrap_or_default()
            );
        }
    }
}
