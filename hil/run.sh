#!/usr/bin/env bash
# Hardware-in-the-loop runner: plays one scenario suite against three targets.
#
#   hil/run.sh [SCENARIO...]        (default: every scenario on every target)
#
#   target virt   the daemon (target/release/appliance) on virtual E1 lines on this machine
#   target image  the built disk image (make image) booted under QEMU, driven through its
#                 serial console (Unix socket + transcript) and its forwarded ports
#   target dahdi  real cards: needs /dev/dahdi; skipped with a message otherwise
#
# Scenarios (SCENARIO names): virt-pri-call, image-smoke, image-update-verify, image-update-b,
# image-rollback, image-power-loss, image-factory-reset, dahdi-spans, plus the parts of the suite the daemon cannot
# run yet (analog, SIP, IVR+queue+agent, alarms), which are reported as SKIP with the reason.
# One line per scenario: PASS / FAIL / SKIP, the time it took and what it checked. Artifacts
# (console transcripts, disks of failed runs) are under target/hil/<scenario>/.
# Exit status: 1 if any scenario failed.
#
# Boot timeouts are generous (TCG on a loaded 2-core machine): HIL_BOOT_TIMEOUT (default 420 s).
set -uo pipefail
cd "$(dirname "$0")/.."
. image/layout.env
. hil/lib.sh
trap 'hil_cleanup; rm -f "$HIL_VMS_FILE"' EXIT
trap 'exit 130' INT TERM

IMG=target/image
OUT=target/hil
BOOT_TIMEOUT=${HIL_BOOT_TIMEOUT:-420}
# Printed on the console by appliance-healthy.service once appliance.service is READY (sd_notify)
# and /healthz answers. (systemd's own "Started appliance.service" status line is not reliable:
# systemd stops printing status lines once a getty holds the console.)
READY_RE='APPLIANCE READY version='
LOGIN_RE='appliance login:'
failures=0
results=()

report() { # NAME STATUS SECONDS TEXT
  local line
  line=$(printf '%-22s %-4s %6ss  %s' "$1" "$2" "$3" "$4")
  echo "hil: $line"
  results+=("$line")
  [ "$2" = FAIL ] && failures=$((failures + 1))
  return 0
}

need_image() {
  [ -s "$IMG/disk.img" ] || { echo "no $IMG/disk.img: run make image first"; return 1; }
}

# --- target virt -------------------------------------------------------------------------
# PRI calls from the simulated carrier into the daemon on a virtual E1 line: the carrier
# (our ISDN stack, network side) places calls to 600/601/1001; echo audio must come back.
sc_virt_pri_call() {
  local bin=target/release/appliance dir="$OUT/virt-pri-call" port pid i heard=0
  [ -x "$bin" ] || { echo "SKIP $bin not built (cargo build --release -p appliance)"; return 0; }
  rm -rf "$dir"
  mkdir -p "$dir"
  port=$(hil_free_port)
  "$bin" --demo --data-dir "$dir/data" --http "127.0.0.1:$port" --drain-secs 1 \
    --carrier-interval-ms 1000 --carrier-hold-ms 500 >"$dir/daemon.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 60; i++)); do
    heard=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" 2>/dev/null |
      awk '/^appliance_carrier_calls_total\{result="media_heard"\} / {print $2}' | cut -d. -f1)
    [ "${heard:-0}" -ge 2 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  local rc=$?
  [ "${heard:-0}" -ge 2 ] || { echo "FAIL carrier heard audio on ${heard:-0} calls (want 2); see $dir/daemon.log"; return 1; }
  [ "$rc" -eq 0 ] || { echo "FAIL daemon exit status $rc after SIGTERM"; return 1; }
  echo "PASS $heard carrier calls answered with echo audio heard back; SIGTERM exit 0"
}

