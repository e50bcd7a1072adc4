//! A FAKE of the ARC cluster API (Route 53 Application Recovery Controller's
//! `route53-recovery-cluster`), for tests only: no emulator speaks it. It listens on one
//! loopback port and speaks awsJson1.0 (`X-Amz-Target: ToggleCustomerAPI.*`), the protocol
//! the SDK sends; five fault proxies in front of it stand for a real cluster's five regional
//! endpoints, each of which a test can blackhole alone.
//!
//! What it covers of the real API:
//! - `GetRoutingControlState`, `UpdateRoutingControlState`, `UpdateRoutingControlStates`
//!   (all entries applied together or none) and `ListRoutingControls` (one page);
//! - one assertion safety rule: at least `min_on` of its asserted controls On. An update that
//!   would break it is refused with `ConflictException` (HTTP 409) naming the rule, unless
//!   `SafetyRulesToOverride` lists the rule's ARN, as ARC does;
//! - an unknown control ARN is `ResourceNotFoundException` (HTTP 404).
//!
//! What it leaves out: gating rules, wait periods, pagination, control panels beyond one,
//! authentication (any signature passes), and the control plane
//! (`route53-recovery-control-config`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::proxy::Proxy;

pub const PANEL: &str = "arn:aws:route53-recovery-control::123456789012:controlpanel/0123456789abcdef";
pub const RULE: &str =
    "arn:aws:route53-recovery-control::123456789012:controlpanel/0123456789abcdef/safetyrule/at-least-one-on";

/// The regions of a real cluster's five endpoints.
pub const ENDPOINT_REGIONS: [&str; 5] = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "ap-northeast-1"];

#[derive(Clone, Debug)]
pub struct Control {
    pub arn: String,
    pub name: String,
    pub on: bool,
}

#[derive(Debug)]
struct State {
    controls: Vec<Control>,
    /// The assertion rule: at least this many of the controls On.
    min_on: usize,
}

/// The fake and its five endpoints.
pub struct ArcFake {
    pub port: u16,
    state: Arc<Mutex<State>>,
    /// One proxy per endpoint, in `ENDPOINT_REGIONS` order.
    pub endpoints: Vec<Proxy>,
}

/// A routing control's ARN for `region`.
pub fn control_arn(region: &str) -> String {
    format!("{PANEL}/routingcontrol/{region}")
}

impl ArcFake {
    /// One control per region (the first On, the rest Off) and the at-least-one-On rule.
    pub fn start(regions: &[&str]) -> Self {
        let controls = regions
            .iter()
            .enumerate()
            .map(|(i, r)| Control { arn: control_arn(r), name: format!("checkout-{r}"), on: i == 0 })
            .collect();
        let state = Arc::new(Mutex::new(State { controls, min_on: 1 }));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        let endpoints = ENDPOINT_REGIONS.iter().map(|_| Proxy::start(port)).collect();
        Self { port, state, endpoints }
    }

    /// Whether the control of `region` is On now.
    pub fn is_on(&self, region: &str) -> bool {
        let arn = control_arn(region);
        self.state.lock().unwrap().controls.iter().any(|c| c.arn == arn && c.on)
    }

    /// The endpoint proxy of `region`.
    pub fn endpoint(&self, region: &str) -> &Proxy {
        let i = ENDPOINT_REGIONS.iter().position(|r| *r == region).unwrap();
        &self.endpoints[i]
    }

    /// Make the safety rule ask for at least `n` controls On.
    pub fn require_on(&self, n: usize) {
        self.state.lock().unwrap().min_on = n;
    }

    /// The bodies of `operation`'s requests through any endpoint.
    pub fn bodies_of(&self, operation: &str) -> Vec<String> {
        self.endpoints.iter().flat_map(|p| p.bodies_of(operation)).collect()
    }

    /// Every endpoint's calls, merged.
    pub fn calls(&self) -> Vec<String> {
        self.endpoints.iter().flat_map(Proxy::calls).collect()
    }

    /// The `[routing]` keys that point warroom at this cluster.
    pub fn routing_keys(&self) -> String {
        let endpoints: Vec<String> = ENDPOINT_REGIONS
            .iter()
            .zip(&self.endpoints)
            .map(|(r, p)| format!("{{ region = \"{r}\", url = \"{}\" }}", p.url()))
            .collect();
        format!("method = \"arc\"\ncluster-endpoints = [{}]\nsafety-rules = [\"{RULE}\"]\n", endpoints.join(", "))
    }
}

