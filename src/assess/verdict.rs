//! One verdict per signal and per region, in three states: within its lines, past a
//! threshold, or unknown. The status line, `snapshot`'s verdict and JSON, the region titles
//! and the `wait-healthy` watch all say what this says, so none of them can call a region
//! fine that nothing was read from.

use super::{Finding, Limits, findings, health, unfenced_writers};
use crate::model::{Freshness, RegionSnapshot, SignalKey, Snapshot, error_cause};
use crate::text::format;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Every signal polled is fresh and within its lines.
    Ok,
    /// A signal is past a threshold (or a warning: a team alarm firing).
    Past,
    /// Nothing past a threshold, but something that should be known is not.
    Unknown,
}

/// A signal whose state is not known now, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    pub signal: SignalKey,
    /// As the status line names it: `5xx`, `latency`, a custom row's label.
    pub name: String,
    /// The cause in words: the poll's error without its API name, or how old the reading is.
    pub reason: String,
    /// What to do about it, when the error knows.
    pub fix: Option<String>,
}

/// What a region's poll said, or could not say.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionVerdict {
    pub name: String,
    /// Signals past a threshold, and warnings.
    pub findings: Vec<Finding>,
    pub unknown: Vec<Unknown>,
    /// No signal of this region is fresh: nothing at all is known of it.
    pub blind: bool,
    /// Why its endpoints do not answer, when they do not: a finding says it, so the
    /// unknown lines need not say it again.
    pub unanswered: Option<String>,
}

impl RegionVerdict {
    /// Every unknown signal is one whose first reading has not come (none failed, none aged).
    pub fn only_awaited(&self) -> bool {
        self.unknown.iter().all(|u| u.reason == NEVER_READ)
    }

    /// Nothing was read from this region and nothing refused: its pollers have not answered.
    pub fn nothing_yet(&self) -> bool {
        self.blind && self.only_awaited()
    }

    pub fn state(&self) -> State {
        if !self.findings.is_empty() {
            State::Past
        } else if !self.unknown.is_empty() {
            State::Unknown
        } else {
            State::Ok
        }
    }
}

/// The reason a 5xx rate that was never asked for is unknown: every region needs one.
pub const NEVER_READ: &str = "no reading yet";

/// The verdict on one region: its breaches, and every signal that was polled (or is
/// needed: the 5xx rate) and is not fresh now.
pub fn region(region: &RegionSnapshot, limits: Limits<'_>) -> RegionVerdict {
    let (now, interval) = (limits.now, limits.poll_interval);
    let mut unknown = Vec::new();
    let mut any_fresh = false;
    for key in region.keys() {
        let status = region.status_of(key, now, interval);
        if status.freshness == Freshness::Fresh {
            any_fresh = true;
            continue;
        }
        if !status.polled() && key != SignalKey::ErrorRate {
            continue;
        }
        // With Route 53's checkers out of reach, the region's own signals judge its health.
        if key == SignalKey::HealthChecks && health::from_data_plane(region, limits).is_ok() {
            continue;
        }
        let reason = match (status.error, status.observed_at) {
            (Some(error), _) => error_cause(error).to_owned(),
            (None, Some(at)) => format!("last read {} ago", format::age(now - at)),
            (None, None) => NEVER_READ.to_owned(),
        };
        let fix = status
            .error
            .and_then(|e| crate::model::error_details(e).into_iter().find(|(label, _)| *label == "fix"))
            .map(|(_, fix)| fix.to_owned());
        unknown.push(Unknown { signal: key, name: signal_name(key, limits), reason, fix });
    }
    RegionVerdict {
        name: region.name.clone(),
        findings: findings(region, limits),
        unknown,
        blind: !any_fresh,
        unanswered: super::unanswered(region, limits),
    }
}

/// Signal names for a line: a few by name, many by count.
fn listed(names: &[&str]) -> String {
    if names.len() <= 7 { names.join(", ") } else { format!("{} signals", names.len()) }
}

fn signal_name(key: SignalKey, limits: Limits<'_>) -> String {
    match key {
        SignalKey::Custom(i) => {
            limits.thresholds.signals.get(usize::from(i)).map_or_else(|| "signal".to_owned(), |s| s.label.clone())
        }
        SignalKey::LatencyP99 => limits.thresholds.latency_label.to_owned(),
        k => k.short().to_owned(),
    }
}