# --- target image ------------------------------------------------------------------------
# Boot smoke: UEFI → systemd-boot → kernel → systemd; the daemon's READY (the APPLIANCE READY
# line of appliance-healthy.service, which runs once the unit got READY=1) and the login prompt
# on the serial console; /healthz and /metrics answer on the forwarded port; clean power-off.
sc_image_smoke() {
  need_image || { echo "SKIP no image (make image)"; return 0; }
  local run="$OUT/image-smoke" t_ready t_login body
  rm -rf "$run"
  mkdir -p "$run"
  hil_disk_copy "$IMG/disk.img" "$run/disk.raw"
  hil_vm_start "$run" "$run/disk.raw" --cache unsafe
  hil_wait_console "$run" "$READY_RE" "$BOOT_TIMEOUT" || { echo "FAIL no READY of appliance.service on the console"; return 1; }
  t_ready=$(hil_elapsed "$run")
  hil_wait_console "$run" "$LOGIN_RE|appliance-console" 120 || { echo "FAIL no login prompt on the console"; return 1; }
  t_login=$(hil_elapsed "$run")
  hil_wait_console "$run" 'APPLIANCE READY .*slot=a' 1 || { echo "FAIL the box did not come up on slot A"; return 1; }
  body=$(hil_http "$run" /healthz) || { echo "FAIL /healthz does not answer on the forwarded port"; return 1; }
  grep -q '"database":true' <<<"$body" || { echo "FAIL /healthz: $body"; return 1; }
  hil_http "$run" /metrics | grep -q '^appliance_config_revision' || { echo "FAIL /metrics lacks appliance_config_revision"; return 1; }
  hil_vm_poweroff "$run" 120 || { echo "FAIL no clean power-off"; return 1; }
  rm -f "$run/disk.raw"
  echo "PASS READY at ${t_ready}s, login prompt at ${t_login}s after QEMU start; /healthz and /metrics answer on 127.0.0.1:$(cat "$run/web.port")"
}

# Update bundle checks, offline (no boot): a bundle signed with another key, and one whose
# payload was changed after signing, are both refused before anything is written.
sc_image_update_verify() {
  need_image || { echo "SKIP no image (make image)"; return 0; }
  local run="$OUT/image-update-verify" v bundle
  rm -rf "$run"
  mkdir -p "$run/payload" "$run/bad"
  v=$(cat "$IMG/VERSION")
  bundle="$IMG/appliance-update-$v.tar"
  [ -s "$bundle" ] || { echo "FAIL $bundle missing"; return 1; }
  hil_disk_copy "$IMG/disk.img" "$run/disk.raw"
  local before after
  before=$(dd if="$run/disk.raw" bs=1M skip="$ROOTB_START_MB" count=4 status=none | sha256sum)
  # (1) signed by a key the box does not trust
  minisign -G -W -f -p "$run/other.pub" -s "$run/other.key" >/dev/null
  tar -xf "$bundle" -C "$run/payload"
  bash scripts/image-update.sh bundle --dir "$run/payload" --version "$v.1" --key "$run/other.key" --out "$run/bad/other-key.tar" >/dev/null
  if bash scripts/image-update.sh apply "$run/bad/other-key.tar" --disk "$run/disk.raw" --slot b --pubkey target/image-keys/dev.pub 2>"$run/other-key.err"; then
    echo "FAIL a bundle signed by another key was accepted"; return 1
  fi
  grep -q 'SIGNATURE CHECK FAILED' "$run/other-key.err" || { echo "FAIL wrong refusal: $(cat "$run/other-key.err")"; return 1; }
  # (2) the right signature, but root.erofs changed afterwards
  mkdir -p "$run/tamper"
  tar -xf "$bundle" -C "$run/tamper"
  printf 'x' | dd of="$run/tamper/root.erofs" bs=1 seek=5000 conv=notrunc status=none
  tar -cf "$run/bad/tampered.tar" -C "$run/tamper" manifest manifest.minisig root.erofs vmlinuz initrd.img
  if bash scripts/image-update.sh apply "$run/bad/tampered.tar" --disk "$run/disk.raw" --slot b --pubkey target/image-keys/dev.pub 2>"$run/tampered.err"; then
    echo "FAIL a tampered bundle was accepted"; return 1
  fi
  grep -q 'HASH MISMATCH for root.erofs' "$run/tampered.err" || { echo "FAIL wrong refusal: $(cat "$run/tampered.err")"; return 1; }
  after=$(dd if="$run/disk.raw" bs=1M skip="$ROOTB_START_MB" count=4 status=none | sha256sum)
  [ "$before" = "$after" ] || { echo "FAIL slot B was written although the bundle was refused"; return 1; }
  bash scripts/image-update.sh status --disk "$run/disk.raw" | grep -q 'slot-b' && { echo "FAIL a slot B entry appeared"; return 1; }
  rm -rf "$run"
  echo "PASS other-key signature and post-signing change both refused; slot B and the ESP untouched"
}

