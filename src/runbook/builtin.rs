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

pub fn built_in() -> Vec<Runbook> {
    vec![
        checklist(
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
        ),
        Runbook {
            id: ids::FAILOVER.into(),
            title: "Failover".into(),
            direction: Direction::Failover,
            steps: vec![
                Step::new(ids::DECLARE, "Declare failover decision", K::Declare, &[]),
                Step::new(
                    "freeze-writes",
                    "Disable writes in primary if reachable",
                    K::FreezeWrites,
                    &["after:declare"],
                ),
                Step::new("check-lag", "Check replication lag", K::CheckLag, &["after:freeze-writes"]),
                Step::new(
                    "promote-database",
                    "Promote secondary database",
                    K::PromoteDatabase,
                    &["after:check-lag", "writes-frozen", "lag-within-rpo", "secondary-healthy"],
                ),
                Step::new(
                    "verify-writer",
                    "Validate database writer endpoint",
                    K::VerifyWriter,
                    &["after:promote-database"],
                ),
                Step::new(
                    "scale-secondary",
                    "Scale secondary application to required capacity",
                    K::Checklist,
                    &["after:declare"],
                ),
                Step::new(
                    "validate-access",
                    "Validate secrets, config and IAM access",
                    K::Checklist,
                    &["after:declare"],
                ),
                Step::new(
                    "synthetic-checks",
                    "Run synthetic checks against secondary",
                    K::Checklist,
                    &["after:verify-writer"],
                ),
                Step::new(
                    "shift-traffic",
                    "Shift traffic to secondary",
                    K::ShiftTraffic,
                    &["after:verify-writer", "after:synthetic-checks", "secondary-healthy", "change-insync"],
                ),
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
                    &["after:original-healthy"],
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
                Step::new(
                    "shift-traffic",
                    "Complete traffic shift",
                    K::ShiftTraffic,
                    &["after:reopen-writes", "after:monitor-canary", "secondary-healthy", "change-insync"],
                ),
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
}
