# The only entry points a person needs: demo, test, bench, lint (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian packages the build and tests need. Installed only when missing.
#   pkg-config, gcc       build the peer harness linking the C libraries below
#   libspandsp-dev        the spandsp peer (DTMF, echo, G.711) for interop tests and benchmarks
#   libspeexdsp-dev       the speexdsp peer (echo) for benchmarks
#   espeak-ng             speech for the DTMF talk-off corpus
#   sox                   audio conversions in tests and the demo
#   libpri-dev            libpri 1.6: the Q.921/Q.931 peer for the isdn interop tests
#   tshark                decodes our D-channel pcap captures in the isdn interop tests
#                         (preseeded: no setuid dumpcap question, so the install stays non-interactive)
#   dahdi-source          DAHDI's user ABI header <dahdi/user.h>: the tdm dahdi layout tests check our
#                         ioctl numbers and struct layouts against it (no kernel module is built)
#   minisign fdisk mtools the web panel's firmware upload test signs a bundle and writes it to the
#                         inactive slot of a small GPT disk file (scripts/image-update.sh)
DEB_PACKAGES := pkg-config gcc libspandsp-dev libspeexdsp-dev espeak-ng sox tshark libpri-dev dahdi-source libasound2-dev alsa-utils sip-tester baresip chromium minisign fdisk mtools

# Debian packages of `make image` / `make boot` / `make hil` and of the boot smoke test that
# ends `make test` (docs/image.md), installed by their own idempotent step (image-deps):
#   mmdebstrap            the Debian base of the image (bookworm minbase + systemd + kernel)
#   erofs-utils           mkfs.erofs: the read-only root of each slot
#   dosfstools, mtools    the EFI system partition built and edited in a file (no mounts)
#   fdisk                 sfdisk: the GPT written on a plain file
#   systemd-boot-efi      the boot loader (systemd-bootx64.efi) with boot counting for A/B
#   minisign              ed25519 signatures of firmware update bundles
#   qemu-system-x86, qemu-utils, ovmf   boot the image under QEMU with UEFI firmware
#   socat, curl, sqlite3  hil: QMP and the serial console, the forwarded web port, the power-loss check
IMAGE_PACKAGES := mmdebstrap erofs-utils dosfstools mtools fdisk systemd-boot-efi minisign qemu-system-x86 qemu-utils ovmf socat curl sqlite3 e2fsprogs binutils

CARGO ?= cargo
TEST_JOBS ?= 2

.PHONY: help deps demo demo-dsp test lint fmt-check clippy unit boot-smoke bench peers fuzz clean image-deps image boot hil hil-smoke

help:
	@echo "make demo    build and run the appliance on its demo defaults (installs what is missing)"
	@echo "make demo-dsp  the voice DSP path on generated audio"
	@echo "make test    lint and run every test (installs what is missing)"
	@echo "make bench   criterion benches and the side-by-side peer comparison"
	@echo "make lint    rustfmt check and clippy -D warnings"
	@echo "make fuzz    run each fuzz target for a short while (needs nightly + cargo-fuzz)"
	@echo "make image   build the bootable disk image target/image/disk.img (root; docs/image.md)"
	@echo "make boot    boot the image under QEMU, serial console on target/image/console.sock"
	@echo "make hil     the hardware-in-the-loop suite: virtual lines, the booted image, real cards if present"

# Idempotent and quiet when everything is present; needs root (or sudo) only when installing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  echo "wireshark-common wireshark-common/install-setuid boolean false" | $$SUDO debconf-set-selections; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# The appliance on its embedded demo defaults, in the foreground until Ctrl-C (docs/daemon.md).
demo: deps
	@bash scripts/demo-appliance.sh

# The voice DSP path on generated audio (DTMF, echo, tones, caller ID) and its benchmarks.
demo-dsp: deps
	$(CARGO) build --release --locked -p media-dsp --features cli
	@bash scripts/demo.sh target/release/dsp

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all --check

# The second line checks the DSP library as the media thread links it: no_std, no alloc.
clippy:
	$(CARGO) clippy --locked --workspace --all-targets --all-features -- -D warnings
	$(CARGO) clippy --locked -p media-dsp -p tdm --no-default-features -- -D warnings

