#!/usr/bin/env bash
# SIP load benchmark (issue 5), side by side with sipp's own ceiling, in one run:
# calls/s without media, concurrent G.711 calls with < 0.1 % late or lost frames, and the
# daemon's memory per call. sipp → sipp directly, then sipp → appliance → sipp (release
# build). Prints JSON lines and a Markdown table, and writes the table into BENCHMARKS.md
# between the bench-sip marker comments (with the machine, the load average and the commit).
#
# Usage: scripts/bench-sip.sh [--quick] [--no-write] [--only cps|media] [--late-ms N]
#                             [--max-calls N] [--max-cps N] [--data-base DIR]
#   --quick      3 s per rate step and a 5 s media window (default 5 s and 10 s)
#   --no-write   print only; leave BENCHMARKS.md alone
#   --data-base  where the daemon's data directories go (e.g. /dev/shm: no disk fsync)
# Everything runs on 127.0.0.1 and is bounded (call counts, sipp -timeout). Needs sipp
# (Debian sip-tester). Takes about 5 to 10 minutes; `make bench` runs it.
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

args=()
write=1
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --no-write) write=0; shift ;;
        --quick) args+=(--quick); shift ;;
        --data-base|--only|--late-ms|--max-calls|--max-cps)
            [ $# -ge 2 ] || { echo "bench-sip: $1 needs a value" >&2; exit 2; }
            args+=("$1" "$2"); shift 2 ;;
        *) echo "bench-sip: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$write" = 1 ] && args+=(--write)
command -v sipp >/dev/null || { echo "bench-sip: sipp not found (Debian sip-tester; make deps)" >&2; exit 2; }

export CARGO_INCREMENTAL=0
exec cargo bench --locked -q -p appliance --bench sip_load -- ${args[@]+"${args[@]}"}
