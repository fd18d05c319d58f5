#!/usr/bin/env bash
# Side-by-side benchmark: our kernels (`dsp bench`) and the C peers (spandsp, speexdsp) on the
# identical signals, in one run. Prints the JSON lines, then a Markdown table.
# Usage: scripts/bench-peers.sh [SECONDS]   (run from the repository root; `make bench` calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-4}
out=target/bench-peers
mkdir -p "$out/signals"
cargo build --release --locked -q -p media-dsp --features cli
cc -O2 -march=native -o "$out/peers" media-dsp/benches/peers/*.c \
   $(pkg-config --cflags --libs spandsp speexdsp) -lm
target/release/dsp bench --seconds "$secs" --signals "$out/signals" > "$out/ours.jsonl"
"$out/peers" "$out/signals" > "$out/peers.jsonl"
cat "$out/ours.jsonl" "$out/peers.jsonl"
python3 - "$out/ours.jsonl" "$out/peers.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for f in sys.argv[1:] for l in open(f) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["kernel"], []).append(r)
print()
print("| kernel | implementation | ns/sample | channels/core | ratio to peer | quality |")
print("|---|---|---:|---:|---:|---|")
for k, rs in by.items():
    peer = [r for r in rs if r["implementation"] != "media-dsp"]
    best_peer = max((r["channels_per_core"] for r in peer), default=None)
    for r in rs:
        ratio = ""
        if r["implementation"] == "media-dsp" and best_peer:
            ratio = f'{r["channels_per_core"] / best_peer:.2f}x'
        q = ", ".join(f"{a}={b}" for a, b in r.get("quality", {}).items())
        print(f'| {k} | {r["implementation"]} | {r["ns_per_sample"]:.3f} | {r["channels_per_core"]:.0f} | {ratio} | {q} |')
PY
