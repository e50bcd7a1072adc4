//! The report's charts: per region, the error rate, tail latency and replication lag from the
//! flight recording, with the threshold (or RPO) line and a vertical marker for each moment
//! people acted on. Drawn with `plotters`' SVG backend (no font libraries: the browser sets
//! the text). A chart without samples is an empty frame that says why, never invented data.

use chrono::{DateTime, Duration, Utc};
use plotters::prelude::*;

use crate::config::Config;
use crate::model::{Lag, Reading, SignalKey, Update};
use crate::scribe::entry::{Entry, Kind};
use crate::scribe::measure::Measurements;

pub const WIDTH: u32 = 880;
pub const HEIGHT: u32 = 230;
/// At most this many points per line: about one per pixel column, each column keeping its
/// lowest and highest sample so a spike survives.
const COLUMNS: usize = 800;

/// The signals charted for every region, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charted {
    ErrorRate,
    Latency,
    Lag,
}

impl Charted {
    pub const ALL: [Charted; 3] = [Charted::ErrorRate, Charted::Latency, Charted::Lag];

    pub fn title(self, latency_label: &str) -> String {
        match self {
            Charted::ErrorRate => "5xx error rate (%)".into(),
            Charted::Latency => format!("{latency_label} latency (ms)"),
            Charted::Lag => "replication lag (s)".into(),
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Charted::ErrorRate => "error-rate",
            Charted::Latency => "latency",
            Charted::Lag => "replication-lag",
        }
    }
}

/// A vertical marker: a short code on the chart, the full label in the report's legend.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at: DateTime<Utc>,
    pub code: String,
    pub label: String,
    pub kind: MarkerKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    Declared,
    Step,
    Override,
    Recovered,
}

/// The markers every chart carries: the declaration, each changing step as it started (its
/// kind read from the runbooks), each override, and the recovery.
pub fn markers(entries: &[Entry], m: &Measurements, config: &Config) -> Vec<Marker> {
    let mut out = Vec::new();
    if let Some(at) = m.declared {
        out.push(Marker { at, code: "D".into(), label: "declared".into(), kind: MarkerKind::Declared });
    }
    let changing = |e: &Entry| {
        let book = e.step_data().and_then(|d| d.runbook)?;
        let step = e.step.as_deref()?;
        let (_, s) = config.runbooks.iter().find(|b| b.id == book)?.step(step)?;
        s.kind.mutates().then(|| step.to_owned())
    };
    let mut n = 0;
    for e in entries.iter().filter(|e| e.kind == Kind::ActionStarted) {
        if let Some(step) = changing(e) {
            n += 1;
            let region = e.region.as_deref().map(|r| format!(" in {r}")).unwrap_or_default();
            out.push(Marker {
                at: e.at,
                code: format!("S{n}"),
                label: format!("{step}{region}"),
                kind: MarkerKind::Step,
            });
        }
    }
    for (i, o) in crate::scribe::overrides::overrides(entries).iter().enumerate() {
        let step = o.entry.step.as_deref().unwrap_or("a step");
        out.push(Marker {
            at: o.entry.at,
            code: format!("O{}", i + 1),
            label: format!("override of {step}: {}", o.reason),
            kind: MarkerKind::Override,
        });
    }
    if let Some(at) = m.recovered {
        out.push(Marker { at, code: "R".into(), label: "recovered".into(), kind: MarkerKind::Recovered });
    }
    out.sort_by_key(|m| m.at);
    out
}

/// One chart's samples, or why it has none.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    Points(Vec<(DateTime<Utc>, f64)>),
    None(String),
}

