//! The core's folders are layers: each may use only the folders below it, so there is no
//! import circle between them. Read from the sources: every `crate::<folder>` path in a file
//! (a `use` line, an inline path or a doc link) is an edge from the file's folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Lowest first. `lib.rs` lists the same order and says what each folder holds.
const LAYERS: [&str; 8] = [
    "kernel", "sla", "channel", "desk", "bot", "ports", "config", "app",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Which layer a source file belongs to (`None` for `lib.rs`, which declares them all).
fn layer_of(src: &Path, file: &Path) -> Option<&'static str> {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    LAYERS.iter().copied().find(|l| *l == name)
}

/// The layers a file's text names through `crate::<layer>`.
fn layers_named(text: &str) -> BTreeSet<&'static str> {
    let mut named = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if let Some(layer) = LAYERS.iter().copied().find(|l| *l == ident) {
            named.insert(layer);
        }
    }
    named
}

fn edges() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
    for file in files {
        let Some(from) = layer_of(&src, &file) else {
            continue;
        };
        let text = fs::read_to_string(&file).expect("readable source");
        for to in layers_named(&text) {
            if to != from {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    edges
}

fn rank(layer: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| *l == layer)
        .expect("a known layer")
}

#[test]
fn every_folder_uses_only_the_folders_below_it() {
    let upward: Vec<String> = edges()
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| (*from, *to)))
        .filter(|(from, to)| rank(to) > rank(from))
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert!(
        upward.is_empty(),
        "these folders use a folder above them (an import circle in the making): {upward:?}"
    );
}

#[test]
fn the_reader_sees_crate_paths_in_use_lines_inline_paths_and_doc_links() {
    let text = "use crate::desk::ticket::Ticket;\nlet x = crate::sla::Policies::default();\n/// [`crate::bot::engine`]\nuse crate::kernel_like::X;";
    assert_eq!(
        layers_named(text),
        BTreeSet::from(["bot", "desk", "sla"]),
        "a name that only starts like a layer is not that layer"
    );
}

#[test]
fn the_kernel_uses_no_other_folder_and_the_use_cases_are_on_top() {
    let edges = edges();
    assert!(
        !edges.contains_key("kernel"),
        "the kernel uses {:?}",
        edges.get("kernel")
    );
    assert!(
        edges.values().all(|tos| !tos.contains("app")),
        "no folder may use the use cases: {edges:?}"
    );
    assert!(
        edges.get("app").is_some_and(|tos| tos.contains("ports")),
        "the reader found the use cases' ports: {edges:?}"
    );
}