# Update to slot B: a signed bundle with a newer version goes to slot B with a tries-counted
# entry; the box boots B (root=PARTLABEL=root-b), the daemon comes up, systemd-bless-boot
# marks the entry good (slot-b+3.conf → slot-b.conf), checked on the ESP after power-off.
sc_image_update_b() {
  need_image || { echo "SKIP no image (make image)"; return 0; }
  local run="$OUT/image-update-b" v entries
  rm -rf "$run"
  mkdir -p "$run/payload"
  v=$(cat "$IMG/VERSION")
  hil_disk_copy "$IMG/disk.img" "$run/disk.raw"
  tar -xf "$IMG/appliance-update-$v.tar" -C "$run/payload"
  bash scripts/image-update.sh bundle --dir "$run/payload" --version "$v.1" --key target/image-keys/dev.key --out "$run/update.tar" >/dev/null
  bash scripts/image-update.sh apply "$run/update.tar" --disk "$run/disk.raw" --slot b --tries 3 --pubkey target/image-keys/dev.pub 2>"$run/apply.log" ||
    { echo "FAIL apply: $(cat "$run/apply.log")"; return 1; }
  hil_vm_start "$run" "$run/disk.raw" --cache writeback
  hil_wait_console "$run" 'root=PARTLABEL=root-b' "$BOOT_TIMEOUT" || { echo "FAIL slot B was not booted"; return 1; }
  hil_wait_console "$run" "$READY_RE" "$BOOT_TIMEOUT" || { echo "FAIL no READY on slot B"; return 1; }
  hil_wait_console "$run" 'APPLIANCE SLOT BLESSED: good' 180 ||
    { echo "FAIL systemd-bless-boot did not run on slot B"; return 1; }
  local t=$(hil_elapsed "$run")
  hil_vm_poweroff "$run" 120 || { echo "FAIL no clean power-off"; return 1; }
  entries=$(bash scripts/image-update.sh status --disk "$run/disk.raw" | tr -s ' \n' ' ')
  grep -qw 'slot-b.conf' <<<"$entries" || { echo "FAIL slot B not blessed; entries:$entries"; return 1; }
  grep -qw 'slot-a.conf' <<<"$entries" || { echo "FAIL slot A entry lost; entries:$entries"; return 1; }
  rm -f "$run/disk.raw"
  echo "PASS slot B ($v.1) booted, READY and blessed at ${t}s; entries:$entries"
}

