//! Scoring a drill: pure over the journal, the scenario and the few facts only the drill saw
//! (guards that blocked, where traffic ended up).

use chrono::{DateTime, Duration, Utc};

use super::journal::DrillData;
use super::scorecard::{Facts, FaultWindow, Outcome, Override, Scorecard, time};
use super::{Expectation, Scenario};
use crate::runbook::ids;
use crate::scribe::{Entry, Kind, measure};
use crate::text::duration::format_duration;

fn secs(d: Duration) -> f64 {
    d.as_seconds_f64()
}

/// Compute the scorecard. `epoch` is when the drill's world began.
pub fn score(scenario: &Scenario, seed: u64, epoch: DateTime<Utc>, entries: &[Entry], facts: &Facts) -> Scorecard {
    let first_fault = scenario.faults.iter().map(|f| f.at).min();
    let fault_at = first_fault.map(|d| epoch + d);
    // Facilitator injections count as faults too (journaled as drill entries).
    let injected = entries
        .iter()
        .filter(|e| matches!(DrillData::of(e), Some(DrillData::FaultInjected { .. })))
        .map(|e| e.at)
        .min();
    let fault_at = match (fault_at, injected) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // One clock: the review's impact (the journaled first fault) when the journal has it, so
    // the scorecard's "time to declare" and the timeline's "declared T+" are the same number.
    let m = measure::measure(entries);
    let fault_at = m.impact_start.filter(|_| m.impact_source == Some("drill fault")).or(fault_at);
    let detected = fault_at.and_then(|f| measure::first_detection(entries, f));
    let faults = fault_windows(scenario, epoch, entries);
    // The first entry a person wrote after the first fault: warroom's observations, the
    // facilitator's drill entries and the journal's own housekeeping are not a response.
    let responded = fault_at.and_then(|f| {
        entries.iter().find(|e| {
            e.at >= f
                && e.author != crate::scribe::SYSTEM_AUTHOR
                && e.author != super::journal::FACILITATOR
                && !matches!(e.kind, Kind::Observation | Kind::Drill)
        })
    });
    let since_fault = |t: Option<DateTime<Utc>>| fault_at.zip(t).map(|(f, t)| secs(t - f));
    let failback = |step: &str, kind: Kind| {
        let e = entries.iter().find(|e| {
            e.kind == kind && e.step.as_deref() == Some(step) && e.data_str("runbook") == Some(ids::FAILBACK)
        });
        since_fault(e.map(|e| e.at))
    };
    let overrides: Vec<Override> = crate::scribe::overrides::overrides(entries)
        .into_iter()
        .map(|o| Override { step: o.entry.step.clone().unwrap_or_default(), reason: o.reason, guards: o.guards })
        .collect();
    let out_of_order: Vec<String> =
        overrides.iter().filter(|o| o.guards.iter().any(|g| g.starts_with("after:"))).map(|o| o.step.clone()).collect();
    let break_glass: Vec<(String, String)> = entries
        .iter()
        .filter_map(|e| match e.step_data()?.approval? {
            crate::scribe::data::ApprovalData::Approved { break_glass: Some(reason), .. } => {
                Some((e.step.clone().unwrap_or_default(), reason))
            }
            _ => None,
        })
        .collect();
    let failed_steps: Vec<(String, String)> = entries
        .iter()
        .filter(|e| e.kind == Kind::ActionFailed)
        .map(|e| (e.step.clone().unwrap_or_default(), e.text.clone()))
        .collect();

    let rto_target = secs(scenario.rto);
    let rpo_target = secs(scenario.rpo);
    let rto = m.rto.map(secs);
    let expectations: Vec<Outcome> = scenario
        .expectations
        .iter()
        .map(|x| {
            let (text, met, detail) = match x {
                Expectation::FailoverBlockedBeforeShift => (
                    "failover blocked before traffic shifts".to_owned(),
                    facts.failover_blocked_before_shift,
                    if facts.failover_blocked_before_shift {
                        "a guard held the failover back".into()
                    } else {
                        "no guard ever blocked it".into()
                    },
                ),
                Expectation::PromotionBlockedByLag => (
                    "promotion blocked while lag exceeds the RPO".to_owned(),
                    facts.promotion_blocked_by_lag,
                    if facts.promotion_blocked_by_lag {
                        "lag-within-rpo held promotion back".into()
                    } else {
                        "lag never blocked promotion".into()
                    },
                ),
                Expectation::RtoWithinTarget => (
                    format!("RTO within {}", format_duration(scenario.rto)),
                    rto.is_some_and(|r| r <= rto_target),
                    rto.map_or_else(|| "no recovery measured".into(), |r| format!("measured {}", time(Some(r)))),
                ),
                // Nothing promoted: the RPO was never put to the test, so it is neither met
                // nor missed (a team that did nothing earns no tick for it).
                Expectation::RpoNotExceeded if m.rpo_seconds.is_none() => {
                    return Outcome {
                        expectation: format!("RPO within {}", format_duration(scenario.rpo)),
                        met: false,
                        detail: "not applicable: nothing was promoted".into(),
                        applicable: false,
                    };
                }
                Expectation::RpoNotExceeded => (
                    format!("RPO within {}", format_duration(scenario.rpo)),
                    m.rpo_seconds.is_some_and(|r| r <= rpo_target),
                    m.rpo_seconds.map_or_else(String::new, |r| format!("{r:.1}s of lag at promotion")),
                ),
                Expectation::DetectedWithin(within) => {
                    let t = since_fault(detected);
                    (
                        format!("detected within {}", format_duration(*within)),
                        t.is_some_and(|t| t <= secs(*within)),
                        t.map_or_else(
                            || "never detected".into(),
                            |t| format!("first observation after {}", time(Some(t))),
                        ),
                    )
                }
                Expectation::NoGuardOverrides => {
                    ("no guard overrides".to_owned(), overrides.is_empty(), format!("{} override(s)", overrides.len()))
                }
                Expectation::ServingRegion(region) => (
                    format!("{region} serves at the end"),
                    &facts.serving_region == region,
                    format!("{} serves", facts.serving_region),
                ),
            };
            Outcome { expectation: text, met, detail, applicable: true }
        })
        .collect();
    Scorecard {
        scenario: scenario.name.clone(),
        seed,
        first_fault_seconds: fault_at.map(|f| secs(f - epoch)),
        faults,
        time_to_detect_seconds: since_fault(detected),
        time_to_respond_seconds: since_fault(responded.map(|e| e.at)),
        first_responder: responded.map(|e| e.author.clone()),
        time_to_declare_seconds: since_fault(m.declared),
        rto_seconds: rto,
        rto_target_seconds: rto_target,
        rpo_seconds: m.rpo_seconds,
        rpo_target_seconds: rpo_target,
        lost_writes: m.lost_writes,
        passed: expectations.iter().filter(|o| o.applicable).all(|o| o.met),
        overrides,
        out_of_order,
        failed_steps,
        serving_region: facts.serving_region.clone(),
        failback_declared_seconds: failback(ids::DECLARE, Kind::Decision),
        failback_done_seconds: failback(ids::SHIFT_TRAFFIC, Kind::ActionSucceeded),
        break_glass,
        expectations,
    }
}

