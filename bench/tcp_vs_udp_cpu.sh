#!/usr/bin/env bash
# The exporter's CPU time per event over TCP against UDP, for the same lines,
# in one exporter with a udp and a tcp input, fed by bench/udp_load (its tcp
# modes write the same lines over one connection). Alternates UDP and TCP
# rounds; prints ns/event of each round and the ratio of the medians. CPU time
# is utime+stime from /proc/PID/stat around each round; a round ends when the
# input's received counter has every line, or stops moving (UDP: the kernel
# may drop datagrams; CPU is divided by the lines counted). TCP must count
# every line, or the script fails.
# Usage: bench/tcp_vs_udp_cpu.sh [BUILD_DIR] [WRITES] [LINES_PER_WRITE] [ROUNDS] [tcp|tcp-octets]
set -euo pipefail
build=${1:-build}
writes=${2:-100000}
lines=${3:-16}
rounds=${4:-5}
mode=${5:-tcp}
work=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)
cpu() { awk -v t="$ticks" '{print ($14 + $15) / t}' "/proc/$1/stat"; }

cat >"$work/config.yaml" <<YAML
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
      read_buffer_bytes: 33554432
  tcp:
    - name: tcp
      listen: 127.0.0.1:0
YAML
"$build/cos_error_exporter" --config.file="$work/config.yaml" --web.listen-address=127.0.0.1:0 \
  2>"$work/log" &
pid=$!
for _ in $(seq 100); do grep -qs 'input=tcp kind=tcp' "$work/log" && break; sleep 0.1; done
http=$(sed -n 's/.*component=http address=\([^ ]*\).*/\1/p' "$work/log")
udp=$(sed -n 's/.*input=udp kind=udp address=127.0.0.1:\([0-9]*\).*/\1/p' "$work/log")
tcp=$(sed -n 's/.*input=tcp kind=tcp address=127.0.0.1:\([0-9]*\).*/\1/p' "$work/log")
scrape() { curl -s "http://$http/metrics" | awk -v m="$1" '$1 == m {v = $2} END {print v + 0}'; }
received() { scrape "cos_error_exporter_events_received_total{input=\"$1\"}"; }
round() {  # input, port, extra udp_load args; prints "cpu_seconds events"
  local input=$1 port=$2 start want before after last=-1 now
  start=$(received "$input")
  want=$(( start + writes * lines ))
  before=$(cpu $pid)
  "$build/bench/udp_load" 127.0.0.1 "$port" "$writes" "$lines" "${@:3}" >/dev/null
  while :; do  # until every line is counted, or (UDP drops) the count stops moving
    now=$(received "$input")
    [[ $now -ge $want || $now == "$last" ]] && break
    last=$now
    sleep 0.5
  done
  after=$(cpu $pid)
  echo "$(echo "$after - $before" | bc) $(( now - start ))"
}
for r in $(seq "$rounds"); do
  read -r uc un < <(round udp "$udp")
  read -r tc tn < <(round tcp "$tcp" "$mode")
  [[ $tn -eq $(( writes * lines )) ]] || { echo "tcp lost lines: $tn" >&2; exit 1; }
  awk -v r="$r" -v uc="$uc" -v un="$un" -v tc="$tc" -v tn="$tn" 'BEGIN {
    printf "round %d udp_ns_per_event=%.0f tcp_ns_per_event=%.0f udp_events=%d tcp_events=%d\n",
           r, uc * 1e9 / un, tc * 1e9 / tn, un, tn }'
done | tee "$work/rounds"
median() { sed -n "s/.* $1_ns_per_event=\([0-9]*\).*/\1/p" "$work/rounds" | sort -n |
           awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
u=$(median udp)
t=$(median tcp)
awk -v u="$u" -v t="$t" 'BEGIN {printf "median udp_ns_per_event=%d tcp_ns_per_event=%d ratio=%.2f\n", u, t, t / u}'
