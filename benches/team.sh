#!/usr/bin/env bash
# Whole-process: 20 terminals joined to one demo whose journal holds 100,000 entries, idle
# (nobody types; the host polls and publishes its world, every joiner follows the journal
# every 250 ms and reads the world). Average CPU of each joiner as % of one core over 30 s,
# after start-up (target < 1% each).
# Usage: bash benches/team.sh            (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 1; }
cargo build --release --locked --quiet
bin="$PWD/target/release/warroom"
state=$(mktemp -d)
sock="warroom-team-bench-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$state"' EXIT
ticks=$(getconf CLK_TCK)
journal="$state/incident.jsonl"
followers=20

# 100,000 notes, as a long incident's journal would hold them.
awk 'BEGIN { for (i = 1; i <= 100000; i++)
  printf "{\"seq\":%d,\"id\":\"%016x\",\"at\":\"2026-12-01T%02d:%02d:%02dZ\",\"author\":\"ana\",\"kind\":\"note\",\"text\":\"note %d: checked the replica lag and the error rate again\"}\n",
         i, i, int(i / 3600) % 24, int(i / 60) % 60, i % 60, i }' > "$journal"

env="XDG_STATE_HOME=$state XDG_DATA_HOME=$state"
tmux -L "$sock" new-session -d -s host -x 160 -y 48 "$env $bin demo --journal $journal --as host"
for _ in $(seq 100); do [ -f "$journal.d/world.json" ] && break; sleep 0.1; done
[ -f "$journal.d/world.json" ] || { echo "the host did not publish its world" >&2; exit 1; }
for i in $(seq "$followers"); do
  tmux -L "$sock" new-session -d -s "j$i" -x 160 -y 48 "$env $bin join --journal $journal --as op$i"
done
sleep 15 # every joiner has read the 100k entries and settled
pids=$(pgrep -f "$bin join --journal $journal" || true)
count=$(echo "$pids" | wc -w)
[ "$count" -eq "$followers" ] || { echo "expected $followers joiners, found $count" >&2; exit 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A before
for p in $pids; do before[$p]=$(cpu_ticks "$p"); done
s0=$(date +%s.%N)
sleep 30
s1=$(date +%s.%N)
worst=0; total=0
for p in $pids; do
  used=$(( $(cpu_ticks "$p") - ${before[$p]} ))
  total=$((total + used))
  [ "$used" -gt "$worst" ] && worst=$used
done
awk -v w="$worst" -v t="$total" -v n="$followers" -v s="$s0" -v e="$s1" -v hz="$ticks" 'BEGIN {
  secs = e - s
  mean = 100 * t / n / hz / secs; max = 100 * w / hz / secs
  printf "idle CPU per joiner, %d joiners, 100k-entry journal: mean %.2f%%, worst %.2f%% of one core %s\n",
         n, mean, max, (max < 1 ? "ok (target < 1%)" : "MISSED (target < 1%)")
  exit (max < 1 ? 0 : 1) }'
