//! The results format `zonebench/1` as a JSON Schema generated from the
//! Rust types that write it (`schemars`), committed at
//! `results/schema/zonebench-1.schema.json`; every committed results file
//! validated against it (`jsonschema`).
//!
//! After changing a type of `src/results/` (or one it holds), bless the
//! new schema:
//!
//! ```text
//! ZONEBENCH_BLESS=1 cargo test --test results_schema
//! ```

use std::path::{Path, PathBuf};
use zonebench::results::ResultsFile;

/// The committed schema.
fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("results/schema/zonebench-1.schema.json")
}

/// The schema of what `zonebench` writes: every field it always writes is
/// required, those it may leave out (`skip_serializing_if`) are not.
fn generated() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<ResultsFile>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap();
    text.push('\n');
    text
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let path = schema_path();
    let now = generated();
    if std::env::var_os("ZONEBENCH_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == now,
        "{} differs from the schema the Rust types generate; if the change \
         of the results format is meant, rewrite it with\n  \
         ZONEBENCH_BLESS=1 cargo test --test results_schema\nand say what \
         changed in CHANGELOG.md",
        path.display()
    );
}

#[test]
fn every_committed_results_file_is_valid() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        // What a local run leaves (`latest*.json`, `run-*.json`) is not
        // committed (.gitignore) and may be of an older build.
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.starts_with("latest") && !name.starts_with("run-")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no results files in {}", dir.display());
    for path in &files {
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&file)
            .take(10)
            .map(|e| format!("  at {}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match {}:\n{}",
            path.display(),
            schema_path().display(),
            errors.join("\n")
        );
        // And the loader reads it.
        zonebench::results::io::load(path).unwrap();
    }
}

/// The schema is strict enough to catch a file that lost a counter or
/// holds text where a number belongs.
#[test]
fn a_broken_file_is_invalid() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/reference-2cpu-epyc.json");
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reference).unwrap()).unwrap();
    assert!(validator.is_valid(&good));
    let mut lost = good.clone();
    lost["cells"][0]
        .as_object_mut()
        .unwrap()
        .remove("allocs_per_sec");
    assert!(!validator.is_valid(&lost));
    let mut text = good;
    text["cells"][0]["false_ooms"] = "none".into();
    assert!(!validator.is_valid(&text));
}
