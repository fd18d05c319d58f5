#!/usr/bin/env bash
# Side-by-side benchmark: our kernels (`dsp bench`) and the C peers (spandsp, speexdsp) on the
# identical signals, in one run. Prints the JSON lines and a Markdown table, and writes the
# table into BENCHMARKS.md between the bench-peers marker comments (with the machine, the
# date and the exact command), so the file always shows one coherent run.
#
# Usage: scripts/bench-peers.sh [--seconds N | N] [--no-write] [GROUP...]
#   GROUP      g711 dtmf echo mixer plc tones cid pri (default: all). Every group asked for must
#              work: if any kernel fails, nothing is written. `pri` is the Q.931 call-setup
#              comparison with libpri, run by scripts/bench-pri-peers.sh into its own table.
#   --seconds  seconds of audio per kernel measurement (default 4)
#   --no-write print only; leave BENCHMARKS.md alone
# Run from anywhere; `make bench` calls it. Needs cargo, cc, pkg-config, python3 and the
# Debian -dev packages of spandsp and speexdsp (`make deps` installs them).
set -euo pipefail

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench-peers: $*" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command_line="scripts/bench-peers.sh${*:+ $*}"

secs=4
write=1
groups=()
pri=0
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --seconds) [ $# -ge 2 ] || die "--seconds needs a value"; secs=$2; shift 2 ;;
        --seconds=*) secs=${1#--seconds=}; shift ;;
        --no-write) write=0; shift ;;
        g711|dtmf|echo|mixer|plc|tones|cid) groups+=("$1"); shift ;;
        pri) pri=1; shift ;;
        -*) die "unknown option $1 (see --help)" ;;
        *)
            if [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; then secs=$1; shift
            else die "unknown kernel group '$1' (g711 dtmf echo mixer plc tones cid)"; fi ;;
    esac
done
[[ $secs =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--seconds must be a number, got '$secs'"

# The PRI comparison: asked for alone, it is all that runs; with no group at all, it runs
# after the DSP table.
pri_args=()
[ "$write" = 1 ] || pri_args+=(--no-write)
if [ "$pri" = 1 ] && [ ${#groups[@]} -eq 0 ]; then
    exec "$root/scripts/bench-pri-peers.sh" ${pri_args[@]+"${pri_args[@]}"}
fi
[ ${#groups[@]} -gt 0 ] || pri=1

for tool in cargo cc pkg-config python3; do
    command -v "$tool" >/dev/null || die "$tool not found (run \`make deps\`; cargo from rustup)"
done
pkg-config --exists spandsp speexdsp \
    || die "pkg-config cannot find spandsp and speexdsp: run \`make deps\` (libspandsp-dev, libspeexdsp-dev)"

# Peers exist for these groups; `mixer`, `tones` and `cid` have none in the table (their spandsp comparisons are quality tests).
peer_groups=()
if [ ${#groups[@]} -gt 0 ]; then
    for g in "${groups[@]}"; do
        case "$g" in g711|dtmf|echo|plc) peer_groups+=("$g") ;; esac
    done
fi

target_dir=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
out="$target_dir/bench-peers"
rm -rf "$out"
mkdir -p "$out/signals"

echo "bench-peers: building (release)" >&2
cargo build --release --locked -q -p media-dsp --features cli
cc -O2 -march=native -o "$out/peers" media-dsp/benches/peers/*.c \
    $(pkg-config --cflags --libs spandsp speexdsp) -lm \
    || die "compiling the peer harness failed"

echo "bench-peers: measuring ${groups[*]:-all groups} (${secs} s of audio per kernel)" >&2
"$target_dir/release/dsp" bench --seconds "$secs" --signals "$out/signals" ${groups[@]+"${groups[@]}"} \
    > "$out/ours.jsonl" || die "dsp bench failed (see above)"
if [ ${#groups[@]} -eq 0 ] || [ ${#peer_groups[@]} -gt 0 ]; then
    "$out/peers" "$out/signals" ${peer_groups[@]+"${peer_groups[@]}"} > "$out/peers.jsonl" \
        || die "the peer harness failed (see above)"
else
    : > "$out/peers.jsonl"
fi
cat "$out/ours.jsonl" "$out/peers.jsonl"

cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | tr ' ' '\n' | grep -x -E 'avx2|fma|avx512bw' | tr '\n' ' ' || true)

BENCH_WRITE=$write BENCH_CMD=$command_line BENCH_CPU=${cpu:-unknown} BENCH_FLAGS=$flags \
BENCH_CORES=$(nproc) BENCH_LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') \
BENCH_RUSTC=$(rustc --version) BENCH_CC=$(cc --version | head -1) \
BENCH_SPANDSP=$(pkg-config --modversion spandsp) BENCH_SPEEXDSP=$(pkg-config --modversion speexdsp) \
BENCH_COMMIT=$(git describe --always --dirty 2>/dev/null || echo unknown) \
python3 - "$out/ours.jsonl" "$out/peers.jsonl" <<'PY'
import datetime, json, os, sys

rows = []
for path in sys.argv[1:]:
    for n, line in enumerate(open(path), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            for key in ("kernel", "implementation", "ns_per_sample", "channels_per_core"):
                r[key]
        except (ValueError, KeyError) as e:
            sys.exit(f"bench-peers: {path}:{n}: not a result line ({e}): {line.strip()}")
        rows.append(r)
if not any(r["implementation"] == "media-dsp" for r in rows):
    sys.exit("bench-peers: dsp bench printed no results")

by = {}
for r in rows:
    by.setdefault(r["kernel"], []).append(r)

def ns(v):
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:,.0f}"

def quality(r):
    return ", ".join(f"{k}={v}" for k, v in r.get("quality", {}).items())

lines = [
    "| kernel | implementation | ns/sample | channels/core | ratio to peer | quality |",
    "|---|---|---:|---:|---:|---|",
]
for kernel, rs in by.items():
    peers = [r for r in rs if r["implementation"] != "media-dsp"]
    best = max(peers, key=lambda r: r["channels_per_core"], default=None)
    for r in sorted(rs, key=lambda r: r["implementation"] != "media-dsp"):
        ratio = ""
        if r["implementation"] == "media-dsp":
            ratio = (f'{r["channels_per_core"] / best["channels_per_core"]:.2f}× {best["implementation"]}'
                     if best else "no peer")
        lines.append(f'| {kernel} | {r["implementation"]} | {ns(r["ns_per_sample"])} | '
                     f'{r["channels_per_core"]:,.0f} | {ratio} | {quality(r)} |')
table = "\n".join(lines)
print()
print(table)

if os.environ["BENCH_WRITE"] != "1":
    sys.exit(0)
e = os.environ
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
block = f"""<!-- bench-peers:begin (generated by scripts/bench-peers.sh; edits here are overwritten) -->
Measured {now} on **{e["BENCH_CPU"]}** ({e["BENCH_CORES"]} logical CPUs; {e["BENCH_FLAGS"].strip() or "no AVX2"}; load average {e["BENCH_LOAD"]} at start),
commit `{e["BENCH_COMMIT"]}`, {e["BENCH_RUSTC"]}, {e["BENCH_CC"]}, spandsp {e["BENCH_SPANDSP"]}, speexdsp {e["BENCH_SPEEXDSP"]}.
Command: `{e["BENCH_CMD"]}`

{table}

"ratio to peer" is our channels per core divided by the fastest peer's, on the same signal in
the same run (above 1: we are faster). G.711, mixer and PLC report the fastest of 11 runs on
both sides (wall clock for ours, since std has no thread CPU clock; thread CPU time for the
C peers); each kernel's bench function documents its own timing.
<!-- bench-peers:end -->"""

path = "BENCHMARKS.md"
begin, end = "<!-- bench-peers:begin", "<!-- bench-peers:end -->"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
i, j = text.find(begin), text.find(end)
if i >= 0 and j > i:
    text = text[:i] + block + text[j + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
tmp = path + ".tmp"
with open(tmp, "w") as f:
    f.write(text)
os.replace(tmp, path)
print(f"\nbench-peers: table written to {path}", file=sys.stderr)
PY

if [ "$pri" = 1 ]; then
    "$root/scripts/bench-pri-peers.sh" ${pri_args[@]+"${pri_args[@]}"}
fi