/// The samples of `signal` in `region` (readings in time order).
pub fn samples(updates: &[Update], region: usize, signal: Charted) -> Samples {
    let key = match signal {
        Charted::ErrorRate => SignalKey::ErrorRate,
        Charted::Latency => SignalKey::LatencyP99,
        Charted::Lag => SignalKey::ReplicationLag,
    };
    let mut points = Vec::new();
    let (mut read, mut writer, mut not_replicating, mut failed) = (0usize, 0usize, 0usize, None);
    for u in updates.iter().filter(|u| u.region == region && u.signal == key) {
        read += 1;
        match &u.result {
            Ok(Reading::ErrorRate(v) | Reading::LatencyP99(v)) => points.push((u.observed_at, *v)),
            Ok(Reading::ReplicationLag(Lag::Behind(s))) => points.push((u.observed_at, *s)),
            Ok(Reading::ReplicationLag(Lag::Writer)) => writer += 1,
            Ok(Reading::ReplicationLag(Lag::NotReplicating)) => not_replicating += 1,
            Ok(_) => {}
            Err(e) => failed = Some(e.0.clone()),
        }
    }
    if !points.is_empty() {
        return Samples::Points(points);
    }
    Samples::None(if read == 0 {
        "no readings of this signal were recorded".to_owned()
    } else if writer > 0 && writer + not_replicating == read {
        "this region held the writer: there is no replication lag to read".to_owned()
    } else if not_replicating > 0 {
        "the replica reported it was not replicating".to_owned()
    } else if let Some(error) = failed {
        format!("every read failed: {error}")
    } else {
        "no samples".to_owned()
    })
}

/// Thin to about one point per pixel column, keeping each column's lowest and highest.
fn thin(points: &[(f64, f64)], span: f64) -> Vec<(f64, f64)> {
    if points.len() <= 2 * COLUMNS || span <= 0.0 {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(2 * COLUMNS);
    // The column being gathered: its index, its lowest and its highest point.
    type Column = (usize, (f64, f64), (f64, f64));
    let mut column: Option<Column> = None;
    let flush = |out: &mut Vec<(f64, f64)>, lo: (f64, f64), hi: (f64, f64)| {
        let (a, b) = if lo.0 <= hi.0 { (lo, hi) } else { (hi, lo) };
        out.push(a);
        if b != a {
            out.push(b);
        }
    };
    for &p in points {
        let c = ((p.0 / span) * COLUMNS as f64) as usize;
        column = match column {
            Some((cc, lo, hi)) if cc == c => {
                Some((cc, if p.1 < lo.1 { p } else { lo }, if p.1 > hi.1 { p } else { hi }))
            }
            Some((_, lo, hi)) => {
                flush(&mut out, lo, hi);
                Some((c, p, p))
            }
            None => Some((c, p, p)),
        };
    }
    if let Some((_, lo, hi)) = column {
        flush(&mut out, lo, hi);
    }
    out
}

/// What one chart shows.
pub struct Chart<'a> {
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub samples: &'a Samples,
    /// The line the signal must stay under, with its label ("limit 5%", "RPO 60s").
    pub limit: Option<(f64, String)>,
    pub markers: &'a [Marker],
}

fn marker_color(kind: MarkerKind) -> RGBColor {
    match kind {
        MarkerKind::Declared => RGBColor(0x6a, 0x3d, 0x9a),
        MarkerKind::Step => RGBColor(0x1f, 0x4e, 0x8c),
        MarkerKind::Override => RGBColor(0xb1, 0x5c, 0x00),
        MarkerKind::Recovered => RGBColor(0x2e, 0x7d, 0x32),
    }
}

