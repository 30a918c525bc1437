//! Charts drawn on the server as SVG with `plotters` (its SVG backend, no font files: text is
//! laid out by the browser from `text-anchor`), shipped in the page's data and placed inside a
//! Leptos `<figure>` next to the table that carries the same numbers for screen readers.
//!
//! Why on the server: leptos-chartistry (the Leptos-native crate) breaks the split WASM build
//! with this toolchain (wasm-bindgen 0.2.130 panics in `decode_generic_import`, wasm-bindgen
//! #5327) and sets inline `style` attributes the Content-Security-Policy refuses. Plotters
//! writes presentation attributes only, escapes text, and adds nothing to the WASM.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Light for pages, dark for the wall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

struct Palette {
    text: RGBColor,
    muted: RGBColor,
    grid: RGBColor,
    series: [RGBColor; 3],
    font: u32,
}

impl Theme {
    fn palette(self) -> Palette {
        match self {
            // --c-text, --c-text-muted, --c-border; spend amber, revenue --c-brand, a third
            // series (the best case) violet.
            Theme::Light => Palette {
                text: RGBColor(0x1b, 0x23, 0x30),
                muted: RGBColor(0x5a, 0x65, 0x77),
                grid: RGBColor(0xd9, 0xde, 0xe7),
                series: [
                    RGBColor(0xc2, 0x7a, 0x0e),
                    RGBColor(0x0f, 0x6e, 0x6e),
                    RGBColor(0x6d, 0x5b, 0xd0),
                ],
                font: 13,
            },
            // The wall: light text on near-black, saturated bars, large type.
            Theme::Dark => Palette {
                text: RGBColor(0xf3, 0xf4, 0xf6),
                muted: RGBColor(0xa8, 0xb3, 0xc4),
                grid: RGBColor(0x33, 0x3d, 0x4d),
                series: [
                    RGBColor(0xf5, 0xa5, 0x24),
                    RGBColor(0x2d, 0xd4, 0xbf),
                    RGBColor(0xa7, 0x8b, 0xfa),
                ],
                font: 36,
            },
        }
    }
}

/// One row of a bar chart: its label and one value per series (at most three series).
pub struct BarRow {
    pub label: String,
    pub values: Vec<f64>,
}

/// Horizontal bars, one group per row, each series in its own colour; `format` writes the axis
/// ticks and the figure at the end of each bar. `height` fixes the drawing's height (the wall
/// fills its screen); otherwise it follows the rows. Returns the `<svg>` element.
pub fn bars(
    rows: &[BarRow],
    (width, height): (u32, Option<u32>),
    theme: Theme,
    format: &dyn Fn(f64) -> String,
) -> String {
    let p = theme.palette();
    let series = rows
        .iter()
        .map(|r| r.values.len())
        .max()
        .unwrap_or(1)
        .clamp(1, 3);
    let row_h = p.font * (series as u32 + 1) + 8;
    let height = height.unwrap_or((rows.len().max(1) as u32) * row_h + p.font * 3);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        // Errors here are only the backend's (writing to a String cannot fail); a chart that
        // cannot be drawn is left empty rather than failing the page.
        let _ = draw_bars(&root, rows, series, &p, width, format);
        let _ = root.present();
    }
    svg
}

fn draw_bars(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    rows: &[BarRow],
    series: usize,
    p: &Palette,
    width: u32,
    format: &dyn Fn(f64) -> String,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .fold(0.0_f64, f64::max);
    // Headroom for the figure written after the longest bar.
    let top = if max > 0.0 { max * 1.18 } else { 1.0 };
    let longest = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(4) as u32;
    let label_w = (longest * p.font * 55 / 100 + p.font).min(width / 3);
    let n = rows.len().max(1) as f64;
    let font = ("sans-serif", p.font).into_font();
    let mut chart = ChartBuilder::on(root)
        .margin_right(p.font)
        .margin_top(p.font / 2)
        .x_label_area_size(p.font * 2)
        .y_label_area_size(label_w)
        .build_cartesian_2d(0.0..top, 0.0..n)
        .map_err(|_| DrawingAreaErrorKind::LayoutError)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(5)
        .x_label_formatter(&|v| format(*v))
        .x_label_style(font.clone().color(&p.muted))
        .light_line_style(TRANSPARENT)
        .bold_line_style(p.grid)
        .axis_style(p.grid)
        .draw()
        .map_err(|_| DrawingAreaErrorKind::LayoutError)?;
    let band = 0.72 / series as f64;
    for (i, row) in rows.iter().enumerate() {
        // Row 0 at the top.
        let base = n - i as f64 - 1.0 + 0.14;
        for (s, v) in row.values.iter().take(series).enumerate() {
            let y1 = base + band * (series - 1 - s) as f64;
            let y0 = y1 + band * 0.92;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y1), (v.max(0.0), y0)],
                    p.series[s].filled(),
                )))
                .map_err(|_| DrawingAreaErrorKind::LayoutError)?;
            let (x, y) = chart.backend_coord(&(v.max(0.0), (y0 + y1) / 2.0));
            root.draw(&Text::new(
                format(*v),
                (x + 6, y),
                font.clone()
                    .color(&p.text)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        let (x, y) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
        root.draw(&Text::new(
            row.label.clone(),
            (x - 8, y),
            font.clone()
                .color(&p.text)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// Whole dollars (or other units) in short form, rounded exactly as the tables beside the
/// chart round money ([`crate::domain::Money::compact`]): 950, 1.3k, 12k, 1.16M.
pub fn short_amount(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    crate::domain::Money::new(cents, crate::domain::Currency::USD)
        .compact()
        .replacen('$', "", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_an_svg_with_escaped_labels_and_no_inline_style() {
        let rows = [
            BarRow {
                label: "Trade <b>shows</b> & fairs".into(),
                values: vec![45_000.0, 180_000.0],
            },
            BarRow {
                label: "Web".into(),
                values: vec![6_000.0, 0.0],
            },
        ];
        let svg = bars(&rows, (640, None), Theme::Light, &short_amount);
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("viewBox"));
        assert!(svg.contains("Trade &lt;b&gt;shows&lt;/b&gt; &amp; fairs"));
        assert!(!svg.contains("<b>"));
        assert!(!svg.contains("style="), "CSP forbids inline styles");
        // Two series over two rows: four bars, their figures written after them.
        assert_eq!(svg.matches("<rect").count(), 4, "{svg}");
        assert!(svg.contains("\n180k\n") && svg.contains("\n6k\n"), "{svg}");
    }

    #[test]
    fn short_amounts() {
        assert_eq!(short_amount(950.0), "950");
        assert_eq!(short_amount(1_260.0), "1.3k");
        assert_eq!(short_amount(45_000.0), "45k");
        assert_eq!(short_amount(6_470_000.0), "6.47M");
        assert_eq!(short_amount(-2_000.0), "-2k");
        // The chart says what the table beside it says.
        for v in [1_157_300.0, 1_400_000.0, 41_250.0, 519_400.0, 999.99] {
            let table = crate::domain::Money::new((v * 100.0) as i64, crate::domain::Currency::USD)
                .compact();
            assert_eq!(format!("${}", short_amount(v)), table);
        }
        assert_eq!(short_amount(1_157_300.0), "1.16M");
    }
}
