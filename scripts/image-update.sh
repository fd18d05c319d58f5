#!/usr/bin/env bash
# Firmware updates of the appliance image: A/B slots with systemd-boot boot counting.
# Installed in the image as /usr/sbin/appliance-update; also runs on the build host against a
# disk image file (--disk), which is how hil/ tests it. See docs/image.md.
#
#   image-update.sh bundle --dir D --version V --key SECKEY --out FILE
#       Make a signed update bundle (a tar: manifest, manifest.minisig, root.erofs, vmlinuz,
#       initrd.img) from a build's outputs in D. The manifest lists the version and the
#       SHA-256 of each file; minisign (ed25519) signs the manifest.
#   image-update.sh apply BUNDLE [--pubkey P] [--tries N] [--disk IMG --slot a|b] [--reboot]
#       Verify the bundle (signature, then every hash) BEFORE writing anything; write it to the
#       inactive slot; install its kernel on the ESP; add a tries-counted boot entry
#       (slot-X+N.conf, N=3 by default). On the next boot systemd-boot picks the newest version
#       with tries left; once the daemon is healthy systemd-bless-boot renames the entry to
#       slot-X.conf (good). A slot that fails N boots is marked bad (slot-X+0-N.conf) and the
#       other slot boots again (rollback).
#       On the appliance: the running slot is read from /proc/cmdline, the ESP is /efi.
#       On a disk image file: --disk IMG and --slot (default b); nothing is mounted (mtools, dd).
#       Run by a user other than root on the box (the daemon, for the web panel's firmware
#       upload), `apply BUNDLE` is `request BUNDLE`.
#   image-update.sh request BUNDLE
#       Hand BUNDLE to root through the spool (APPLIANCE_UPDATE_SPOOL, /data/appliance/update,
#       writable by the daemon's user): move it there (the data partition has no room for two
#       copies of a bundle), drop a request, and wait (up to
#       APPLIANCE_UPDATE_WAIT seconds, 900) for serve-spool's answer in APPLIANCE_UPDATE_RESULTS
#       (/data/update, root's own folder); print its output and exit with its status.
#   image-update.sh serve-spool
#       As root (appliance-update-spool.service, started by its .path unit when a request
#       appears): take the request, `apply` the spooled bundle (with the options in
#       APPLIANCE_UPDATE_SPOOL_APPLY_OPTS, none on the box) and write the answer.
#   image-update.sh status [--disk IMG]
#       Show the running slot, boot entries and their counters.
#   image-update.sh entry SLOT VERSION [TRIES]
#       Print a boot entry (used by the image build for the factory slot A).
set -euo pipefail

die() { echo "appliance-update: $*" >&2; exit 1; }
log() { echo "appliance-update: $*" >&2; }
PUBKEY_DEFAULT=/etc/appliance/update.pub
ESP_DIR="${APPLIANCE_ESP:-/efi}"
SPOOL="${APPLIANCE_UPDATE_SPOOL:-/data/appliance/update}"
RESULTS="${APPLIANCE_UPDATE_RESULTS:-/data/update}"
FILES="root.erofs vmlinuz initrd.img"

entry() {
  local slot=$1 version=$2
  cat <<EOF
title      Appliance $version (slot ${slot^^})
sort-key   appliance
version    $version
linux      /$slot/vmlinuz
initrd     /$slot/initrd.img
options    root=PARTLABEL=root-$slot rootfstype=erofs ro console=tty0 console=ttyS0,115200 panic=10 appliance.slot=$slot
EOF
}

# Byte offset and size of the partition named $2 in the disk image $1 (from its GPT).
part_geom() {
  local line
  line=$(sfdisk --dump "$1" | grep "name=\"$2\"") || die "no partition named $2 in $1"
  local start size
  start=$(sed -E 's/.*start= *([0-9]+).*/\1/' <<<"$line")
  size=$(sed -E 's/.*size= *([0-9]+).*/\1/' <<<"$line")
  echo "$((start * 512)) $((size * 512))"
}

manifest_hash() { awk -v f="$2" '$1=="sha256" && $3==f {print $2}' "$1"; }