/// Every region's verdict, and the split brain that is about two of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub regions: Vec<RegionVerdict>,
    pub split: Option<Finding>,
}

pub fn assess(snapshot: &Snapshot, limits: Limits<'_>, single_writer: bool) -> Verdict {
    Verdict {
        regions: snapshot.regions.iter().map(|r| region(r, limits)).collect(),
        split: unfenced_writers(&snapshot.regions, single_writer, limits),
    }
}

impl Verdict {
    /// Only then may a summary say "all regions within thresholds".
    pub fn all_ok(&self) -> bool {
        self.split.is_none() && self.regions.iter().all(|r| r.state() == State::Ok)
    }

    /// Regions nothing fresh was read from.
    pub fn blind(&self) -> Vec<&str> {
        self.regions.iter().filter(|r| r.blind).map(|r| r.name.as_str()).collect()
    }

    /// The distinct fixes of what is unknown, in the order first met.
    pub fn fixes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for fix in self.regions.iter().flat_map(|r| &r.unknown).filter_map(|u| u.fix.as_deref()) {
            if !out.contains(&fix) {
                out.push(fix);
            }
        }
        out
    }

    /// Nothing was ever read or refused anywhere: the pollers have not answered yet.
    pub fn nothing_yet(&self) -> bool {
        self.regions.iter().all(RegionVerdict::nothing_yet)
    }

    /// What is unknown, in words, one line each (without the leading `?`): a cause every
    /// region shares is said once (`every region unknown: no AWS credentials found`), the
    /// rest region by region (`us-east-1: 5xx, latency unknown: connection refused`).
    /// Causes in `said` are left out: another line already says them.
    pub fn unknown_lines(&self, said: &[&str]) -> Vec<String> {
        let groups: Vec<Vec<(String, Vec<&str>)>> = self
            .regions
            .iter()
            .map(|r| {
                let mut by_reason: Vec<(String, Vec<&str>)> = Vec::new();
                let own = r.unanswered.as_deref();
                for u in
                    r.unknown.iter().filter(|u| !said.contains(&u.reason.as_str()) && Some(u.reason.as_str()) != own)
                {
                    match by_reason.iter_mut().find(|(reason, _)| *reason == u.reason) {
                        Some((_, names)) => names.push(&u.name),
                        None => by_reason.push((u.reason.clone(), vec![&u.name])),
                    }
                }
                by_reason
            })
            .collect();
        // A cause is said once for every region when it means the same there: each region
        // knows nothing else (`every region unknown: …`), or the same signals are unknown for
        // it everywhere (`every region: health, routing unknown: …`).
        // A region knows nothing, all for one cause (counting what other lines said too).
        let whole = |r: &RegionVerdict, reason: &str| r.blind && r.unknown.iter().all(|u| u.reason == reason);
        let shared: Vec<&String> = match groups.split_first() {
            Some((first, rest)) if !rest.is_empty() => first
                .iter()
                .filter(|(reason, names)| {
                    let all_whole = self.regions.iter().all(|r| whole(r, reason));
                    rest.iter().all(|g| g.iter().any(|(r, n)| r == reason && (all_whole || n == names)))
                })
                .map(|(reason, _)| reason)
                .collect(),
            _ => Vec::new(),
        };
        let mut lines = Vec::new();
        for reason in &shared {
            if self.regions.iter().all(|r| whole(r, reason)) {
                lines.push(format!("every region unknown: {reason}"));
            } else if let Some((_, names)) = groups.first().and_then(|g| g.iter().find(|(r, _)| r == *reason)) {
                lines.push(format!("every region: {} unknown: {reason}", listed(names)));
            }
        }
        for (r, g) in self.regions.iter().zip(&groups) {
            let own: Vec<String> = g
                .iter()
                .filter(|(reason, _)| !shared.contains(&reason))
                .map(|(reason, names)| format!("{} unknown: {reason}", listed(names)))
                .collect();
            if !own.is_empty() {
                lines.push(format!("{}: {}", r.name, own.join("; ")));
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;
    use crate::model::{Reading, Role, Update};
    use crate::testkit::t;
    use chrono::Duration;

    fn two() -> Snapshot {
        Snapshot::new(
            vec![RegionSnapshot::new("us-east-1", Role::Primary), RegionSnapshot::new("us-west-2", Role::Secondary)],
            Duration::seconds(10),
        )
    }

    fn verdict(s: &Snapshot, now: i64) -> Verdict {
        let thresholds = Thresholds::default();
        let limits =
            Limits { thresholds: &thresholds, rpo: Duration::seconds(60), now: t(now), poll_interval: s.poll_interval };
        assess(s, limits, true)
    }

    fn fine(s: &mut Snapshot, region: usize, at: i64) {
        s.apply(Update::ok(region, t(at), Reading::ErrorRate(0.1)));
        s.apply(Update::ok(region, t(at), Reading::LatencyP99(120.0)));
    }

    #[test]
    fn nothing_read_is_unknown_never_fine() {
        let s = two();
        let v = verdict(&s, 0);
        assert!(!v.all_ok());
        assert!(v.nothing_yet());
        assert_eq!(v.blind(), ["us-east-1", "us-west-2"]);
        assert_eq!(v.unknown_lines(&[]), ["every region unknown: no reading yet"]);
    }

    #[test]
    fn a_shared_cause_is_said_once() {
        let mut s = two();
        for region in [0, 1] {
            for key in [SignalKey::ErrorRate, SignalKey::LatencyP99] {
                s.apply(Update::failed(
                    region,
                    key,
                    t(0),
                    "GetMetricData: no AWS credentials found\nfix: aws configure",
                ));
            }
        }
        let v = verdict(&s, 1);
        assert_eq!(v.unknown_lines(&[]), ["every region unknown: no AWS credentials found"]);
        assert_eq!(v.regions[0].state(), State::Unknown);
    }

    #[test]
    fn each_region_says_its_own_cause_and_fresh_fine_readings_pass() {
        let mut s = two();
        fine(&mut s, 1, 0);
        s.apply(Update::failed(
            0,
            SignalKey::ErrorRate,
            t(0),
            "GetMetricData: cannot reach the endpoint (connection refused)",
        ));
        s.apply(Update::failed(
            0,
            SignalKey::LatencyP99,
            t(0),
            "GetMetricData: cannot reach the endpoint (connection refused)",
        ));
        s.apply(Update::failed(
            0,
            SignalKey::ReplicationLag,
            t(0),
            "GetMetricData: cannot reach the endpoint (connection refused)",
        ));
        let v = verdict(&s, 1);
        assert_eq!(
            v.unknown_lines(&[]),
            ["us-east-1: 5xx, p99, lag unknown: cannot reach the endpoint (connection refused)"]
        );
        assert_eq!(v.regions[1].state(), State::Ok);
        assert_eq!(v.blind(), ["us-east-1"]);
        // Both regions fine: only now is all well.
        fine(&mut s, 0, 2);
        s.apply(Update::ok(0, t(2), Reading::ReplicationLag(crate::model::Lag::Writer)));
        assert!(verdict(&s, 3).all_ok(), "{:?}", verdict(&s, 3));
    }

    #[test]
    fn a_reading_that_goes_quiet_turns_unknown_with_its_age() {
        let mut s = two();
        fine(&mut s, 0, 0);
        fine(&mut s, 1, 40);
        let v = verdict(&s, 45);
        assert_eq!(v.unknown_lines(&[]), ["us-east-1: 5xx, p99 unknown: last read 45s ago"]);
        assert!(!v.all_ok());
        // A failing read newer than the value: the failure is the reason.
        s.apply(Update::failed(0, SignalKey::ErrorRate, t(44), "GetMetricData: timed out"));
        let v = verdict(&s, 45);
        assert_eq!(v.unknown_lines(&[]), ["us-east-1: 5xx unknown: timed out; p99 unknown: last read 45s ago"]);
    }

    #[test]
    fn a_cause_another_line_says_is_left_out() {
        let mut s = two();
        fine(&mut s, 0, 0);
        fine(&mut s, 1, 0);
        for region in [0, 1] {
            s.apply(Update::failed(region, SignalKey::Routing, t(0), crate::model::CONTROL_PLANE_UNREACHABLE));
        }
        let v = verdict(&s, 1);
        assert_eq!(v.unknown_lines(&[]), ["every region: routing unknown: us-east-1 control plane unreachable"]);
        assert!(v.unknown_lines(&[crate::model::CONTROL_PLANE_UNREACHABLE]).is_empty());
        assert!(!v.all_ok(), "routing is still not known");
    }
}