/// The chart as an SVG element (no XML declaration: it goes inline into the report).
pub fn svg(chart: &Chart<'_>) -> Result<String, String> {
    let mut out = String::new();
    draw(chart, &mut out).map_err(|e| format!("cannot draw {}: {e}", chart.title))?;
    Ok(out)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(chart: &Chart<'_>, out: &mut String) -> DrawResult {
    let span = (chart.end - chart.start).max(Duration::seconds(1)).as_seconds_f64();
    let secs = |t: DateTime<Utc>| (t - chart.start).as_seconds_f64();
    let points: Vec<(f64, f64)> = match chart.samples {
        Samples::Points(p) => p.iter().map(|(t, v)| (secs(*t), *v)).collect(),
        Samples::None(_) => Vec::new(),
    };
    let highest = points.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let limit = chart.limit.as_ref().map_or(0.0, |l| l.0);
    // Room above the highest of the data and the limit, so both lines show.
    let top = (highest.max(limit) * 1.15).max(1.0);
    let start = chart.start;
    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut plot = ChartBuilder::on(&root)
        .margin(10)
        .margin_top(26)
        .x_label_area_size(24)
        .y_label_area_size(52)
        .caption(&chart.title, ("sans-serif", 15))
        .build_cartesian_2d(0f64..span, 0f64..top)?;
    let clock = |x: &f64| (start + Duration::milliseconds((x * 1000.0) as i64)).format("%H:%M").to_string();
    plot.configure_mesh()
        .x_labels(8)
        .y_labels(5)
        .x_label_formatter(&clock)
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
        .label_style(("sans-serif", 11))
        .draw()?;
    if let Some((value, label)) = &chart.limit {
        let red = RGBColor(0xc6, 0x28, 0x28);
        plot.draw_series(DashedLineSeries::new([(0.0, *value), (span, *value)], 8, 5, red.stroke_width(1)))?;
        plot.draw_series(std::iter::once(Text::new(
            label.clone(),
            (span * 0.005, *value),
            ("sans-serif", 11).into_font().color(&red),
        )))?;
    }
    for (i, m) in chart.markers.iter().filter(|m| m.at >= chart.start && m.at <= chart.end).enumerate() {
        let x = secs(m.at);
        let color = marker_color(m.kind);
        plot.draw_series(DashedLineSeries::new([(x, 0.0), (x, top)], 4, 3, color.stroke_width(1)))?;
        // Codes step down so markers close together stay readable.
        let row = (i % 4) as f64;
        plot.draw_series(std::iter::once(Text::new(
            m.code.clone(),
            (x + span * 0.002, top * (0.98 - 0.08 * row)),
            ("sans-serif", 11).into_font().color(&color),
        )))?;
    }
    match chart.samples {
        Samples::Points(_) => {
            let line = RGBColor(0x15, 0x65, 0xc0);
            plot.draw_series(LineSeries::new(thin(&points, span), line.stroke_width(2)))?;
        }
        Samples::None(reason) => {
            let style = ("sans-serif", 13).into_font().color(&RGBColor(0x55, 0x55, 0x55));
            let (w, h) = (f64::from(WIDTH), f64::from(HEIGHT));
            root.draw(&Text::new(format!("no samples: {reason}"), ((w * 0.2) as i32, (h * 0.5) as i32), style))?;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::t;

    #[test]
    fn thinning_keeps_every_spike() {
        let mut points: Vec<(f64, f64)> = (0..100_000).map(|i| (f64::from(i), 1.0)).collect();
        points[54_321].1 = 99.0;
        let thinned = thin(&points, 100_000.0);
        assert!(thinned.len() <= 2 * COLUMNS, "{}", thinned.len());
        assert!(thinned.iter().any(|p| p.1 == 99.0), "the spike survives");
        assert!(thinned.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
    }

    #[test]
    fn the_writer_has_no_lag_and_says_why() {
        let updates = vec![
            Update::ok(0, t(0), Reading::ReplicationLag(Lag::Writer)),
            Update::ok(1, t(0), Reading::ReplicationLag(Lag::Behind(2.5))),
            Update::failed(0, SignalKey::ErrorRate, t(0), "GetMetricData: throttled"),
        ];
        assert_eq!(samples(&updates, 1, Charted::Lag), Samples::Points(vec![(t(0), 2.5)]));
        let Samples::None(why) = samples(&updates, 0, Charted::Lag) else { panic!() };
        assert!(why.contains("writer"), "{why}");
        let Samples::None(why) = samples(&updates, 0, Charted::ErrorRate) else { panic!() };
        assert!(why.contains("throttled"), "{why}");
        let Samples::None(why) = samples(&updates, 0, Charted::Latency) else { panic!() };
        assert!(why.contains("no readings"), "{why}");
    }

    #[test]
    fn an_empty_chart_is_a_frame_with_its_reason_and_no_line() {
        let samples = Samples::None("this region held the writer".into());
        let chart = Chart {
            title: "us-east-1 replication lag (s)".into(),
            start: t(0),
            end: t(600),
            samples: &samples,
            limit: Some((60.0, "RPO 60s".into())),
            markers: &[],
        };
        let svg = svg(&chart).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("no samples: this region held the writer"), "{svg}");
        assert!(!svg.contains("stroke=\"#1565C0\""), "no invented data: {svg}");
    }
}
