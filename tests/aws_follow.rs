//! `--follow` against the emulator: a follower draws the snapshot the publisher puts in the
//! DynamoDB store and makes no CloudWatch call of its own while that snapshot is fresh
//! (counted at its own fault proxies); once the publisher is gone, it polls by itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::aws_world::AwsWorld;
use common::proxy::Proxy;
use common::tmux::Session;

fn journal_section(url: &str) -> String {
    format!(
        "\n[journal]\nstore = \"dynamodb\"\ntable = \"warroom-incidents\"\nregions = [\"us-east-1\", \"us-west-2\"]\nendpoint-url = \"{url}\"\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_makes_no_cloudwatch_call_while_the_published_snapshot_is_fresh() {
    let world = AwsWorld::start().await;
    let store = journal_section(&world.moto.url());
    let publisher_config = world.config_file(&store);
    // The follower reaches the regions through proxies of its own, to count its calls.
    let (east, west) = (Proxy::start(world.moto.port), Proxy::start(world.moto.port));
    let follower_text =
        world.config_text(&store).replace(&world.east.url(), &east.url()).replace(&world.west.url(), &west.url());
    let follower_config = world.dir.path().join("follower.toml");
    std::fs::write(&follower_config, follower_text).unwrap();
    let init = world
        .command()
        .args(["store", "init", "--config"])
        .arg(&publisher_config)
        .output()
        .map(common::no_debug_text)
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));

    let env = format!(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent XDG_STATE_HOME={dir} XDG_DATA_HOME={dir}",
        dir = world.dir.path().display()
    );
    let bin = env!("CARGO_BIN_EXE_warroom");
    let socket = format!("warroom-follow-{}", std::process::id());
    let publisher = Session { name: "pub".into(), socket: socket.clone() };
    let command =
        format!("{env} {bin} --config {} --incident inc-follow --as ana; sleep 60", publisher_config.display());
    publisher.tmux(&["new-session", "-d", "-s", "pub", "-x", "160", "-y", "48", &command]);
    publisher.wait_for("req/s", Duration::from_secs(30));

    let follower = Session { name: "fol".into(), socket };
    let command =
        format!("{env} {bin} --config {} --incident inc-follow --as bo --follow; sleep 60", follower_config.display());
    follower.tmux(&["new-session", "-d", "-s", "fol", "-x", "160", "-y", "48", &command]);
    follower.wait_for("req/s", Duration::from_secs(30));
    east.clear_calls();
    west.clear_calls();
    std::thread::sleep(Duration::from_secs(4));
    let metrics = |p: &Proxy| p.calls().iter().filter(|c| *c == "GetMetricData").count();
    assert_eq!(
        metrics(&east) + metrics(&west),
        0,
        "the follower polled CloudWatch: {:?} {:?}",
        east.calls(),
        west.calls()
    );

    // The publisher goes (kill -9 of its pane's process group): the follower polls by itself.
    publisher.tmux(&["kill-session", "-t", "pub"]);
    let screen = follower.wait_for("polling AWS myself", Duration::from_secs(20));
    assert!(screen.contains("published snapshot is") || screen.contains("nobody publishes"), "{screen}");
    let start = std::time::Instant::now();
    while metrics(&east) + metrics(&west) == 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "the follower never polled by itself");
        std::thread::sleep(Duration::from_millis(200));
    }
}
