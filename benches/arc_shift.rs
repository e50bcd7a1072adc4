//! The traffic shift through ARC routing controls, against the loopback fake of the cluster
//! (tests/common/arc_fake.rs) with its five endpoints behind fault proxies and the first one
//! a change tries (us-west-2, the first away from the source us-east-1) blackholed: the time
//! from Enter (the action sent) to the confirmed state (both controls read back through
//! another endpoint). Target: within the call timeout plus 1 s.
//!
//! Run: `cargo bench --bench arc_shift` (installs moto into target/ on first use).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

#[path = "../tests/common/arc_fake.rs"]
mod arc_fake;
#[path = "../tests/common/aws_world.rs"]
mod aws_world;
#[path = "../tests/common/moto.rs"]
mod moto;
#[path = "../tests/common/proxy.rs"]
mod proxy;

use std::time::{Duration, Instant};

use arc_fake::ArcFake;
use aws_world::{AwsWorld, EAST, WEST};
use proxy::Fault;
use warroom::actions::{Action, OutcomeResult};

const RUNS: usize = 20;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let world = rt.block_on(AwsWorld::start());
    let fake = ArcFake::start(&[EAST, WEST]);
    let path = arc_fake::config_file(&world, &fake, "call-timeout = \"2s\"", "bench.toml");
    let config = warroom::config::Config::load(&path).unwrap();
    let call_timeout = config.aws.call_timeout.to_std().unwrap();
    let live = rt.block_on(world.live(config));
    let shift = |from: &str, to: &str| Action::ShiftTraffic {
        from: from.into(),
        to: to.into(),
        record_name: "api.example.com.".into(),
        routing_controls: true,
        override_safety_rules: Vec::new(),
    };
    for (name, dark) in [("every endpoint up", vec![]), ("first tried blackholed", vec!["us-west-2"])] {
        for p in &fake.endpoints {
            p.set(Fault::None);
        }
        for region in &dark {
            fake.endpoint(region).set(Fault::Blackhole);
        }
        let mut times = Vec::with_capacity(RUNS);
        for i in 0..RUNS {
            // Back and forth: every run is a real change, source On before it.
            let (from, to) = if i % 2 == 0 { (EAST, WEST) } else { (WEST, EAST) };
            let action = shift(from, to);
            let started = Instant::now();
            let result = rt.block_on(warroom::actions::aws::execute(&live, &action));
            times.push(started.elapsed());
            assert!(matches!(result, OutcomeResult::Succeeded { already: false, .. }), "{result:?}");
            assert!(fake.is_on(to) && !fake.is_on(from));
        }
        times.sort();
        let (median, worst) = (times[RUNS / 2], times[RUNS - 1]);
        println!(
            "ARC shift, {name}: median {:.1} ms, max {:.1} ms over {RUNS} shifts (target: max <= call timeout {} s + 1 s)",
            median.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3,
            call_timeout.as_secs()
        );
        assert!(worst <= call_timeout + Duration::from_secs(1), "a shift took {worst:?}");
    }
}