cmd_bundle() {
  local dir="" version="" key="" out=""
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) dir=$2; shift 2 ;;
      --version) version=$2; shift 2 ;;
      --key) key=$2; shift 2 ;;
      --out) out=$2; shift 2 ;;
      *) die "bundle: unknown argument $1" ;;
    esac
  done
  [ -n "$dir" ] && [ -n "$version" ] && [ -n "$key" ] && [ -n "$out" ] || die "bundle: --dir --version --key --out are required"
  [[ $version =~ ^[A-Za-z0-9.+~_-]+$ ]] || die "bundle: bad version '$version'"
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  {
    echo "format appliance-update 1"
    echo "version $version"
    for f in $FILES; do
      [ -s "$dir/$f" ] || die "bundle: $dir/$f missing"
      echo "sha256 $(sha256sum "$dir/$f" | cut -d' ' -f1) $f"
    done
  } >"$tmp/manifest"
  minisign -S -s "$key" -m "$tmp/manifest" -x "$tmp/manifest.minisig" \
    -t "appliance-update $version" </dev/null >/dev/null || die "bundle: signing failed"
  tar -cf "$out" -C "$tmp" manifest manifest.minisig -C "$(realpath "$dir")" $FILES
  echo "$out"
}

cmd_apply() {
  local bundle="" pubkey=$PUBKEY_DEFAULT tries=3 disk="" slot="" reboot=no
  while [ $# -gt 0 ]; do
    case $1 in
      --pubkey) pubkey=$2; shift 2 ;;
      --tries) tries=$2; shift 2 ;;
      --disk) disk=$2; shift 2 ;;
      --slot) slot=$2; shift 2 ;;
      --reboot) reboot=yes; shift ;;
      -*) die "apply: unknown option $1" ;;
      *) bundle=$1; shift ;;
    esac
  done
  # Only root can write a slot; the daemon's user hands the bundle to root instead.
  if [ -z "$disk" ] && [ "$(id -u)" -ne 0 ]; then
    cmd_request "$bundle"
    return
  fi
  [ -r "$bundle" ] || die "apply: bundle '$bundle' not readable"
  [ -r "$pubkey" ] || die "apply: public key $pubkey not readable"
  [[ $tries =~ ^[1-9]$ ]] || die "apply: --tries must be 1..9"

  # 1. Verify before writing anything: the signature of the manifest, then each file's hash.
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  tar -xf "$bundle" -C "$tmp" manifest manifest.minisig 2>/dev/null || die "apply: not an update bundle (no manifest)"
  minisign -V -q -p "$pubkey" -m "$tmp/manifest" -x "$tmp/manifest.minisig" >/dev/null 2>&1 \
    || die "apply: SIGNATURE CHECK FAILED: $bundle is not signed by $pubkey; nothing written"
  grep -qx 'format appliance-update 1' "$tmp/manifest" || die "apply: unknown bundle format"
  local version
  version=$(awk '$1=="version"{print $2}' "$tmp/manifest")
  [[ $version =~ ^[A-Za-z0-9.+~_-]+$ ]] || die "apply: bad version in manifest"
  for f in $FILES; do
    local want got
    want=$(manifest_hash "$tmp/manifest" "$f")
    [ -n "$want" ] || die "apply: manifest lacks $f"
    got=$(tar -xOf "$bundle" "$f" | sha256sum | cut -d' ' -f1)
    [ "$want" = "$got" ] || die "apply: HASH MISMATCH for $f; nothing written"
  done
  log "bundle $version: signature and hashes good"

  # 2. Which slot: the one not running (on the box), or the one asked for (disk image).
  if [ -z "$disk" ]; then
    local running
    running=$(sed -nE 's/.*root=PARTLABEL=root-([ab]).*/\1/p' /proc/cmdline)
    [ -n "$running" ] || die "apply: cannot tell the running slot from /proc/cmdline"
    [ -z "$slot" ] || [ "$slot" != "$running" ] || die "apply: slot $slot is the running one"
    slot=$([ "$running" = a ] && echo b || echo a)
    [ -d "$ESP_DIR/loader/entries" ] || die "apply: ESP not mounted on $ESP_DIR"
  else
    slot=${slot:-b}
  fi
  [[ $slot =~ ^[ab]$ ]] || die "apply: slot must be a or b"
  log "writing version $version to slot $slot"

  # 3. Retire the slot's old entry first: a half-written slot must never be booted.
  local root_size
  root_size=$(tar -tvf "$bundle" root.erofs | awk '{print $3}')
  if [ -z "$disk" ]; then
    rm -f "$ESP_DIR"/loader/entries/slot-"$slot".conf "$ESP_DIR"/loader/entries/slot-"$slot"+*.conf
    sync -f "$ESP_DIR"
    local dev=/dev/disk/by-partlabel/root-$slot
    [ -b "$dev" ] || die "apply: $dev not found"
    local dev_size
    dev_size=$(blockdev --getsize64 "$dev")
    [ "$root_size" -le "$dev_size" ] || die "apply: root.erofs ($root_size) larger than $dev ($dev_size)"
    tar -xOf "$bundle" root.erofs | dd of="$dev" bs=1M conv=fsync status=none
    local got
    got=$(dd if="$dev" bs=1M count="$root_size" iflag=count_bytes status=none | sha256sum | cut -d' ' -f1)
    [ "$got" = "$(manifest_hash "$tmp/manifest" root.erofs)" ] || die "apply: read-back of $dev does not match; slot $slot left without a boot entry"
    mkdir -p "$ESP_DIR/$slot"
    tar -xOf "$bundle" vmlinuz >"$ESP_DIR/$slot/vmlinuz.new"
    tar -xOf "$bundle" initrd.img >"$ESP_DIR/$slot/initrd.img.new"
    mv "$ESP_DIR/$slot/vmlinuz.new" "$ESP_DIR/$slot/vmlinuz"
    mv "$ESP_DIR/$slot/initrd.img.new" "$ESP_DIR/$slot/initrd.img"
    entry "$slot" "$version" >"$ESP_DIR/loader/entries/.slot-$slot.new"
    sync -f "$ESP_DIR"
    mv "$ESP_DIR/loader/entries/.slot-$slot.new" "$ESP_DIR/loader/entries/slot-$slot+$tries.conf"
    sync -f "$ESP_DIR"
  else
    [ -w "$disk" ] || die "apply: $disk not writable"
    local esp_off root_geom
    read -r esp_off _ < <(part_geom "$disk" esp)
    root_geom=$(part_geom "$disk" "root-$slot")
    local root_off=${root_geom% *} root_len=${root_geom#* }
    local img="$disk@@$esp_off"
    mdel -i "$img" "::/loader/entries/slot-$slot.conf" 2>/dev/null || true
    mdel -i "$img" "::/loader/entries/slot-$slot+*.conf" 2>/dev/null || true
    [ "$root_size" -le "$root_len" ] || die "apply: root.erofs ($root_size) larger than slot $slot ($root_len)"
    tar -xOf "$bundle" root.erofs | dd of="$disk" bs=1M seek="$root_off" oflag=seek_bytes conv=notrunc,fsync status=none
    local got
    got=$(dd if="$disk" bs=1M skip="$root_off" count="$root_size" iflag=skip_bytes,count_bytes status=none | sha256sum | cut -d' ' -f1)
    [ "$got" = "$(manifest_hash "$tmp/manifest" root.erofs)" ] || die "apply: read-back of slot $slot does not match"
    tar -xf "$bundle" -C "$tmp" vmlinuz initrd.img
    mmd -i "$img" "::/$slot" 2>/dev/null || true
    mcopy -o -i "$img" "$tmp/vmlinuz" "::/$slot/vmlinuz"
    mcopy -o -i "$img" "$tmp/initrd.img" "::/$slot/initrd.img"
    entry "$slot" "$version" >"$tmp/entry.conf"
    mcopy -o -i "$img" "$tmp/entry.conf" "::/loader/entries/slot-$slot+$tries.conf"
  fi
  log "slot $slot holds $version; boot entry slot-$slot+$tries.conf ($tries tries before rollback)"
  if [ "$reboot" = yes ]; then
    log "rebooting into slot $slot"
    systemctl reboot
  fi
}

