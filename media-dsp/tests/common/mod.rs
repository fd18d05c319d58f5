//! Helpers shared by the integration tests: building the small C programs that link the
//! Debian peer libraries (spandsp, speexdsp), so tests compare against the real peer.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Peers already built by this test process, so parallel tests share one executable and
/// never run a file that another thread is still writing ("Text file busy").
static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);

/// Compiles `tests/peers/<name>.c` against the pkg-config packages `libs` and returns the
/// path of the executable (in a per-process temporary directory under target/).
///
/// Panics with a message saying what to install when the compiler or a library is missing:
/// `make test` installs them (see the Makefile's DEB_PACKAGES).
pub fn build_peer(name: &str, libs: &[&str]) -> PathBuf {
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let built = built.get_or_insert_with(HashMap::new);
    if let Some(exe) = built.get(name) {
        return exe.clone();
    }
    let exe = compile_peer(name, libs);
    built.insert(name.to_owned(), exe.clone());
    exe
}

fn compile_peer(name: &str, libs: &[&str]) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(format!("{name}.c"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("peers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create peer build dir");
    let exe = dir.join(name);
    let flags = Command::new("pkg-config")
        .arg("--cflags")
        .arg("--libs")
        .args(libs)
        .output()
        .expect("pkg-config not found: run `make deps` (or `make test`) to install it");
    assert!(
        flags.status.success(),
        "pkg-config cannot find {libs:?}: run `make deps` to install the Debian -dev packages\n{}",
        String::from_utf8_lossy(&flags.stderr)
    );
    let flags = String::from_utf8(flags.stdout).expect("pkg-config output");
    let status = Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .args(flags.split_whitespace())
        .arg("-lm")
        .status()
        .expect("cc not found: install gcc");
    assert!(status.success(), "compiling {} failed", src.display());
    exe
}
