#!/usr/bin/env bash
# The exporter's CPU time per datagram against a raw recvmmsg receiver
# (bench/udp_raw_receiver), in the same run, both fed by bench/udp_load at its
# full rate: DATAGRAMS x LINES events to the exporter, then the same to the
# raw receiver. CPU time is utime+stime from /proc/PID/stat over the run.
# Checks that nothing is lost: sent == received + kernel drops for both.
# With LABELS=1 the input has a static label and two event labels (bucket,
# region), and every event carries them and a request_id (its exemplar).
# Usage: [LABELS=1] bench/udp_cpu_per_datagram.sh [BUILD_DIR] [DATAGRAMS] [LINES_PER_DATAGRAM] [EXPORTER]
set -euo pipefail
build=${1:-build}
datagrams=${2:-200000}
lines=${3:-16}
exporter=${4:-$build/cos_error_exporter}
load_mode=
[[ "${LABELS:-}" == 1 ]] && load_mode=labels
work=$(mktemp -d)
pid=
raw=
trap 'kill $pid $raw 2>/dev/null || true; rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)
cpu() { awk -v t="$ticks" '{print ($14 + $15) / t}' "/proc/$1/stat"; }

cat >"$work/config.yaml" <<YAML
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
      read_buffer_bytes: 33554432
YAML
if [[ -n "$load_mode" ]]; then
  cat >>"$work/config.yaml" <<YAML
      labels: {service: bench}
event_labels:
  - {name: bucket, field: bucket}
  - {name: region, field: region}
YAML
fi
"$exporter" --config.file="$work/config.yaml" --web.listen-address=127.0.0.1:0 2>"$work/log" &
pid=$!
for _ in $(seq 100); do grep -qs 'component=http' "$work/log" && break; sleep 0.1; done
http=$(sed -n 's/.*component=http address=\([^ ]*\).*/\1/p' "$work/log")
udp=$(sed -n 's/.*input=udp kind=udp address=127.0.0.1:\([0-9]*\).*/\1/p' "$work/log")
scrape() { curl -s "http://$http/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
settle() {
  local last=-1 now
  while :; do
    now=$(scrape 'cos_error_exporter_udp_packets_total{input="udp"}')
    [[ "$now" == "$last" ]] && break
    last=$now
    sleep 0.5
  done
}
settle
before=$(cpu $pid)
"$build/bench/udp_load" 127.0.0.1 "$udp" "$datagrams" "$lines" $load_mode >/dev/null
settle
after=$(cpu $pid)
received=$(scrape 'cos_error_exporter_udp_packets_total{input="udp"}')
drops=$(scrape 'cos_error_exporter_udp_kernel_drops_total{input="udp"}')
kill $pid
wait $pid 2>/dev/null || true
pid=

"$build/bench/udp_raw_receiver" 33554432 >"$work/raw" &
raw=$!
for _ in $(seq 100); do grep -qs '^port=' "$work/raw" && break; sleep 0.1; done
port=$(sed -n 's/^port=//p' "$work/raw")
"$build/bench/udp_load" 127.0.0.1 "$port" "$datagrams" "$lines" $load_mode >/dev/null
sleep 1
kill -TERM $raw
wait $raw || true
raw=
read -r raw_received raw_drops raw_cpu < <(sed -n \
  's/^received=\([0-9]*\) kernel_drops=\([0-9]*\) cpu_seconds=\([0-9.]*\)/\1 \2 \3/p' "$work/raw")

awk -v s="$datagrams" -v r="$received" -v d="$drops" -v c="$(echo "$after - $before" | bc)" \
  -v rr="$raw_received" -v rd="$raw_drops" -v rc="$raw_cpu" 'BEGIN {
  e = c / r * 1e9; w = rc / rr * 1e9;
  printf "exporter received=%d drops=%d lost=%d cpu=%.2fs ns/datagram=%.0f\n", r, d, s - r - d, c, e;
  printf "raw      received=%d drops=%d lost=%d cpu=%.2fs ns/datagram=%.0f\n", rr, rd, s - rr - rd, rc, w;
  printf "ratio=%.2f\n", e / w }'
