//! What an experiment folder should hold, and whether it still does.
//!
//! A run writes its tables, then its marker (its `runs` file) last; the marker's
//! metadata records the length and BLAKE3 hash of every other file of the run
//! ([`encode_files`]). A run is complete only when its marker is readable, carries the
//! config hash, and every file it lists is there with that length and hash
//! ([`check_run`]); a rerun redoes anything else, and `merge` lists each problem with its
//! path. [`expected_paths`] is every file a plan may write, so anything else in the
//! folder is listed as foreign ([`foreign_files`]), and `--force` removes only files of
//! the runs being forced ([`run_paths`]), never a file caresim did not write.

use crate::config::ExperimentPlan;
use crate::output::durable::{FileCheck, FileDigest, is_lock_name, is_temporary};
use crate::record::RunKey;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Metadata key of a run marker that lists the run's files and their digests.
pub const FILES_KEY: &str = "caresim.files";

/// The table of a run's marker file (written last).
pub const MARKER_TABLE: &str = "runs";

/// Tables written once per scenario from every run (by an unsharded run or `merge`),
/// and the file name each has in its scenario's folder.
pub const FINISHED: [(&str, &str); 3] =
    [("summary", "summary.parquet"), ("paired", "paired.parquet"), ("parameters", "parameters.parquet")];

/// The name of the folder-level provenance file.
pub const MANIFEST: &str = "manifest.toml";

/// The file name of one run's part of a table.
pub fn run_file_name(k: RunKey) -> String {
    format!("part-s{:04}-r{:05}.parquet", k.sample, k.replication)
}

/// The path, relative to the folder, of run `k`'s part of `table`.
pub fn run_path(plan: &ExperimentPlan, table: &str, k: RunKey) -> PathBuf {
    run_path_in(&plan.scenarios[k.scenario as usize].name, table, k)
}

/// The path, relative to the folder, of run `k` (of scenario `scenario`)'s part of `table`.
pub fn run_path_in(scenario: &str, table: &str, k: RunKey) -> PathBuf {
    PathBuf::from(table).join(format!("scenario={scenario}")).join(run_file_name(k))
}

/// Encodes a run's files (`table`, digest) for its marker: one `table len:hash` a line.
pub fn encode_files(files: &[(String, FileDigest)]) -> String {
    files.iter().map(|(t, d)| format!("{t} {}\n", d.encode())).collect()
}

/// Decodes [`encode_files`]'s text; `None` when any line is malformed.
pub fn decode_files(text: &str) -> Option<Vec<(String, FileDigest)>> {
    text.lines()
        .map(|line| {
            let (table, digest) = line.split_once(' ')?;
            Some((table.to_string(), FileDigest::decode(digest)?))
        })
        .collect()
}

/// One problem with one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    /// The file, relative to the folder.
    pub path: PathBuf,
    /// What is wrong: missing, truncated, checksum mismatch, foreign, ...
    pub problem: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

/// What a run's marker said, as read by the output layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    /// No marker file.
    Missing,
    /// A marker that cannot be read as one (truncated, damaged).
    Unreadable,
    /// A marker of another config (its hash).
    OtherConfig(String),
    /// A marker of this config without a list of files (written by an older caresim).
    NoFiles,
    /// A marker of this config and the files it lists.
    Files(Vec<(String, FileDigest)>),
}

/// Checks run `k` of scenario `scenario` against its marker, read for the config hash
/// `config_hash`: every file listed is intact, and `required` tables (e.g. `episodes`
/// when asked for) are among them. Empty when the run is complete.
pub fn check_run(
    dir: &Path,
    scenario: &str,
    config_hash: &str,
    k: RunKey,
    marker: &Marker,
    required: &[&str],
) -> Vec<FileProblem> {
    let marker_path = run_path_in(scenario, MARKER_TABLE, k);
    let one = |problem: String| vec![FileProblem { path: marker_path.clone(), problem }];
    let files = match marker {
        Marker::Missing => return one("missing (the run's marker, written last: the run is not complete)".into()),
        Marker::Unreadable => return one("damaged: cannot be read as a run marker".into()),
        Marker::OtherConfig(h) => {
            return one(format!("written by another config (hash {h}, this config {config_hash})"));
        }
        Marker::NoFiles => return one("records no checksums of the run's files".into()),
        Marker::Files(files) => files,
    };
    let mut problems = Vec::new();
    for (table, digest) in files {
        let rel = run_path_in(scenario, table, k);
        if let Some(p) = FileCheck::of(&dir.join(&rel), digest).problem() {
            problems.push(FileProblem { path: rel, problem: p });
        }
    }
    for t in required {
        if !files.iter().any(|(table, _)| table == t) {
            problems.push(FileProblem { path: run_path_in(scenario, t, k), problem: "not written by this run".into() });
        }
    }
    problems
}

