#!/usr/bin/env bash
# Builds (or reuses) the cached Debian base of the appliance image: bookworm minbase + systemd +
# kernel + systemd-boot, as one tarball under target/image-cache/. The cache key is a hash of
# this script and image/packages.list, so editing either rebuilds; anything else (our binaries,
# units, overlay) is added later by scripts/image-build.sh without touching the tarball.
#
# Prints the tarball path on stdout. Needs root (mmdebstrap mode=root mounts /proc inside the
# chroot). No loop devices, no mounts on the host.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE="${IMAGE_SUITE:-bookworm}"
MIRROR="${IMAGE_MIRROR:-http://deb.debian.org/debian}"
CACHE="${IMAGE_CACHE:-target/image-cache}"
mkdir -p "$CACHE"

packages=$(grep -v '^\s*#' image/packages.list | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
key=$( (cat "$0" image/packages.list; echo "$SUITE $MIRROR") | sha256sum | cut -c1-16)
tarball="$CACHE/rootfs-$SUITE-$key.tar"

if [ -s "$tarball" ]; then
  echo "image-rootfs: cached $tarball" >&2
  echo "$tarball"
  exit 0
fi

echo "image-rootfs: building $tarball with mmdebstrap (about 1.5 min, more on a busy machine)" >&2
tmp="$tarball.partial"
rm -f "$tmp"
# essential-hook: modules the initramfs needs to find the erofs root on virtio/NVMe/SATA/USB.
# customize-hooks: the service user, a locked root, no apt state, and fewer kernel modules
# (graphics, TV, wireless and InfiniBand drivers are not used by a telephony box), then the
# initramfs is rebuilt to match.
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools"; printf "erofs\nsquashfs\next4\nvfat\nvirtio_blk\nvirtio_pci\nvirtio_scsi\nnvme\nahci\nsd_mod\nusb_storage\nuas\nxhci_pci\n" >> "$1/etc/initramfs-tools/modules"' \
  --customize-hook='rm -rf "$1"/usr/lib/modules/*/kernel/drivers/gpu "$1"/usr/lib/modules/*/kernel/drivers/media "$1"/usr/lib/modules/*/kernel/drivers/net/wireless "$1"/usr/lib/modules/*/kernel/drivers/infiniband "$1"/usr/lib/modules/*/kernel/net/wireless "$1"/usr/lib/modules/*/kernel/net/mac80211 "$1"/usr/lib/modules/*/kernel/drivers/bluetooth "$1"/usr/lib/modules/*/kernel/net/bluetooth' \
  --customize-hook='for k in "$1"/usr/lib/modules/*; do chroot "$1" depmod -a "$(basename "$k")"; done; chroot "$1" update-initramfs -u -k all' \
  --customize-hook='chroot "$1" useradd --system --user-group --home-dir /data/appliance --no-create-home --shell /usr/sbin/nologin appliance' \
  --customize-hook='chroot "$1" usermod -a -G dialout,audio appliance; chroot "$1" passwd -l root' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/cache/debconf/*-old "$1"/var/log/*.log' \
  "$SUITE" "$tmp" "$MIRROR"
mv "$tmp" "$tarball"
# Keep only the newest base: older keys are dead weight on a small disk.
find "$CACHE" -maxdepth 1 -name 'rootfs-*.tar' ! -name "$(basename "$tarball")" -delete
echo "$tarball"
