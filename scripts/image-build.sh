#!/usr/bin/env bash
# `make image`: builds the bootable x86-64 appliance disk image, without loop devices or mounts.
#
#   1. the Debian base (scripts/image-rootfs.sh, cached tarball under target/image-cache/)
#   2. + our binaries, units and overlay → target/image/rootfs/ → root.erofs (read-only root)
#   3. ESP (vfat via mkfs.vfat -C + mtools) with systemd-boot, the slot A kernel and its entry
#   4. data partition (ext4 via mke2fs -d)
#   5. GPT on a plain file (sfdisk), partitions written with dd conv=notrunc → disk.img
#   6. the signed update bundle of this build (scripts/image-update.sh bundle)
#
# Outputs in target/image/ (docs/image.md): disk.img (raw, sparse), disk.qcow2, root.erofs,
# vmlinuz, initrd.img, layout.env, appliance-update-VERSION.tar.
# Needs root (mmdebstrap, and to keep file ownership when unpacking the base).
set -euo pipefail
cd "$(dirname "$0")/.."
. image/layout.env

OUT="${IMAGE_OUT:-target/image}"
VERSION="${IMAGE_VERSION:-$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)}"
KEYDIR="${IMAGE_KEYDIR:-target/image-keys}"
SECKEY="${IMAGE_SIGNING_KEY:-$KEYDIR/dev.key}"
PUBKEY="${IMAGE_SIGNING_PUB:-${SECKEY%.key}.pub}"
BIN="${IMAGE_BIN_DIR:-target/release}"
log() { echo "image: $*" >&2; }
t0=$SECONDS

[ "$(id -u)" -eq 0 ] || { echo "image: needs root (mmdebstrap, file ownership in the root filesystem)" >&2; exit 1; }
[ -x "$BIN/appliance" ] || { echo "image: $BIN/appliance is missing: cargo build --release -p appliance" >&2; exit 1; }

# Signing key for updates: a development key is made once if none is given (never ship it).
if [ ! -s "$SECKEY" ]; then
  mkdir -p "$(dirname "$SECKEY")"
  log "no signing key at $SECKEY: generating a DEVELOPMENT key (unencrypted; set IMAGE_SIGNING_KEY for a release)"
  minisign -G -W -f -p "$PUBKEY" -s "$SECKEY" >/dev/null
fi
[ -s "$PUBKEY" ] || { echo "image: public key $PUBKEY missing (minisign -R -s $SECKEY -p $PUBKEY)" >&2; exit 1; }

base=$(bash scripts/image-rootfs.sh)
mkdir -p "$OUT"
root="$OUT/rootfs"
rm -rf "$root"
mkdir -p "$root"
log "unpacking $base"
tar -C "$root" --numeric-owner -xpf "$base"

log "adding the appliance (version $VERSION)"
# IMAGE_STRIP=1 strips the binaries (make boot-smoke's image from the test build, whose
# debug information would not fit the root slot).
strip_opt=()
[ "${IMAGE_STRIP:-0}" = 1 ] && strip_opt=(-s)
install -m 0755 "${strip_opt[@]}" "$BIN/appliance" "$root/usr/bin/appliance"
console=no
if [ -x "$BIN/appliance-console" ]; then
  install -m 0755 "${strip_opt[@]}" "$BIN/appliance-console" "$root/usr/bin/appliance-console"
  console=yes
else
  log "NOTE: $BIN/appliance-console not built: the image has a plain login getty on ttyS0 instead of the technician's console"
