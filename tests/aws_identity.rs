//! Identity: each terminal reads its caller identity once (STS GetCallerIdentity) and every
//! action entry it writes carries it, so the journal lines up with CloudTrail. Two processes
//! with two IAM users' keys (created in the emulator, which otherwise answers every caller
//! as one user) share one incident.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::aws_world::AwsWorld;

/// An IAM user in the emulator and its access key pair, made with the emulator's own boto3.
fn iam_user(world: &AwsWorld, name: &str) -> (String, String) {
    let python = common::moto::server_binary().with_file_name("python");
    let script = format!(
        "import boto3\n\
         iam = boto3.client('iam', endpoint_url='{url}', region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         iam.create_user(UserName='{name}')\n\
         k = iam.create_access_key(UserName='{name}')['AccessKey']\n\
         print(k['AccessKeyId'], k['SecretAccessKey'])\n",
        url = world.moto.url()
    );
    let out = std::process::Command::new(python).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "cannot create IAM user {name}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut parts = text.split_whitespace();
    (parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned())
}

const TEAM_RUNBOOK: &str = r#"
[[runbook]]
id = "team"
direction = "failover"

[[runbook.step]]
id = "freeze-a"
kind = "freeze-writes"

[[runbook.step]]
id = "freeze-b"
kind = "freeze-writes"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_iam_users_share_an_incident_and_each_action_entry_names_its_caller() {
    let world = AwsWorld::start().await;
    let config = world.config_file(TEAM_RUNBOOK);
    let journal = world.dir.path().join("incident.jsonl");
    let alice = iam_user(&world, "alice");
    let bob = iam_user(&world, "bob");
    let run = |who: &str, keys: &(String, String), step: &str| {
        let out = world
            .command()
            .env("AWS_ACCESS_KEY_ID", &keys.0)
            .env("AWS_SECRET_ACCESS_KEY", &keys.1)
            .args(["run-step", step, "--runbook", "team", "--confirm", "us-east-1", "--as", who, "--config"])
            .arg(&config)
            .arg("--journal")
            .arg(&journal)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{who}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("alice", &alice, "freeze-a");
    run("bob", &bob, "freeze-b");
    let entries = warroom::scribe::journal::read_file(&journal).unwrap().0;
    let actions: Vec<(String, String, Option<String>)> = entries
        .iter()
        .filter(|e| matches!(e.kind, warroom::scribe::Kind::ActionStarted | warroom::scribe::Kind::ActionSucceeded))
        .map(|e| (e.author.clone(), e.step.clone().unwrap_or_default(), e.data_str("identity").map(str::to_owned)))
        .collect();
    assert_eq!(actions.len(), 4, "{actions:?}");
    for (author, step, identity) in &actions {
        let identity = identity.as_deref().unwrap_or_else(|| panic!("{author}'s {step} entry names no caller"));
        assert!(identity.ends_with(&format!(":user/{author}")), "{author}'s {step} entry names {identity}");
    }
}
