//! The flight recorder: every reading a session accepts, kept beside its journal
//! (`<journal>.d/recording`) so the incident can be seen again.
//!
//! Compact: each reading is its time (a delta), region and signal, with its value only when
//! it changed since the batch's last (a repeat is one byte; numbers are `f64`, exactly as
//! read, so a replay shows what the dashboard showed; the rest JSON); batches of about thirty seconds
//! deflate-compressed (`flate2`, pure Rust) and framed with their length and CRC-32. Unlike
//! the journal it is not fsynced per reading: a crash may lose the batch being gathered,
//! never an earlier one, and never a journal entry. One terminal records an incident: the
//! first to take the file's lock.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use crate::model::{PollError, Reading, SignalKey, Update};

const MAGIC: &[u8; 8] = b"WRREC02\n";
/// A batch is written once it spans this much source time (or grows past `BATCH_BYTES`).
pub const BATCH_SECONDS: i64 = 30;
const BATCH_BYTES: usize = 64 * 1024;
/// Larger frames are refused as corrupt (a length field read from garbage).
const MAX_FRAME: u32 = 16 * 1024 * 1024;

/// The recording file of a journal.
pub fn path_beside(journal: &Path) -> PathBuf {
    let mut dir = journal.as_os_str().to_owned();
    dir.push(".d");
    PathBuf::from(dir).join("recording")
}

fn key_code(key: SignalKey) -> u8 {
    match key {
        SignalKey::Custom(i) => 32u8.saturating_add(i),
        other => SignalKey::ALL.iter().position(|k| *k == other).and_then(|i| u8::try_from(i).ok()).unwrap_or(31),
    }
}

fn key_of(code: u8) -> Option<SignalKey> {
    match code {
        32.. => Some(SignalKey::Custom(code - 32)),
        c => SignalKey::ALL.get(usize::from(c)).copied(),
    }
}

