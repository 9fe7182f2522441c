//! Server-rendered SVG charts (no JavaScript, no CDN), each with a title and a data table.
//!
//! Every chart is a `<figure>` holding an inline SVG plus a `<details>` data table, so the
//! numbers stay reachable for screen readers, keyboard users and anyone copying figures into
//! a report. Colours come from CSS classes so pages can theme them, with presentation
//! attributes (`fill`, `stroke`) as the fallback: those are not inline styles, so they survive
//! a strict `style-src` policy and look right with no stylesheet at all.
//!
//! The `<desc>` summaries are built from the caller's labels, numbers and symbols only
//! (≥, →, +, =) because the pages are bilingual and this module holds no translations.

use std::fmt::Write as _;

const WIDTH: f64 = 640.0;
const PAD: f64 = 8.0;
const FONT: f64 = 12.0;
const INK: &str = "#333";
/// The lightest grey with 4.5:1 contrast on white, for secondary text.
const MUTED: &str = "#767676";
const GRID: &str = "#ddd";
const POS: &str = "#4e79a7";
const NEG: &str = "#e15759";
const ACCENT: &str = "#f28e2b";
const PALETTE: [&str; 6] = [POS, ACCENT, "#59a14f", "#b07aa1", "#76b7b2", "#9c755f"];
/// Series also differ by dash pattern so they stay apart without colour vision.
const DASHES: [&str; 4] = ["none", "6 3", "2 3", "8 3 2 3"];

/// Caller-translated words; the charts themselves contain no language.
#[derive(Debug, Clone, Copy)]
pub struct ChartLabels<'a> {
    /// Summary of the `<details>` holding the table, e.g. "Data table" / "데이터 표".
    pub table: &'a str,
    /// Shown instead of a chart when nothing is plottable.
    pub no_data: &'a str,
    /// Table header cells, in the column order each chart documents.
    pub columns: &'a [&'a str],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Extra table column, e.g. the number of answers behind the value.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// One value per x label; `None` leaves a gap in the line.
    pub values: Vec<Option<f64>>,
}

impl Series {
    fn get(&self, i: usize) -> Option<f64> {
        self.values
            .get(i)
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    }

    /// The plottable `(index, value)` pairs among the first `n` positions.
    fn present(&self, n: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        (0..n).filter_map(move |i| self.get(i).map(|v| (i, v)))
    }
}

/// Horizontal bars; negative values go left of a zero line (SERVQUAL gap P−E per dimension).
/// Table columns: label, value, and hint when any bar has one.
pub fn bar_chart(
    id: &str,
    title: &str,
    bars: &[Bar],
    decimals: usize,
    labels: &ChartLabels,
) -> String {
    const ROW: f64 = 28.0;
    const BAR_H: f64 = 18.0;
    let chart = Chart { id, title, labels };
    let bars: Vec<&Bar> = bars.iter().filter(|b| b.value.is_finite()).collect();
    let Some((lo, hi)) = extent(bars.iter().map(|b| b.value)) else {
        return chart.empty();
    };
    let values: Vec<String> = bars.iter().map(|b| fmt_num(b.value, decimals)).collect();
    let ticks = nice_ticks(lo.min(0.0), hi.max(0.0), 5);
    let value_w = widest(&values) + 6.0;
    let label_w = widest(bars.iter().map(|b| &b.label)).min(WIDTH * 0.35);
    // Value labels sit outside the bar ends, so reserve room on whichever side bars reach.
    let left = PAD + label_w + PAD + if lo < 0.0 { value_w } else { 0.0 };
    let right = WIDTH - PAD - if hi >= 0.0 { value_w } else { 0.0 };
    let x = Scale::over(&ticks, (left, right));
    let bottom = PAD + ROW * bars.len() as f64;

    let mut svg = Svg::new(bottom + 24.0);
    svg.x_grid(&ticks, x, (PAD, bottom));
    for (i, (bar, value)) in bars.iter().zip(&values).enumerate() {
        let y = PAD + ROW * i as f64 + (ROW - BAR_H) / 2.0;
        let (bx, bw) = bar_span(x, bar.value);
        let neg = bar.value < 0.0;
        let class = if neg { "bar neg" } else { "bar" };
        let tip = format!("{}: {value}", bar.label);
        svg.rect(class, (bx, y, bw, BAR_H), &tip);
        let mid = y + BAR_H / 2.0 + 4.0;
        svg.text((PAD + label_w, mid), "end", &fit(&bar.label, label_w));
        let vx = if neg { bx - 4.0 } else { bx + bw + 4.0 };
        svg.text((vx, mid), if neg { "end" } else { "start" }, value);
    }
    // Drawn last so no bar hides the line that separates gains from shortfalls.
    let zero = x.at(0.0);
    svg.line("axis zero", (zero, PAD - 4.0), (zero, bottom));

    let with_hint = bars.iter().any(|b| b.hint.is_some());
    let mut ranked = Vec::with_capacity(bars.len());
    let mut rows = Vec::with_capacity(bars.len());
    for (bar, value) in bars.iter().zip(values) {
        ranked.push((bar.value, format!("{} {value}", bar.label)));
        let mut row = vec![bar.label.clone(), value];
        if with_hint {
            row.push(bar.hint.clone().unwrap_or_default());
        }
        rows.push(row);
    }
    chart.finish(&ranking(ranked), svg, &rows)
}

