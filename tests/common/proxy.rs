//! A loopback HTTP proxy between the SDK and the emulator, one per region: it records the
//! name of every API call that passes and injects faults (delay, reset, 5xx, throttling).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Hold each request this long before forwarding it.
    Delay(Duration),
    /// Close the connection without answering.
    Reset,
    /// Answer 500 with an empty body.
    ServerError,
    /// Answer 400 with the protocol's throttling error.
    Throttle,
    /// Hold the connection and never answer: a region that is gone, not one that refuses.
    Blackhole,
    /// Forward the request (the emulator acts on it), then drop the response: the caller
    /// cannot know the call happened. Only for calls whose operation name is given.
    DropResponse(&'static str),
}

#[derive(Clone)]
pub struct Proxy {
    pub port: u16,
    fault: Arc<Mutex<Fault>>,
    calls: Arc<Mutex<Vec<String>>>,
    /// Each request's operation and body, for tests that check a request's shape.
    bodies: Arc<Mutex<Vec<(String, String)>>>,
}

impl Proxy {
    /// Listen on a free loopback port and forward to `upstream_port`.
    pub fn start(upstream_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Self {
            port,
            fault: Arc::new(Mutex::new(Fault::None)),
            calls: Arc::new(Mutex::new(Vec::new())),
            bodies: Arc::new(Mutex::new(Vec::new())),
        };
        let p = proxy.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let p = p.clone();
                std::thread::spawn(move || p.serve(stream, upstream_port));
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    /// Operation names seen so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    pub fn clear_calls(&self) {
        self.calls.lock().unwrap().clear();
        self.bodies.lock().unwrap().clear();
    }

    /// The bodies of the requests of `operation` seen so far, URL-decoded.
    pub fn bodies_of(&self, operation: &str) -> Vec<String> {
        self.bodies.lock().unwrap().iter().filter(|(op, _)| op == operation).map(|(_, b)| decode(b)).collect()
    }

    fn serve(&self, client: TcpStream, upstream_port: u16) {
        let mut reader = BufReader::new(client.try_clone().unwrap());
        let Some((head, body)) = read_message(&mut reader) else { return };
        let operation = operation_name(&head, &body);
        self.calls.lock().unwrap().push(operation.clone());
        self.bodies.lock().unwrap().push((operation.clone(), String::from_utf8_lossy(&body).into_owned()));
        let mut client = client;
        let fault = *self.fault.lock().unwrap();
        match fault {
            Fault::None => {}
            Fault::Delay(d) => std::thread::sleep(d),
            Fault::Reset => {
                let _ = client.shutdown(Shutdown::Both);
                return;
            }
            Fault::ServerError => {
                let _ = client
                    .write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            Fault::Blackhole => {
                // Hold the socket open until the caller gives up (or the test ends).
                std::thread::sleep(Duration::from_secs(3600));
                return;
            }
            Fault::DropResponse(_) => {}
            Fault::Throttle => {
                let json = head.to_ascii_lowercase().contains("x-amz-target:");
                let (ctype, body) = if json {
                    ("application/x-amz-json-1.0", r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}"#.to_owned())
                } else {
                    ("text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>".to_owned())
                };
                let _ = write!(
                    client,
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                return;
            }
        }
        // One upstream connection per request, closed after it: simple and enough for tests.
        let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", upstream_port)) else { return };
        let head = set_header(&head, "Connection", "close");
        let _ = upstream.write_all(head.as_bytes());
        let _ = upstream.write_all(&body);
        let mut response = Vec::new();
        let _ = upstream.read_to_end(&mut response);
        if matches!(fault, Fault::DropResponse(op) if op == operation) {
            // Done upstream; the caller sees a connection closed with no answer.
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |i| i + 4);
        let (rhead, rbody) = response.split_at(split);
        let rhead = set_header(&String::from_utf8_lossy(rhead), "Connection", "close");
        let (rhead, rbody) = match as_aws_answers(&operation, &rhead, &body) {
            Some((head, body)) => (head, body),
            None => (rhead, zoned_timestamps(&operation, rbody)),
        };
        let rhead = if rhead.to_ascii_lowercase().contains("content-length:") {
            set_header(&rhead, "Content-Length", &rbody.len().to_string())
        } else {
            rhead
        };
        let _ = client.write_all(rhead.as_bytes());
        let _ = client.write_all(&rbody);
        let _ = client.shutdown(Shutdown::Both);
    }
}

/// The request head (through the blank line) and its body, by Content-Length.
fn read_message(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

/// Replace (or add) one header in a message head.
fn set_header(head: &str, name: &str, value: &str) -> String {
    let mut lines: Vec<&str> = head.split("\r\n").filter(|l| !l.is_empty()).collect();
    lines.retain(|l| !l.split_once(':').is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(name)));
    let extra = format!("{name}: {value}");
    lines.push(&extra);
    format!("{}\r\n\r\n", lines.join("\r\n"))
}

/// The API operation of a request: X-Amz-Target (JSON protocols), Action= (query protocol),
/// or the Route 53 REST path.
pub fn operation_name(head: &str, body: &[u8]) -> String {
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("x-amz-target")
        {
            return v.trim().rsplit('.').next().unwrap_or_default().to_owned();
        }
    }
    let body = String::from_utf8_lossy(body);
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return action.to_owned();
    }
    let mut first = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, path) = (first.next().unwrap_or_default(), first.next().unwrap_or_default());
    let path = path.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let name = match (method, parts.as_slice()) {
        ("POST", [_, "hostedzone", _, "rrset"]) => "ChangeResourceRecordSets",
        ("GET", [_, "hostedzone", _, "rrset"]) => "ListResourceRecordSets",
        ("GET", [_, "hostedzone", _]) => "GetHostedZone",
        ("POST", [_, "hostedzone"]) => "CreateHostedZone",
        ("GET", [_, "change", _]) => "GetChange",
        ("GET", [_, "healthcheck", _, "status"]) => "GetHealthCheckStatus",
        ("GET", [_, "healthcheck", _]) => "GetHealthCheck",
        ("POST", [_, "healthcheck"]) => "CreateHealthCheck",
        _ => return format!("{method} {path}"),
    };
    name.to_owned()
}

