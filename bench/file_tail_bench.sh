#!/usr/bin/env bash
# File tailing throughput: cos_error_exporter against Debian's mtail on the same
# large file of JSON events, in one run (see BENCHMARKS.md, "File tailing").
# Usage: bench/file_tail_bench.sh [--lines N] [--runs R] [--workdir DIR] [--labels] [--skip-mtail]
# The exporter is $COS_EXPORTER_BINARY, else build/cos_error_exporter (a Release
# build, as scripts/run makes it). Needs mtail (apt-get install mtail).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${COS_EXPORTER_BINARY:-$root/build/cos_error_exporter}
if [[ ! -x "$binary" ]]; then
  echo "file_tail_bench: no exporter at $binary; build it (scripts/run --version) or set COS_EXPORTER_BINARY" >&2
  exit 1
fi
if [[ " $* " != *" --skip-mtail "* ]] && ! command -v mtail >/dev/null; then
  echo "file_tail_bench: mtail is not installed (apt-get install mtail)" >&2
  exit 1
fi
exec python3 "$root/bench/file_tail_bench.py" --binary "$binary" "$@"
