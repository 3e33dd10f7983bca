//! The progress report's chart, drawn by the server as SVG: one bar per
//! thematic area, split by the objectives' latest ratings. Each rating has a
//! pattern of its own (solid, stripes, dots, cross-hatch, blank) as well as a
//! shade, every segment carries its count, and the legend names each pattern,
//! so the chart reads in black and white and without colour vision. A
//! `<title>` and `<desc>` say the same in words for screen readers.

use super::model::Rating;

/// One bar: an area's name and its counts, as `ReportArea::counts` gives them.
pub struct Bar {
    pub label: String,
    pub counts: Vec<(Option<Rating>, usize)>,
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A rating's words.
pub fn label(rating: Option<Rating>) -> &'static str {
    match rating {
        Some(Rating::NotStarted) => "Not started",
        Some(Rating::OnTrack) => "On track",
        Some(Rating::Delayed) => "Delayed",
        Some(Rating::Achieved) => "Achieved",
        None => "Not rated",
    }
}

fn pattern_id(rating: Option<Rating>) -> &'static str {
    match rating {
        Some(Rating::NotStarted) => "p-not-started",
        Some(Rating::OnTrack) => "p-on-track",
        Some(Rating::Delayed) => "p-delayed",
        Some(Rating::Achieved) => "p-achieved",
        None => "p-not-rated",
    }
}

/// The patterns: each distinct in shape, and in shade for those who see it.
const PATTERNS: &str = r##"<defs>
<pattern id="p-achieved" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#1f3d2b"/></pattern>
<pattern id="p-on-track" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#d7eadf"/><rect width="3" height="6" fill="#2e6b47"/></pattern>
<pattern id="p-delayed" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#f6e3c6"/><circle cx="3" cy="3" r="1.6" fill="#7a4a0c"/></pattern>
<pattern id="p-not-started" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#ffffff"/></pattern>
<pattern id="p-not-rated" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#eeeeee"/><path d="M0 0L6 6M6 0L0 6" stroke="#555" stroke-width="0.8"/></pattern>
</defs>"##;

/// Draws the chart. Bars are as long as the largest area's objective count.
pub fn svg(bars: &[Bar]) -> String {
    let label_w = 260.0;
    let bar_w = 420.0;
    let row_h = 34.0;
    let top = 10.0;
    let legend_h = 34.0;
    let height = top + row_h * bars.len().max(1) as f64 + legend_h + 10.0;
    let width = label_w + bar_w + 60.0;
    let max = bars
        .iter()
        .map(|b| b.counts.iter().map(|(_, n)| n).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let summary: Vec<String> = bars
        .iter()
        .map(|b| {
            let parts: Vec<String> = b
                .counts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(r, n)| format!("{n} {}", label(*r).to_lowercase()))
                .collect();
            if parts.is_empty() {
                format!("{}: no objectives", b.label)
            } else {
                format!("{}: {}", b.label, parts.join(", "))
            }
        })
        .collect();
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="12" aria-labelledby="chart-title chart-desc"><title id="chart-title">Objectives by latest rating, per thematic area</title><desc id="chart-desc">{}</desc>{PATTERNS}"#,
        esc(&summary.join(". "))
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        out.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + 17.0,
            esc(&bar.label)
        ));
        let total: usize = bar.counts.iter().map(|(_, n)| n).sum();
        let mut x = label_w;
        for (rating, n) in bar.counts.iter().filter(|(_, n)| *n > 0) {
            let w = bar_w * *n as f64 / max;
            out.push_str(&format!(
                r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="22" fill="url(#{})" stroke="#111" stroke-width="1"><title>{}: {n}</title></rect>"##,
                pattern_id(*rating),
                label(*rating)
            ));
            let text_fill = if *rating == Some(Rating::Achieved) {
                "#fff"
            } else {
                "#111"
            };
            out.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold" fill="{text_fill}" paint-order="stroke" stroke="{}" stroke-width="3">{n}</text>"##,
                x + w / 2.0,
                y + 15.5,
                if text_fill == "#fff" { "#1f3d2b" } else { "#fff" }
            ));
            x += w;
        }
        out.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}">{total}</text>"#,
            x + 6.0,
            y + 15.5
        ));
    }
    let ly = top + row_h * bars.len().max(1) as f64 + 8.0;
    let mut lx = 10.0;
    let legend = [
        Some(Rating::Achieved),
        Some(Rating::OnTrack),
        Some(Rating::Delayed),
        Some(Rating::NotStarted),
        None,
    ];
    for r in legend {
        out.push_str(&format!(
            r##"<rect x="{lx}" y="{ly}" width="16" height="16" fill="url(#{})" stroke="#111"/><text x="{}" y="{}">{}</text>"##,
            pattern_id(r),
            lx + 22.0,
            ly + 12.5,
            label(r)
        ));
        lx += 140.0;
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_count_is_written_and_every_rating_named() {
        let svg = svg(&[Bar {
            label: "Universalization & <friends>".into(),
            counts: vec![
                (Some(Rating::NotStarted), 0),
                (Some(Rating::OnTrack), 1),
                (Some(Rating::Delayed), 0),
                (Some(Rating::Achieved), 1),
                (None, 0),
            ],
        }]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Universalization &amp; &lt;friends&gt;"));
        assert!(svg.contains("Universalization &amp; &lt;friends&gt;: 1 on track, 1 achieved"));
        for word in [
            "Achieved",
            "On track",
            "Delayed",
            "Not started",
            "Not rated",
        ] {
            assert!(svg.contains(word), "{word}");
        }
        assert_eq!(svg.matches("url(#p-on-track)").count(), 2);
    }
}