/// Reads only: every call warroom's pollers make is a Get, List or Describe.
pub fn is_read(operation: &str) -> bool {
    ["Get", "List", "Describe"].iter().any(|p| operation.starts_with(p))
}

/// Percent-decoding of a form body (`+` is a space), so tests can read what was asked.
fn decode(body: &str) -> String {
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&body[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where moto's answer to `check`'s permission probes is not AWS's, AWS's: a probe passes
/// only on an answer that proves authorisation (issue 25), and moto answers
/// `PromoteReadReplica` of a missing instance with HTTP 500, a delete of a missing record
/// with `InvalidInput`. AWS answers `DBInstanceNotFound` and `InvalidChangeBatch`.
fn as_aws_answers(operation: &str, head: &str, request: &[u8]) -> Option<(String, Vec<u8>)> {
    let status = head.split_whitespace().nth(1).unwrap_or_default();
    let probe = String::from_utf8_lossy(request).contains("warroom-permission-probe");
    let (status_line, body) = match (operation, status) {
        ("PromoteReadReplica", "500") if probe => (
            "HTTP/1.1 404 Not Found",
            "<ErrorResponse><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance warroom-permission-probe not found.</Message></Error><RequestId>1</RequestId></ErrorResponse>".to_owned(),
        ),
        ("ChangeResourceRecordSets", "400") if probe => (
            "HTTP/1.1 400 Bad Request",
            "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>Tried to delete resource record set [name='_warroom-permission-probe.api.example.com.', type='TXT'] but it was not found</Message></Error><RequestId>1</RequestId></ErrorResponse>".to_owned(),
        ),
        _ => return None,
    };
    let head = format!(
        "{status_line}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    Some((head, body.into_bytes()))
}

/// moto writes an Auto Scaling group's `CreatedTime` without a zone (`2026-12-01T16:20:46.6`),
/// which real Auto Scaling never does and the SDK rightly refuses; mark it UTC as AWS would.
fn zoned_timestamps(operation: &str, body: &[u8]) -> Vec<u8> {
    if operation != "DescribeAutoScalingGroups" {
        return body.to_vec();
    }
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("<CreatedTime>") {
        let (before, after) = rest.split_at(start + "<CreatedTime>".len());
        out.push_str(before);
        let end = after.find('<').unwrap_or(after.len());
        let stamp = &after[..end];
        out.push_str(stamp);
        if !stamp.ends_with('Z') && !stamp.contains('+') {
            out.push('Z');
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out.into_bytes()
}