# Runs every test of the workspace, then prints one closing line summing all test binaries
# ("tests: N passed, M failed"), since cargo's own last line is that of the last binary.
unit:
	@mkdir -p target
	@set -o pipefail; $(CARGO) test --locked --workspace --all-features --no-fail-fast --jobs $(TEST_JOBS) 2>&1 \
	  | tee target/test-output.log; status=$$?; \
	  awk '/^test result:/ { p += $$4; f += $$6 } END { printf "tests: %d passed, %d failed\n", p, f }' target/test-output.log; \
	  exit $$status

test: deps lint unit boot-smoke

# The boot smoke test that ends make test (docs/image.md, "A boot smoke in make test"): the
# appliance image made from the test build's own binaries (stripped; no release build),
# booted under QEMU to READY, the login prompt, /healthz and /metrics, then powered off.
# It needs root (mmdebstrap) and the Debian mirror; BOOT_SMOKE=0 leaves it out.
BOOT_SMOKE ?= 1
boot-smoke:
	@set -e; \
	if [ "$(BOOT_SMOKE)" != 1 ]; then echo "boot-smoke: left out (BOOT_SMOKE=$(BOOT_SMOKE))"; exit 0; fi; \
	SUDO=""; \
	if [ "$$(id -u)" -ne 0 ]; then \
	  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
	    echo "boot-smoke: SKIP: needs root or password-less sudo (mmdebstrap); run as root or BOOT_SMOKE=0"; exit 0; fi; \
	fi; \
	$(MAKE) --no-print-directory image-deps; \
	$(CARGO) build --locked --profile test --workspace --all-features --bins; \
	t0=$$(date +%s); \
	$$SUDO env IMAGE_BIN_DIR=target/debug IMAGE_STRIP=1 IMAGE_OUT=target/image-smoke bash scripts/image-build.sh; \
	HIL_IMAGE=target/image-smoke bash hil/run.sh image-smoke; \
	echo "boot-smoke: image and boot in $$(( $$(date +%s) - t0 )) s"

bench: deps
	$(CARGO) bench --locked -p media-dsp --all-features
	@bash scripts/bench-peers.sh
	@bash scripts/bench-sip.sh

FUZZ_DIRS := fuzz $(sort $(dir $(wildcard */fuzz/Cargo.toml */*/fuzz/Cargo.toml)))
FUZZ_SECONDS ?= 30

fuzz:
	@for d in $(FUZZ_DIRS); do \
	  for t in $$(cd $$d && $(CARGO) +nightly fuzz list); do \
	    echo "== $$d $$t"; \
	    (cd $$d && $(CARGO) +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS)) || exit 1; \
	  done; \
	done

clean:
	$(CARGO) clean

# --- the appliance image (docs/image.md) -----------------------------------------------------
# Two passes: installing one package can remove another that was present (a backports
# qemu-utils is removed by bookworm's qemu-system-x86), so what is missing after the first
# pass is installed by the second.
image-deps:
	@for pass in 1 2; do \
	  missing=""; for p in $(IMAGE_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  fi; \
	done

# The release daemon (and the technician's console when its crate exists), then the disk image.
image: image-deps
	CARGO_INCREMENTAL=0 $(CARGO) build --release --locked -p appliance
	@if $(CARGO) metadata --no-deps --format-version 1 2>/dev/null | grep -q '"name":"appliance-console"'; then \
	  CARGO_INCREMENTAL=0 $(CARGO) build --release --locked --bin appliance-console; \
	else echo "image: no appliance-console binary in the workspace yet: the image gets a login getty on ttyS0"; fi
	bash scripts/image-build.sh

# Boots target/image/disk.img (built if missing) in the foreground; state persists in
# target/image/state.qcow2 (BOOT_FRESH=1 starts from the built image again).
boot: image-deps
	@[ -s target/image/disk.img ] || $(MAKE) image
	bash scripts/image-boot.sh $(if $(BOOT_FRESH),--fresh)

hil: image
	bash hil/run.sh $(HIL_SCENARIOS)

hil-smoke: image
	bash hil/run.sh image-smoke image-update-verify