cmd_status() {
  local disk=""
  [ "${1:-}" = --disk ] && disk=$2
  if [ -z "$disk" ]; then
    echo "running slot: $(sed -nE 's/.*root=PARTLABEL=root-([ab]).*/\1/p' /proc/cmdline)"
    echo "version: $(cat /etc/appliance-version 2>/dev/null)"
    if [ -x /usr/lib/systemd/systemd-bless-boot ]; then
      echo "this boot: $(/usr/lib/systemd/systemd-bless-boot status 2>/dev/null || echo unknown)"
    fi
    echo "entries:"
    ls -1 "$ESP_DIR/loader/entries/" | sed 's/^/  /'
  else
    local esp_off
    read -r esp_off _ < <(part_geom "$disk" esp)
    mdir -b -i "$disk@@$esp_off" ::/loader/entries/ | sed 's|.*/||; s/^/  /'
  fi
}

# The requesting side (any user that may write the spool). One request at a time (flock).
# The answer is matched by the request's id, so a stale answer is never taken for this one.
cmd_request() {
  local bundle=${1:-} wait=${APPLIANCE_UPDATE_WAIT:-900} id i
  [ -r "$bundle" ] || die "request: bundle '$bundle' not readable"
  [ -d "$SPOOL" ] || die "request: no spool folder $SPOOL"
  exec 9>"$SPOOL/lock"
  flock -w 60 9 || die "request: another update is being applied"
  id="$(date +%s%N)-$$"
  rm -f "$SPOOL/request" "$SPOOL/bundle.tar.part"
  mv -f -- "$bundle" "$SPOOL/bundle.tar.part"
  sync "$SPOOL/bundle.tar.part"
  mv -f "$SPOOL/bundle.tar.part" "$SPOOL/bundle.tar"
  echo "$id" >"$SPOOL/request.part"
  mv -f "$SPOOL/request.part" "$SPOOL/request"
  log "request $id handed to root; waiting for the answer (at most $wait s)"
  for ((i = 0; i < wait * 5; i++)); do
    if [ "$(cat "$RESULTS/done" 2>/dev/null)" = "$id" ]; then
      cat "$RESULTS/log" >&2 2>/dev/null || true
      return "$(cat "$RESULTS/status" 2>/dev/null || echo 1)"
    fi
    sleep 0.2
  done
  rm -f "$SPOOL/request"
  die "request: no answer from appliance-update-spool.service within $wait s"
}

