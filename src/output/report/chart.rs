//! Charts drawn by `plotters` into SVG strings (its SVG backend; text stays `<text>`,
//! escaped by the backend). Three kinds: lines with a band, grouped horizontal bars,
//! and intervals (a point and a horizontal line per row).

use super::ReportError;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;

const WIDTH: u32 = 960;

fn chart_err<E: std::fmt::Display>(title: &str) -> impl Fn(E) -> ReportError + '_ {
    move |e| ReportError::Chart { chart: title.to_string(), reason: e.to_string() }
}

fn colour(i: usize) -> RGBAColor {
    Palette99::pick(i).to_rgba()
}

/// One series of a band chart: per x, (lower, centre, upper).
pub(super) struct BandSeries {
    /// Legend name.
    pub(super) name: String,
    /// `(x, lower, centre, upper)`, in increasing x.
    pub(super) points: Vec<(f64, f64, f64, f64)>,
}

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo).abs() * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}

/// Draws the series' legend at `position`, in the one style of every chart.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart.configure_series_labels().position(position).background_style(WHITE.mix(0.85)).border_style(BLACK).draw()
}

/// Lines (the centre) with a shaded band (lower to upper) per series.
pub(super) fn bands(title: &str, x_desc: &str, y_desc: &str, series: &[BandSeries]) -> Result<String, ReportError> {
    let err = chart_err(title);
    let all = series.iter().flat_map(|s| s.points.iter());
    let (x0, x1) = all.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = all.fold((0.0_f64, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.3)));
    let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let (_, y1) = padded(y0, y1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(&err)?;
        chart.configure_mesh().x_desc(x_desc).y_desc(y_desc).light_line_style(WHITE).draw().map_err(&err)?;
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            let mut outline: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.3)).collect();
            outline.extend(s.points.iter().rev().map(|p| (p.0, p.1)));
            chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.18).filled()))).map_err(&err)?;
            chart
                .draw_series(LineSeries::new(s.points.iter().map(|p| (p.0, p.2)), c.stroke_width(2)))
                .map_err(&err)?
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(&err)?;
        root.present().map_err(&err)?;
    }
    Ok(svg)
}

/// The slots of a grouped chart: each category has one slot per group, then a spacer;
/// the first category is drawn at the top.
#[derive(Clone, Copy)]
struct Slots {
    categories: usize,
    groups: usize,
}

impl Slots {
    fn total(&self) -> i32 {
        (self.categories * (self.groups + 1) + 1) as i32
    }
    fn of(&self, category: usize, group: usize) -> i32 {
        ((self.categories - 1 - category) * (self.groups + 1) + 1 + (self.groups - 1 - group)) as i32
    }
    fn label(&self, slot: i32, names: &[String]) -> String {
        let per = (self.groups + 1) as i32;
        let (block, within) = ((slot - 1).div_euclid(per), (slot - 1).rem_euclid(per));
        if slot < 1 || within != (self.groups as i32 - 1) / 2 {
            return String::new();
        }
        let category = self.categories as i32 - 1 - block;
        usize::try_from(category).ok().and_then(|c| names.get(c)).cloned().unwrap_or_default()
    }
    fn height(&self) -> u32 {
        (90 + 14 * self.total()).clamp(220, 2400) as u32
    }
}

/// Horizontal bars: `values[category][group]`, one colour per group.
pub(super) fn grouped_bars(
    title: &str,
    x_desc: &str,
    categories: &[String],
    groups: &[String],
    values: &[Vec<f64>],
) -> Result<String, ReportError> {
    let slots = Slots { categories: categories.len().max(1), groups: groups.len().max(1) };
    let finite = values.iter().flatten().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((0.0_f64, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
    horizontal(title, x_desc, categories, slots, padded(lo, hi), |chart, err| {
        for (g, name) in groups.iter().enumerate() {
            let c = colour(g);
            let bars = values.iter().enumerate().filter_map(|(k, row)| {
                let v = row.get(g).copied().filter(|v| v.is_finite())?;
                let s = slots.of(k, g);
                Some(Rectangle::new([(0.0, SegmentValue::Exact(s)), (v, SegmentValue::Exact(s + 1))], c.filled()))
            });
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
        }
        Ok(())
    })
}

/// The plotting area of a horizontal chart: a value axis from `x_range` and one
/// segment per slot, each category labelled once.
type HorizontalChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordi32>>>;

/// A horizontal chart of `categories` in `slots` (title, value axis, category labels,
/// legend), its series drawn by `draw`: the set-up the bar and interval charts share.
fn horizontal(
    title: &str,
    x_desc: &str,
    categories: &[String],
    slots: Slots,
    (lo, hi): (f64, f64),
    draw: impl FnOnce(
        &mut HorizontalChart<'_, '_>,
        &dyn Fn(DrawingAreaErrorKind<std::io::Error>) -> ReportError,
    ) -> Result<(), ReportError>,
) -> Result<String, ReportError> {
    let err = chart_err(title);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, slots.height())).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(220)
            .build_cartesian_2d(lo..hi, (0..slots.total()).into_segmented())
            .map_err(&err)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(s) => slots.label(*s, categories),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(slots.total() as usize + 1)
            .y_label_formatter(&label)
            .x_desc(x_desc)
            .draw()
            .map_err(&err)?;
        draw(&mut chart, &err)?;
        legend(&mut chart, SeriesLabelPosition::LowerRight).map_err(&err)?;
        root.present().map_err(&err)?;
    }
    Ok(svg)
}

