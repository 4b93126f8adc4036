//! The core crate stays free of cloud, Lambda, HTTP-client and database dependencies, so the
//! rules build and test with none of them.

use std::process::Command;

#[test]
fn core_dependency_tree_has_no_aws_lambda_http_client_or_database_crates() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "turno-core",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        tree.lines().any(|l| l.starts_with("turno-core")),
        "the tree lists the core itself"
    );
    let forbidden: Vec<&str> = tree
        .lines()
        .filter(|l| {
            let name = l.split_whitespace().next().unwrap_or_default();
            name.starts_with("aws-")
                || name.starts_with("aws_")
                || name.starts_with("lambda_")
                || name.starts_with("lambda-")
                || ["reqwest", "rusqlite", "libsqlite3-sys", "hyper", "axum"].contains(&name)
        })
        .collect();
    assert!(forbidden.is_empty(), "turno-core depends on {forbidden:?}");
}
