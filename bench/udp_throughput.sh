#!/usr/bin/env bash
# End-to-end UDP throughput: the real exporter on free ports, bench/udp_load
# sending DATAGRAMS x LINES events, then /metrics read until the count settles.
# Prints lines sent, lines counted, kernel drops, and the counted rate.
# Usage: bench/udp_throughput.sh [BUILD_DIR] [DATAGRAMS] [LINES_PER_DATAGRAM]
set -euo pipefail
build=${1:-build}
datagrams=${2:-200000}
lines=${3:-16}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/config.yaml" <<YAML
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
      read_buffer_bytes: 33554432
YAML
"$build/cos_error_exporter" --config.file="$work/config.yaml" --web.listen-address=127.0.0.1:0 \
  2>"$work/log" &
pid=$!
for _ in $(seq 50); do grep -q 'component=http' "$work/log" && break; sleep 0.1; done
http=$(sed -n 's/.*component=http address=\([^ ]*\).*/\1/p' "$work/log")
udp=$(sed -n 's/.*input=udp kind=udp address=127.0.0.1:\([0-9]*\).*/\1/p' "$work/log")
scrape() { curl -s "http://$http/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
start=$(date +%s.%N)
"$build/bench/udp_load" 127.0.0.1 "$udp" "$datagrams" "$lines"
last=-1
while :; do
  now=$(scrape 'cos_error_exporter_events_received_total{input="udp"}')
  [[ "$now" == "$last" ]] && break
  last=$now
  sleep 0.2
done
end=$(date +%s.%N)
drops=$(scrape 'cos_error_exporter_udp_kernel_drops_total{input="udp"}')
echo "counted lines=$last of $((datagrams * lines)) kernel_drops=$drops" \
  "seconds=$(echo "$end - $start - 0.2" | bc) rate=$(echo "$last / ($end - $start - 0.2)" | bc)"
