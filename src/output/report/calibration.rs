//! Calibration (table `calibration`): each target's simulated value per scenario, as
//! the mean and range across runs, against the expected value and its tolerance.

use super::ReportError;
use super::html::{Page, num, text};
use super::manifest::Manifest;
use super::occupancy::scenarios_in;
use super::table::{Table, first_seen};
use std::path::Path;

/// Writes the calibration section.
pub(super) fn section(page: &mut Page, dir: &Path, m: &Manifest) -> Result<(), ReportError> {
    page.open("calibration");
    let Some(t) = Table::read(dir, "calibration")? else {
        page.missing("calibration");
        page.close();
        return Ok(());
    };
    let (scenario, target, source) = (t.strings("scenario")?, t.strings("target")?, t.strings("source")?);
    let (expected, low, high) = (t.numbers("expected")?, t.numbers("tolerance_low")?, t.numbers("tolerance_high")?);
    let value = t.numbers("value")?;
    let targets = first_seen(&target);
    let scenarios = scenarios_in(m, &scenario);
    page.para(
        "Simulated value of each calibration target (mean and range across runs) against the expected value and its \
         tolerance; the status says whether the mean lies inside the tolerance. The baseline is the scenario calibrated.",
    );
    let mut rows = Vec::new();
    for s in &scenarios {
        for tg in &targets {
            let idx: Vec<usize> = (0..target.len()).filter(|&i| scenario[i] == *s && target[i] == *tg).collect();
            let Some(&first) = idx.first() else { continue };
            let values: Vec<f64> = idx.iter().map(|&i| value[i]).filter(|v| v.is_finite()).collect();
            let mean = if values.is_empty() { f64::NAN } else { values.iter().sum::<f64>() / values.len() as f64 };
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let status = if !mean.is_finite() {
                "no value"
            } else if mean >= low[first] && mean <= high[first] {
                "inside"
            } else {
                "outside"
            };
            rows.push(vec![
                text(s),
                text(tg),
                num(expected[first]),
                num(low[first]),
                num(high[first]),
                num(mean),
                num(lo),
                num(hi),
                text(status),
                text(&source[first]),
            ]);
        }
    }
    page.table(
        &[
            "scenario",
            "target",
            "expected",
            "tolerance low",
            "tolerance high",
            "simulated mean",
            "lowest run",
            "highest run",
            "status",
            "source",
        ],
        &rows,
    );
    page.close();
    Ok(())
}
