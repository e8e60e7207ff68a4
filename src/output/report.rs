//! `caresim report DIR`: one self-contained HTML file describing an experiment's output
//! folder, built from its Parquet tables and manifest.
//!
//! Sections, in order: the STRESS-DES description (from the manifest), occupancy over
//! time per pool (`capacity`), delayed days by reason and responsible organisation
//! (`delays`), paired differences against the baseline (`paired`), money flows
//! (`ledger`, `org_year`) and calibration (`calibration`). A table missing from the
//! folder skips its section with a note, not an error. Charts are SVG drawn by
//! `plotters` and embedded inline; the page needs no network, script or font file.
//! The same folder gives the same bytes: the page holds no time of day, and every
//! grouping is ordered (scenarios in manifest order, other names in first-seen order
//! of the sorted files).

mod calibration;
mod chart;
mod delays;
mod html;
mod manifest;
mod money;
mod occupancy;
mod paired;
mod stress;
mod table;

use std::fs;
use std::path::{Path, PathBuf};

use manifest::Manifest;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A Parquet table could not be read, or lacks a column the report needs.
    #[error("reading table {table} in {path}: {reason}")]
    Table {
        /// Which table.
        table: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
    /// The manifest is missing or malformed.
    #[error("{path}: {reason}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A chart could not be drawn.
    #[error("drawing chart {chart:?}: {reason}")]
    Chart {
        /// The chart's title.
        chart: String,
        /// The cause.
        reason: String,
    },
}

/// What went into a written report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSummary {
    /// The HTML file written.
    pub path: PathBuf,
    /// Number of charts (inline `<svg>` elements) drawn.
    pub charts: usize,
    /// Tables absent from the folder, whose sections were skipped.
    pub missing_tables: Vec<&'static str>,
}

/// The default place of the report: `DIR/report.html`.
pub fn default_path(dir: &Path) -> PathBuf {
    dir.join("report.html")
}

/// Renders the report of output folder `dir` and writes it to `out`.
pub fn write(dir: &Path, out: &Path) -> Result<ReportSummary, ReportError> {
    let page = render(dir)?;
    fs::write(out, page.html.as_bytes()).map_err(|source| ReportError::Io {
        action: "writing",
        path: out.to_path_buf(),
        source,
    })?;
    Ok(ReportSummary { path: out.to_path_buf(), charts: page.charts, missing_tables: page.missing_tables })
}

/// A rendered report.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The whole HTML document.
    pub html: String,
    /// Number of charts drawn.
    pub charts: usize,
    /// Tables absent from the folder.
    pub missing_tables: Vec<&'static str>,
}

/// Renders the report of output folder `dir` as one HTML document.
pub fn render(dir: &Path) -> Result<Rendered, ReportError> {
    let manifest = Manifest::read(dir)?;
    let mut page = html::Page::new(&manifest);
    stress::section(&mut page, &manifest);
    occupancy::section(&mut page, dir, &manifest)?;
    delays::section(&mut page, dir, &manifest)?;
    paired::section(&mut page, dir, &manifest)?;
    money::section(&mut page, dir, &manifest)?;
    calibration::section(&mut page, dir, &manifest)?;
    let charts = page.charts();
    let missing_tables = page.missing_tables().to_vec();
    Ok(Rendered { html: page.finish(), charts, missing_tables })
}