/// Turn a config of the emulator world (`AwsWorld::config_text`) into one that shifts
/// through this cluster: `[routing]` gains the method and the endpoints, each region its
/// routing control.
pub fn with_arc(text: &str, fake: &ArcFake, regions: &[(&str, &str)]) -> String {
    let mut out = text.replace("[routing]\n", &format!("[routing]\n{}", fake.routing_keys()));
    for (region, set_id) in regions {
        out = out.replace(
            &format!("record-set-id = \"{set_id}\"\n"),
            &format!("record-set-id = \"{set_id}\"\nrouting-control-arn = \"{}\"\n", control_arn(region)),
        );
    }
    out
}

/// The emulator world's config (`aws` keys added), shifting through this cluster, written to
/// `name` in the world's folder.
pub fn config_file(world: &super::aws_world::AwsWorld, fake: &ArcFake, aws: &str, name: &str) -> std::path::PathBuf {
    use super::aws_world::{EAST, WEST};
    let text = with_arc(&world.config_text(aws), fake, &[(EAST, "east"), (WEST, "west")]);
    let path = world.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    // One request per connection, as the fault proxies in front of it send them.
    if let Some((target, body)) = read_request(&mut reader) {
        let (status, answer) = handle(&target, &body, state);
        let text = answer.to_string();
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            _ => "Conflict",
        };
        let sent = write!(
            stream,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
        if sent.is_ok() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The operation (from X-Amz-Target) and the JSON body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Value)> {
    let (mut target, mut length) = (String::new(), 0usize);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("x-amz-target") {
                target = v.trim().to_owned();
            } else if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((target, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

fn error(status: u16, kind: &str, message: &str, resource: Option<(&str, &str)>) -> (u16, Value) {
    let mut body = json!({ "__type": kind, "message": message });
    if let Some((id, kind)) = resource {
        body["resourceId"] = json!(id);
        body["resourceType"] = json!(kind);
    }
    (status, body)
}

fn handle(target: &str, body: &Value, state: &Mutex<State>) -> (u16, Value) {
    let mut state = state.lock().unwrap();
    let operation = target.strip_prefix("ToggleCustomerAPI.").unwrap_or(target);
    match operation {
        "GetRoutingControlState" => {
            let arn = body["RoutingControlArn"].as_str().unwrap_or_default();
            match state.controls.iter().find(|c| c.arn == arn) {
                Some(c) => (
                    200,
                    json!({
                        "RoutingControlArn": c.arn,
                        "RoutingControlState": if c.on { "On" } else { "Off" },
                        "RoutingControlName": c.name,
                    }),
                ),
                None => {
                    error(404, "ResourceNotFoundException", "no such routing control", Some((arn, "RoutingControl")))
                }
            }
        }
        "ListRoutingControls" => {
            let controls: Vec<Value> = state
                .controls
                .iter()
                .map(|c| {
                    json!({
                        "ControlPanelArn": PANEL,
                        "ControlPanelName": "checkout",
                        "RoutingControlArn": c.arn,
                        "RoutingControlName": c.name,
                        "RoutingControlState": if c.on { "On" } else { "Off" },
                        "Owner": "123456789012",
                    })
                })
                .collect();
            (200, json!({ "RoutingControls": controls }))
        }
        "UpdateRoutingControlState" | "UpdateRoutingControlStates" => {
            let entries: Vec<(String, bool)> = if operation == "UpdateRoutingControlState" {
                vec![(
                    body["RoutingControlArn"].as_str().unwrap_or_default().to_owned(),
                    body["RoutingControlState"] == "On",
                )]
            } else {
                body["UpdateRoutingControlStateEntries"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|e| {
                                (
                                    e["RoutingControlArn"].as_str().unwrap_or_default().to_owned(),
                                    e["RoutingControlState"] == "On",
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut next = state.controls.clone();
            for (arn, on) in &entries {
                match next.iter_mut().find(|c| &c.arn == arn) {
                    Some(c) => c.on = *on,
                    None => {
                        return error(
                            404,
                            "ResourceNotFoundException",
                            "no such routing control",
                            Some((arn, "RoutingControl")),
                        );
                    }
                }
            }
            let overridden = body["SafetyRulesToOverride"]
                .as_array()
                .is_some_and(|rules| rules.iter().any(|r| r.as_str() == Some(RULE)));
            let on = next.iter().filter(|c| c.on).count();
            if on < state.min_on && !overridden {
                return error(
                    409,
                    "ConflictException",
                    &format!(
                        "Cannot update routing control states: safety rule at-least-one-on requires at least {} of its controls On",
                        state.min_on
                    ),
                    Some((RULE, "SafetyRule")),
                );
            }
            state.controls = next;
            (200, json!({}))
        }
        other => error(400, "ValidationException", &format!("unknown operation {other}"), None),
    }
}
