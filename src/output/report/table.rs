//! Reading one table of an output folder: every `DIR/<table>/scenario=*/*.parquet`
//! file, in sorted path order, stacked into one frame with its `scenario` column taken
//! from the partition folder.

use super::ReportError;
use polars::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

/// One table of the folder, all scenarios and runs together.
pub(super) struct Table {
    name: &'static str,
    folder: PathBuf,
    frame: DataFrame,
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let entries =
        fs::read_dir(dir).map_err(|source| ReportError::Io { action: "listing", path: dir.into(), source })?;
    let mut paths = Vec::new();
    for e in entries {
        let e = e.map_err(|source| ReportError::Io { action: "listing", path: dir.into(), source })?;
        paths.push(e.path());
    }
    paths.sort();
    Ok(paths)
}

impl Table {
    /// Reads table `name` of `dir`; `None` when the folder has no file of it.
    pub(super) fn read(dir: &Path, name: &'static str) -> Result<Option<Table>, ReportError> {
        let folder = dir.join(name);
        if !folder.is_dir() {
            return Ok(None);
        }
        let mut frame: Option<DataFrame> = None;
        for part in sorted_entries(&folder)?.into_iter().filter(|p| p.is_dir()) {
            for file in sorted_entries(&part)? {
                if file.extension().is_none_or(|e| e != "parquet") {
                    continue;
                }
                let err = |reason: String| ReportError::Table { table: name, path: file.clone(), reason };
                let f = fs::File::open(&file).map_err(|e| err(e.to_string()))?;
                let mut df = ParquetReader::new(f).finish().map_err(|e| err(e.to_string()))?;
                // The scenario is the partition folder's (`scenario=NAME`), not a column of
                // the file (hive partitioning: the files and the folders agree).
                if df.column("scenario").is_err()
                    && let Some(scenario) =
                        part.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_prefix("scenario="))
                {
                    let rows = df.height();
                    df.with_column(Column::new("scenario".into(), vec![scenario; rows]))
                        .map_err(|e| err(e.to_string()))?;
                }
                match frame.as_mut() {
                    None => frame = Some(df),
                    Some(all) => {
                        all.vstack_mut(&df).map_err(|e| err(e.to_string()))?;
                    }
                }
            }
        }
        Ok(frame.map(|frame| Table { name, folder, frame }))
    }

    fn column(&self, column: &str, dtype: &DataType) -> Result<Column, ReportError> {
        self.frame.column(column).and_then(|c| c.cast(dtype)).map_err(|e| ReportError::Table {
            table: self.name,
            path: self.folder.clone(),
            reason: e.to_string(),
        })
    }

    /// Whether the table has a column of that name.
    pub(super) fn has(&self, column: &str) -> bool {
        self.frame.column(column).is_ok()
    }

    /// A column as text (null as the empty string).
    pub(super) fn strings(&self, column: &str) -> Result<Vec<String>, ReportError> {
        let c = self.column(column, &DataType::String)?;
        let s = c.str().map_err(|e| ReportError::Table {
            table: self.name,
            path: self.folder.clone(),
            reason: e.to_string(),
        })?;
        let s = s.rechunk();
        Ok((0..s.len()).map(|i| s.get(i).unwrap_or_default().to_string()).collect())
    }

    /// A column as numbers (null as NaN).
    pub(super) fn numbers(&self, column: &str) -> Result<Vec<f64>, ReportError> {
        let c = self.column(column, &DataType::Float64)?;
        let s = c.f64().map_err(|e| ReportError::Table {
            table: self.name,
            path: self.folder.clone(),
            reason: e.to_string(),
        })?;
        let s = s.rechunk();
        Ok((0..s.len()).map(|i| s.get(i).unwrap_or(f64::NAN)).collect())
    }

    /// The run of each row: `(scenario, sample, replication)`.
    pub(super) fn run_keys(&self) -> Result<Vec<(String, u64, u64)>, ReportError> {
        let scenario = self.strings("scenario")?;
        let sample = self.numbers("sample")?;
        let replication = self.numbers("replication")?;
        Ok(scenario.into_iter().zip(sample).zip(replication).map(|((s, a), r)| (s, a as u64, r as u64)).collect())
    }
}

/// Names in order of first appearance.
pub(super) fn first_seen(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

/// Runs per scenario: distinct `(sample, replication)` in table `runs`, or, when the
/// folder has no `runs` table, samples × replications from the manifest.
pub(super) fn runs_per_scenario(
    dir: &Path,
    m: &super::manifest::Manifest,
) -> Result<std::collections::BTreeMap<String, f64>, ReportError> {
    let mut out = std::collections::BTreeMap::new();
    match Table::read(dir, "runs")? {
        Some(t) => {
            let mut seen = std::collections::BTreeSet::new();
            for k in t.run_keys()? {
                if seen.insert(k.clone()) {
                    *out.entry(k.0).or_insert(0.0) += 1.0;
                }
            }
        }
        None => {
            for s in &m.scenarios {
                out.insert(s.clone(), m.runs_per_scenario());
            }
        }
    }
    Ok(out)
}
