//! The built-in runbooks, from seed 004: failover (§15.2) with its pre- and post-failover
//! checks (§15.1, §15.3), and failback (§16.2).

use super::ids;
use super::{Direction, Runbook, Step, StepKind as K};

fn checklist(id: &str, title: &str, items: &[(&str, &str)]) -> Runbook {
    Runbook {
        id: id.to_owned(),
        title: title.to_owned(),
        direction: Direction::Failover,
        steps: items.iter().map(|(id, title)| Step::new(id, title, K::Checklist, &[])).collect(),
    }
}

/// What a config lets the runbooks read instead of asking a human to tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// A region names its Auto Scaling group or ECS service and the capacity it needs.
    pub capacity: bool,
    pub alarms: bool,
    /// Canary alarms are named: synthetic checks become a watch on them.
    pub canaries: bool,
    pub secrets: bool,
}

impl Features {
    pub const ALL: Features = Features { capacity: true, alarms: true, canaries: true, secrets: true };
}

/// The built-ins for a config that reads nothing beyond traffic, database and routing.
pub fn built_in() -> Vec<Runbook> {
    built_in_for(Features::default())
}

/// A step of `kind` when the config can read it, else the human tick it replaces.
fn read_or_tick(id: &str, title: &str, readable: Option<K>, guards: &[&str]) -> Step {
    Step::new(id, title, readable.unwrap_or(K::Checklist), guards)
}