/// A reading's value as the recorder stores it: a number, or anything else as JSON.
fn number(reading: &Reading) -> Option<f64> {
    match reading {
        Reading::Requests(v)
        | Reading::ErrorRate(v)
        | Reading::LatencyP50(v)
        | Reading::LatencyP99(v)
        | Reading::HealthyTargets(v)
        | Reading::Custom(_, v) => Some(*v),
        Reading::WriteFreeze(b) | Reading::ControlPlane(b) | Reading::Reachable(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn from_number(key: SignalKey, v: f64) -> Option<Reading> {
    Some(match key {
        SignalKey::Requests => Reading::Requests(v),
        SignalKey::ErrorRate => Reading::ErrorRate(v),
        SignalKey::LatencyP50 => Reading::LatencyP50(v),
        SignalKey::LatencyP99 => Reading::LatencyP99(v),
        SignalKey::Custom(i) => Reading::Custom(i, v),
        SignalKey::WriteFreeze => Reading::WriteFreeze(v != 0.0),
        SignalKey::HealthyTargets => Reading::HealthyTargets(v),
        SignalKey::ControlPlane => Reading::ControlPlane(v != 0.0),
        SignalKey::Reachable => Reading::Reachable(v != 0.0),
        _ => return None,
    })
}

/// The rest, as JSON: what the model serializes (lag, health, database, routing, …).
fn json(reading: &Reading) -> Option<Vec<u8>> {
    let value = match reading {
        Reading::ReplicationLag(v) => serde_json::to_vec(v),
        Reading::HealthChecks(v) => serde_json::to_vec(v),
        Reading::Database(v) => serde_json::to_vec(v),
        Reading::Routing(v) => serde_json::to_vec(v),
        Reading::Integrity(v) => serde_json::to_vec(v),
        Reading::Alarms(v) => serde_json::to_vec(v),
        Reading::Capacity(v) => serde_json::to_vec(v),
        Reading::Secrets(v) => serde_json::to_vec(v),
        _ => return None,
    };
    value.ok()
}

fn from_json(key: SignalKey, bytes: &[u8]) -> Option<Reading> {
    Some(match key {
        SignalKey::ReplicationLag => Reading::ReplicationLag(serde_json::from_slice(bytes).ok()?),
        SignalKey::HealthChecks => Reading::HealthChecks(serde_json::from_slice(bytes).ok()?),
        SignalKey::Database => Reading::Database(serde_json::from_slice(bytes).ok()?),
        SignalKey::Routing => Reading::Routing(serde_json::from_slice(bytes).ok()?),
        SignalKey::Integrity => Reading::Integrity(serde_json::from_slice(bytes).ok()?),
        SignalKey::Alarms => Reading::Alarms(serde_json::from_slice(bytes).ok()?),
        SignalKey::Capacity => Reading::Capacity(serde_json::from_slice(bytes).ok()?),
        SignalKey::Secrets => Reading::Secrets(serde_json::from_slice(bytes).ok()?),
        _ => return None,
    })
}

// Value tags.
const SAME: u8 = 0;
const NUMBER: u8 = 1;
const JSON: u8 = 2;
const ERROR: u8 = 3;

/// What the recorder last wrote of one signal: values repeat, and a repeat costs one byte.
#[derive(Clone, Debug, PartialEq)]
enum Last {
    Number(f64),
    Json(Vec<u8>),
    Error(String),
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    push_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends readings to a recording.
#[derive(Debug)]
pub struct Recorder {
    file: File,
    path: PathBuf,
    last: HashMap<(usize, u8), Last>,
    /// The batch being gathered: raw records.
    batch: Vec<u8>,
    batch_started: Option<DateTime<Utc>>,
    last_time: i64,
    /// The newest write failure (a full disk): shown, never fatal.
    pub error: Option<String>,
}

impl Recorder {
    /// Open (or start) the recording beside `journal`; `None` when another terminal holds
    /// it (that one records) or it cannot be opened (the session goes on without it).
    pub fn beside(journal: &Path) -> Option<Self> {
        let path = path_beside(journal);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok()?;
        }
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path).ok()?;
        if file.try_lock().is_err() {
            return None;
        }
        if file.metadata().ok()?.len() == 0 {
            file.write_all(MAGIC).ok()?;
        }
        Some(Self {
            file,
            path,
            last: HashMap::new(),
            batch: Vec::new(),
            batch_started: None,
            last_time: 0,
            error: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Record one accepted reading (or poll error).
    pub fn record(&mut self, update: &Update) {
        let code = key_code(update.signal);
        let key = (update.region, code);
        let (tag, last, payload): (u8, Last, Vec<u8>) = match &update.result {
            Ok(reading) => match (number(reading), json(reading)) {
                (Some(v), _) => (NUMBER, Last::Number(v), v.to_le_bytes().to_vec()),
                (None, Some(bytes)) => (JSON, Last::Json(bytes.clone()), bytes),
                (None, None) => return,
            },
            Err(PollError(e)) => (ERROR, Last::Error(e.clone()), e.as_bytes().to_vec()),
        };
        let at = update.observed_at.timestamp_millis();
        let delta = at.saturating_sub(self.last_time).max(0);
        self.last_time = self.last_time.max(at);
        push_varint(&mut self.batch, delta as u64);
        self.batch.push(u8::try_from(update.region).unwrap_or(u8::MAX));
        self.batch.push(code);
        if self.last.get(&key) == Some(&last) {
            self.batch.push(SAME);
        } else {
            self.batch.push(tag);
            match tag {
                NUMBER => self.batch.extend_from_slice(&payload),
                _ => push_bytes(&mut self.batch, &payload),
            }
            self.last.insert(key, last);
        }
        let started = *self.batch_started.get_or_insert(update.observed_at);
        if (update.observed_at - started).num_seconds() >= BATCH_SECONDS || self.batch.len() >= BATCH_BYTES {
            self.flush();
        }
    }

    /// Compress and append the gathered batch (at the end of a session, too).
    pub fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let mut encoder = DeflateEncoder::new(Vec::with_capacity(self.batch.len() / 3), Compression::default());
        let compressed = encoder.write_all(&self.batch).and_then(|()| encoder.finish());
        let result = compressed.and_then(|data| {
            let mut frame = Vec::with_capacity(data.len() + 8);
            frame.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
            frame.extend_from_slice(&crc32fast::hash(&data).to_le_bytes());
            frame.extend_from_slice(&data);
            self.file.write_all(&frame)
        });
        match result {
            Ok(()) => self.error = None,
            Err(e) => self.error = Some(format!("recording {}: {e}", self.path.display())),
        }
        // A batch that could not be written is dropped: the recording never blocks the
        // dashboard, and the journal is unaffected.
        self.batch.clear();
        self.batch_started = None;
        // Each batch starts from scratch, so one lost batch never garbles the next.
        self.last.clear();
        self.last_time = 0;
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.flush();
    }
}

/// A recording read back: every reading in time order, and whether its end was torn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recording {
    pub updates: Vec<Update>,
    /// The last frame was incomplete or damaged (a crash mid-write): it was skipped.
    pub torn: bool,
}

fn read_varint(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn read_bytes<'a>(data: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(read_varint(data, at)?).ok()?;
    let bytes = data.get(*at..*at + len)?;
    *at += len;
    Some(bytes)
}

/// Decode one batch into updates.
fn decode(batch: &[u8], out: &mut Vec<Update>) -> Option<()> {
    let mut at = 0;
    let mut time = 0i64;
    let mut last: HashMap<(usize, u8), Result<Reading, String>> = HashMap::new();
    while at < batch.len() {
        time += i64::try_from(read_varint(batch, &mut at)?).ok()?;
        let region = usize::from(*batch.get(at)?);
        let code = *batch.get(at + 1)?;
        let tag = *batch.get(at + 2)?;
        at += 3;
        let key = key_of(code)?;
        let value = match tag {
            SAME => last.get(&(region, code))?.clone(),
            NUMBER => {
                let bytes: [u8; 8] = batch.get(at..at + 8)?.try_into().ok()?;
                at += 8;
                Ok(from_number(key, f64::from_le_bytes(bytes))?)
            }
            JSON => Ok(from_json(key, read_bytes(batch, &mut at)?)?),
            ERROR => Err(String::from_utf8_lossy(read_bytes(batch, &mut at)?).into_owned()),
            _ => return None,
        };
        last.insert((region, code), value.clone());
        let observed_at = DateTime::from_timestamp_millis(time)?;
        out.push(Update { region, signal: key, observed_at, result: value.map_err(PollError) });
    }
    Some(())
}

/// Read a recording; a torn or damaged last frame is skipped and said so.
pub fn read(path: &Path) -> Result<Recording, String> {
    let mut data = Vec::new();
    File::open(path).and_then(|mut f| f.read_to_end(&mut data)).map_err(|e| format!("{}: {e}", path.display()))?;
    if !data.starts_with(MAGIC) {
        return Err(format!("{}: not a warroom recording", path.display()));
    }
    let mut recording = Recording::default();
    let mut at = MAGIC.len();
    while at < data.len() {
        let header = data.get(at..at + 8);
        let Some(header) = header else {
            recording.torn = true;
            break;
        };
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let body = usize::try_from(len).ok().and_then(|len| data.get(at + 8..at + 8 + len));
        let (Some(body), true) = (body, len <= MAX_FRAME) else {
            recording.torn = true;
            break;
        };
        if crc32fast::hash(body) != crc {
            recording.torn = true;
            break;
        }
        let mut raw = Vec::new();
        if DeflateDecoder::new(body).read_to_end(&mut raw).is_err() || decode(&raw, &mut recording.updates).is_none() {
            recording.torn = true;
            break;
        }
        at += 8 + body.len();
    }
    // Recorded as accepted, which regions polled apart may interleave: read in time order
    // (stable, so readings of one moment keep their order).
    recording.updates.sort_by_key(|u| u.observed_at);
    Ok(recording)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::sim::{World, demo_timeline};
    use chrono::{Duration, TimeZone};

    fn epoch() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap()
    }

    #[test]
    fn what_is_recorded_reads_back_as_the_same_readings() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.jsonl");
        let config = Config::demo();
        let mut world =
            World::new(&config.regions, 7, epoch(), demo_timeline()).with_signals(&config.thresholds.signals);
        let mut all = Vec::new();
        {
            let mut recorder = Recorder::beside(&journal).unwrap();
            assert!(Recorder::beside(&journal).is_none(), "one terminal records an incident");
            for poll in 0..40 {
                let now = epoch() + Duration::seconds(poll * 5);
                world.advance_to(now);
                let mut updates = world.poll_all(now);
                updates.push(Update::failed(1, SignalKey::Routing, now, "ListResourceRecordSets: timed out"));
                for u in &updates {
                    recorder.record(u);
                }
                all.extend(updates);
            }
        }
        let back = read(&path_beside(&journal)).unwrap();
        assert!(!back.torn);
        assert_eq!(back.updates.len(), all.len());
        // Exactly: numbers are kept as read, so a replay rounds them as the dashboard did.
        assert_eq!(back.updates, all);
    }

    #[test]
    fn a_torn_last_batch_is_skipped_and_the_rest_read() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.jsonl");
        {
            let mut r = Recorder::beside(&journal).unwrap();
            for s in 0..100 {
                r.record(&Update::ok(0, epoch() + Duration::seconds(s), Reading::Requests(f64::from(s as i32))));
            }
        }
        let path = path_beside(&journal);
        let whole = read(&path).unwrap();
        assert_eq!(whole.updates.len(), 100);
        // A crash mid-write: the file ends inside its last frame.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let cut = read(&path).unwrap();
        assert!(cut.torn);
        let kept = cut.updates.len();
        assert!((60..100).contains(&kept), "earlier batches survive, the torn one is skipped: {kept}");
        assert!(read(&journal.with_extension("none")).is_err());
    }
}