/// Importance–performance grid: points split by `x_mid` / `y_mid` into quadrants captioned
/// top-left, top-right, bottom-left, bottom-right. An empty or reversed range falls back to the
/// data's extent; points outside the range are pinned to its edge. Table columns: label, x, y,
/// quadrant.
#[expect(
    clippy::too_many_arguments,
    reason = "mirrors the grid's own vocabulary; every argument is a distinct, named part of it"
)]
pub fn quadrant_chart(
    id: &str,
    title: &str,
    x_title: &str,
    y_title: &str,
    points: &[Point],
    x_mid: f64,
    y_mid: f64,
    quadrants: [&str; 4],
    x_range: (f64, f64),
    y_range: (f64, f64),
    labels: &ChartLabels,
) -> String {
    const HEIGHT: f64 = 480.0;
    let chart = Chart { id, title, labels };
    let finite = |p: &&Point| p.x.is_finite() && p.y.is_finite();
    let points: Vec<&Point> = points.iter().filter(finite).collect();
    let xs = extent(points.iter().map(|p| p.x));
    let ys = extent(points.iter().map(|p| p.y));
    let (Some(xs), Some(ys)) = (xs, ys) else {
        return chart.empty();
    };
    let (xr, yr) = (axis_range(x_range, xs), axis_range(y_range, ys));
    let (left, right, top, bottom) = (72.0, WIDTH - 16.0, 12.0, HEIGHT - 52.0);
    let x = Scale::new(xr, (left, right));
    let y = Scale::new(yr, (bottom, top));
    let mid = |m: f64, r: (f64, f64)| if m.is_finite() { m } else { (r.0 + r.1) / 2.0 };
    let (x_mid, y_mid) = (mid(x_mid, xr), mid(y_mid, yr));

    let mut svg = Svg::new(HEIGHT);
    svg.x_grid(&ticks_within(xr), x, (top, bottom));
    svg.y_grid(&ticks_within(yr), y, (left, right));
    svg.line("axis", (left, top), (left, bottom));
    svg.line("axis", (left, bottom), (right, bottom));
    let (mx, my) = (x.at(x_mid.clamp(xr.0, xr.1)), y.at(y_mid.clamp(yr.0, yr.1)));
    svg.line("ref", (mx, top), (mx, bottom));
    svg.line("ref", (left, my), (right, my));
    for (i, caption) in quadrants.iter().enumerate() {
        let (on_left, on_top) = (i % 2 == 0, i < 2);
        let cx = if on_left { left + 6.0 } else { right - 6.0 };
        let cy = if on_top { top + 16.0 } else { bottom - 8.0 };
        let anchor = if on_left { "start" } else { "end" };
        svg.styled_text((cx, cy), anchor, "label quadrant", MUTED, caption);
    }
    svg.text(((left + right) / 2.0, HEIGHT - 12.0), "middle", x_title);
    let (tx, ty) = (18.0, (top + bottom) / 2.0);
    let _ = write!(
        svg.body,
        r#"<text class="label axis-title" x="{tx}" y="{ty:.1}" transform="rotate(-90 {tx} {ty:.1})" text-anchor="middle" fill="{INK}">{}</text>"#,
        escape(y_title)
    );

    let mut counts = [0usize; 4];
    let mut rows = Vec::with_capacity(points.len());
    for p in &points {
        let q = quadrant_of(p, x_mid, y_mid);
        counts[q] += 1;
        let (fx, fy) = (fmt_num(p.x, 2), fmt_num(p.y, 2));
        let at = (x.at(p.x.clamp(xr.0, xr.1)), y.at(p.y.clamp(yr.0, yr.1)));
        svg.circle("point", at, 5.0, POS, &format!("{}: {fx}, {fy}", p.label));
        let name = fit(&p.label, 160.0);
        // Labels near the right edge flip to the left of their point instead of overflowing.
        let flip = at.0 + 8.0 + text_width(&name) > right;
        let (dx, anchor) = if flip { (-8.0, "end") } else { (8.0, "start") };
        svg.text((at.0 + dx, at.1 + 4.0), anchor, &name);
        rows.push(vec![p.label.clone(), fx, fy, quadrants[q].to_owned()]);
    }
    let desc: Vec<String> = quadrants
        .iter()
        .zip(counts)
        .map(|(q, n)| format!("{q}: {n}"))
        .collect();
    chart.finish(&desc.join("; "), svg, &rows)
}