# The root side: the request and the bundle come from a folder another user can write, so
# nothing there is trusted: the id must look like one, the bundle must be a plain file (not a
# link to something of root's), and `apply` verifies its signature and hashes before writing.
# Answers go to root's own folder, written last to first: log, status, then done (the id).
cmd_serve_spool() {
  local id st
  [ "$(id -u)" -eq 0 ] || die "serve-spool: must run as root"
  [ -f "$SPOOL/request" ] || { log "serve-spool: no request"; return 0; }
  id=$(head -c 64 "$SPOOL/request")
  rm -f "$SPOOL/request"
  [[ $id =~ ^[0-9]+-[0-9]+$ ]] || die "serve-spool: malformed request id"
  mkdir -p "$RESULTS"
  chmod 0755 "$RESULTS"
  rm -f "$RESULTS/done"
  if [ -f "$SPOOL/bundle.tar" ] && [ ! -L "$SPOOL/bundle.tar" ]; then
    st=0
    # shellcheck disable=SC2086 # options are words on purpose
    "$0" apply "$SPOOL/bundle.tar" ${APPLIANCE_UPDATE_SPOOL_APPLY_OPTS:-} >"$RESULTS/log.part" 2>&1 || st=$?
  else
    echo "appliance-update: serve-spool: no bundle in the spool" >"$RESULTS/log.part"
    st=1
  fi
  rm -f "$SPOOL/bundle.tar"
  mv -f "$RESULTS/log.part" "$RESULTS/log"
  echo "$st" >"$RESULTS/status"
  echo "$id" >"$RESULTS/done.part"
  mv -f "$RESULTS/done.part" "$RESULTS/done"
  log "serve-spool: request $id answered with status $st"
}

case "${1:-}" in
  bundle) shift; cmd_bundle "$@" ;;
  apply) shift; cmd_apply "$@" ;;
  request) shift; cmd_request "$@" ;;
  serve-spool) shift; cmd_serve_spool ;;
  status) shift; cmd_status "$@" ;;
  entry) entry "$2" "$3" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
