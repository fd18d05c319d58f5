# Helpers for hil/run.sh: start the image under QEMU, watch its serial console, talk QMP.
# Sourced, not run. Every wait is bounded; every VM started here is stopped by its pid on exit.
# shellcheck shell=bash

# Run directories of the VMs this runner started, one per line. A file, not an array: the
# scenarios run in command substitutions (subshells), whose variables the runner never sees.
HIL_VMS_FILE=$(mktemp /tmp/hil-vms.XXXXXX)

# A free TCP port on 127.0.0.1.
hil_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# hil_vm_start RUN DISK [image-boot.sh options...]: boots DISK (raw, read-write) in the
# background; its console transcript is RUN/console.log, its web port is in RUN/web.port.
hil_vm_start() {
  local run=$1 disk=$2
  shift 2
  mkdir -p "$run"
  local web https
  web=$(hil_free_port)
  https=$(hil_free_port)
  echo "$web" >"$run/web.port"
  echo "$https" >"$run/https.port"
  date +%s.%N >"$run/started"
  bash scripts/image-boot.sh --disk "$disk" --raw --run "$run" --web "$web" --https "$https" --fresh --background "$@" >/dev/null
  echo "$run" >>"$HIL_VMS_FILE"
}

hil_elapsed() { # seconds since the VM of RUN was started, one decimal
  python3 -c "import sys,time; print(f'{time.time()-float(open(sys.argv[1]).read()):.1f}')" "$1/started"
}

hil_vm_alive() { [ -s "$1/qemu.pid" ] && kill -0 "$(cat "$1/qemu.pid")" 2>/dev/null; }

# hil_wait_console RUN REGEX TIMEOUT [MIN_COUNT]: waits until the console transcript holds
# REGEX (extended, ANSI colour codes removed) at least MIN_COUNT times (default 1).
hil_wait_console() {
  local run=$1 re=$2 timeout=$3 min=${4:-1} i n
  for ((i = 0; i < timeout; i++)); do
    n=$(sed 's/\x1b\[[0-9;]*m//g' "$run/console.log" 2>/dev/null | grep -cE -- "$re" || true)
    [ "$n" -ge "$min" ] && return 0
    hil_vm_alive "$run" || { echo "VM exited while waiting for /$re/" >&2; return 1; }
    sleep 1
  done
  echo "timed out after ${timeout}s waiting for /$re/ on the console (see $run/console.log)" >&2
  return 1
}

hil_console_count() { sed 's/\x1b\[[0-9;]*m//g' "$1/console.log" | grep -cE -- "$2" || true; }

# hil_qmp RUN COMMAND...: sends QMP commands (names, no arguments).
hil_qmp() {
  local run=$1
  shift
  { echo '{"execute":"qmp_capabilities"}'
    for c in "$@"; do echo "{\"execute\":\"$c\"}"; done
    sleep 1; } | socat -t 3 - "UNIX-CONNECT:$run/qmp.sock" >/dev/null 2>&1 || true
}

# hil_vm_poweroff RUN [TIMEOUT]: ACPI power button, wait for a clean shutdown, else pull the plug.
hil_vm_poweroff() {
  local run=$1 timeout=${2:-120} i
  hil_vm_alive "$run" || return 0
  hil_qmp "$run" system_powerdown
  for ((i = 0; i < timeout; i++)); do
    hil_vm_alive "$run" || return 0
    sleep 1
  done
  echo "no clean shutdown within ${timeout}s: killing the VM" >&2
  hil_vm_kill "$run"
  return 1
}

# hil_vm_kill RUN: power loss. SIGKILL to our own QEMU process (by its pid file).
hil_vm_kill() {
  local run=$1 pid i
  [ -s "$run/qemu.pid" ] || return 0
  pid=$(cat "$run/qemu.pid")
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  rm -f "$run/qemu.pid"
}

hil_cleanup() {
  local run
  [ -f "$HIL_VMS_FILE" ] || return 0
  while read -r run; do
    hil_vm_kill "$run"
  done <"$HIL_VMS_FILE"
  : >"$HIL_VMS_FILE"
}

# hil_http RUN PATH: GET http://127.0.0.1:WEB/PATH from the host through the forwarded port.
hil_http() {
  curl -fsS --max-time 10 "http://127.0.0.1:$(cat "$1/web.port")$2"
}

# hil_metric RUN NAME_AND_LABELS: value of one metric line, 0 when absent or unreachable.
hil_metric() {
  local v
  v=$(hil_http "$1" /metrics 2>/dev/null | awk -v m="$2" 'index($0, m" ")==1 {print $2}' | head -1)
  echo "${v:-0}" | cut -d. -f1
}

# hil_disk_copy SRC DST: a sparse copy of a disk image (each scenario writes its own).
hil_disk_copy() { cp --sparse=always "$1" "$2"; }

# hil_put_data DISK ENV_LINES: replaces the data partition of DISK with a fresh ext4 holding
# /etc/appliance.env (the daemon's per-box options, see image/units/appliance.service.d).
hil_put_data() {
  local disk=$1 env=$2 tmp
  tmp=$(mktemp -d)
  mkdir -p "$tmp/skel/etc"
  printf '%s\n' "$env" >"$tmp/skel/etc/appliance.env"
  mke2fs -q -t ext4 -L data -d "$tmp/skel" -E root_owner=0:0 "$tmp/data.ext4" "${DATA_MB}M"
  dd if="$tmp/data.ext4" of="$disk" bs=1M seek="$DATA_START_MB" conv=notrunc,sparse status=none
  rm -rf "$tmp"
}

# hil_get_data DISK OUT: copies the data partition of DISK out to the file OUT.
hil_get_data() {
  dd if="$1" of="$2" bs=1M skip="$DATA_START_MB" count="$DATA_MB" conv=sparse status=none
}

# hil_console_type RUN TEXT: types TEXT on the serial console (a short-lived socat client on
# the console socket; what the guest answers lands in RUN/console.log). Use \r for Enter.
hil_console_type() {
  printf '%b' "$2" | socat -t 1 - "UNIX-CONNECT:$1/console.sock" >/dev/null 2>&1
}

# hil_console_since RUN MARK: the console transcript after byte offset MARK (ANSI codes removed).
hil_console_since() {
  tail -c +"$(($2 + 1))" "$1/console.log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | tr -d '\r'
}

# hil_console_mark RUN: the current size of the transcript (for hil_console_since).
hil_console_mark() { stat -c %s "$1/console.log"; }

# hil_console_step RUN TEXT REGEX TIMEOUT: types TEXT and waits until what the console
# printed after it holds REGEX. The transcript's mark before TEXT is in RUN/step.mark.
hil_console_step() {
  local run=$1 mark
  mark=$(hil_console_mark "$run")
  echo "$mark" >"$run/step.mark"
  hil_console_type "$run" "$2"
  hil_console_wait_since "$run" "$mark" "$3" "$4"
}

# hil_console_wait_since RUN MARK REGEX TIMEOUT: waits until the transcript after MARK holds REGEX.
hil_console_wait_since() {
  local run=$1 mark=$2 re=$3 timeout=$4 i
  for ((i = 0; i < timeout; i++)); do
    hil_console_since "$run" "$mark" | grep -qE -- "$re" && return 0
    hil_vm_alive "$run" || { echo "VM exited while waiting for /$re/" >&2; return 1; }
    sleep 1
  done
  echo "timed out after ${timeout}s waiting for /$re/ on the console (see $run/console.log)" >&2
  return 1
}