/// Line chart over shared x labels (weeks, months); `None` and non-finite values leave gaps.
/// A legend appears when there is more than one series. Table columns: `columns[0]` for the x
/// labels, then one column per series named after it.
pub fn line_chart(
    id: &str,
    title: &str,
    x_labels: &[String],
    series: &[Series],
    decimals: usize,
    labels: &ChartLabels,
) -> String {
    let chart = Chart { id, title, labels };
    let n = x_labels.len();
    let Some((lo, hi)) = extent(series.iter().flat_map(|s| s.present(n).map(|(_, v)| v))) else {
        return chart.empty();
    };
    let ticks = nice_ticks(lo, hi, 5);
    // One legend row above the plot, its width shared equally between the series names.
    let legend_w = (WIDTH - PAD * 2.0) / series.len() as f64;
    let legend_h = if series.len() > 1 { 20.0 } else { 0.0 };
    let (top, bottom) = (PAD * 2.0 + legend_h, 264.0 + legend_h);
    let tick_dec = tick_decimals(&ticks);
    let left = PAD + widest(ticks.iter().map(|t| fmt_num(*t, tick_dec))) + 6.0;
    let right = WIDTH - PAD;
    let y = Scale::over(&ticks, (bottom, top));
    // Band positions keep the first and last x labels inside the plot.
    let slot = (right - left) / n as f64;
    let x_at = |i: usize| left + (i as f64 + 0.5) * slot;

    let mut svg = Svg::new(bottom + 36.0);
    svg.y_grid(&ticks, y, (left, right));
    svg.line("axis", (left, bottom), (right, bottom));
    // Crowded x labels are thinned to every k-th one rather than overlapping.
    let every = ((widest(x_labels) + 6.0) / slot).ceil().max(1.0) as usize;
    for (i, label) in x_labels.iter().enumerate().step_by(every) {
        svg.text((x_at(i), bottom + 16.0), "middle", label);
    }
    for (k, s) in series.iter().enumerate() {
        let (colour, dash) = (PALETTE[k % PALETTE.len()], DASHES[k % DASHES.len()]);
        let mut d = String::new();
        let mut previous = None;
        for (i, v) in s.present(n) {
            // A gap lifts the pen: only a direct neighbour continues the line.
            let joined = previous.is_some_and(|p: usize| p + 1 == i);
            let cmd = if joined { 'L' } else { 'M' };
            let _ = write!(d, "{cmd}{:.1} {:.1} ", x_at(i), y.at(v));
            previous = Some(i);
        }
        svg.path(&format!("line s{k}"), d.trim_end(), colour, dash);
        for (i, v) in s.present(n) {
            let tip = format!("{}: {} {}", s.name, x_labels[i], fmt_num(v, decimals));
            let class = format!("point s{k}");
            svg.circle(&class, (x_at(i), y.at(v)), 3.0, colour, &tip);
        }
        if legend_h > 0.0 {
            let (lx, ly) = (PAD + legend_w * k as f64, PAD + 6.0);
            let swatch = format!("M{lx:.1} {ly:.1}h20");
            svg.path(&format!("line s{k}"), &swatch, colour, dash);
            let name = fit(&s.name, legend_w - 34.0);
            svg.styled_text((lx + 26.0, ly + 4.0), "start", "label legend", INK, &name);
        }
    }

    let at = |(i, v): (usize, f64)| format!("{} ({})", fmt_num(v, decimals), x_labels[i]);
    let mut desc = Vec::new();
    for s in series {
        let mut present = s.present(n);
        let Some(first) = present.next() else {
            continue;
        };
        desc.push(match present.last() {
            Some(last) => format!("{}: {} → {}", s.name, at(first), at(last)),
            None => format!("{}: {}", s.name, at(first)),
        });
    }
    let mut header = vec![labels.columns.first().copied().unwrap_or("")];
    header.extend(series.iter().map(|s| s.name.as_str()));
    let cell = |s: &Series, i| s.get(i).map_or(String::new(), |v| fmt_num(v, decimals));
    let mut rows = Vec::with_capacity(n);
    for (i, label) in x_labels.iter().enumerate() {
        let mut row = vec![label.clone()];
        row.extend(series.iter().map(|s| cell(s, i)));
        rows.push(row);
    }
    chart.finish_with(&header, &desc.join("; "), svg, &rows)
}

/// Funnel: one centred bar per step, widths relative to the first step, each labelled with
/// its count and share of the first. Table columns: step, count, share of first.
pub fn funnel_chart(
    id: &str,
    title: &str,
    steps: &[(String, u64)],
    labels: &ChartLabels,
) -> String {
    const ROW: f64 = 36.0;
    const BAR_H: f64 = 26.0;
    let chart = Chart { id, title, labels };
    let Some(&(_, base)) = steps.first() else {
        return chart.empty();
    };
    // With an empty first step there is nothing to take a share of, so shares stay blank.
    let share = |count: u64| (base > 0).then(|| count as f64 / base as f64);
    let mut tags = Vec::with_capacity(steps.len());
    let mut rows = Vec::with_capacity(steps.len());
    for (label, count) in steps {
        let (count, share) = (count.to_string(), share(*count).map(fmt_pct));
        tags.push(match &share {
            Some(share) => format!("{count} ({share})"),
            None => count.clone(),
        });
        rows.push(vec![label.clone(), count, share.unwrap_or_default()]);
    }
    let label_w = widest(steps.iter().map(|(label, _)| label)).min(WIDTH * 0.3);
    let left = PAD + label_w + 12.0;
    let right = WIDTH - PAD - widest(&tags) - 8.0;
    let centre = (left + right) / 2.0;

    let mut svg = Svg::new(PAD * 2.0 + ROW * steps.len() as f64);
    for (i, ((label, count), tag)) in steps.iter().zip(&tags).enumerate() {
        let y = PAD + ROW * i as f64 + (ROW - BAR_H) / 2.0;
        let w = (right - left) * share(*count).unwrap_or(0.0).clamp(0.0, 1.0);
        let tip = format!("{label}: {tag}");
        svg.rect("bar step", (centre - w / 2.0, y, w, BAR_H), &tip);
        let mid = y + BAR_H / 2.0 + 4.0;
        svg.text((PAD + label_w, mid), "end", &fit(label, label_w));
        svg.text((centre + w / 2.0 + 6.0, mid), "start", tag);
    }
    let step = |i: usize| format!("{} {}", steps[i].0, tags[i]);
    let desc = match steps.len() {
        len @ ..=6 => (0..len).map(step).collect::<Vec<_>>().join(" → "),
        len => format!("{} → … → {}", step(0), step(len - 1)),
    };
    chart.finish(&desc, svg, &rows)
}

