#!/usr/bin/env bash
# Whole-process measurements of the release binary in a real terminal (tmux):
#   1. `demo` at speed 1, idle for 30 s: average CPU as % of one core (target < 2%).
#   2. `demo` run through 24 simulated hours at high speed: resident memory (target < 40 MB).
# Usage: bash benches/process.sh            (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 1; }
cargo build --release --locked --quiet
bin="$PWD/target/release/warroom"
state=$(mktemp -d)
sock="warroom-bench-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$state"' EXIT
ticks=$(getconf CLK_TCK)

pid_of() { # newest warroom process started by this script
  local pid=""
  for _ in $(seq 50); do pid=$(pgrep -n -f "$bin demo" || true); [ -n "$pid" ] && break; sleep 0.1; done
  [ -n "$pid" ] || { echo "warroom did not start" >&2; exit 1; }
  echo "$pid"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

tmux -L "$sock" new-session -d -s idle -x 160 -y 48 "XDG_STATE_HOME=$state XDG_DATA_HOME=$state $bin demo --speed 1"
pid=$(pid_of)
sleep 5 # let start-up settle; measure steady state
t0=$(cpu_ticks "$pid"); s0=$(date +%s.%N)
sleep 30
t1=$(cpu_ticks "$pid"); s1=$(date +%s.%N)
cpu=$(awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$ticks" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / (e - s) }')
echo "idle demo, speed 1, 30 s at 160x48: ${cpu}% of one core (target < 2%)"
tmux -L "$sock" send-keys -t idle q
sleep 1

speed=7200 # 24 simulated hours in 12 real seconds
tmux -L "$sock" new-session -d -s day -x 160 -y 48 "XDG_STATE_HOME=$state XDG_DATA_HOME=$state $bin demo --speed $speed"
pid=$(pid_of)
sleep 13
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
shown=$(tmux -L "$sock" capture-pane -p -t day | head -1)
echo "demo after 24 simulated hours (speed $speed, 13 s): RSS $((rss / 1024)) MB, peak $((hwm / 1024)) MB (target < 40 MB)"
echo "  header then: $shown"
tmux -L "$sock" send-keys -t day q
awk -v c="$cpu" -v r="$rss" 'BEGIN { exit !(c < 2.0 && r < 40 * 1024) }' && echo "targets met" || { echo "targets MISSED"; exit 1; }
