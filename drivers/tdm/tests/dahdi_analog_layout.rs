//! The analog part of the DAHDI user ABI mirrored in `tdm::dahdi` against the real headers:
//! a C program (tests/peers/dahdi_analog_layout.c) including `<dahdi/user.h>` (dahdi-linux
//! 2.11, Debian package `dahdi-source`) prints the request numbers of the ioctls
//! `AnalogChannel` uses, the FXS/FXO signalling types, the `DAHDI_HOOK` values and every
//! `DAHDI_EVENT_*` code; the test compares them with the Rust side. The default timers are
//! read from `<dahdi/kernel.h>` as text (it cannot be compiled outside the kernel). No kernel
//! module is needed. `struct dahdi_params` itself is checked field by field in
//! tests/dahdi_layout.rs.
#![cfg(feature = "dahdi")]
// `Request` is `u64` on 64-bit Linux but not everywhere: keep the `u64::from`.
#![allow(clippy::useless_conversion)]

use std::collections::HashMap;
use std::ffi::c_int;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use tdm::dahdi::sys::{self, request};
use tdm::dahdi::{AnalogEvent, AnalogSignalling, AnalogTimers, HookCommand, PortKind, StartKind};

const USER_H: &str = "/usr/include/dahdi/user.h";
const KERNEL_H: &str = "/usr/include/dahdi/kernel.h";

/// The C side's values, compiled and run once for all tests (parallel tests writing the same
/// executable would race).
fn c_values() -> &'static HashMap<String, i64> {
    static VALUES: OnceLock<HashMap<String, i64>> = OnceLock::new();
    VALUES.get_or_init(compile_and_run)
}