/// Pareto: bars sorted by count (ties keep input order) with a cumulative-percent line and an
/// 80 % reference line. Table columns: label, count, share, cumulative share.
pub fn pareto_chart(
    id: &str,
    title: &str,
    items: &[(String, u64)],
    labels: &ChartLabels,
) -> String {
    const HEIGHT: f64 = 340.0;
    let chart = Chart { id, title, labels };
    let mut items: Vec<&(String, u64)> = items.iter().collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.1));
    // u128 so that many large counts cannot overflow the running sum.
    let cumulative: Vec<u128> = items
        .iter()
        .scan(0u128, |run, (_, count)| {
            *run += u128::from(*count);
            Some(*run)
        })
        .collect();
    let total = cumulative.last().copied().unwrap_or(0);
    let Some(&&(_, max)) = items.first().filter(|_| total > 0) else {
        return chart.empty();
    };
    let share = |n: u128| n as f64 / total as f64;
    // At least 0..5 so that small counts never get fractional ticks.
    let ticks = nice_ticks(0.0, (max as f64).max(5.0), 5);
    let tick_dec = tick_decimals(&ticks);
    let (top, bottom) = (20.0, HEIGHT - 40.0);
    let left = PAD + widest(ticks.iter().map(|t| fmt_num(*t, tick_dec))) + 6.0;
    let right = WIDTH - PAD - text_width("100%") - 6.0;
    let count_y = Scale::over(&ticks, (bottom, top));
    let pct_y = Scale::new((0.0, 1.0), (bottom, top));
    let slot = (right - left) / items.len() as f64;
    let centre = |i: usize| left + slot * (i as f64 + 0.5);

    let mut svg = Svg::new(HEIGHT);
    svg.y_grid(&ticks, count_y, (left, right));
    for p in (0..=100).step_by(20) {
        let at = (right + 6.0, pct_y.at(f64::from(p) / 100.0) + 4.0);
        svg.text(at, "start", &format!("{p}%"));
    }
    svg.line("axis", (left, bottom), (right, bottom));
    let mut d = String::new();
    let mut rows = Vec::with_capacity(items.len());
    for (i, ((label, count), cum)) in items.iter().zip(&cumulative).enumerate() {
        let (x, of_total, cum) = (centre(i), fmt_pct(share(u128::from(*count))), share(*cum));
        let h = bottom - count_y.at(*count as f64);
        let tip = format!("{label}: {count} ({of_total})");
        svg.rect("bar", (x - slot * 0.35, bottom - h, slot * 0.7, h), &tip);
        svg.text((x, bottom + 16.0), "middle", &fit(label, slot - 4.0));
        let _ = write!(
            d,
            "{}{x:.1} {:.1} ",
            if i == 0 { 'M' } else { 'L' },
            pct_y.at(cum)
        );
        rows.push(vec![
            label.clone(),
            count.to_string(),
            of_total,
            fmt_pct(cum),
        ]);
    }
    svg.line("ref", (left, pct_y.at(0.8)), (right, pct_y.at(0.8)));
    svg.path("line cumulative", d.trim_end(), ACCENT, "none");
    for (i, (row, cum)) in rows.iter().zip(&cumulative).enumerate() {
        let tip = format!("{}: {}", row[0], row[3]);
        let at = (centre(i), pct_y.at(share(*cum)));
        svg.circle("point", at, 3.0, ACCENT, &tip);
    }

    // The "vital few": the leading items that together reach 80 % (integers, so no rounding).
    let few = cumulative
        .iter()
        .position(|c| c * 5 >= total * 4)
        .map_or(items.len(), |i| i + 1);
    let names: Vec<&str> = items[..few].iter().map(|item| item.0.as_str()).collect();
    let names = match few {
        ..=4 => names.join(" + "),
        _ => format!("{} + … ({few})", names[..3].join(" + ")),
    };
    let desc = format!("{names} = {} (n = {total})", rows[few - 1][3]);
    chart.finish(&desc, svg, &rows)
}

/// Round tick values (steps of 1, 2 or 5 × 10^k) covering `[min, max]` in about `count` steps.
/// Non-finite input gives no ticks; a zero-width range is widened so an axis can still be drawn.
pub fn nice_ticks(min: f64, max: f64, count: usize) -> Vec<f64> {
    if !min.is_finite() || !max.is_finite() {
        return Vec::new();
    }
    let (mut lo, mut hi) = if min <= max { (min, max) } else { (max, min) };
    if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo, hi) = (lo - pad, hi + pad);
    }
    let step = nice_num(nice_num(hi - lo, false) / (count.max(2) - 1) as f64, true);
    if !step.is_finite() || step <= 0.0 {
        return vec![lo, hi];
    }
    let (first, last) = ((lo / step).floor() as i64, (hi / step).ceil() as i64);
    // Dividing by the integer 1/step keeps 0.3 from becoming 0.30000000000000004.
    let (times, per) = if step < 1.0 {
        (1.0, (1.0 / step).round())
    } else {
        (step, 1.0)
    };
    (first..=last).map(|k| k as f64 * times / per).collect()
}

fn nice_num(x: f64, round: bool) -> f64 {
    let base = 10f64.powi(x.log10().floor() as i32);
    let nice = match (round, x / base) {
        (true, f) if f < 1.5 => 1.0,
        (true, f) if f < 3.0 => 2.0,
        (true, f) if f < 7.0 => 5.0,
        (false, f) if f <= 1.0 => 1.0,
        (false, f) if f <= 2.0 => 2.0,
        (false, f) if f <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * base
}

fn tick_decimals(ticks: &[f64]) -> usize {
    match ticks {
        [a, b, ..] if b > a => ((-(b - a).log10().floor()).max(0.0) as usize).min(10),
        _ => 0,
    }
}

/// HTML/XML escaping for text and attribute values alike. Not askama's escaper: that one serves
/// templates, while these fragments are assembled in Rust, and ten lines keep the rule in sight.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Fixed decimals with a true minus sign (U+2212); a value that rounds to zero gets no sign.
fn fmt_num(v: f64, decimals: usize) -> String {
    let digits = format!("{:.*}", decimals, v.abs());
    if v < 0.0 && digits.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        format!("\u{2212}{digits}")
    } else {
        digits
    }
}

fn fmt_pct(fraction: f64) -> String {
    format!("{}%", fmt_num(fraction * 100.0, 1))
}

