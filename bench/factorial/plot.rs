//! A log-log line chart as a standalone SVG, written by hand: four series
//! and a few decades need no plotting library.

use std::fmt::Write as _;

/// One line of the chart.
pub struct Series {
    pub name: &'static str,
    pub color: &'static str,
    /// (n, seconds), both positive.
    pub points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 480.0;
/// Left, right, top and bottom margins, for the axes' labels and legend.
const MARGIN: (f64, f64, f64, f64) = (80.0, 24.0, 24.0, 56.0);

/// The chart of `series`: time against n, both on log scales, one grid line
/// per decade.
pub fn svg(series: &[Series]) -> String {
    let points = series.iter().flat_map(|s| s.points.iter());
    let (x_decades, y_decades) = (
        decades(points.clone().map(|p| p.0)),
        decades(points.map(|p| p.1)),
    );
    let (left, right, top, bottom) = MARGIN;
    let scale = |value: f64, (low, high): (i32, i32), from: f64, to: f64| {
        from + (value.log10() - f64::from(low)) / f64::from(high - low) * (to - from)
    };
    let x = |n: f64| scale(n, x_decades, left, WIDTH - right);
    let y = |t: f64| scale(t, y_decades, HEIGHT - bottom, top);

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for decade in x_decades.0..=x_decades.1 {
        let at = x(10f64.powi(decade));
        let _ = writeln!(
            out,
            r##"<line x1="{at:.1}" y1="{top}" x2="{at:.1}" y2="{:.1}" stroke="#ddd"/><text x="{at:.1}" y="{:.1}" text-anchor="middle">10^{decade}</text>"##,
            HEIGHT - bottom,
            HEIGHT - bottom + 18.0
        );
    }
    for decade in y_decades.0..=y_decades.1 {
        let at = y(10f64.powi(decade));
        let _ = writeln!(
            out,
            r##"<line x1="{left}" y1="{at:.1}" x2="{:.1}" y2="{at:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            WIDTH - right,
            left - 6.0,
            at + 4.0,
            seconds_label(decade)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">n (n! with all its decimal digits)</text>"#,
        (left + WIDTH - right) / 2.0,
        HEIGHT - 12.0
    );
    for (index, s) in series.iter().enumerate() {
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(n, t)| format!("{:.1},{:.1}", x(n), y(t)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            path.join(" "),
            s.color
        );
        for point in &path {
            let (px, py) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                out,
                r#"<circle cx="{px}" cy="{py}" r="3" fill="{}"/>"#,
                s.color
            );
        }
        let legend_y = top + 16.0 + 18.0 * index as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="14" height="4" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            left + 12.0,
            legend_y - 6.0,
            s.color,
            left + 32.0,
            legend_y,
            s.name
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The decades that enclose `values`.
fn decades(values: impl Iterator<Item = f64>) -> (i32, i32) {
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(low, high), v| {
        (low.min(v), high.max(v))
    });
    let (low, high) = (low.log10().floor() as i32, high.log10().ceil() as i32);
    (low, high.max(low + 1))
}

fn seconds_label(decade: i32) -> String {
    match decade {
        d if d >= 0 => format!("{} s", 10u64.pow(d as u32)),
        -1 => "0.1 s".into(),
        -2 => "10 ms".into(),
        -3 => "1 ms".into(),
        -4 => "0.1 ms".into(),
        -5 => "10 µs".into(),
        d => format!("1e{d} s"),
    }
}