/// Every path (relative to the folder) that `plan` may write: each table's part of each
/// run, the finished tables of each scenario and the manifest.
pub fn expected_paths(plan: &ExperimentPlan, tables: &[&str], keys: &[RunKey]) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    out.insert(PathBuf::from(MANIFEST));
    for k in keys {
        for t in tables.iter().filter(|t| !FINISHED.iter().any(|(f, _)| f == *t)) {
            out.insert(run_path(plan, t, *k));
        }
    }
    for s in &plan.scenarios {
        for (t, file) in FINISHED {
            out.insert(PathBuf::from(t).join(format!("scenario={}", s.name)).join(file));
        }
    }
    out
}

/// Files of run `keys` (every table), and of the finished tables when `finished`, that
/// exist in `dir`: what `--force` removes. Temporary files of those paths are included.
pub fn run_paths(dir: &Path, plan: &ExperimentPlan, tables: &[&str], keys: &[RunKey], finished: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut wanted: BTreeSet<PathBuf> = BTreeSet::new();
    for k in keys {
        for t in tables {
            wanted.insert(run_path(plan, t, *k));
        }
    }
    if finished {
        for s in &plan.scenarios {
            for (t, file) in FINISHED {
                wanted.insert(PathBuf::from(t).join(format!("scenario={}", s.name)).join(file));
            }
        }
    }
    // One listing per folder rather than a probe per path: temporary names carry a pid.
    let folders: BTreeSet<PathBuf> = wanted.iter().filter_map(|p| p.parent().map(Path::to_path_buf)).collect();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(dir.join(&folder)) else { continue };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let base = if is_temporary(&name) { temporary_base(&name) } else { name.as_str() };
            if wanted.contains(&folder.join(base)) && e.file_type().is_ok_and(|t| t.is_file()) {
                out.push(folder.join(&name));
            }
        }
    }
    out.sort();
    out
}

/// The file a temporary name stands for: `x.parquet.123.tmp` and `x.parquet.tmp` -> `x.parquet`.
pub fn temporary_base(name: &str) -> &str {
    let stem = name.strip_suffix(".tmp").unwrap_or(name);
    match stem.rsplit_once('.') {
        Some((base, pid)) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => stem,
    }
}

/// Every entry under `dir` that is not in `expected`, not a temporary file, not a lock
/// file and not a folder on the way to an expected file: listed with its path. A folder
/// that leads to no expected file is listed once, not file by file. The walk stops after
/// `limit` entries are listed.
pub fn foreign_files(dir: &Path, expected: &BTreeSet<PathBuf>, limit: usize) -> Vec<FileProblem> {
    let folders: BTreeSet<PathBuf> =
        expected.iter().flat_map(|p| p.ancestors().skip(1).map(Path::to_path_buf)).collect();
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else { continue };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = rel.join(&name);
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if expected.contains(&path) && !is_dir {
                continue;
            }
            if is_dir && folders.contains(&path) {
                stack.push(path);
                continue;
            }
            if (rel.as_os_str().is_empty() && is_lock_name(&name)) || (!is_dir && is_temporary(&name)) {
                continue;
            }
            if out.len() >= limit {
                return out;
            }
            let what = if is_dir { "a folder caresim did not write" } else { "a file caresim did not write" };
            out.push(FileProblem { path, problem: format!("foreign: {what} for this experiment") });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lists_round_trip_and_reject_damage() {
        let d = FileDigest { len: 42, blake3: "a".repeat(64) };
        let files = vec![("capacity".to_string(), d.clone()), ("pool_summary".to_string(), d)];
        assert_eq!(decode_files(&encode_files(&files)), Some(files));
        assert_eq!(decode_files("capacity 42:abc\n"), None);
        assert_eq!(decode_files("capacity\n"), None);
        assert_eq!(decode_files(""), Some(vec![]));
    }

    #[test]
    fn temporary_names_map_to_their_file() {
        assert_eq!(temporary_base("part-s0000-r00001.parquet.812.tmp"), "part-s0000-r00001.parquet");
        assert_eq!(temporary_base("part-s0000-r00001.parquet.tmp"), "part-s0000-r00001.parquet");
    }
}
