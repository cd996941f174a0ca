//! Reading plans files from the paths given on the command line.

use std::path::{Path, PathBuf};

use crate::domain::plans_file::SourceFile;

/// Reads each path: a file as is, a directory as its `*.toml` files in name order.
/// Every unreadable path is reported, not just the first.
pub fn read_plans(paths: &[PathBuf]) -> Result<Vec<SourceFile>, String> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            match toml_files_in(path) {
                Ok(found) if found.is_empty() => {
                    problems.push(format!("{}: no *.toml files in this directory", path.display()))
                }
                Ok(found) => files.extend(found),
                Err(e) => problems.push(format!("{}: cannot list the directory: {e}", path.display())),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut sources = Vec::new();
    for file in files {
        match std::fs::read_to_string(&file) {
            Ok(text) => sources.push(SourceFile {
                name: file.display().to_string(),
                text,
            }),
            Err(e) => problems.push(format!("{}: cannot read: {e}", file.display())),
        }
    }
    if problems.is_empty() {
        Ok(sources)
    } else {
        Err(problems.join("\n"))
    }
}

fn toml_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}
