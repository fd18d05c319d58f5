#!/usr/bin/env bash
# Builds and runs the appliance daemon on its demo defaults, in the foreground.
# Data in ./demo-data (created on first run); Ctrl-C drains and exits cleanly.
#
# The call-center demo: the simulated carrier places a call on the E1 span every 8 s (up to
# 6 at once), mostly to the IVR 8000 and some straight to the queues 701/702, in real time.
# An IVR caller hears the prompts (spoken, made once into DATA/prompts by
# scripts/make-prompts.sh when espeak-ng and sox are installed) and presses 1 (sales), 2
# (support) or 9 (balance look-up) as DTMF tones on its B-channel; it waits in the queue
# and is answered by one of 3 simulated agents (2001-2003: SIP phones over loopback that
# log on and go Ready over CTI), talks, hangs up; some callers give up while waiting.
# Watch the log (also appended to DATA/appliance.log), the wallboard
# (http://127.0.0.1:8080/wallboard) and the CTI stream (docs/daemon.md).
# Extra arguments go to the daemon (e.g. --demo-agents 0 to take the calls yourself).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p appliance
DATA="${DEMO_DATA:-./demo-data}"
mkdir -p "$DATA"
if [ ! -f "$DATA/prompts/zh/welcome.wav" ]; then
    if command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; then
        echo "Making the IVR prompts in $DATA/prompts (once)..."
        bash scripts/make-prompts.sh "$DATA/prompts" || echo "prompts not made: the IVR plays silence"
    else
        echo "espeak-ng or sox missing: the IVR prompts are silence (apt-get install espeak-ng sox)"
    fi
fi
echo "Starting the appliance demo (data in $DATA, log also in $DATA/appliance.log). Ctrl-C to stop."
# exec: Ctrl-C's SIGINT goes straight to the daemon, which drains calls and exits 0; tee -i
# ignores the SIGINT so the drain's last lines still reach the terminal and the file.
exec ./target/release/appliance --demo --data-dir "$DATA" --drain-secs 5 \
    --demo-agents 3 --carrier-dids 8000,8000,701,8000,8000,702 --carrier-interval-ms 8000 \
    --carrier-hold-ms 40000 --carrier-max-calls 6 "$@" \
    2> >(tee -i -a "$DATA/appliance.log" >&2)
