//! The scorecard at the end of a drill, as data: what was measured and which expectations
//! were met. `score` computes it; the journal carries it; the export and the terminal read it.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::text::duration::format_duration;

/// What the drill saw happen, beyond the journal.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Facts {
    /// `lag-within-rpo` of promote-database failed after the declare, before promotion.
    pub promotion_blocked_by_lag: bool,
    /// A condition guard of promote-database or shift-traffic failed after the declare
    /// while traffic had not shifted.
    pub failover_blocked_before_shift: bool,
    /// The region answering at the end.
    pub serving_region: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub step: String,
    pub reason: String,
    pub guards: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub expectation: String,
    pub met: bool,
    pub detail: String,
    /// False when the drill never reached what the expectation judges (no promotion: the RPO
    /// is neither met nor missed). It does not count towards passing.
    #[serde(default = "applies")]
    pub applicable: bool,
}

fn applies() -> bool {
    true
}

impl Outcome {
    /// `✓`, `✗`, or `–` when not applicable.
    pub fn mark(&self) -> &'static str {
        match (self.applicable, self.met) {
            (false, _) => "–",
            (true, true) => "✓",
            (true, false) => "✗",
        }
    }
}

/// A fault the drill injected: scheduled by the scenario or by the facilitator's menu, with
/// when it began and ended, in seconds since the drill started (no end: it lasted to the end).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultWindow {
    pub fault: String,
    pub region: String,
    /// `scenario` or `facilitator`.
    pub by: String,
    pub start_seconds: f64,
    pub end_seconds: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub scenario: String,
    pub seed: u64,
    pub first_fault_seconds: Option<f64>,
    /// Every fault injected, in the order they began.
    #[serde(default)]
    pub faults: Vec<FaultWindow>,
    /// warroom's own first observation after the first fault.
    pub time_to_detect_seconds: Option<f64>,
    /// The first entry a person wrote after the first fault (a note, a decision, a step),
    /// with who it was: when the team responded, not when warroom noticed.
    #[serde(default)]
    pub time_to_respond_seconds: Option<f64>,
    #[serde(default)]
    pub first_responder: Option<String>,
    pub time_to_declare_seconds: Option<f64>,
    pub rto_seconds: Option<f64>,
    pub rto_target_seconds: f64,
    pub rpo_seconds: Option<f64>,
    pub rpo_target_seconds: f64,
    pub lost_writes: Option<u64>,
    pub overrides: Vec<Override>,
    /// Steps started before an `after:` step was done (only possible by override).
    pub out_of_order: Vec<String>,
    /// Steps that failed, with the error.
    pub failed_steps: Vec<(String, String)>,
    pub serving_region: String,
    /// Since the first fault: when a failback was declared, and when its traffic shift
    /// finished (absent when the drill did not fail back).
    #[serde(default)]
    pub failback_declared_seconds: Option<f64>,
    #[serde(default)]
    pub failback_done_seconds: Option<f64>,
    /// Commanders alone who approved their own request past the two-person rule: (step, reason).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub break_glass: Vec<(String, String)>,
    pub expectations: Vec<Outcome>,
    pub passed: bool,
}

pub(super) fn time(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "—".into(), |s| format_duration(Duration::seconds(s.round() as i64)))
}

impl Scorecard {
    /// The measured values, labelled: the terminal's lines and the export's table share them.
    pub fn measures(&self) -> Vec<(&'static str, String)> {
        let responder = self.first_responder.as_deref().map(|w| format!(" ({w})")).unwrap_or_default();
        let mut out = vec![
            ("detected by warroom", time(self.time_to_detect_seconds)),
            ("first human response", format!("{}{responder}", time(self.time_to_respond_seconds))),
            ("time to declare", time(self.time_to_declare_seconds)),
            ("RTO", format!("{} (target {})", time(self.rto_seconds), time(Some(self.rto_target_seconds)))),
            (
                "RPO",
                match self.rpo_seconds {
                    Some(s) => format!("{s:.1}s (target {})", time(Some(self.rpo_target_seconds))),
                    None => format!("n/a: nothing was promoted (target {})", time(Some(self.rpo_target_seconds))),
                },
            ),
            ("lost writes", self.lost_writes.map_or_else(|| "none".into(), |w| w.to_string())),
        ];
        // Only drills that failed back say so: elsewhere the line would be noise.
        if self.failback_declared_seconds.is_some() {
            let home = self
                .failback_done_seconds
                .map_or_else(|| "traffic not home".into(), |s| format!("traffic home after {}", time(Some(s))));
            out.push(("failback", format!("declared after {}, {home}", time(self.failback_declared_seconds))));
        }
        out
    }

    /// Each injected fault as one line: `region-outage in us-east-1 (scenario) 1m → 20m`.
    pub fn fault_lines(&self) -> Vec<String> {
        self.faults
            .iter()
            .map(|f| {
                let end = f.end_seconds.map_or_else(|| "the end".to_owned(), |e| time(Some(e)));
                format!("{} in {} ({}) {} → {end}", f.fault, f.region, f.by, time(Some(f.start_seconds)))
            })
            .collect()
    }

    /// Failed steps, a line per step and error, with how often: a watch the autopilot re-ran
    /// four times reads `validate-access ×4: timed out after 2m`.
    pub fn failed_step_lines(&self) -> Vec<String> {
        let mut seen: Vec<(&str, &str, usize)> = Vec::new();
        for (step, error) in &self.failed_steps {
            match seen.iter_mut().find(|(s, e, _)| s == step && e == error) {
                Some(entry) => entry.2 += 1,
                None => seen.push((step, error, 1)),
            }
        }
        seen.into_iter()
            .map(|(step, error, n)| if n > 1 { format!("{step} ×{n}: {error}") } else { format!("{step}: {error}") })
            .collect()
    }

    /// Lines for the terminal and for `--headless` without `--json`. The label column is as
    /// wide as its longest label.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "Scorecard — {} (seed {}): {}",
            self.scenario,
            self.seed,
            if self.passed { "PASSED" } else { "MISSED EXPECTATIONS" }
        )];
        let mut rows: Vec<(&str, String)> = self.measures();
        rows.push(("serving at end", self.serving_region.clone()));
        rows.push(("faults injected", self.faults.len().to_string()));
        rows.push(("guard overrides", self.overrides.len().to_string()));
        if !self.out_of_order.is_empty() {
            rows.push(("out of order", self.out_of_order.join(", ")));
        }
        if !self.break_glass.is_empty() {
            rows.push(("break-glass", self.break_glass.len().to_string()));
        }
        rows.push(("failed steps", self.failed_steps.len().to_string()));
        let width = rows.iter().map(|(l, _)| crate::text::width::width(l)).max().unwrap_or(0) + 2;
        for (label, value) in rows {
            out.push(format!("  {}{value}", crate::text::width::pad(label, width)));
            match label {
                "faults injected" => out.extend(self.fault_lines().into_iter().map(|l| format!("    {l}"))),
                "guard overrides" => out.extend(
                    self.overrides.iter().map(|o| format!("    {} past {}: {}", o.step, o.guards.join(", "), o.reason)),
                ),
                "break-glass" => {
                    out.extend(self.break_glass.iter().map(|(step, reason)| format!("    {step}: {reason}")))
                }
                "failed steps" => out.extend(self.failed_step_lines().into_iter().map(|l| format!("    {l}"))),
                _ => {}
            }
        }
        out.push("  expectations".into());
        for e in &self.expectations {
            out.push(format!("    {} {} — {}", e.mark(), e.expectation, e.detail));
        }
        out
    }
}