# Rollback: a correctly signed update whose root does not mount (the kernel cannot find an
# erofs superblock, the initramfs panics and reboots) gets 2 tries; systemd-boot then marks
# it bad and boots slot A again, whose daemon comes up.
sc_image_rollback() {
  need_image || { echo "SKIP no image (make image)"; return 0; }
  local run="$OUT/image-rollback" v entries tries=2
  rm -rf "$run"
  mkdir -p "$run/payload"
  v=$(cat "$IMG/VERSION")
  hil_disk_copy "$IMG/disk.img" "$run/disk.raw"
  tar -xf "$IMG/appliance-update-$v.tar" -C "$run/payload"
  head -c $((4 * 1024 * 1024)) /dev/zero >"$run/payload/root.erofs"
  bash scripts/image-update.sh bundle --dir "$run/payload" --version "$v.1" --key target/image-keys/dev.key --out "$run/broken.tar" >/dev/null
  bash scripts/image-update.sh apply "$run/broken.tar" --disk "$run/disk.raw" --slot b --tries "$tries" --pubkey target/image-keys/dev.pub 2>"$run/apply.log" ||
    { echo "FAIL apply: $(cat "$run/apply.log")"; return 1; }
  hil_vm_start "$run" "$run/disk.raw" --cache writeback
  hil_wait_console "$run" 'Command line: .*root=PARTLABEL=root-b' "$BOOT_TIMEOUT" "$tries" || { echo "FAIL slot B was not tried $tries times"; return 1; }
  hil_wait_console "$run" 'root=PARTLABEL=root-a' "$BOOT_TIMEOUT" || { echo "FAIL no fallback to slot A"; return 1; }
  hil_wait_console "$run" "$READY_RE" "$BOOT_TIMEOUT" || { echo "FAIL no READY after falling back to slot A"; return 1; }
  local t=$(hil_elapsed "$run") nb
  nb=$(hil_console_count "$run" 'Command line: .*root=PARTLABEL=root-b')
  hil_vm_poweroff "$run" 120 || { echo "FAIL no clean power-off"; return 1; }
  entries=$(bash scripts/image-update.sh status --disk "$run/disk.raw" | tr -s ' \n' ' ')
  grep -q "slot-b+0-$tries.conf" <<<"$entries" || { echo "FAIL slot B not marked bad; entries:$entries"; return 1; }
  grep -qw 'slot-a.conf' <<<"$entries" || { echo "FAIL slot A entry lost; entries:$entries"; return 1; }
  rm -f "$run/disk.raw"
  echo "PASS broken slot B booted $nb times, marked bad; slot A READY at ${t}s; entries:$entries"
}