/// Every fault the drill injected: the scenario's timeline (its `until`, or the end) and the
/// facilitator's injections, each closed by the first matching clear.
fn fault_windows(scenario: &Scenario, epoch: DateTime<Utc>, entries: &[Entry]) -> Vec<FaultWindow> {
    let mut out: Vec<FaultWindow> = scenario
        .faults
        .iter()
        .map(|f| FaultWindow {
            fault: f.fault.name().to_owned(),
            region: scenario.regions.get(f.region).cloned().unwrap_or_default(),
            by: "scenario".into(),
            start_seconds: secs(f.at),
            end_seconds: f.until.map(secs),
        })
        .collect();
    for (i, e) in entries.iter().enumerate() {
        let Some(DrillData::FaultInjected { fault, region }) = DrillData::of(e) else { continue };
        let cleared = entries[i + 1..].iter().find(|c| {
            matches!(DrillData::of(c), Some(DrillData::FaultCleared { fault: f, region: r }) if f == fault && r == region)
        });
        out.push(FaultWindow {
            fault: fault.name().to_owned(),
            region,
            by: e.author.clone(),
            start_seconds: secs(e.at - epoch),
            end_seconds: cleared.map(|c| secs(c.at - epoch)),
        });
    }
    out.sort_by(|a, b| a.start_seconds.total_cmp(&b.start_seconds));
    out
}