/// Rough advance width in user units: fonts are unknown server-side, so Hangul and CJK count
/// as a full em and everything else as 0.6 em, which errs towards too wide, never overlap.
fn char_width(c: char) -> f64 {
    let wide = matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
    if wide { FONT } else { FONT * 0.6 }
}

fn text_width(s: &str) -> f64 {
    s.chars().map(char_width).sum()
}

fn widest<S: AsRef<str>>(texts: impl IntoIterator<Item = S>) -> f64 {
    texts
        .into_iter()
        .map(|s| text_width(s.as_ref()))
        .fold(0.0, f64::max)
}

/// Shortens text to `max` units with an ellipsis; the full text stays in tooltips and the table.
fn fit(s: &str, max: f64) -> String {
    if text_width(s) <= max {
        return s.to_owned();
    }
    let mut budget = max - char_width('…');
    let mut out: String = s
        .chars()
        .take_while(|&c| {
            budget -= char_width(c);
            budget >= 0.0
        })
        .collect();
    out.push('…');
    out
}

fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut finite = values.filter(|v| v.is_finite());
    let first = finite.next()?;
    Some(finite.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
}

fn axis_range(given: (f64, f64), data: (f64, f64)) -> (f64, f64) {
    if given.0.is_finite() && given.1.is_finite() && given.0 < given.1 {
        return given;
    }
    match nice_ticks(data.0, data.1, 5)[..] {
        [lo, .., hi] if lo < hi => (lo, hi),
        _ => (data.0 - 1.0, data.1 + 1.0),
    }
}

/// A caller's fixed range (a 1–7 scale, say) rarely lands on nice ticks; drop those outside it.
fn ticks_within((lo, hi): (f64, f64)) -> Vec<f64> {
    let slack = (hi - lo) * 1e-9;
    let mut ticks = nice_ticks(lo, hi, 5);
    ticks.retain(|t| *t >= lo - slack && *t <= hi + slack);
    ticks
}

fn quadrant_of(p: &Point, x_mid: f64, y_mid: f64) -> usize {
    match (p.y >= y_mid, p.x >= x_mid) {
        (true, false) => 0,
        (true, true) => 1,
        (false, false) => 2,
        (false, true) => 3,
    }
}

/// "A 1.2 ≥ B 0.4 ≥ C −0.3": names the largest and smallest values without any words.
fn ranking(mut items: Vec<(f64, String)>) -> String {
    items.sort_by(|a, b| b.0.total_cmp(&a.0));
    let names: Vec<&str> = items.iter().map(|(_, s)| s.as_str()).collect();
    match names.len() {
        ..=5 => names.join(" ≥ "),
        len => format!(
            "{} ≥ … ≥ {}",
            names[..2].join(" ≥ "),
            names[len - 2..].join(" ≥ ")
        ),
    }
}

/// Linear map from a data domain onto a range of user units (which may run backwards, as y does).
#[derive(Debug, Clone, Copy)]
struct Scale {
    domain: (f64, f64),
    range: (f64, f64),
}