# Power loss: the daemon with the demo carrier writes calls to SQLite on the data partition;
# the VM is killed (SIGKILL to QEMU) in the middle of that. Then, on a copy of the data
# partition: e2fsck replays the journal and finds no damage, SQLite's integrity check passes,
# and every call that had ended 45 s before the kill is in the event log. Calls that ended in the
# last seconds were missing while the store ran SQLite WAL with synchronous=NORMAL; the store now
# opens with synchronous=FULL (fsync per commit), which should make the loss zero, but that has
# not been re-run here yet: the count is reported, and HIL_STRICT_DURABILITY=1 turns any loss
# into a failure (make it the default once a run confirms it).
sc_image_power_loss() {
  need_image || { echo "SKIP no image (make image)"; return 0; }
  local run="$OUT/image-power-loss" i n1=0 n2=0 heard=0 rows integrity
  rm -rf "$run"
  mkdir -p "$run"
  hil_disk_copy "$IMG/disk.img" "$run/disk.raw"
  hil_put_data "$run/disk.raw" "APPLIANCE_OPTS=--demo --carrier-interval-ms 1500 --carrier-hold-ms 500"
  hil_vm_start "$run" "$run/disk.raw" --cache writeback
  hil_wait_console "$run" "$READY_RE" "$BOOT_TIMEOUT" || { echo "FAIL no READY"; return 1; }
  for ((i = 0; i < 120; i++)); do
    heard=$(hil_metric "$run" 'appliance_carrier_calls_total{result="media_heard"}')
    [ "$heard" -ge 3 ] && break
    sleep 1
  done
  [ "$heard" -ge 3 ] || { echo "FAIL the demo carrier's calls were not answered on the image (media_heard=$heard)"; return 1; }
  n1=$(hil_metric "$run" 'appliance_span_calls_total{span="span1",result="released"}')
  sleep 45
  n2=$(hil_metric "$run" 'appliance_span_calls_total{span="span1",result="released"}')
  [ "$n2" -gt "$n1" ] || { echo "FAIL no calls during the last 45 s ($n1 → $n2): nothing was being written"; return 1; }
  hil_vm_kill "$run"
  hil_get_data "$run/disk.raw" "$run/data.ext4"
  e2fsck -fy "$run/data.ext4" >"$run/fsck1.log" 2>&1
  local rc1=$?
  [ "$rc1" -le 1 ] || { echo "FAIL e2fsck (journal replay) status $rc1: $(tail -3 "$run/fsck1.log")"; return 1; }
  e2fsck -fn "$run/data.ext4" >"$run/fsck2.log" 2>&1 || { echo "FAIL e2fsck finds damage after the journal replay: $(tail -3 "$run/fsck2.log")"; return 1; }
  mkdir -p "$run/db"
  for f in appliance.db appliance.db-wal; do
    debugfs -R "dump /appliance/$f $run/db/$f" "$run/data.ext4" >/dev/null 2>&1 || true
  done
  [ -s "$run/db/appliance.db" ] || { echo "FAIL no appliance.db on the data partition"; return 1; }
  integrity=$(sqlite3 "$run/db/appliance.db" 'PRAGMA integrity_check;' 2>&1)
  [ "$integrity" = ok ] || { echo "FAIL SQLite integrity check: $integrity"; return 1; }
  rows=$(sqlite3 "$run/db/appliance.db" "SELECT count(*) FROM events WHERE kind='call_end';")
  [ "$rows" -ge "$n1" ] || { echo "FAIL $rows call_end rows after the power loss, but $n1 calls had ended 45 s before it"; return 1; }
  rm -f "$run/disk.raw"
  local lost=$((n2 > rows ? n2 - rows : 0))
  if [ "${HIL_STRICT_DURABILITY:-0}" = 1 ] && [ "$lost" -gt 0 ]; then
    echo "FAIL $lost of the $n2 calls that had ended before the kill are missing (the store should fsync every commit: synchronous=FULL)"; return 1
  fi
  echo "PASS fsck clean after journal replay (status $rc1), integrity_check ok, $rows call_end rows >= $n1 (ended 45 s before the kill); $lost of the $n2 calls ended by the kill were lost (0 expected with the store's synchronous=FULL)"
}

# Factory reset = an empty data partition: the first 4 MiB of it are zeroed (what
# `wipefs`/a reset does); on boot systemd-makefs creates ext4 (x-systemd.makefs), tmpfiles
# makes /data/appliance, the daemon starts on a fresh database. Checked after power-off on the
# extracted partition: e2fsck clean, appliance.db passes the integrity check.
sc_image_factory_reset() {
  need_image || { echo "SKIP no image (make image)"; return 0; }
  local run="$OUT/image-factory-reset" integrity
  rm -rf "$run"
  mkdir -p "$run"
  hil_disk_copy "$IMG/disk.img" "$run/disk.raw"
  dd if=/dev/zero of="$run/disk.raw" bs=1M seek="$DATA_START_MB" count=4 conv=notrunc status=none
  hil_get_data "$run/disk.raw" "$run/before.ext4"
  if e2fsck -fn "$run/before.ext4" >/dev/null 2>&1; then echo "FAIL the data partition was not wiped"; return 1; fi
  hil_vm_start "$run" "$run/disk.raw" --cache writeback
  hil_wait_console "$run" "$READY_RE" "$BOOT_TIMEOUT" || { echo "FAIL no READY after the factory reset"; return 1; }
  local t=$(hil_elapsed "$run")
  hil_vm_poweroff "$run" 120 || { echo "FAIL no clean power-off"; return 1; }
  hil_get_data "$run/disk.raw" "$run/data.ext4"
  e2fsck -fn "$run/data.ext4" >"$run/fsck.log" 2>&1 || { echo "FAIL no clean ext4 on the data partition: $(tail -3 "$run/fsck.log")"; return 1; }
  mkdir -p "$run/db"
  debugfs -R "dump /appliance/appliance.db $run/db/appliance.db" "$run/data.ext4" >/dev/null 2>&1 || true
  [ -s "$run/db/appliance.db" ] || { echo "FAIL no fresh appliance.db on the data partition"; return 1; }
  integrity=$(sqlite3 "$run/db/appliance.db" 'PRAGMA integrity_check;' 2>&1)
  [ "$integrity" = ok ] || { echo "FAIL SQLite integrity check: $integrity"; return 1; }
  rm -f "$run/disk.raw" "$run/before.ext4" "$run/data.ext4"
  echo "PASS wiped data partition re-created as ext4 on boot, READY at ${t}s on a fresh database (integrity ok)"
}