fn compile_and_run() -> HashMap<String, i64> {
    assert!(
        Path::new(USER_H).exists(),
        "{USER_H} is missing: run `make deps` (installs the Debian package dahdi-source)"
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/dahdi_analog_layout.c");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dahdi-analog-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create build dir");
    let exe = dir.join("dahdi_analog_layout");
    let out = Command::new("cc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("cc not found: run `make deps` to install gcc");
    assert!(
        out.status.success(),
        "cannot compile {} against <dahdi/user.h>\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&exe)
        .output()
        .expect("run dahdi_analog_layout");
    assert!(out.status.success(), "dahdi_analog_layout failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').expect("key value");
            let v = v
                .parse::<i64>()
                .unwrap_or_else(|_| v.parse::<u64>().expect("number") as i64);
            (k.to_owned(), v)
        })
        .collect()
}

/// Compares every `(key, rust value)` with the C side and reports all mismatches at once.
fn check(c: &HashMap<String, i64>, pairs: &[(&str, i64)]) {
    let bad: Vec<String> = pairs
        .iter()
        .filter_map(|&(k, rust)| match c.get(k) {
            Some(&cv) if cv == rust => None,
            Some(&cv) => Some(format!("{k}: C {cv}, Rust {rust}")),
            None => Some(format!("{k}: not printed by the C side")),
        })
        .collect();
    assert!(
        bad.is_empty(),
        "mismatches with user.h:\n{}",
        bad.join("\n")
    );
}

fn req(r: sys::Request) -> i64 {
    u64::from(r) as i64
}

#[test]
fn analog_ioctl_request_numbers_match_user_h() {
    check(
        c_values(),
        &[
            ("ioctl.DAHDI_GET_PARAMS", req(request::GET_PARAMS)),
            ("ioctl.DAHDI_SET_PARAMS", req(request::SET_PARAMS)),
            ("ioctl.DAHDI_HOOK", req(request::HOOK)),
            ("ioctl.DAHDI_GETEVENT", req(request::GETEVENT)),
            ("ioctl.DAHDI_CHANNO", req(request::CHANNO)),
            ("ioctl.DAHDI_SPECIFY", req(request::SPECIFY)),
            ("ioctl.DAHDI_ONHOOKTRANSFER", req(request::ONHOOKTRANSFER)),
            ("ioctl.DAHDI_SETPOLARITY", req(request::SETPOLARITY)),
            ("ioctl.DAHDI_SET_BLOCKSIZE", req(request::SET_BLOCKSIZE)),
            ("ioctl.DAHDI_SET_BUFINFO", req(request::SET_BUFINFO)),
            ("ioctl.DAHDI_BUFFER_EVENTS", req(request::BUFFER_EVENTS)),
        ],
    );
}

#[test]
fn signalling_types_and_hook_values_match_user_h() {
    let sig = |port, start| i64::from(AnalogSignalling { port, start }.sigtype());
    check(
        c_values(),
        &[
            ("const.__DAHDI_SIG_FXO", i64::from(sys::DAHDI_SIG_FXO_BIT)),
            ("const.__DAHDI_SIG_FXS", i64::from(sys::DAHDI_SIG_FXS_BIT)),
            ("const.DAHDI_SIG_FXSLS", i64::from(sys::DAHDI_SIG_FXSLS)),
            ("const.DAHDI_SIG_FXSGS", i64::from(sys::DAHDI_SIG_FXSGS)),
            ("const.DAHDI_SIG_FXSKS", i64::from(sys::DAHDI_SIG_FXSKS)),
            ("const.DAHDI_SIG_FXOLS", i64::from(sys::DAHDI_SIG_FXOLS)),
            ("const.DAHDI_SIG_FXOGS", i64::from(sys::DAHDI_SIG_FXOGS)),
            ("const.DAHDI_SIG_FXOKS", i64::from(sys::DAHDI_SIG_FXOKS)),
            ("const.DAHDI_SIG_SF", i64::from(sys::DAHDI_SIG_SF)),
            ("const.DAHDI_SIG_EM_E1", i64::from(sys::DAHDI_SIG_EM_E1)),
            ("const.DAHDI_SIG_EM", i64::from(sys::DAHDI_SIG_EM)),
            ("const.DAHDI_SIG_CLEAR", i64::from(sys::DAHDI_SIG_CLEAR)),
            // An FXS port has FXO signalling, and the reverse (system.conf `fxoks` = FXS port).
            ("const.DAHDI_SIG_FXOKS", sig(PortKind::Fxs, StartKind::Kewl)),
            ("const.DAHDI_SIG_FXOLS", sig(PortKind::Fxs, StartKind::Loop)),
            (
                "const.DAHDI_SIG_FXOGS",
                sig(PortKind::Fxs, StartKind::Ground),
            ),
            ("const.DAHDI_SIG_FXSKS", sig(PortKind::Fxo, StartKind::Kewl)),
            ("const.DAHDI_SIG_FXSLS", sig(PortKind::Fxo, StartKind::Loop)),
            (
                "const.DAHDI_SIG_FXSGS",
                sig(PortKind::Fxo, StartKind::Ground),
            ),
            ("const.DAHDI_ONHOOK", i64::from(HookCommand::OnHook.code())),
            (
                "const.DAHDI_OFFHOOK",
                i64::from(HookCommand::OffHook.code()),
            ),
            ("const.DAHDI_WINK", i64::from(HookCommand::Wink.code())),
            ("const.DAHDI_FLASH", i64::from(HookCommand::Flash.code())),
            ("const.DAHDI_START", i64::from(HookCommand::Start.code())),
            ("const.DAHDI_RING", i64::from(HookCommand::Ring.code())),
            (
                "const.DAHDI_RINGOFF",
                i64::from(HookCommand::RingOff.code()),
            ),
        ],
    );
}

#[test]
fn every_event_code_decodes_to_its_user_h_name() {
    let c = c_values();
    let code = |name: &str| -> c_int {
        let v = c
            .get(&format!("const.DAHDI_EVENT_{name}"))
            .unwrap_or_else(|| panic!("C side printed no DAHDI_EVENT_{name}"));
        c_int::try_from(*v).expect("int")
    };
    assert_eq!(AnalogEvent::from_code(code("NONE")), None);
    let table = [
        ("ONHOOK", AnalogEvent::OnHook),
        ("RINGOFFHOOK", AnalogEvent::RingOffHook),
        ("WINKFLASH", AnalogEvent::WinkFlash),
        ("ALARM", AnalogEvent::Alarm),
        ("NOALARM", AnalogEvent::NoAlarm),
        ("ABORT", AnalogEvent::Abort),
        ("OVERRUN", AnalogEvent::Overrun),
        ("BADFCS", AnalogEvent::BadFcs),
        ("DIALCOMPLETE", AnalogEvent::DialComplete),
        ("RINGERON", AnalogEvent::RingerOn),
        ("RINGEROFF", AnalogEvent::RingerOff),
        ("HOOKCOMPLETE", AnalogEvent::HookComplete),
        ("BITSCHANGED", AnalogEvent::BitsChanged),
        ("PULSE_START", AnalogEvent::PulseStart),
        ("TIMER_EXPIRED", AnalogEvent::TimerExpired),
        ("TIMER_PING", AnalogEvent::TimerPing),
        ("POLARITY", AnalogEvent::Polarity),
        ("RINGBEGIN", AnalogEvent::RingBegin),
        ("EC_DISABLED", AnalogEvent::EcDisabled),
        ("REMOVED", AnalogEvent::Removed),
        ("NEONMWI_ACTIVE", AnalogEvent::NeonMwiActive),
        ("NEONMWI_INACTIVE", AnalogEvent::NeonMwiInactive),
        ("TX_CED_DETECTED", AnalogEvent::TxCedDetected),
        ("RX_CED_DETECTED", AnalogEvent::RxCedDetected),
        ("TX_CNG_DETECTED", AnalogEvent::TxCngDetected),
        ("RX_CNG_DETECTED", AnalogEvent::RxCngDetected),
        ("EC_NLP_DISABLED", AnalogEvent::EcNlpDisabled),
        ("EC_NLP_ENABLED", AnalogEvent::EcNlpEnabled),
        ("READ_OVERRUN", AnalogEvent::ReadOverrun),
        ("WRITE_UNDERRUN", AnalogEvent::WriteUnderrun),
    ];
    for (name, want) in table {
        assert_eq!(
            AnalogEvent::from_code(code(name)),
            Some(want),
            "DAHDI_EVENT_{name}"
        );
    }
    // Digit events are flags OR'd with the ASCII digit (dahdi-base.c `__qevent(chan,
    // DAHDI_EVENT_PULSEDIGIT | '0' + n)`).
    let seven = c_int::from(b'7');
    assert_eq!(
        AnalogEvent::from_code(code("PULSEDIGIT") | seven),
        Some(AnalogEvent::PulseDigit(b'7'))
    );
    assert_eq!(
        AnalogEvent::from_code(code("DTMFDOWN") | seven),
        Some(AnalogEvent::DtmfDown(b'7'))
    );
    assert_eq!(
        AnalogEvent::from_code(code("DTMFUP") | seven),
        Some(AnalogEvent::DtmfUp(b'7'))
    );
    check(
        c,
        &[
            (
                "const.DAHDI_EVENT_PULSEDIGIT",
                i64::from(sys::DAHDI_EVENT_PULSEDIGIT),
            ),
            (
                "const.DAHDI_EVENT_DTMFDOWN",
                i64::from(sys::DAHDI_EVENT_DTMFDOWN),
            ),
            (
                "const.DAHDI_EVENT_DTMFUP",
                i64::from(sys::DAHDI_EVENT_DTMFUP),
            ),
            (
                "const.DAHDI_EVENT_ONHOOK",
                i64::from(sys::DAHDI_EVENT_ONHOOK),
            ),
            (
                "const.DAHDI_EVENT_RINGOFFHOOK",
                i64::from(sys::DAHDI_EVENT_RINGOFFHOOK),
            ),
            (
                "const.DAHDI_EVENT_POLARITY",
                i64::from(sys::DAHDI_EVENT_POLARITY),
            ),
        ],
    );
}

/// `#define DAHDI_DEFAULT_<NAME> <value>` lines of kernel.h, skipping `#if 0` blocks (the
/// header keeps an old 250 ms RXWINKTIME there; the live value is 300 ms).
fn kernel_h_defaults() -> HashMap<String, u32> {
    let text = std::fs::read_to_string(KERNEL_H)
        .unwrap_or_else(|e| panic!("{KERNEL_H}: {e}: run `make deps` (dahdi-source)"));
    let mut skipping = false;
    let mut out = HashMap::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("#if 0") {
            skipping = true;
            continue;
        }
        if skipping {
            if t.starts_with("#endif") {
                skipping = false;
            }
            continue;
        }
        let mut words = t.split_whitespace();
        if words.next() != Some("#define") {
            continue;
        }
        let (Some(name), Some(value)) = (words.next(), words.next()) else {
            continue;
        };
        if let (Some(n), Ok(v)) = (name.strip_prefix("DAHDI_DEFAULT_"), value.parse()) {
            out.insert(n.to_owned(), v);
        }
    }
    out
}

#[test]
fn default_timers_are_kernel_h_values() {
    let k = kernel_h_defaults();
    let t = AnalogTimers::DAHDI_DEFAULT;
    let pairs = [
        ("PREWINKTIME", t.prewink),
        ("PREFLASHTIME", t.preflash),
        ("WINKTIME", t.wink),
        ("FLASHTIME", t.flash),
        ("STARTTIME", t.start),
        ("RXWINKTIME", t.rx_wink),
        ("RXFLASHTIME", t.rx_flash),
        ("DEBOUNCETIME", t.debounce),
        ("PULSEBREAKTIME", t.pulse_break),
        ("PULSEMAKETIME", t.pulse_make),
        ("PULSEAFTERTIME", t.pulse_after),
    ];
    for (name, ours) in pairs {
        assert_eq!(
            k.get(name).copied(),
            Some(ours),
            "DAHDI_DEFAULT_{name} in {KERNEL_H}"
        );
    }
}