/// An estimate with its interval.
#[derive(Clone, Copy)]
pub(super) struct Interval {
    /// Point estimate.
    pub(super) mean: f64,
    /// Lower end.
    pub(super) low: f64,
    /// Upper end.
    pub(super) high: f64,
}

/// A point and interval per category and group (a forest plot), with a line at zero.
pub(super) fn intervals(
    title: &str,
    x_desc: &str,
    categories: &[String],
    groups: &[String],
    values: &[Vec<Option<Interval>>],
) -> Result<String, ReportError> {
    let slots = Slots { categories: categories.len().max(1), groups: groups.len().max(1) };
    let ends = values.iter().flatten().flatten().flat_map(|i| [i.low, i.mean, i.high]).filter(|v| v.is_finite());
    let (lo, hi) = ends.fold((0.0_f64, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
    horizontal(title, x_desc, categories, slots, padded(lo, hi), |chart, err| {
        let zero = [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(slots.total()))];
        chart.draw_series(std::iter::once(PathElement::new(zero, BLACK.stroke_width(1)))).map_err(err)?;
        for (g, name) in groups.iter().enumerate() {
            let c = colour(g);
            let rows: Vec<(i32, Interval)> = values
                .iter()
                .enumerate()
                .filter_map(|(k, row)| row.get(g).copied().flatten().map(|i| (slots.of(k, g), i)))
                .filter(|(_, i)| i.mean.is_finite())
                .collect();
            let lines = rows.iter().filter(|(_, i)| i.low.is_finite() && i.high.is_finite()).map(|(s, i)| {
                PathElement::new(
                    vec![(i.low, SegmentValue::CenterOf(*s)), (i.high, SegmentValue::CenterOf(*s))],
                    c.stroke_width(2),
                )
            });
            chart.draw_series(lines).map_err(err)?;
            chart
                .draw_series(rows.iter().map(|(s, i)| Circle::new((i.mean, SegmentValue::CenterOf(*s)), 4, c.filled())))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 7, y), 4, c.filled()));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_distinct_inside_the_axis_and_each_category_is_labelled_once() {
        for (categories, groups) in [(1, 1), (3, 2), (4, 5), (7, 6)] {
            let slots = Slots { categories, groups };
            let names: Vec<String> = (0..categories).map(|c| format!("c{c}")).collect();
            let mut seen = std::collections::BTreeSet::new();
            for c in 0..categories {
                for g in 0..groups {
                    let s = slots.of(c, g);
                    assert!(s >= 1 && s < slots.total(), "slot {s} of {}", slots.total());
                    assert!(seen.insert(s), "slot {s} used twice");
                }
            }
            for name in &names {
                let labelled = (0..=slots.total()).filter(|s| slots.label(*s, &names) == *name).count();
                assert_eq!(labelled, 1, "{name} in {categories}x{groups}");
            }
        }
    }

    #[test]
    fn charts_are_svg_with_escaped_legend_names() {
        let series = [BandSeries { name: "a<b&c".into(), points: vec![(0.0, 1.0, 2.0, 3.0), (1.0, 2.0, 3.0, 4.0)] }];
        let svg = bands("occupancy", "day", "occupied", &series).expect("band chart");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a&lt;b&amp;c") && !svg.contains("a<b"));
        let names = ["x".to_string()];
        let bars = grouped_bars("t", "d", &names, &names, &[vec![f64::NAN]]).expect("bars of nothing");
        assert!(bars.contains("<svg"));
        let none = intervals("t", "d", &names, &names, &[vec![None]]).expect("intervals of nothing");
        assert!(none.contains("<svg"));
    }
}
