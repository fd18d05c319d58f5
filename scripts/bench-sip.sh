#!/usr/bin/env bash
# SIP load benchmark (issue 5), side by side with sipp's own ceiling, in one run:
# calls/s without media, concurrent G.711 calls with < 0.1 % late or lost frames, and the
# daemon's memory per call. sipp → sipp directly, then sipp → appliance → sipp (release
# build). Prints JSON lines and a Markdown table, and writes the table into BENCHMARKS.md
# between the bench-sip marker comments (with the machine, the load average and the commit).
#
# Usage: scripts/bench-sip.sh [--quick] [--no-write] [--only cps|media] [--late-ms N]
#                             [--max-calls N] [--max-cps N] [--data-base DIR]
#                             [--peer-rmem BYTES]
#   --quick      3 s per rate step and a 5 s media window (default 5 s and 10 s)
#   --no-write   print only; leave BENCHMARKS.md alone
#   --data-base  where the daemon's data directories go (e.g. /dev/shm: no disk fsync)
#   --peer-rmem BYTES  (root) raise net.core.rmem_default to BYTES for the run, restored
#                at exit. sipp's RTP echo socket (the far phones of every call) keeps the
#                kernel default receive buffer (its -rtp_buffsize does not reach it): at
#                1,000 calls the 208 KiB default overflowed there in bursts (RcvbufErrors
#                on sipp's media port) and the loss counted against the path measured.
# Everything runs on 127.0.0.1 and is bounded (call counts, sipp -timeout). Needs sipp
# (Debian sip-tester). Takes about 5 to 10 minutes; `make bench` runs it.
set -euo pipefail

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

args=()
write=1
peer_rmem=
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --no-write) write=0; shift ;;
        --quick) args+=(--quick); shift ;;
        --peer-rmem)
            [ $# -ge 2 ] || { echo "bench-sip: $1 needs a value" >&2; exit 2; }
            peer_rmem=$2; args+=("$1" "$2"); shift 2 ;;
        --data-base|--only|--late-ms|--max-calls|--max-cps)
            [ $# -ge 2 ] || { echo "bench-sip: $1 needs a value" >&2; exit 2; }
            args+=("$1" "$2"); shift 2 ;;
        *) echo "bench-sip: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$write" = 1 ] && args+=(--write)
command -v sipp >/dev/null || { echo "bench-sip: sipp not found (Debian sip-tester; make deps)" >&2; exit 2; }

export CARGO_INCREMENTAL=0
if [ -n "$peer_rmem" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench-sip: --peer-rmem needs root (sysctl)" >&2; exit 2; }
    old=$(sysctl -n net.core.rmem_default)
    trap 'sysctl -q -w net.core.rmem_default="$old"' EXIT
    sysctl -q -w net.core.rmem_default="$peer_rmem"
    cargo bench --locked -q -p appliance --bench sip_load -- ${args[@]+"${args[@]}"}
else
    exec cargo bench --locked -q -p appliance --bench sip_load -- ${args[@]+"${args[@]}"}
fi