/// The built-in runbooks, with each check the config can read made a reading, and the
/// guards of what it reads added to the promotion and the shift.
pub fn built_in_for(f: Features) -> Vec<Runbook> {
    let mut promote_guards = vec!["after:check-lag", "writes-frozen", "lag-within-rpo", "secondary-healthy"];
    let mut shift_guards = vec!["after:verify-writer", "after:synthetic-checks", "secondary-healthy", "change-insync"];
    let mut failback_shift = vec!["after:reopen-writes", "after:monitor-canary", "secondary-healthy", "change-insync"];
    if f.secrets {
        promote_guards.push("secrets-present");
        shift_guards.push("secrets-present");
        failback_shift.push("secrets-present");
    }
    if f.alarms {
        shift_guards.push("alarms-ok");
        failback_shift.push("alarms-ok");
    }
    if f.capacity {
        shift_guards.push("capacity-ready");
        failback_shift.push("capacity-ready");
    }
    let mut pre = checklist(
        ids::PRE_FAILOVER,
        "Pre-failover checks",
        &[
            ("scope", "Confirm incident scope: AZ, service, Region, app-only, data corruption, security"),
            ("safer-than-staying", "Confirm failover is safer than staying"),
            ("secondary-health", "Confirm secondary Region health"),
            ("secondary-capacity", "Confirm secondary capacity"),
            ("lag-and-rpo", "Confirm replication lag and possible RPO impact"),
            ("freeze-deploys", "Freeze risky deployments"),
            ("stop-writers", "Stop conflicting writers if needed"),
            ("notify", "Notify stakeholders"),
            ("roles", "Assign incident commander and scribe"),
        ],
    );
    if f.capacity
        && let Some(step) = pre.steps.iter_mut().find(|s| s.id == "secondary-capacity")
    {
        *step = Step::new("secondary-capacity", "Confirm secondary capacity", K::ConfirmCapacity, &[]);
    }
    vec![
        pre,
        Runbook {
            id: ids::FAILOVER.into(),
            title: "Failover".into(),
            direction: Direction::Failover,
            steps: vec![
                Step::new(ids::DECLARE, "Declare failover decision", K::Declare, &["cooldown-elapsed"]),
                Step::new(
                    "freeze-writes",
                    "Disable writes in primary if reachable",
                    K::FreezeWrites,
                    &["after:declare"],
                ),
                Step::new("check-lag", "Check replication lag", K::CheckLag, &["after:freeze-writes"]),
                Step::new("promote-database", "Promote secondary database", K::PromoteDatabase, &promote_guards),
                Step::new(
                    "verify-writer",
                    "Validate database writer endpoint",
                    K::VerifyWriter,
                    &["after:promote-database"],
                ),
                read_or_tick(
                    "scale-secondary",
                    "Scale secondary application to required capacity",
                    f.capacity.then_some(K::ScaleCapacity),
                    &["after:declare"],
                ),
                read_or_tick(
                    "validate-access",
                    "Validate secrets, config and IAM access",
                    f.secrets.then_some(K::CheckSecrets),
                    &["after:declare"],
                ),
                read_or_tick(
                    "synthetic-checks",
                    "Run synthetic checks against secondary",
                    f.canaries.then_some(K::WaitCanaries),
                    &["after:verify-writer"],
                ),
                Step::new("shift-traffic", "Shift traffic to secondary", K::ShiftTraffic, &shift_guards),
                Step::new(
                    "monitor",
                    "Monitor error rate, latency, writes, replication",
                    K::WaitHealthy,
                    &["after:shift-traffic"],
                ),
                Step::new(
                    "communicate",
                    "Communicate user impact and operating mode",
                    K::Checklist,
                    &["after:shift-traffic"],
                ),
            ],
        },
        checklist(
            "post-failover",
            "Post-failover checks",
            &[
                ("error-rate", "Error rate stable"),
                ("latency", "Latency acceptable"),
                ("writes", "Data writes succeeding"),
                ("no-old-primary-writes", "No unexpected writes to old primary"),
                ("queues", "Queue backlog controlled"),
                ("security", "Security monitoring active"),
                ("audit", "Audit logging active"),
                ("cost", "Cost anomaly expected"),
                ("business", "Business-critical workflows validated"),
            ],
        ),
        Runbook {
            id: ids::FAILBACK.into(),
            title: "Failback".into(),
            direction: Direction::Failback,
            steps: vec![
                Step::new(
                    "original-healthy",
                    "Confirm original Region is healthy",
                    K::Checklist,
                    &["secondary-healthy"],
                ),
                Step::new(
                    "declare",
                    "Decide to fail back (or remain in new primary)",
                    K::Declare,
                    &["after:original-healthy", "cooldown-elapsed"],
                ),
                // §16.2 leaves the writes implicit; moving the one writer back needs both ends:
                // stop writes where they are now, reopen them at home once replication is back.
                Step::new(
                    "freeze-writes",
                    "Freeze writes in the current primary Region",
                    K::FreezeWrites,
                    &["after:declare"],
                ),
                Step::new("reconcile", "Reconcile data divergence", K::Checklist, &["after:freeze-writes"]),
                Step::new("replication", "Re-establish replication direction", K::Checklist, &["after:reconcile"]),
                Step::new(
                    "reopen-writes",
                    "Reopen writes in the original Region",
                    K::UnfreezeWrites,
                    &["after:replication", "writes-frozen"],
                ),
                Step::new("validate-stack", "Validate app stack in original Region", K::Checklist, &["after:declare"]),
                Step::new(
                    "synthetic-checks",
                    "Run synthetic and business checks",
                    K::Checklist,
                    &["after:validate-stack"],
                ),
                Step::new(
                    "canary",
                    "Shift small traffic percentage if possible",
                    K::Checklist,
                    &["after:synthetic-checks", "after:reopen-writes"],
                ),
                Step::new(
                    "monitor-canary",
                    "Monitor error, latency, data correctness",
                    K::Checklist,
                    &["after:canary"],
                ),
                Step::new("shift-traffic", "Complete traffic shift", K::ShiftTraffic, &failback_shift),
                Step::new(
                    "stabilize",
                    "Keep enhanced monitoring during stabilization",
                    K::WaitHealthy,
                    &["after:shift-traffic"],
                ),
                Step::new("document", "Document observed RTO/RPO and lessons", K::Checklist, &["after:shift-traffic"]),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_follow_the_seed_and_are_valid() {
        let books = built_in();
        let ids: Vec<&str> = books.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["pre-failover", "failover", "post-failover", "failback"], "each runbook once");
        let by_id = |id: &str| books.iter().find(|b| b.id == id).unwrap();
        assert_eq!(by_id("failover").steps.len(), 11);
        assert_eq!(by_id("failback").steps.len(), 13);
        assert_eq!(by_id("pre-failover").steps.len(), 9);
        assert_eq!(by_id("post-failover").steps.len(), 9);
        let promote = by_id("failover").step("promote-database").unwrap().1;
        assert_eq!(
            promote.guards,
            [
                super::super::Guard::After("check-lag".into()),
                super::super::Guard::WritesFrozen,
                super::super::Guard::LagWithinRpo,
                super::super::Guard::SecondaryHealthy
            ]
        );
        assert_eq!(by_id("failover").step("shift-traffic").unwrap().1.guards.len(), 4);
        for book in &books {
            for step in &book.steps {
                for guard in &step.guards {
                    if let super::super::Guard::After(id) = guard {
                        assert!(book.step(id).is_some(), "{}/{} names missing step {id}", book.id, step.id);
                    }
                }
            }
        }
        super::super::config::check_cycles(&books).unwrap();
    }

    #[test]
    fn what_the_config_can_read_becomes_a_reading_and_a_guard() {
        let books = built_in_for(Features::ALL);
        let failover = books.iter().find(|b| b.id == "failover").unwrap();
        let kind = |id: &str| failover.step(id).unwrap().1.kind;
        assert_eq!(kind("scale-secondary"), K::ScaleCapacity);
        assert_eq!(kind("validate-access"), K::CheckSecrets);
        assert_eq!(kind("synthetic-checks"), K::WaitCanaries);
        let shift: Vec<String> =
            failover.step("shift-traffic").unwrap().1.guards.iter().map(ToString::to_string).collect();
        assert!(shift.iter().any(|g| g == "alarms-ok") && shift.iter().any(|g| g == "capacity-ready"), "{shift:?}");
        let plain = built_in();
        let failover = plain.iter().find(|b| b.id == "failover").unwrap();
        assert_eq!(failover.step("scale-secondary").unwrap().1.kind, K::Checklist);
        super::super::config::check_cycles(&books).unwrap();
    }
}
