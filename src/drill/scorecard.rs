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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub scenario: String,
    pub seed: u64,
    pub first_fault_seconds: Option<f64>,
    pub time_to_detect_seconds: Option<f64>,
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
        let mut out = vec![
            ("time to detect", time(self.time_to_detect_seconds)),
            ("time to declare", time(self.time_to_declare_seconds)),
            ("RTO", format!("{} (target {})", time(self.rto_seconds), time(Some(self.rto_target_seconds)))),
            (
                "RPO",
                format!(
                    "{} (target {})",
                    self.rpo_seconds.map_or_else(|| "—".into(), |s| format!("{s:.1}s")),
                    time(Some(self.rpo_target_seconds))
                ),
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

    /// Lines for the terminal and for `--headless` without `--json`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "Scorecard — {} (seed {}): {}",
            self.scenario,
            self.seed,
            if self.passed { "PASSED" } else { "MISSED EXPECTATIONS" }
        )];
        out.extend(self.measures().into_iter().map(|(label, value)| format!("  {label:<17}{value}")));
        out.push(format!("  serving at end   {}", self.serving_region));
        out.push(format!("  guard overrides  {}", self.overrides.len()));
        for o in &self.overrides {
            out.push(format!("    {} past {}: {}", o.step, o.guards.join(", "), o.reason));
        }
        if !self.out_of_order.is_empty() {
            out.push(format!("  out of order     {}", self.out_of_order.join(", ")));
        }
        if !self.break_glass.is_empty() {
            out.push(format!("  break-glass      {}", self.break_glass.len()));
            for (step, reason) in &self.break_glass {
                out.push(format!("    {step}: {reason}"));
            }
        }
        out.push(format!("  failed steps     {}", self.failed_steps.len()));
        for (step, error) in &self.failed_steps {
            out.push(format!("    {step}: {error}"));
        }
        out.push("  expectations".into());
        for e in &self.expectations {
            out.push(format!("    {} {} — {}", if e.met { "✓" } else { "✗" }, e.expectation, e.detail));
        }
        out
    }
}
