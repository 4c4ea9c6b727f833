//! The real Egyptian catalogue, read from the repository, for the tests that measure search
//! on it.

use std::path::Path;

use diwan_domain::service::{Catalog, SourceFile, SourceKind, load_catalog};

/// The catalogue, with or without its list of what is done elsewhere.
pub fn catalog(with_elsewhere: bool) -> Catalog {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/eg");
    let mut paths = vec![root.join("agencies.toml")];
    if with_elsewhere {
        paths.push(root.join("elsewhere.toml"));
    }
    for dir in ["workflows", "services"] {
        paths.extend(
            std::fs::read_dir(root.join(dir))
                .expect("catalogue folder")
                .map(|e| e.expect("catalogue entry").path()),
        );
    }
    let files: Vec<SourceFile> = paths
        .iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some(SourceFile {
                kind: SourceKind::from_relative_path(&rel)?,
                text: std::fs::read_to_string(p).expect("catalogue file"),
                path: rel,
            })
        })
        .collect();
    load_catalog(&files).unwrap_or_else(|problems| panic!("catalogue: {problems:?}"))
}
