//! Reads a catalogue folder from disk into the source files the domain checks.

use std::path::Path;

use diwan_domain::service::{Catalog, Problem, SourceFile, SourceKind, load_catalog};

/// Every `.toml` file under `dir` that belongs to a catalogue, plus a problem for each
/// `.toml` file in a place the catalogue does not know (a likely typo in a folder name).
pub fn read_folder(dir: &Path) -> std::io::Result<(Vec<SourceFile>, Vec<Problem>)> {
    let mut files = Vec::new();
    let mut strays = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| io_context(e, &folder))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let shown = path.display().to_string();
            match SourceKind::from_relative_path(&rel) {
                Some(kind) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| io_context(e, &path))?;
                    files.push(SourceFile { path: shown, kind, text });
                }
                None => strays.push(Problem {
                    file: shown,
                    line: 1,
                    code: "unexpected_file",
                    message: "not part of a catalogue: expected agencies.toml, elsewhere.toml, workflows/*.toml or services/*.toml".into(),
                }),
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, strays))
}

/// Loads and checks a catalogue folder; every problem, in file and line order, on failure.
pub fn load(dir: &Path) -> std::io::Result<Result<Catalog, Vec<Problem>>> {
    let (files, mut problems) = read_folder(dir)?;
    let result = load_catalog(&files);
    Ok(match result {
        Ok(catalog) if problems.is_empty() => Ok(catalog),
        result => {
            problems.extend(result.err().unwrap_or_default());
            problems.sort_by(|a, b| (&a.file, a.line, a.code).cmp(&(&b.file, b.line, b.code)));
            Err(problems)
        }
    })
}

fn io_context(e: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))
}