fi
# Every shared library the binaries need must be in the image (a missing libasound2 once
# kept the daemon from starting at all): check their NEEDED entries against the root.
for b in "$root/usr/bin/appliance" "$root/usr/bin/appliance-console"; do
  [ -e "$b" ] || continue
  for lib in $(readelf -d "$b" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
    found=no
    for d in lib lib64 usr/lib usr/lib64 lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
      if [ -e "$root/$d/$lib" ]; then found=yes; break; fi
    done
    [ "$found" = yes ] || { echo "image: $(basename "$b") needs $lib, which the image does not have (add its package to image/packages.list)" >&2; exit 1; }
  done
done
install -m 0644 appliance/daemon/systemd/appliance.service "$root/etc/systemd/system/appliance.service"
cp -a image/units/. "$root/etc/systemd/system/"
cp -a image/overlay/. "$root/"
install -m 0755 scripts/image-update.sh "$root/usr/sbin/appliance-update"
install -d "$root/etc/appliance" "$root/usr/share/doc/appliance" "$root/data" "$root/efi"
install -m 0644 "$PUBKEY" "$root/etc/appliance/update.pub"
install -m 0644 docs/image.md docs/daemon.md "$root/usr/share/doc/appliance/"
printf '%s\n' "$VERSION" >"$root/etc/appliance-version"
echo appliance >"$root/etc/hostname"
: >"$root/etc/machine-id"
rm -f "$root"/etc/ssh/ssh_host_* "$root/var/lib/dbus/machine-id"

systemctl --root="$root" --quiet enable appliance.service appliance-healthy.service systemd-networkd.service \
  appliance-update-spool.path
# Package timers that make no sense on a read-only root (apt, dpkg backups, e2scrub).
systemctl --root="$root" --quiet mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
  e2scrub_all.timer e2scrub_reap.service
if [ "$console" = yes ]; then
  systemctl --root="$root" --quiet enable appliance-console@ttyS0.service appliance-technician.service
  systemctl --root="$root" --quiet mask serial-getty@ttyS0.service
fi
if [ -n "${IMAGE_ROOT_PASSWORD:-}" ]; then
  log "IMAGE_ROOT_PASSWORD set: root can log in on the console (development images only)"
  echo "root:$IMAGE_ROOT_PASSWORD" | chpasswd -R "$(realpath "$root")"
fi

# The kernel and initramfs go to the ESP (per slot), not into the read-only root.
kver=$(basename "$(ls -d "$root"/usr/lib/modules/* | sort -V | tail -1)")
cp "$root/boot/vmlinuz-$kver" "$OUT/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$OUT/initrd.img"
rm -f "$root"/boot/vmlinuz-* "$root"/boot/initrd.img-* "$root"/vmlinuz* "$root"/initrd.img*

log "root.erofs (lz4hc)"
# -T0 and a UUID derived from the version: the same inputs give the same bytes.
uuid=$(printf '%s' "appliance-root-$VERSION" | sha256sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
rm -f "$OUT/root.erofs"
mkfs.erofs --quiet -zlz4hc -T0 -U "$uuid" "$OUT/root.erofs" "$root"
root_bytes=$(stat -c %s "$OUT/root.erofs")
[ "$root_bytes" -le $((ROOT_MB * 1024 * 1024)) ] || { echo "image: root.erofs ($root_bytes bytes) does not fit the ${ROOT_MB} MiB slot" >&2; exit 1; }

log "ESP (vfat, systemd-boot, slot A entry)"
esp="$OUT/esp.img"
rm -f "$esp"
mkfs.vfat -F 32 -n ESP -C "$esp" $((ESP_MB * 1024)) >/dev/null
efi=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/systemd ::/loader ::/loader/entries ::/a ::/b
mcopy -i "$esp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$efi" ::/EFI/systemd/systemd-bootx64.efi
mcopy -i "$esp" image/esp/loader.conf ::/loader/loader.conf
mcopy -i "$esp" "$OUT/vmlinuz" ::/a/vmlinuz
mcopy -i "$esp" "$OUT/initrd.img" ::/a/initrd.img
# Slot A is the factory slot: no boot counter (it is known good); updates get one.
bash scripts/image-update.sh entry a "$VERSION" "" >"$OUT/slot-a.conf"
mcopy -i "$esp" "$OUT/slot-a.conf" ::/loader/entries/slot-a.conf

log "data partition (ext4)"
skel="$OUT/data-skel"
rm -rf "$skel"
uid=$(awk -F: '$1=="appliance"{print $3}' "$root/etc/passwd")
gid=$(awk -F: '$1=="appliance"{print $3}' "$root/etc/group")
install -d -m 0750 -o "$uid" -g "$gid" "$skel/appliance"
install -d -m 0755 "$skel/etc"
if [ -n "${IMAGE_DATA_ENV:-}" ]; then
  printf '%s\n' "$IMAGE_DATA_ENV" >"$skel/etc/appliance.env"
fi
rm -f "$OUT/data.ext4"
mke2fs -q -t ext4 -L data -d "$skel" -E root_owner=0:0 "$OUT/data.ext4" "${DATA_MB}M"

log "disk.img (GPT)"
disk="$OUT/disk.img"
rm -f "$disk"
truncate -s "${DISK_MB}M" "$disk"
sfdisk --quiet "$disk" <image/partitions.sfdisk
dd if="$esp" of="$disk" bs=1M seek="$ESP_START_MB" conv=notrunc,sparse status=none
dd if="$OUT/root.erofs" of="$disk" bs=1M seek="$ROOTA_START_MB" conv=notrunc,sparse status=none
dd if="$OUT/data.ext4" of="$disk" bs=1M seek="$DATA_START_MB" conv=notrunc,sparse status=none
rm -f "$esp" "$OUT/data.ext4" "$OUT/slot-a.conf"
rm -rf "$skel"

if [ "${IMAGE_QCOW2:-1}" = 1 ]; then
  log "disk.qcow2 (compressed copy for distribution)"
  qemu-img convert -c -O qcow2 "$disk" "$OUT/disk.qcow2"
fi

log "signed update bundle"
bash scripts/image-update.sh bundle --dir "$OUT" --version "$VERSION" --key "$SECKEY" \
  --out "$OUT/appliance-update-$VERSION.tar" >/dev/null
rm -rf "$root"
echo "$VERSION" >"$OUT/VERSION"
log "done in $((SECONDS - t0)) s: $disk ($(du -h --apparent-size "$disk" | cut -f1) sparse, $(du -h "$disk" | cut -f1) used), root.erofs $((root_bytes / 1024 / 1024)) MiB, console=$console"
