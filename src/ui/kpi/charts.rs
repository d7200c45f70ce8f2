//! Small SVG charts. Hand-written rather than a chart library: the app needs only columns,
//! bars and a target line, and these cost a few kilobytes of wasm where plotters' SVG backend
//! would add its text layout and font handling to every first load (see the README).
//!
//! Every chart is a `<figure>`: the picture is one image with a name for screen readers, and
//! its numbers follow as a real table (passed in as children), which also prints.

use leptos::prelude::*;

use crate::domain::locale::format_number;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
/// Room left of the plot at the least; more when the axis label needs it.
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
/// The charts' text size, in viewBox units (style/kpi.css).
const FONT: f64 = 13.0;

/// How wide `text` is drawn, estimated on the generous side: a Chinese character is a full
/// em, anything else at most two thirds of one. The SVG clips what falls outside its box,
/// so labels are placed (and shortened) by this rather than by hope.
fn text_width(text: &str) -> f64 {
    text.chars().map(|c| if c.len_utf8() >= 3 { FONT } else { FONT * 0.66 }).sum()
}

/// `text` cut to fit `room`, with an ellipsis; the whole of it is in the table below.
fn fitted(text: &str, room: f64) -> String {
    if text_width(text) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out) + text_width(&format!("{c}…")) > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}
const TOP: f64 = 12.0;
const BOTTOM: f64 = 26.0;

/// A rounded-up axis maximum: 1, 2 or 5 times a power of ten.
fn nice_max(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|m| *m >= value).unwrap_or(value)
}

/// Columns over time (one per day) with a dashed target line.
#[component]
pub fn ColumnChart(
    /// Caption and accessible name.
    title: String,
    /// One column per point: (x label, value). `None` draws no column (nothing to count).
    points: Vec<(String, Option<f64>)>,
    /// The target line's value and its caption (e.g. "target ≥ 30").
    target: Option<(f64, String)>,
    /// Appended to values on the axis (e.g. " %").
    #[prop(optional)]
    unit: &'static str,
    /// Text for screen readers after the title, pointing at the table.
    table_note: String,
    /// The numbers, as a table.
    children: Children,
) -> impl IntoView {
    let highest = points.iter().filter_map(|(_, v)| *v).fold(0.0, f64::max).max(target.as_ref().map_or(0.0, |t| t.0));
    let max = nice_max(highest);
    let top_label = format!("{}{unit}", format_number(max, 0));
    let left = LEFT.max(text_width(&top_label) + 10.0);
    let plot_w = WIDTH - left - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = points.len().max(1) as f64;
    let step = plot_w / n;
    let y = move |v: f64| TOP + plot_h * (1.0 - (v / max).clamp(0.0, 1.0));
    let label_at = |i: usize| i == 0 || i + 1 == points.len() || (points.len() > 2 && i == points.len() / 2);
    let columns = points
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let x = left + step * i as f64;
            let column = value.map(|v| {
                let tip = format!("{label}: {}{unit}", format_number(v, if unit.is_empty() { 0 } else { 1 }));
                view! {
                    <rect class="col" x=format!("{:.1}", x + step * 0.15) y=format!("{:.1}", y(v)) width=format!("{:.1}", (step * 0.7).max(1.0))
                        height=format!("{:.1}", (TOP + plot_h - y(v)).max(0.0))><title>{tip}</title></rect>
                }
            });
            // The first and last labels are anchored inward, so neither runs off an edge.
            let tick = label_at(i).then(|| {
                let (at, anchor) = match i {
                    0 => (x, "start"),
                    _ if i + 1 == points.len() => (x + step, "end"),
                    _ => (x + step / 2.0, "middle"),
                };
                view! { <text class="axis" x=format!("{at:.1}") y=format!("{}", HEIGHT - 8.0) text-anchor=anchor>{label.clone()}</text> }
            });
            view! { {column}{tick} }
        })
        .collect_view();
    // The target's caption is a legend in the page's text, which wraps, rather than text
    // beside the line, which the picture's edge cut off ("target ≥ 95 %" in English).
    let (target_line, legend) = match target {
        Some((value, caption)) => {
            let ty = format!("{:.1}", y(value));
            (
                Some(view! { <line class="target" x1=left x2=WIDTH - RIGHT y1=ty.clone() y2=ty></line> }),
                Some(view! { <p class="chart-legend"><span class="legend-target" aria-hidden="true"></span><span class="target-label">{caption}</span></p> }),
            )
        }
        None => (None, None),
    };
    let label = format!("{title}. {table_note}");
    let numbers_label = title.clone();
    view! {
        <figure class="chart" data-testid="chart">
            <figcaption>{title}</figcaption>
            {legend}
            <svg class="chart-svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                <line class="axis-line" x1=left x2=WIDTH - RIGHT y1=TOP + plot_h y2=TOP + plot_h></line>
                <text class="axis" x=left - 6.0 y=TOP + 4.0 text-anchor="end">{top_label}</text>
                <text class="axis" x=left - 6.0 y=TOP + plot_h text-anchor="end">"0"</text>
                {columns}
                {target_line}
            </svg>
            <div class="chart-numbers" tabindex="0" role="region" aria-label=numbers_label>{children()}</div>
        </figure>
    }
}

/// One bar per row, labelled on the left, with an optional target mark per row.
#[component]
pub fn BarChart(
    /// Caption and accessible name.
    title: String,
    /// (label, value, target).
    rows: Vec<(String, f64, Option<f64>)>,
    /// Appended to the value printed after each bar.
    #[prop(optional)]
    unit: &'static str,
    /// Text for screen readers after the title, pointing at the table.
    table_note: String,
    /// The numbers, as a table.
    children: Children,
) -> impl IntoView {
    const ROW: f64 = 30.0;
    const LABEL: f64 = 170.0;
    let height = ROW * rows.len().max(1) as f64 + 8.0;
    let highest = rows.iter().map(|(_, v, t)| v.max(t.unwrap_or(0.0))).fold(0.0, f64::max);
    let max = nice_max(highest);
    let plot_w = WIDTH - LABEL - 70.0;
    let x = move |v: f64| LABEL + plot_w * (v / max).clamp(0.0, 1.0);
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(i, (label, value, target))| {
            let top = 4.0 + ROW * i as f64;
            let mark = target.map(|t| {
                let tx = format!("{:.1}", x(t));
                view! { <line class="target" x1=tx.clone() x2=tx y1=top y2=top + ROW - 6.0></line> }
            });
            let shown = format!("{}{unit}", format_number(value, if value.fract() == 0.0 { 0 } else { 1 }));
            view! {
                <text class="bar-label" x=LABEL - 8.0 y=top + ROW / 2.0 text-anchor="end">{fitted(&label, LABEL - 12.0)}<title>{label.clone()}</title></text>
                <rect class="col" x=LABEL y=top + 3.0 width=format!("{:.1}", (x(value) - LABEL).max(0.0)) height=ROW - 12.0></rect>
                <text class="bar-value" x=format!("{:.1}", x(value) + 6.0) y=top + ROW / 2.0>{shown}</text>
                {mark}
            }
        })
        .collect_view();
    let label = format!("{title}. {table_note}");
    let numbers_label = title.clone();
    view! {
        <figure class="chart" data-testid="chart">
            <figcaption>{title}</figcaption>
            <svg class="chart-svg" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=label>{bars}</svg>
            <div class="chart-numbers" tabindex="0" role="region" aria-label=numbers_label>{children()}</div>
        </figure>
    }
}
