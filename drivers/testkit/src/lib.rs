//! # testkit: shared helpers of the line-stack tests (dev-dependency only)
//!
//! **What it is:** the runner of the JSON-line test tools ([`json`]: spawn `pri-test` or
//! `analog-sim`, read its lines on a thread, wait for a line or the exit with a deadline),
//! and the one place that knows how to build the libpri peer program
//! (`drivers/isdn/tests/peers/pri_peer.c`, libpri 1.6 from Debian's libpri-dev on one end of a
//! D-channel socket) used by the interop tests of `isdn`, `tdm` and `pritest`. The program is
//! compiled with `cc -lpri` once per test process, into the calling test crate's
//! `CARGO_TARGET_TMPDIR` (use the [`libpri_peer!`] macro, which passes it).
//!
//! **What it is not:** not a mock or stub of anything (the peer is the real libpri), not
//! used by any library or binary, and not the peer's protocol: each test crate drives the
//! program through its stdin/stdout commands documented at the top of `pri_peer.c`.

pub mod json;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The peer program's source.
#[must_use]
pub fn libpri_peer_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../isdn/tests/peers/pri_peer.c")
}

/// Builds the libpri peer into `tmp` (once per process; later calls return the first
/// build) and returns the executable's path.
///
/// # Panics
/// When libpri-dev or a C compiler is missing, or the build fails, with a message saying
/// to run `make deps` and the compiler's output: a test that cannot run its peer fails.
pub fn libpri_peer_in(tmp: &Path) -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let src = libpri_peer_source();
        let dir = tmp.join(format!("libpri-peer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let exe = dir.join("pri_peer");
        assert!(
            Path::new("/usr/include/libpri.h").exists(),
            "libpri.h not found: run `make deps` to install the Debian package libpri-dev"
        );
        // libpri-dev ships no pkg-config file: link with -lpri.
        let out = Command::new("cc")
            .args(["-O2", "-Wall", "-o"])
            .arg(&exe)
            .arg(&src)
            .arg("-lpri")
            .output()
            .expect("cc not found: run `make deps` (installs gcc and libpri-dev)");
        assert!(
            out.status.success(),
            "compiling {} failed (is libpri-dev installed? run `make deps`):\n{}",
            src.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        exe
    })
}

/// The libpri peer executable, built into the calling crate's `CARGO_TARGET_TMPDIR`
/// (integration tests and benches only). See [`libpri_peer_in`].
#[macro_export]
macro_rules! libpri_peer {
    () => {
        $crate::libpri_peer_in(::std::path::Path::new(env!("CARGO_TARGET_TMPDIR")))
    };
}
