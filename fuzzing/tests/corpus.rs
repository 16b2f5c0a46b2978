//! The fuzzers' corpus replayed on stable, as an ordinary test: every file
//! of `fuzz/corpus/<target>/` (the seeds and what the fuzzer kept) and of
//! `fuzz/regressions/<target>/` (inputs that once crashed) through its
//! target. A target without a seeded corpus fails, and so does a
//! `fuzz_target!` that `TARGETS` does not list, or the other way round: a
//! new target cannot be left unseeded, nor a listed one unfuzzed.

use std::collections::BTreeSet;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use medcab_fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of a directory, sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every file through `target`; the names of those that panicked.
fn replay(target: fn(&[u8]), files: &[PathBuf]) -> Vec<String> {
    let mut failed = Vec::new();
    for file in files {
        let data = fs::read(file).expect("a corpus file reads");
        if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
            failed.push(file.display().to_string());
        }
    }
    failed
}

#[test]
fn every_target_has_a_seeded_corpus_and_replays_it() {
    let mut failed = Vec::new();
    for (name, target) in TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name}/ has no seeds: add a few small inputs"
        );
        failed.extend(replay(*target, &corpus));
        let regressions = files(&fuzz_dir().join("regressions").join(name));
        failed.extend(replay(*target, &regressions));
    }
    assert!(failed.is_empty(), "these inputs fail: {failed:#?}");
}

#[test]
fn the_fuzz_targets_are_the_listed_ones() {
    let binaries: BTreeSet<String> = files(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
        .collect();
    let listed: BTreeSet<String> = TARGETS.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(
        binaries, listed,
        "fuzz/fuzz_targets/ and medcab_fuzzing::TARGETS"
    );
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in &listed {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
    }
    // Each target is the one line that calls its function.
    for name in &listed {
        let source = fs::read_to_string(fuzz_dir().join(format!("fuzz_targets/{name}.rs")))
            .expect("a target's source");
        assert!(
            source.contains(&format!("medcab_fuzzing::{name}(data)")),
            "fuzz_targets/{name}.rs calls another function"
        );
    }
}

#[test]
fn every_regression_is_of_a_listed_target() {
    let listed: BTreeSet<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    let Ok(entries) = fs::read_dir(fuzz_dir().join("regressions")) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            assert!(
                listed.contains(name),
                "fuzz/regressions/{name}/ is no target's"
            );
        }
    }
}
