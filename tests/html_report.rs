//! `export --format html` (issue 16): one self-contained page, well-formed, with one chart per
//! region and signal, opened in a real browser.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The page of a recorded built-in drill, written by the binary as a scribe would.
fn report(dir: &Path, scenario: &str) -> (PathBuf, String) {
    let journal = dir.join("drill.jsonl");
    common::recorded::record_drill(&journal, scenario, 160, 48);
    let page = dir.join("review.html");
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["export", "--format", "html", "-o"])
        .arg(&page)
        .arg(&journal)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    (page, html)
}

/// Every reference in the page stays inside it: no `src`/`href` to elsewhere, no `url(` or
/// `@import` in a style. Namespace declarations are not references.
fn assert_self_contained(doc: &roxmltree::Document<'_>, html: &str) {
    for node in doc.descendants().filter(|n| n.is_element()) {
        for a in node.attributes() {
            if matches!(a.name(), "src" | "href" | "srcset" | "action" | "poster" | "data") {
                assert!(
                    a.value().starts_with('#'),
                    "<{}> {}={} points outside",
                    node.tag_name().name(),
                    a.name(),
                    a.value()
                );
            }
            if a.name() == "style" {
                assert!(!a.value().contains("url("), "style url( in <{}>", node.tag_name().name());
            }
        }
        if node.tag_name().name() == "script" {
            panic!("the page runs no script");
        }
    }
    assert!(!html.contains("url(") && !html.contains("@import"), "no url( or @import anywhere");
}

fn browser() -> PathBuf {
    for name in ["chromium-headless-shell", "chromium"] {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let path = Path::new(dir).join(name);
            if path.exists() {
                return path;
            }
        }
    }
    panic!(
        "no headless Chromium: this test opens the report in a real browser. Install it with \
         `apt-get install chromium-headless-shell` (.ci/run does so when it is missing)"
    );
}

fn chromium(args: &[&str], page: &Path) -> std::process::Output {
    let out = Command::new(browser())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn the_report_of_a_drill_is_well_formed_self_contained_and_charts_every_region_and_signal() {
    let dir = tempfile::tempdir().unwrap();
    let (_, html) = report(dir.path(), "primary-outage");
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .unwrap_or_else(|e| panic!("the page is not well-formed: {e}"));
    assert_self_contained(&doc, &html);
    let figures: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("figure")).collect();
    let mut charted: Vec<(String, String)> = figures
        .iter()
        .map(|f| (f.attribute("data-region").unwrap().to_owned(), f.attribute("data-signal").unwrap().to_owned()))
        .collect();
    charted.sort();
    let mut expected = Vec::new();
    for region in ["us-east-1", "us-west-2"] {
        for signal in ["error-rate", "latency", "replication-lag"] {
            expected.push((region.to_owned(), signal.to_owned()));
        }
    }
    expected.sort();
    assert_eq!(charted, expected, "one chart per region and signal");
    assert!(figures.iter().all(|f| f.descendants().any(|n| n.has_tag_name("svg"))));
    // The writer's lag is an empty frame that says why, with no line.
    let writer_lag = figures
        .iter()
        .find(|f| {
            f.attribute("data-region") == Some("us-east-1") && f.attribute("data-signal") == Some("replication-lag")
        })
        .unwrap();
    let text: String = writer_lag.descendants().filter_map(|n| n.text()).collect();
    assert!(text.contains("no samples: this region held the writer"), "{text}");
    let data_line =
        |n: &roxmltree::Node<'_, '_>| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#1565C0");
    assert!(!writer_lag.descendants().any(|n| data_line(&n)), "no invented data");
    // The rest have their line, the threshold and the markers.
    let error_rate = figures
        .iter()
        .find(|f| f.attribute("data-region") == Some("us-east-1") && f.attribute("data-signal") == Some("error-rate"))
        .unwrap();
    let text: String = error_rate.descendants().filter_map(|n| n.text()).collect();
    assert!(error_rate.descendants().any(|n| data_line(&n)), "the error rate's line");
    assert!(text.contains("limit 5%") && text.contains('D') && text.contains("S1") && text.contains('R'), "{text}");
    // The sections a review reads.
    for section in [
        "Summary",
        "Phases",
        "What the signals did",
        "Runbook",
        "Drill scorecard: primary-outage",
        "Guard overrides",
        "Notes",
        "Comms",
        "Timeline",
        "Action items",
    ] {
        assert!(
            doc.descendants().any(|n| n.has_tag_name("h2") && n.text().is_some_and(|t| t.starts_with(section))),
            "section {section}"
        );
    }
    assert!(html.contains("@media print"), "a print stylesheet");
}

#[test]
fn the_report_in_a_real_browser_is_not_blank_and_shows_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    let (page, _) = report(dir.path(), "primary-outage");
    // What the browser built: every figure holds its chart.
    let dom = String::from_utf8(chromium(&["--dump-dom"], &page).stdout).unwrap();
    assert_eq!(dom.matches("<figure class=\"chart\"").count(), 6, "{}", &dom[..dom.len().min(2000)]);
    assert_eq!(dom.matches("<svg").count(), 6);
    let shot = dir.path().join("shot.png");
    chromium(&["--window-size=1200,2400", &format!("--screenshot={}", shot.display())], &page);
    let decoder = png::Decoder::new(std::fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let frame = &pixels[..info.buffer_size()];
    let inked = frame.chunks(channels).filter(|p| p.iter().take(3).any(|c| *c < 200)).count();
    let blue = frame.chunks(channels).filter(|p| p[2] > 150 && p[0] < 60 && p[1] < 140).count();
    let total = frame.len() / channels;
    assert!(inked * 100 > total, "the screenshot is blank: {inked} inked pixels of {total}");
    assert!(blue > 500, "the charts' lines are drawn: {blue} blue pixels");
    // It prints: the print stylesheet lays it out on pages (A4/Letter), charts and all.
    let pdf = dir.path().join("review.pdf");
    chromium(&["--no-pdf-header-footer", &format!("--print-to-pdf={}", pdf.display())], &page);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    // Each page object is `/Type /Page` (the page tree is `/Type /Pages`).
    let marker = b"/Type /Page";
    let pages = bytes
        .windows(marker.len() + 1)
        .filter(|w| w.starts_with(marker) && !w[marker.len()].is_ascii_alphabetic())
        .count();
    assert!(pages >= 3, "the review prints on several pages: {pages}");
}

#[test]
fn without_a_recording_the_report_says_so_and_leaves_the_charts_out() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("drill.jsonl");
    common::recorded::record_drill(&journal, "primary-outage", 160, 48);
    std::fs::remove_file(warroom::scribe::recorder::path_beside(&journal)).unwrap();
    // A hostile note: text, never markup.
    let lines = std::fs::read_to_string(&journal).unwrap().lines().count();
    let note = serde_json::json!({
        "seq": lines + 1, "id": "hostile-note", "at": "2026-11-24T03:29:00Z", "author": "mallory", "kind": "note",
        "text": "<img src=\"http://evil.example/x.png\"> </td></tr></table> & \u{1b}[2J"
    });
    let mut file = std::fs::OpenOptions::new().append(true).open(&journal).unwrap();
    std::io::Write::write_all(&mut file, format!("{note}\n").as_bytes()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["export", "--format", "html"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("No flight recording beside this journal"), "{html}");
    assert!(!html.contains("<svg") && !html.contains("<figure"));
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .unwrap();
    assert_self_contained(&doc, &html);
    assert!(html.contains("&lt;img src=&quot;http://evil.example/x.png&quot;&gt;") && html.contains("␛[2J"));
}
