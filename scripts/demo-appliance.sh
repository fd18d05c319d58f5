#!/usr/bin/env bash
# Builds and runs the appliance daemon on its demo defaults, in the foreground.
# Data in ./demo-data (created on first run); Ctrl-C drains and exits cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p appliance
DATA="${DEMO_DATA:-./demo-data}"
echo "Starting the appliance demo (data in $DATA). Ctrl-C to stop."
# exec: Ctrl-C's SIGINT goes straight to the daemon, which drains calls and exits 0.
exec ./target/release/appliance --demo --data-dir "$DATA" --drain-secs 5 "$@"