# --- target dahdi --------------------------------------------------------------------------
sc_dahdi_spans() {
  if [ ! -e /dev/dahdi ]; then
    echo "SKIP no /dev/dahdi on this machine: no real E1/analog card to test (docs/dahdi.md)"
    return 0
  fi
  echo "SKIP /dev/dahdi present, but the daemon does not drive DAHDI spans yet (docs/daemon.md); run pri-test --line dahdi:N by hand (docs/e1-pri.md)"
}

# Parts of the suite the daemon cannot run yet, on any target: reported, not faked.
sc_not_yet() {
  echo "SKIP $1"
}

ALL=(virt-pri-call image-smoke image-update-verify image-update-b image-rollback image-power-loss image-factory-reset dahdi-spans
  analog-call sip-call ivr-queue-agent alarms)
run_one() {
  local name=$1 out status t0=$SECONDS
  case $name in
    virt-pri-call) out=$(sc_virt_pri_call 2>&1) ;;
    image-smoke) out=$(sc_image_smoke 2>&1) ;;
    image-update-verify) out=$(sc_image_update_verify 2>&1) ;;
    image-update-b) out=$(sc_image_update_b 2>&1) ;;
    image-rollback) out=$(sc_image_rollback 2>&1) ;;
    image-power-loss) out=$(sc_image_power_loss 2>&1) ;;
    image-factory-reset) out=$(sc_image_factory_reset 2>&1) ;;
    dahdi-spans) out=$(sc_dahdi_spans 2>&1) ;;
    analog-call) out=$(sc_not_yet "analog lines are not wired into the daemon yet (analog-sim covers the FXS/FXO machines, docs/analog.md)") ;;
    sip-call) out=$(sc_not_yet "SIP is not wired into the daemon yet (docs/daemon.md)") ;;
    ivr-queue-agent) out=$(sc_not_yet "IVR, queues and agents are not wired into the daemon yet") ;;
    alarms) out=$(sc_not_yet "alarm injection needs the virtual line's fault control from the daemon's side; not scripted yet") ;;
    *) echo "hil: unknown scenario $name (known: ${ALL[*]})" >&2; return 2 ;;
  esac
  hil_cleanup
  status=$(tail -1 <<<"$out" | cut -d' ' -f1)
  case $status in PASS | FAIL | SKIP) ;; *) status=FAIL ;; esac
  if [ "$status" = FAIL ]; then
    sed 's/^/    /' <<<"$out" >&2
  fi
  report "$name" "$status" "$((SECONDS - t0))" "$(tail -1 <<<"$out" | cut -d' ' -f2-)"
}

mkdir -p "$OUT"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for n in "${names[@]}"; do
  run_one "$n"
done
echo "hil: summary"
printf '  %s\n' "${results[@]}"
[ "$failures" -eq 0 ]
