#!/usr/bin/env bash
# `make boot`: boots the appliance disk image under QEMU (UEFI: OVMF → systemd-boot).
#
#   scripts/image-boot.sh [--disk IMG] [--run DIR] [--web PORT] [--https PORT]
#                         [--fresh] [--raw] [--cache MODE] [--background]
#
# The serial console (ttyS0) is a Unix socket, RUN/console.sock, and everything it prints is
# also logged to RUN/console.log. Attach with:
#     socat -,rawer,escape=0x1d UNIX-CONNECT:target/image/console.sock     (Ctrl-] leaves)
# The guest's web/metrics port 8080 is forwarded to 127.0.0.1:WEB (default 8080) and its 443 to
# 127.0.0.1:HTTPS (default 8443), loopback only. QMP (power off, reset) is RUN/qmp.sock.
#
# By default the guest writes to RUN/state.qcow2, an overlay over the built disk.img, so the
# box keeps its data between boots and the built image stays pristine (--fresh starts over).
# --raw boots IMG itself, read-write (hil does this on its own copies).
# Accelerator: TCG unless HIL_ACCEL=kvm (on this project's CI host KVM exists but cannot run
# a Linux guest; see docs/image.md).
# Hardware watchdog (i6300esb, petted by PID 1 every 15 s): HIL_WATCHDOG=reset|none. Under TCG
# on a loaded host the guest can stall for 20+ s (kernel "soft lockup") and the watchdog would
# reset a healthy box mid-boot, so TCG defaults to none (the device is there, it does not fire);
# KVM defaults to reset.
set -euo pipefail
cd "$(dirname "$0")/.."

disk=target/image/disk.img run=target/image web=8080 https=8443 fresh=no raw=no cache=writeback bg=no
while [ $# -gt 0 ]; do
  case $1 in
    --disk) disk=$2; shift 2 ;;
    --run) run=$2; shift 2 ;;
    --web) web=$2; shift 2 ;;
    --https) https=$2; shift 2 ;;
    --fresh) fresh=yes; shift ;;
    --raw) raw=yes; shift ;;
    --cache) cache=$2; shift 2 ;;
    --background) bg=yes; shift ;;
    *) echo "image-boot: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -s "$disk" ] || { echo "image-boot: $disk missing: run make image first" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "image-boot: qemu-system-x86_64 missing (make image-deps)" >&2; exit 1; }
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
[ -r "$ovmf_code" ] || { echo "image-boot: $ovmf_code missing (apt-get install ovmf)" >&2; exit 1; }
mkdir -p "$run"

if [ -s "$run/qemu.pid" ] && kill -0 "$(cat "$run/qemu.pid")" 2>/dev/null; then
  echo "image-boot: a VM already runs from $run (pid $(cat "$run/qemu.pid"))" >&2
  exit 1
fi

if [ "$raw" = yes ]; then
  drive="file=$disk,format=raw"
else
  state="$run/state.qcow2"
  if [ "$fresh" = yes ] || [ ! -s "$state" ]; then
    rm -f "$state"
    qemu-img create -q -f qcow2 -b "$(realpath "$disk")" -F raw "$state"
  fi
  drive="file=$state,format=qcow2"
fi
[ -s "$run/OVMF_VARS.fd" ] && [ "$fresh" = no ] || cp "$ovmf_vars" "$run/OVMF_VARS.fd"

# (Tried: "max,svm=off,vmx=off" to keep the guest from loading kvm modules; with it systemd saw
# none of its early mounts appear ("Failed with result 'protocol'") in 2 of 2 boots: kept "max".)
accel=tcg,thread=multi wdt=${HIL_WATCHDOG:-none} cpu=max
if [ "${HIL_ACCEL:-tcg}" = kvm ]; then
  accel=kvm wdt=${HIL_WATCHDOG:-reset} cpu=host
fi
rm -f "$run/console.sock" "$run/qmp.sock" "$run/qemu.pid"
: >"$run/console.log"

args=(
  -name appliance -accel "$accel" -cpu "$cpu" -m 1024 -smp 2 -M q35
  -nographic -nodefaults -no-user-config
  -drive "if=pflash,format=raw,unit=0,file=$ovmf_code,readonly=on"
  -drive "if=pflash,format=raw,unit=1,file=$run/OVMF_VARS.fd"
  -drive "$drive,if=virtio,cache=$cache"
  -netdev "user,id=n0,ipv6=off,hostfwd=tcp:127.0.0.1:$web-:8080,hostfwd=tcp:127.0.0.1:$https-:443"
  -device virtio-net-pci,netdev=n0
  -chardev "socket,id=ser0,path=$run/console.sock,server=on,wait=off,logfile=$run/console.log"
  -serial chardev:ser0
  -qmp "unix:$run/qmp.sock,server=on,wait=off"
  -device i6300esb -action "watchdog=$wdt"
  -pidfile "$run/qemu.pid"
)
if [ "$bg" = yes ]; then
  qemu-system-x86_64 "${args[@]}" -daemonize
  echo "image-boot: VM started (pid $(cat "$run/qemu.pid")), console $run/console.sock, log $run/console.log"
else
  echo "Booting $disk (accel $accel). Serial console:"
  echo "    socat -,rawer,escape=0x1d UNIX-CONNECT:$run/console.sock   (Ctrl-] leaves)"
  echo "  transcript: $run/console.log; web/metrics: http://127.0.0.1:$web/metrics"
  echo "  power off:  echo '{\"execute\":\"qmp_capabilities\"}{\"execute\":\"system_powerdown\"}' | socat - UNIX-CONNECT:$run/qmp.sock"
  echo "  Ctrl-C here stops the VM at once (like pulling the plug)."
  exec qemu-system-x86_64 "${args[@]}"
fi