impl Scale {
    fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self { domain, range }
    }

    fn over(ticks: &[f64], range: (f64, f64)) -> Self {
        let first = ticks.first().copied().unwrap_or(0.0);
        Self::new((first, ticks.last().copied().unwrap_or(first + 1.0)), range)
    }

    fn at(self, v: f64) -> f64 {
        let ((d0, d1), (r0, r1)) = (self.domain, self.range);
        if d1 == d0 || !(d1 - d0).is_finite() {
            return r0;
        }
        r0 + (v - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// Left edge and width of a bar from the zero line to `value`, whichever side that is on.
fn bar_span(x: Scale, value: f64) -> (f64, f64) {
    let (zero, end) = (x.at(0.0), x.at(value));
    (zero.min(end), (end - zero).abs())
}

/// SVG markup under construction. Every mark gets a CSS class for theming plus the matching
/// inline colour, and a `<title>` child so hovering shows the full, untruncated label.
struct Svg {
    height: f64,
    body: String,
}

impl Svg {
    fn new(height: f64) -> Self {
        Self {
            height,
            body: String::new(),
        }
    }

    fn text(&mut self, at: (f64, f64), anchor: &str, content: &str) {
        self.styled_text(at, anchor, "label", INK, content);
    }

    fn styled_text(&mut self, (x, y): (f64, f64), anchor: &str, class: &str, fill: &str, s: &str) {
        let _ = write!(
            self.body,
            r#"<text class="{class}" x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" fill="{fill}">{}</text>"#,
            escape(s)
        );
    }

    /// Grid, reference and axis lines; the class picks the fallback stroke.
    fn line(&mut self, class: &str, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
        let (stroke, dash) = match class {
            "grid" => (GRID, ""),
            "ref" => (MUTED, r#" stroke-dasharray="4 3""#),
            _ => (INK, ""),
        };
        let _ = write!(
            self.body,
            r#"<line class="{class}" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}"{dash}/>"#
        );
    }

    fn path(&mut self, class: &str, d: &str, stroke: &str, dash: &str) {
        let _ = write!(
            self.body,
            r#"<path class="{class}" d="{d}" fill="none" stroke="{stroke}" stroke-width="2" stroke-dasharray="{dash}"/>"#
        );
    }

    fn rect(&mut self, class: &str, (x, y, w, h): (f64, f64, f64, f64), tip: &str) {
        let fill = if class.ends_with("neg") { NEG } else { POS };
        let _ = write!(
            self.body,
            r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}"><title>{}</title></rect>"#,
            escape(tip)
        );
    }

    fn circle(&mut self, class: &str, (cx, cy): (f64, f64), r: f64, fill: &str, tip: &str) {
        let _ = write!(
            self.body,
            r#"<circle class="{class}" cx="{cx:.1}" cy="{cy:.1}" r="{r}" fill="{fill}"><title>{}</title></circle>"#,
            escape(tip)
        );
    }

    /// Vertical grid lines with their values underneath.
    fn x_grid(&mut self, ticks: &[f64], x: Scale, (top, bottom): (f64, f64)) {
        let dec = tick_decimals(ticks);
        for &t in ticks {
            self.line("grid", (x.at(t), top), (x.at(t), bottom));
            let at = (x.at(t), bottom + 16.0);
            self.styled_text(at, "middle", "label tick", INK, &fmt_num(t, dec));
        }
    }

    /// Horizontal grid lines with their values on the left.
    fn y_grid(&mut self, ticks: &[f64], y: Scale, (left, right): (f64, f64)) {
        let dec = tick_decimals(ticks);
        for &t in ticks {
            self.line("grid", (left, y.at(t)), (right, y.at(t)));
            let at = (left - 6.0, y.at(t) + 4.0);
            self.styled_text(at, "end", "label tick", INK, &fmt_num(t, dec));
        }
    }
}

/// What every chart shares: its place in the page and the caller's words.
struct Chart<'a> {
    id: &'a str,
    title: &'a str,
    labels: &'a ChartLabels<'a>,
}

impl Chart<'_> {
    fn empty(&self) -> String {
        let mut svg = Svg::new(60.0);
        let no_data = self.labels.no_data;
        svg.styled_text((WIDTH / 2.0, 36.0), "middle", "label empty", MUTED, no_data);
        self.finish(no_data, svg, &[])
    }

    fn finish(&self, desc: &str, svg: Svg, rows: &[Vec<String>]) -> String {
        self.finish_with(self.labels.columns, desc, svg, rows)
    }

    fn finish_with(&self, header: &[&str], desc: &str, svg: Svg, rows: &[Vec<String>]) -> String {
        let (id, title, desc) = (escape(self.id), escape(self.title), escape(desc));
        let (height, summary) = (svg.height, escape(self.labels.table));
        let mut out = format!(
            "<figure class=\"chart\" id=\"{id}\">\n<figcaption id=\"{id}-title\">{title}</figcaption>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
             width=\"100%\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
             font-family=\"system-ui, sans-serif\" font-size=\"{FONT}\"><title>{title}</title>\
             <desc id=\"{id}-desc\">{desc}</desc>\n{}</svg>\n<details class=\"chart-data\">\
             <summary>{summary}</summary><table><caption>{title}</caption><thead><tr>",
            svg.body
        );
        for cell in header {
            let _ = write!(out, r#"<th scope="col">{}</th>"#, escape(cell));
        }
        out.push_str("</tr></thead><tbody>");
        if rows.is_empty() {
            let (span, text) = (header.len().max(1), escape(self.labels.no_data));
            let _ = write!(out, r#"<tr><td colspan="{span}">{text}</td></tr>"#);
        }
        for row in rows {
            out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let cell = escape(cell);
                let _ = match i {
                    0 => write!(out, r#"<th scope="row">{cell}</th>"#),
                    _ => write!(out, "<td>{cell}</td>"),
                };
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></details>\n</figure>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: ChartLabels<'static> = ChartLabels {
        table: "데이터 표",
        no_data: "자료 없음",
        columns: &["Dimension", "Gap", "n"],
    };
    const QUADRANTS: [&str; 4] = ["Overkill", "Keep it up", "Low priority", "Concentrate here"];

    fn bar(label: &str, value: f64) -> Bar {
        let (label, hint) = (label.to_owned(), None);
        Bar { label, value, hint }
    }

    fn point(label: &str, x: f64, y: f64) -> Point {
        let label = label.to_owned();
        Point { label, x, y }
    }

    fn series(name: &str, values: &[Option<f64>]) -> Series {
        let (name, values) = (name.to_owned(), values.to_vec());
        Series { name, values }
    }

    fn ipa(points: &[Point], x_mid: f64, y_range: (f64, f64)) -> String {
        let (x, y, q) = ("Importance", "Performance", QUADRANTS);
        quadrant_chart(
            "ipa",
            "IPA",
            x,
            y,
            points,
            x_mid,
            4.0,
            q,
            (1.0, 7.0),
            y_range,
            &LABELS,
        )
    }

    fn every_chart(label: &str, value: f64) -> Vec<String> {
        let named = vec![(label.to_owned(), 10)];
        vec![
            bar_chart("b", label, &[bar(label, value)], 1, &LABELS),
            ipa(&[point(label, value, value)], 4.0, (1.0, 7.0)),
            line_chart(
                "l",
                label,
                &[label.to_owned()],
                &[series(label, &[Some(value)])],
                1,
                &LABELS,
            ),
            funnel_chart("f", label, &named, &LABELS),
            pareto_chart("p", label, &named, &LABELS),
        ]
    }

    /// The opening tags (up to `>`) of every element whose markup starts with `start`.
    fn tags<'a>(html: &'a str, start: &str) -> Vec<&'a str> {
        let tag = |(i, _): (usize, &str)| &html[i..i + html[i..].find('>').unwrap()];
        html.match_indices(start).map(tag).collect()
    }

    fn attr(tag: &str, name: &str) -> f64 {
        let from = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let value = &tag[from..from + tag[from..].find('"').unwrap()];
        value.parse().unwrap()
    }

    /// Cell texts of each data-table body row, row header first.
    fn body_rows(html: &str) -> Vec<Vec<String>> {
        let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
        let cells = |row: &str| -> Vec<String> {
            let opened = row.split("</").filter(|s| s.contains("<t"));
            opened
                .map(|s| s[s.rfind('>').unwrap() + 1..].to_owned())
                .collect()
        };
        body.split("<tr>").skip(1).map(cells).collect()
    }

    #[test]
    fn a_script_tag_in_any_label_comes_out_escaped_and_never_as_a_tag() {
        for html in every_chart("<script>alert('x&y')</script>", 3.0) {
            assert!(!html.contains("<script"), "{html}");
            let escaped = "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;";
            assert!(html.contains(escaped), "{html}");
        }
    }

    #[test]
    fn the_data_table_has_one_row_per_bar_with_formatted_values() {
        let mut bars = vec![
            bar("신뢰성", 0.25),
            bar("Empathy", -0.5),
            bar("Tangibles", 1.0),
        ];
        bars[0].hint = Some("124".to_owned());
        let html = bar_chart("gap", "SERVQUAL gap", &bars, 2, &LABELS);
        let expected = [
            ["신뢰성", "0.25", "124"],
            ["Empathy", "−0.50", ""],
            ["Tangibles", "1.00", ""],
        ];
        assert_eq!(body_rows(&html), expected);
        assert!(html.contains(r#"<th scope="col">Gap</th>"#));
        let desc = "Tangibles 1.00 ≥ 신뢰성 0.25 ≥ Empathy −0.50";
        assert!(html.contains(desc), "largest first, smallest last: {html}");
    }

    #[test]
    fn a_negative_gap_bar_lies_left_of_the_zero_line_and_a_positive_one_right() {
        let html = bar_chart("gap", "Gap", &[bar("A", -1.2), bar("B", 0.8)], 1, &LABELS);
        let zero = attr(tags(&html, r#"<line class="axis zero""#)[0], "x1");
        let neg = tags(&html, r#"<rect class="bar neg""#)[0];
        assert!(
            (attr(neg, "x") + attr(neg, "width") - zero).abs() < 0.2,
            "ends at zero"
        );
        assert!(attr(neg, "x") < zero - 10.0);
        let pos = tags(&html, r#"<rect class="bar""#)[0];
        assert!((attr(pos, "x") - zero).abs() < 0.2 && attr(pos, "width") > 10.0);
    }

    #[test]
    fn pareto_sorts_by_count_and_its_cumulative_share_ends_at_100() {
        let counts = [("Billing", 20u64), ("Delay", 50), ("Rude staff", 30)];
        let items: Vec<(String, u64)> = counts.iter().map(|(l, c)| ((*l).to_owned(), *c)).collect();
        let html = pareto_chart("p", "Failures", &items, &LABELS);
        let mut sorted = counts.to_vec();
        sorted.sort_by_key(|item| std::cmp::Reverse(item.1));
        let total: u64 = counts.iter().map(|(_, c)| c).sum();
        let pct = |n: u64| format!("{:.1}%", n as f64 * 100.0 / total as f64);
        let mut running = 0;
        let rows = body_rows(&html);
        assert_eq!(rows.len(), 3);
        for ((label, count), row) in sorted.iter().zip(&rows) {
            running += count;
            assert_eq!(
                *row,
                [
                    label.to_string(),
                    count.to_string(),
                    pct(*count),
                    pct(running)
                ]
            );
        }
        let cumulative: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
        assert_eq!(cumulative, ["50.0%", "80.0%", "100.0%"]);
        assert!(
            html.contains("Delay + Rude staff = 80.0% (n = 100)"),
            "{html}"
        );
        assert_eq!(
            tags(&html, r#"<line class="ref""#).len(),
            1,
            "one 80 % reference line"
        );
    }

    #[test]
    fn nice_ticks_cover_the_range_with_round_steps() {
        let t = nice_ticks(0.0, 7.0, 5);
        assert!(t[0] <= 0.0 && *t.last().unwrap() >= 7.0);
        let steps: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        let all = |s: f64| steps.iter().all(|x| (x - s).abs() < 1e-9);
        assert!(all(1.0) || all(2.0), "{t:?}");
        for (lo, hi) in [
            (-0.83, 1.2),
            (0.0, 0.07),
            (3.0, 3.0),
            (-1500.0, -20.0),
            (7.0, 0.0),
        ] {
            let t = nice_ticks(lo, hi, 5);
            assert!(
                t[0] <= lo.min(hi) && *t.last().unwrap() >= lo.max(hi),
                "{lo}..{hi}: {t:?}"
            );
            assert!((3..=8).contains(&t.len()), "{lo}..{hi}: {t:?}");
            let step = t[1] - t[0];
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
                "{step}"
            );
        }
        assert_eq!(
            nice_ticks(0.0, 0.3, 5),
            [0.0, 0.1, 0.2, 0.3],
            "no 0.30000000000000004"
        );
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
    }

    #[test]
    fn empty_input_shows_the_no_data_text_in_every_chart() {
        let weeks = ["W1".to_owned()];
        let charts = [
            bar_chart("b", "t", &[], 1, &LABELS),
            ipa(&[], 4.0, (1.0, 7.0)),
            line_chart("l", "t", &[], &[], 1, &LABELS),
            line_chart("l", "t", &weeks, &[series("s", &[None])], 1, &LABELS),
            funnel_chart("f", "t", &[], &LABELS),
            pareto_chart("p", "t", &[], &LABELS),
            pareto_chart("p", "t", &[("zero".to_owned(), 0)], &LABELS),
        ];
        for html in charts {
            assert!(html.contains(">자료 없음</text>"), "{html}");
            assert!(html.contains(r#"<td colspan="3">자료 없음</td>"#), "{html}");
            assert!(
                !html.contains("<rect") && !html.contains("<circle"),
                "{html}"
            );
        }
    }

    #[test]
    fn nan_and_infinite_values_are_left_out_without_panicking() {
        let bars = [
            bar("ok", 1.0),
            bar("nan", f64::NAN),
            bar("inf", f64::INFINITY),
        ];
        let html = bar_chart("b", "t", &bars, 1, &LABELS);
        assert_eq!(body_rows(&html).len(), 1);
        assert!(!html.contains("NaN") && !html.contains("inf"));
        assert!(bar_chart("b", "t", &[bar("nan", f64::NAN)], 1, &LABELS).contains("자료 없음"));

        let weeks = ["W1".to_owned(), "W2".to_owned(), "W3".to_owned()];
        let csat = series(
            "CSAT",
            &[Some(4.1), Some(f64::NAN), Some(f64::NEG_INFINITY)],
        );
        let html = line_chart("l", "t", &weeks, &[csat], 1, &LABELS);
        assert_eq!(tags(&html, "<circle").len(), 1);
        assert!(!html.contains("NaN") && !html.contains("inf"));

        let html = ipa(
            &[point("ok", 5.0, 6.0), point("bad", f64::NAN, 2.0)],
            f64::NAN,
            (7.0, 1.0),
        );
        assert_eq!(body_rows(&html).len(), 1);
    }

    #[test]
    fn the_svg_is_an_image_labelled_by_ids_that_exist_once() {
        let empty = bar_chart("e", "t", &[], 0, &LABELS);
        for html in every_chart("Recovery", 2.0).into_iter().chain([empty]) {
            let svg = tags(&html, "<svg")[0];
            assert!(svg.contains(r#"role="img""#) && svg.contains(r#"width="100%""#));
            let from = svg.find("aria-labelledby=\"").unwrap() + 17;
            let ids = &svg[from..from + svg[from..].find('"').unwrap()];
            assert_eq!(ids.split_whitespace().count(), 2);
            for id in ids.split_whitespace() {
                assert_eq!(
                    html.matches(&format!(" id=\"{id}\"")).count(),
                    1,
                    "{id}: {html}"
                );
            }
        }
    }

    #[test]
    fn negative_numbers_use_a_true_minus_sign_and_rounded_zero_has_none() {
        assert_eq!(fmt_num(-1.25, 1), "\u{2212}1.2");
        assert_eq!(fmt_num(-0.001, 2), "0.00");
        assert_eq!(fmt_num(3.0, 0), "3");
        let html = bar_chart("b", "t", &[bar("A", -2.0), bar("B", 1.0)], 1, &LABELS);
        assert!(html.contains(">\u{2212}2.0</text>") && !html.contains(">-"));
    }

    #[test]
    fn korean_labels_are_kept_whole_in_the_table_and_measured_as_wide() {
        assert_eq!(text_width("서비스"), 3.0 * FONT);
        assert!((text_width("abc") - 1.8 * FONT).abs() < 1e-9);
        let long = "고객 불만 처리 지연 및 재방문 의사 감소에 따른 회복 실패".repeat(2);
        assert!(text_width(&fit(&long, 100.0)) <= 100.0);
        let html = bar_chart("b", "t", &[bar(&long, 1.0)], 1, &LABELS);
        assert!(html.contains(&format!(r#"<th scope="row">{long}</th>"#)));
        assert!(html.contains('…'), "the plotted label is shortened");
    }

    #[test]
    fn text_is_never_smaller_than_eleven_units() {
        for html in every_chart("Label", 2.0) {
            for (i, _) in html.match_indices(" font-size=") {
                assert!(attr(&html[i..], "font-size") >= 11.0);
            }
        }
    }

    #[test]
    fn a_line_breaks_at_missing_values_and_the_legend_appears_only_for_several_series() {
        let weeks: Vec<String> = (1..=5).map(|w| format!("W{w}")).collect();
        let nps = series(
            "NPS",
            &[Some(10.0), Some(12.0), None, Some(-3.0), Some(8.0)],
        );
        let html = line_chart("l", "t", &weeks, std::slice::from_ref(&nps), 0, &LABELS);
        let path = tags(&html, r#"<path class="line s0""#)[0];
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert!(!html.contains("label legend") && html.contains("NPS: 10 (W1) → 8 (W5)"));
        let csat = series("CSAT", &[Some(1.0); 5]);
        let html = line_chart("l", "t", &weeks, &[nps, csat], 0, &LABELS);
        assert_eq!(
            tags(&html, r#"<path class="line s1""#).len(),
            2,
            "line and legend swatch"
        );
        assert_eq!(body_rows(&html)[2], ["W3", "", "1"]);
    }

    #[test]
    fn funnel_bars_shrink_with_the_first_step_and_show_count_and_share() {
        let steps = [
            ("Detected".to_owned(), 1000),
            ("Acknowledged".to_owned(), 400),
        ];
        let html = funnel_chart("f", "Recovery", &steps, &LABELS);
        let rects = tags(&html, r#"<rect class="bar step""#);
        assert!((attr(rects[1], "width") / attr(rects[0], "width") - 0.4).abs() < 0.01);
        assert!(html.contains(">400 (40.0%)</text>"));
        assert_eq!(body_rows(&html)[0], ["Detected", "1000", "100.0%"]);
    }

    #[test]
    fn quadrant_points_are_named_by_their_quadrant() {
        let html = ipa(
            &[point("Wait time", 6.5, 3.0), point("Décor", 2.0, 6.0)],
            4.0,
            (1.0, 7.0),
        );
        let rows = body_rows(&html);
        assert_eq!(rows[0], ["Wait time", "6.50", "3.00", "Concentrate here"]);
        assert_eq!(rows[1][3], "Overkill");
        let counts = "Overkill: 1; Keep it up: 0; Low priority: 0; Concentrate here: 1";
        assert!(html.contains(counts), "{html}");
    }
}
