//! The page: escaping, sections, tables and figures. Every user string (scenario and
//! pool names, descriptions, sources) passes through [`escape`].

use super::manifest::Manifest;
use std::fmt::Write;

/// Escapes text for HTML content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for a table cell: "–" when undefined, whole numbers without decimals,
/// fewer decimals for larger values.
pub(super) fn number(v: f64) -> String {
    if !v.is_finite() {
        "–".to_string()
    } else if v.abs() >= 1000.0 || (v.fract() == 0.0 && v.abs() < 1e15) {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-top:.5em}\
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}\
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1em 0}figcaption{font-size:.9em;color:#555}\
.note{background:#fff6dd;border-left:4px solid #e0b000;padding:.3em .6em}\
nav a{margin-right:1em}code{background:#f3f3f3}";

/// Sections of the report, in order: (id, heading).
pub(super) const SECTIONS: [(&str, &str); 6] = [
    ("stress-des", "Model description (STRESS-DES)"),
    ("occupancy", "Occupancy over time"),
    ("delays", "Delayed days by reason and responsible organisation"),
    ("paired", "Paired differences against the baseline"),
    ("money", "Money flows"),
    ("calibration", "Calibration"),
];

/// The HTML document being built.
pub(super) struct Page {
    body: String,
    charts: usize,
    missing: Vec<&'static str>,
    title: String,
}

impl Page {
    /// A page titled after the folder's config.
    pub(super) fn new(m: &Manifest) -> Page {
        let title = format!("caresim report: {}", m.source);
        let mut body = format!(
            "<h1>{}</h1>\n<p>caresim {}, config hash <code>{}</code>; scenarios: {}.</p>\n<nav>",
            escape(&title),
            escape(&m.version),
            escape(&m.config_hash),
            escape(&m.scenarios.join(", "))
        );
        for (id, heading) in SECTIONS {
            let _ = write!(body, "<a href=\"#{id}\">{heading}</a>");
        }
        body.push_str("</nav>\n");
        Page { body, charts: 0, missing: Vec::new(), title }
    }

    /// Opens section `id` (one of [`SECTIONS`]).
    pub(super) fn open(&mut self, id: &str) {
        let heading = SECTIONS.iter().find(|(i, _)| *i == id).map_or(id, |(_, h)| h);
        let _ = writeln!(self.body, "<section id=\"{id}\">\n<h2>{heading}</h2>");
    }

    /// Closes the open section.
    pub(super) fn close(&mut self) {
        self.body.push_str("</section>\n");
    }

    /// A sub-heading.
    pub(super) fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h3>{}</h3>", escape(text));
    }

    /// A paragraph of plain text.
    pub(super) fn para(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    /// A paragraph of markup the caller has built from escaped parts.
    pub(super) fn para_html(&mut self, html: &str) {
        let _ = writeln!(self.body, "<p>{html}</p>");
    }

    /// Notes that `table` is absent from the folder, so this section is skipped.
    pub(super) fn missing(&mut self, table: &'static str) {
        self.missing.push(table);
        let _ = writeln!(
            self.body,
            "<p class=\"note\">Table <code>{table}</code> is not in this folder: this part of the report is skipped.</p>"
        );
    }

    /// A chart (an SVG document drawn by `plotters`) with its caption.
    pub(super) fn chart(&mut self, svg: &str, caption: &str) {
        self.charts += 1;
        // The SVG document's XML prolog, if any, is not valid inside HTML.
        let svg = svg.find("<svg").map_or(svg, |i| &svg[i..]);
        let _ = writeln!(self.body, "<figure>\n{svg}\n<figcaption>{}</figcaption>\n</figure>", escape(caption));
    }

    /// A table: `header` cells, then rows of (text, numeric?) cells, all escaped.
    pub(super) fn table(&mut self, header: &[&str], rows: &[Vec<(String, bool)>]) {
        self.body.push_str("<table>\n<tr>");
        for h in header {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        self.body.push_str("</tr>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for (cell, numeric) in row {
                let class = if *numeric { " class=\"n\"" } else { "" };
                let _ = write!(self.body, "<td{class}>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// Starts a collapsed block with a summary line.
    pub(super) fn details_open(&mut self, summary: &str) {
        let _ = writeln!(self.body, "<details><summary>{}</summary>", escape(summary));
    }

    /// Ends a collapsed block.
    pub(super) fn details_close(&mut self) {
        self.body.push_str("</details>\n");
    }

    /// Charts drawn so far.
    pub(super) fn charts(&self) -> usize {
        self.charts
    }

    /// Tables found missing so far.
    pub(super) fn missing_tables(&self) -> &[&'static str] {
        &self.missing
    }

    /// The whole document.
    pub(super) fn finish(self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
            escape(&self.title),
            self.body
        )
    }
}

/// A text cell.
pub(super) fn text(s: &str) -> (String, bool) {
    (s.to_string(), false)
}

/// A numeric cell.
pub(super) fn num(v: f64) -> (String, bool) {
    (number(v), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_replaces_every_markup_character() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("plain text £ →"), "plain text £ →");
    }

    #[test]
    fn numbers_keep_three_significant_places_or_more() {
        assert_eq!(number(f64::NAN), "–");
        assert_eq!(number(1234.56), "1235");
        assert_eq!(number(-12.34), "-12.3");
        assert_eq!(number(0.12345), "0.123");
        assert_eq!(number(2.0), "2");
    }
}
