//! `diwan check` as a user runs it: the real binary on fixture folders, with its output
//! compared line by line. Paths are given relative to `tests/fixtures` so the output does
//! not depend on where the repository is checked out.

// Test helpers panic on purpose: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use expect_test::expect;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs `diwan check <folder>` from `cwd`.
fn diwan_check(cwd: &Path, folder: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diwan"))
        .arg("check")
        .arg(folder)
        .current_dir(cwd)
        .output()
        .expect("the diwan binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

#[test]
fn a_broken_catalogue_lists_every_problem_and_fails() {
    let out = diwan_check(&fixtures(), "broken-catalog");
    expect![[r#"
        broken-catalog/agencies.toml:9: name of agency `traffic`: the Arabic text `Traffic` contains no Arabic letters [arabic_text_not_arabic]
        broken-catalog/agencies.toml:9: name of agency `traffic` has no English text [missing_english]
        broken-catalog/agencies.toml:12: agency `civil_status` is declared twice [duplicate_agency]
        broken-catalog/service/typo.toml:1: not part of a catalogue: expected agencies.toml, elsewhere.toml, workflows/*.toml or services/*.toml [unexpected_file]
        broken-catalog/services/licence.toml:3: service id `driving_licence` differs from its file name `licence.toml` [id_file_mismatch]
        broken-catalog/services/licence.toml:16: pattern of field `licence_number` is not a valid regular expression: regex parse error: ^(?:[0-9)$ ^ error: unclosed character class [invalid_pattern]
        broken-catalog/services/licence.toml:21: document `medical` is uploaded through `licence_number`, which is not a file field [document_field_not_file]
        broken-catalog/services/passport.toml:4: agency `passports_department` is not declared in agencies.toml [unknown_agency]
        broken-catalog/services/passport.toml:11: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
        broken-catalog/services/passport.toml:16: field `height` has unknown type `integer`; known types: text, textarea, number, date, choice, boolean, email, phone, national_id, file [unknown_field_type]
        broken-catalog/services/passport.toml:20: choice field `office` has no options [choice_without_options]
        broken-catalog/services/permit.toml:7: unknown field `colour`, expected one of `id`, `version`, `agency`, `category`, `reference_prefix`, `name`, `description`, `keywords`, `processing_time`, `fee`, `fields`, `documents`, `workflow`, `certificate` [syntax]
        broken-catalog/services/visa.toml:9: workflow `express` is neither inline nor in workflows/express.toml [unknown_workflow]
        broken-catalog/services/visa.toml:18: [certificate] must name the text field holding the holder's name: holder_name = "<field id>" [certificate_holder_name_missing]
        broken-catalog/services/visa.toml:20: certificate claim `mobile` is a phone field; phone numbers are never shown on a certificate [certificate_claim_personal]
        broken-catalog/services/visa.toml:20: certificate claim `holder_name` is not a field of this service [unknown_field]
        broken-catalog/workflows/review.toml:4: role `auditor` is declared but no action uses it [unused_role]
        broken-catalog/workflows/review.toml:10: state `on_hold` is not terminal but no action leaves it [dead_end_state]
        broken-catalog/workflows/review.toml:20: state `archived` cannot be reached from `submitted` [unreachable_state]
        broken-catalog/workflows/review.toml:37: action `finish` names role `supervisor`, which the workflow does not declare [unknown_role]
        broken-catalog/workflows/unclosed.toml:2: invalid basic string, expected `"` [syntax]
        21 problem(s) found
    "#]].assert_eq(&stdout(&out));
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_valid_catalogue_passes() {
    let out = diwan_check(&fixtures(), "valid-catalog");
    expect![[r#"
        ok: 2 services, 1 agencies, 0 done elsewhere
    "#]]
    .assert_eq(&stdout(&out));
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_trailing_slash_and_dot_segments_do_not_matter() {
    let plain = stdout(&diwan_check(&fixtures(), "broken-catalog"));
    let slashed = stdout(&diwan_check(&fixtures(), "broken-catalog/"));
    let count = |s: &str| s.lines().last().map(str::to_string);
    assert_eq!(count(&plain), count(&slashed));
    let out = diwan_check(&fixtures().join("valid-catalog"), ".");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_missing_folder_is_an_error() {
    let out = diwan_check(&fixtures(), "no-such-catalog");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    // The rest of the line is the operating system's wording.
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot read no-such-catalog: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Every line but the summary is `file:line: message [code]`, which editors and CI
/// annotations parse: a message must never spill onto a second line.
#[test]
fn every_problem_line_names_file_line_and_code() {
    let out = diwan_check(&fixtures(), "broken-catalog");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let (summary, problems) = lines.split_last().expect("some output");
    for line in problems {
        let shaped = line.strip_prefix("broken-catalog/").is_some_and(|rest| {
            let mut parts = rest.splitn(3, ':');
            let (file, line_no, message) = (parts.next(), parts.next(), parts.next());
            file.is_some_and(|f| f.ends_with(".toml"))
                && line_no.is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n >= 1))
                && message
                    .is_some_and(|m| m.starts_with(' ') && m.ends_with(']') && m.contains(" ["))
        });
        assert!(shaped, "not a problem line: {line:?}\nin:\n{text}");
    }
    assert_eq!(*summary, format!("{} problem(s) found", problems.len()));
}

/// Files in unexpected places are reported in a stable order even when the catalogue itself
/// is valid, so CI output does not change from one file system to another.
#[test]
fn stray_files_alone_fail_the_check_in_sorted_order() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let root = tmp.path().join("cat");
    copy_dir(&fixtures().join("valid-catalog"), &root);
    for stray in [
        "agency.toml",
        "notes.toml",
        "zz.toml",
        "service/a.toml",
        "workflow/b.toml",
    ] {
        let path = root.join(stray);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, "# stray\n").expect("write stray");
    }
    let out = diwan_check(tmp.path(), "cat");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let (problems, summary) = lines.split_at(lines.len() - 1);
    let mut sorted = problems.to_vec();
    sorted.sort();
    assert_eq!(problems, sorted, "problems are not sorted:\n{text}");
    assert!(
        problems.iter().all(|l| l.ends_with("[unexpected_file]")),
        "{text}"
    );
    assert_eq!(summary, ["5 problem(s) found"], "{text}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
