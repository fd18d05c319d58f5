//! The DAHDI user ABI mirrored in `tdm::dahdi::sys` against the real header: a C program
//! (tests/peers/dahdi_layout.c) including `<dahdi/user.h>` (dahdi-linux 2.11, Debian package
//! `dahdi-source`) prints the size and every field offset of each mirrored struct, every ioctl
//! request number the backend uses and every constant it copies; this test compares them with
//! `size_of`, `offset_of!` and the Rust constants. No kernel module is needed.
#![cfg(feature = "dahdi")]
// `Request` is `u64` on 64-bit Linux but not everywhere: keep the `u64::from`.
#![allow(clippy::useless_conversion)]

use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use tdm::Alarms;
use tdm::dahdi::sys::{self, request};

const HEADER: &str = "/usr/include/dahdi/user.h";

/// The C side's "key value" lines, compiled and run once for all tests (parallel tests
/// writing the same executable would race).
fn c_layout() -> &'static HashMap<String, u64> {
    static LAYOUT: OnceLock<HashMap<String, u64>> = OnceLock::new();
    LAYOUT.get_or_init(compile_and_run)
}

fn compile_and_run() -> HashMap<String, u64> {
    assert!(
        Path::new(HEADER).exists(),
        "{HEADER} is missing: run `make deps` (installs the Debian package dahdi-source)"
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/dahdi_layout.c");
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dahdi-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create build dir");
    let exe = dir.join("dahdi_layout");
    let out = Command::new("cc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("cc not found: run `make deps` to install gcc");
    assert!(
        out.status.success(),
        "cannot compile {} against <dahdi/user.h>: run `make deps`\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&exe).output().expect("run dahdi_layout");
    assert!(out.status.success(), "dahdi_layout failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').expect("key value");
            let v = v
                .parse::<i64>()
                .map_or_else(|_| v.parse::<u64>().expect("number"), |v| v as u64);
            (k.to_owned(), v)
        })
        .collect()
}

fn get(c: &HashMap<String, u64>, key: &str) -> u64 {
    *c.get(key)
        .unwrap_or_else(|| panic!("the C side printed no {key}"))
}

#[test]
fn struct_sizes_and_field_offsets_match_user_h() {
    let c = c_layout();
    assert_eq!(
        size_of::<sys::DahdiParams>() as u64,
        get(c, "sizeof.dahdi_params"),
        "sizeof dahdi_params"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, channo) as u64,
        get(c, "offsetof.dahdi_params.channo"),
        "offsetof dahdi_params.channo"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, spanno) as u64,
        get(c, "offsetof.dahdi_params.spanno"),
        "offsetof dahdi_params.spanno"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, chanpos) as u64,
        get(c, "offsetof.dahdi_params.chanpos"),
        "offsetof dahdi_params.chanpos"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, sigtype) as u64,
        get(c, "offsetof.dahdi_params.sigtype"),
        "offsetof dahdi_params.sigtype"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, sigcap) as u64,
        get(c, "offsetof.dahdi_params.sigcap"),
        "offsetof dahdi_params.sigcap"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, rxisoffhook) as u64,
        get(c, "offsetof.dahdi_params.rxisoffhook"),
        "offsetof dahdi_params.rxisoffhook"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, rxbits) as u64,
        get(c, "offsetof.dahdi_params.rxbits"),
        "offsetof dahdi_params.rxbits"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, txbits) as u64,
        get(c, "offsetof.dahdi_params.txbits"),
        "offsetof dahdi_params.txbits"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, txhooksig) as u64,
        get(c, "offsetof.dahdi_params.txhooksig"),
        "offsetof dahdi_params.txhooksig"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, rxhooksig) as u64,
        get(c, "offsetof.dahdi_params.rxhooksig"),
        "offsetof dahdi_params.rxhooksig"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, curlaw) as u64,
        get(c, "offsetof.dahdi_params.curlaw"),
        "offsetof dahdi_params.curlaw"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, idlebits) as u64,
        get(c, "offsetof.dahdi_params.idlebits"),
        "offsetof dahdi_params.idlebits"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, name) as u64,
        get(c, "offsetof.dahdi_params.name"),
        "offsetof dahdi_params.name"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, prewinktime) as u64,
        get(c, "offsetof.dahdi_params.prewinktime"),
        "offsetof dahdi_params.prewinktime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, preflashtime) as u64,
        get(c, "offsetof.dahdi_params.preflashtime"),
        "offsetof dahdi_params.preflashtime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, winktime) as u64,
        get(c, "offsetof.dahdi_params.winktime"),
        "offsetof dahdi_params.winktime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, flashtime) as u64,
        get(c, "offsetof.dahdi_params.flashtime"),
        "offsetof dahdi_params.flashtime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, starttime) as u64,
        get(c, "offsetof.dahdi_params.starttime"),
        "offsetof dahdi_params.starttime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, rxwinktime) as u64,
        get(c, "offsetof.dahdi_params.rxwinktime"),
        "offsetof dahdi_params.rxwinktime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, rxflashtime) as u64,
        get(c, "offsetof.dahdi_params.rxflashtime"),
        "offsetof dahdi_params.rxflashtime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, debouncetime) as u64,
        get(c, "offsetof.dahdi_params.debouncetime"),
        "offsetof dahdi_params.debouncetime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, pulsebreaktime) as u64,
        get(c, "offsetof.dahdi_params.pulsebreaktime"),
        "offsetof dahdi_params.pulsebreaktime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, pulsemaketime) as u64,
        get(c, "offsetof.dahdi_params.pulsemaketime"),
        "offsetof dahdi_params.pulsemaketime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, pulseaftertime) as u64,
        get(c, "offsetof.dahdi_params.pulseaftertime"),
        "offsetof dahdi_params.pulseaftertime"
    );
    assert_eq!(
        offset_of!(sys::DahdiParams, chan_alarms) as u64,
        get(c, "offsetof.dahdi_params.chan_alarms"),
        "offsetof dahdi_params.chan_alarms"
    );
    assert_eq!(
        size_of::<sys::DahdiSpanInfo>() as u64,
        get(c, "sizeof.dahdi_spaninfo"),
        "sizeof dahdi_spaninfo"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, spanno) as u64,
        get(c, "offsetof.dahdi_spaninfo.spanno"),
        "offsetof dahdi_spaninfo.spanno"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, name) as u64,
        get(c, "offsetof.dahdi_spaninfo.name"),
        "offsetof dahdi_spaninfo.name"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, desc) as u64,
        get(c, "offsetof.dahdi_spaninfo.desc"),
        "offsetof dahdi_spaninfo.desc"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, alarms) as u64,
        get(c, "offsetof.dahdi_spaninfo.alarms"),
        "offsetof dahdi_spaninfo.alarms"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, txlevel) as u64,
        get(c, "offsetof.dahdi_spaninfo.txlevel"),
        "offsetof dahdi_spaninfo.txlevel"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, rxlevel) as u64,
        get(c, "offsetof.dahdi_spaninfo.rxlevel"),
        "offsetof dahdi_spaninfo.rxlevel"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, bpvcount) as u64,
        get(c, "offsetof.dahdi_spaninfo.bpvcount"),
        "offsetof dahdi_spaninfo.bpvcount"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, crc4count) as u64,
        get(c, "offsetof.dahdi_spaninfo.crc4count"),
        "offsetof dahdi_spaninfo.crc4count"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, ebitcount) as u64,
        get(c, "offsetof.dahdi_spaninfo.ebitcount"),
        "offsetof dahdi_spaninfo.ebitcount"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, fascount) as u64,
        get(c, "offsetof.dahdi_spaninfo.fascount"),
        "offsetof dahdi_spaninfo.fascount"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, fecount) as u64,
        get(c, "offsetof.dahdi_spaninfo.fecount"),
        "offsetof dahdi_spaninfo.fecount"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, cvcount) as u64,
        get(c, "offsetof.dahdi_spaninfo.cvcount"),
        "offsetof dahdi_spaninfo.cvcount"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, becount) as u64,
        get(c, "offsetof.dahdi_spaninfo.becount"),
        "offsetof dahdi_spaninfo.becount"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, prbs) as u64,
        get(c, "offsetof.dahdi_spaninfo.prbs"),
        "offsetof dahdi_spaninfo.prbs"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, errsec) as u64,
        get(c, "offsetof.dahdi_spaninfo.errsec"),
        "offsetof dahdi_spaninfo.errsec"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, irqmisses) as u64,
        get(c, "offsetof.dahdi_spaninfo.irqmisses"),
        "offsetof dahdi_spaninfo.irqmisses"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, syncsrc) as u64,
        get(c, "offsetof.dahdi_spaninfo.syncsrc"),
        "offsetof dahdi_spaninfo.syncsrc"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, numchans) as u64,
        get(c, "offsetof.dahdi_spaninfo.numchans"),
        "offsetof dahdi_spaninfo.numchans"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, totalchans) as u64,
        get(c, "offsetof.dahdi_spaninfo.totalchans"),
        "offsetof dahdi_spaninfo.totalchans"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, totalspans) as u64,
        get(c, "offsetof.dahdi_spaninfo.totalspans"),
        "offsetof dahdi_spaninfo.totalspans"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, lbo) as u64,
        get(c, "offsetof.dahdi_spaninfo.lbo"),
        "offsetof dahdi_spaninfo.lbo"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, lineconfig) as u64,
        get(c, "offsetof.dahdi_spaninfo.lineconfig"),
        "offsetof dahdi_spaninfo.lineconfig"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, lboname) as u64,
        get(c, "offsetof.dahdi_spaninfo.lboname"),
        "offsetof dahdi_spaninfo.lboname"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, location) as u64,
        get(c, "offsetof.dahdi_spaninfo.location"),
        "offsetof dahdi_spaninfo.location"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, manufacturer) as u64,
        get(c, "offsetof.dahdi_spaninfo.manufacturer"),
        "offsetof dahdi_spaninfo.manufacturer"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, devicetype) as u64,
        get(c, "offsetof.dahdi_spaninfo.devicetype"),
        "offsetof dahdi_spaninfo.devicetype"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, irq) as u64,
        get(c, "offsetof.dahdi_spaninfo.irq"),
        "offsetof dahdi_spaninfo.irq"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, linecompat) as u64,
        get(c, "offsetof.dahdi_spaninfo.linecompat"),
        "offsetof dahdi_spaninfo.linecompat"
    );
    assert_eq!(
        offset_of!(sys::DahdiSpanInfo, spantype) as u64,
        get(c, "offsetof.dahdi_spaninfo.spantype"),
        "offsetof dahdi_spaninfo.spantype"
    );
    assert_eq!(
        size_of::<sys::DahdiBufferInfo>() as u64,
        get(c, "sizeof.dahdi_bufferinfo"),
        "sizeof dahdi_bufferinfo"
    );
    assert_eq!(
        offset_of!(sys::DahdiBufferInfo, txbufpolicy) as u64,
        get(c, "offsetof.dahdi_bufferinfo.txbufpolicy"),
        "offsetof dahdi_bufferinfo.txbufpolicy"
    );
    assert_eq!(
        offset_of!(sys::DahdiBufferInfo, rxbufpolicy) as u64,
        get(c, "offsetof.dahdi_bufferinfo.rxbufpolicy"),
        "offsetof dahdi_bufferinfo.rxbufpolicy"
    );
    assert_eq!(
        offset_of!(sys::DahdiBufferInfo, numbufs) as u64,
        get(c, "offsetof.dahdi_bufferinfo.numbufs"),
        "offsetof dahdi_bufferinfo.numbufs"
    );
    assert_eq!(
        offset_of!(sys::DahdiBufferInfo, bufsize) as u64,
        get(c, "offsetof.dahdi_bufferinfo.bufsize"),
        "offsetof dahdi_bufferinfo.bufsize"
    );
    assert_eq!(
        offset_of!(sys::DahdiBufferInfo, readbufs) as u64,
        get(c, "offsetof.dahdi_bufferinfo.readbufs"),
        "offsetof dahdi_bufferinfo.readbufs"
    );
    assert_eq!(
        offset_of!(sys::DahdiBufferInfo, writebufs) as u64,
        get(c, "offsetof.dahdi_bufferinfo.writebufs"),
        "offsetof dahdi_bufferinfo.writebufs"
    );
    assert_eq!(
        size_of::<sys::DahdiMaintInfo>() as u64,
        get(c, "sizeof.dahdi_maintinfo"),
        "sizeof dahdi_maintinfo"
    );
    assert_eq!(
        offset_of!(sys::DahdiMaintInfo, spanno) as u64,
        get(c, "offsetof.dahdi_maintinfo.spanno"),
        "offsetof dahdi_maintinfo.spanno"
    );
    assert_eq!(
        offset_of!(sys::DahdiMaintInfo, command) as u64,
        get(c, "offsetof.dahdi_maintinfo.command"),
        "offsetof dahdi_maintinfo.command"
    );
    assert_eq!(
        size_of::<sys::DahdiGains>() as u64,
        get(c, "sizeof.dahdi_gains"),
        "sizeof dahdi_gains"
    );
    assert_eq!(
        offset_of!(sys::DahdiGains, chan) as u64,
        get(c, "offsetof.dahdi_gains.chan"),
        "offsetof dahdi_gains.chan"
    );
    assert_eq!(
        offset_of!(sys::DahdiGains, rxgain) as u64,
        get(c, "offsetof.dahdi_gains.rxgain"),
        "offsetof dahdi_gains.rxgain"
    );
    assert_eq!(
        offset_of!(sys::DahdiGains, txgain) as u64,
        get(c, "offsetof.dahdi_gains.txgain"),
        "offsetof dahdi_gains.txgain"
    );
}

#[test]
fn ioctl_request_numbers_match_user_h() {
    let c = c_layout();
    assert_eq!(
        u64::from(request::SET_BLOCKSIZE),
        get(c, "ioctl.DAHDI_SET_BLOCKSIZE"),
        "DAHDI_SET_BLOCKSIZE"
    );
    assert_eq!(
        u64::from(request::GET_PARAMS),
        get(c, "ioctl.DAHDI_GET_PARAMS"),
        "DAHDI_GET_PARAMS"
    );
    assert_eq!(
        u64::from(request::GETEVENT),
        get(c, "ioctl.DAHDI_GETEVENT"),
        "DAHDI_GETEVENT"
    );
    assert_eq!(
        u64::from(request::SPANSTAT),
        get(c, "ioctl.DAHDI_SPANSTAT"),
        "DAHDI_SPANSTAT"
    );
    assert_eq!(
        u64::from(request::MAINT),
        get(c, "ioctl.DAHDI_MAINT"),
        "DAHDI_MAINT"
    );
    assert_eq!(
        u64::from(request::GET_BUFINFO),
        get(c, "ioctl.DAHDI_GET_BUFINFO"),
        "DAHDI_GET_BUFINFO"
    );
    assert_eq!(
        u64::from(request::SET_BUFINFO),
        get(c, "ioctl.DAHDI_SET_BUFINFO"),
        "DAHDI_SET_BUFINFO"
    );
    assert_eq!(
        u64::from(request::CHANNO),
        get(c, "ioctl.DAHDI_CHANNO"),
        "DAHDI_CHANNO"
    );
    assert_eq!(
        u64::from(request::SPECIFY),
        get(c, "ioctl.DAHDI_SPECIFY"),
        "DAHDI_SPECIFY"
    );
    assert_eq!(
        u64::from(request::GETRXBITS),
        get(c, "ioctl.DAHDI_GETRXBITS"),
        "DAHDI_GETRXBITS"
    );
    assert_eq!(
        u64::from(request::SETTXBITS),
        get(c, "ioctl.DAHDI_SETTXBITS"),
        "DAHDI_SETTXBITS"
    );
    assert_eq!(
        u64::from(request::BUFFER_EVENTS),
        get(c, "ioctl.DAHDI_BUFFER_EVENTS"),
        "DAHDI_BUFFER_EVENTS"
    );
}

#[test]
fn constants_match_user_h() {
    let c = c_layout();
    assert_eq!(
        i64::from(sys::DAHDI_CODE) as u64,
        get(c, "const.DAHDI_CODE"),
        "DAHDI_CODE"
    );
    assert_eq!(
        i64::from(sys::DAHDI_MAX_SPANS) as u64,
        get(c, "const.DAHDI_MAX_SPANS"),
        "DAHDI_MAX_SPANS"
    );
    assert_eq!(
        i64::from(sys::DAHDI_MAX_CHANNELS) as u64,
        get(c, "const.DAHDI_MAX_CHANNELS"),
        "DAHDI_MAX_CHANNELS"
    );
    assert_eq!(
        i64::from(sys::DAHDI_POLICY_IMMEDIATE) as u64,
        get(c, "const.DAHDI_POLICY_IMMEDIATE"),
        "DAHDI_POLICY_IMMEDIATE"
    );
    assert_eq!(
        i64::from(sys::DAHDI_POLICY_WHEN_FULL) as u64,
        get(c, "const.DAHDI_POLICY_WHEN_FULL"),
        "DAHDI_POLICY_WHEN_FULL"
    );
    assert_eq!(
        i64::from(sys::DAHDI_CONFIG_AMI) as u64,
        get(c, "const.DAHDI_CONFIG_AMI"),
        "DAHDI_CONFIG_AMI"
    );
    assert_eq!(
        i64::from(sys::DAHDI_CONFIG_CCS) as u64,
        get(c, "const.DAHDI_CONFIG_CCS"),
        "DAHDI_CONFIG_CCS"
    );
    assert_eq!(
        i64::from(sys::DAHDI_CONFIG_HDB3) as u64,
        get(c, "const.DAHDI_CONFIG_HDB3"),
        "DAHDI_CONFIG_HDB3"
    );
    assert_eq!(
        i64::from(sys::DAHDI_CONFIG_CRC4) as u64,
        get(c, "const.DAHDI_CONFIG_CRC4"),
        "DAHDI_CONFIG_CRC4"
    );
    assert_eq!(
        i64::from(sys::DAHDI_SIG_EM) as u64,
        get(c, "const.DAHDI_SIG_EM"),
        "DAHDI_SIG_EM"
    );
    assert_eq!(
        i64::from(sys::DAHDI_SIG_CLEAR) as u64,
        get(c, "const.DAHDI_SIG_CLEAR"),
        "DAHDI_SIG_CLEAR"
    );
    assert_eq!(
        i64::from(sys::DAHDI_SIG_HDLCRAW) as u64,
        get(c, "const.DAHDI_SIG_HDLCRAW"),
        "DAHDI_SIG_HDLCRAW"
    );
    assert_eq!(
        i64::from(sys::DAHDI_SIG_HDLCFCS) as u64,
        get(c, "const.DAHDI_SIG_HDLCFCS"),
        "DAHDI_SIG_HDLCFCS"
    );
    assert_eq!(
        i64::from(sys::DAHDI_SIG_CAS) as u64,
        get(c, "const.DAHDI_SIG_CAS"),
        "DAHDI_SIG_CAS"
    );
    assert_eq!(
        i64::from(sys::DAHDI_SIG_HARDHDLC) as u64,
        get(c, "const.DAHDI_SIG_HARDHDLC"),
        "DAHDI_SIG_HARDHDLC"
    );
    assert_eq!(
        i64::from(sys::DAHDI_MAINT_NONE) as u64,
        get(c, "const.DAHDI_MAINT_NONE"),
        "DAHDI_MAINT_NONE"
    );
    assert_eq!(
        i64::from(sys::DAHDI_MAINT_LOCALLOOP) as u64,
        get(c, "const.DAHDI_MAINT_LOCALLOOP"),
        "DAHDI_MAINT_LOCALLOOP"
    );
    assert_eq!(
        i64::from(sys::DAHDI_MAINT_NETWORKLINELOOP) as u64,
        get(c, "const.DAHDI_MAINT_NETWORKLINELOOP"),
        "DAHDI_MAINT_NETWORKLINELOOP"
    );
    assert_eq!(
        i64::from(sys::DAHDI_MAINT_NETWORKPAYLOADLOOP) as u64,
        get(c, "const.DAHDI_MAINT_NETWORKPAYLOADLOOP"),
        "DAHDI_MAINT_NETWORKPAYLOADLOOP"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_NONE) as u64,
        get(c, "const.DAHDI_EVENT_NONE"),
        "DAHDI_EVENT_NONE"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_ALARM) as u64,
        get(c, "const.DAHDI_EVENT_ALARM"),
        "DAHDI_EVENT_ALARM"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_NOALARM) as u64,
        get(c, "const.DAHDI_EVENT_NOALARM"),
        "DAHDI_EVENT_NOALARM"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_ABORT) as u64,
        get(c, "const.DAHDI_EVENT_ABORT"),
        "DAHDI_EVENT_ABORT"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_OVERRUN) as u64,
        get(c, "const.DAHDI_EVENT_OVERRUN"),
        "DAHDI_EVENT_OVERRUN"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_BADFCS) as u64,
        get(c, "const.DAHDI_EVENT_BADFCS"),
        "DAHDI_EVENT_BADFCS"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_BITSCHANGED) as u64,
        get(c, "const.DAHDI_EVENT_BITSCHANGED"),
        "DAHDI_EVENT_BITSCHANGED"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_REMOVED) as u64,
        get(c, "const.DAHDI_EVENT_REMOVED"),
        "DAHDI_EVENT_REMOVED"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_READ_OVERRUN) as u64,
        get(c, "const.DAHDI_EVENT_READ_OVERRUN"),
        "DAHDI_EVENT_READ_OVERRUN"
    );
    assert_eq!(
        i64::from(sys::DAHDI_EVENT_WRITE_UNDERRUN) as u64,
        get(c, "const.DAHDI_EVENT_WRITE_UNDERRUN"),
        "DAHDI_EVENT_WRITE_UNDERRUN"
    );
    assert_eq!(
        i64::from(sys::DAHDI_ELAST) as u64,
        get(c, "const.ELAST"),
        "ELAST"
    );
    assert_eq!(
        u64::from(Alarms::RECOVER.bits()),
        get(c, "alarm.RECOVER"),
        "DAHDI_ALARM_RECOVER"
    );
    assert_eq!(
        u64::from(Alarms::LOOPBACK.bits()),
        get(c, "alarm.LOOPBACK"),
        "DAHDI_ALARM_LOOPBACK"
    );
    assert_eq!(
        u64::from(Alarms::YELLOW.bits()),
        get(c, "alarm.YELLOW"),
        "DAHDI_ALARM_YELLOW"
    );
    assert_eq!(
        u64::from(Alarms::RED.bits()),
        get(c, "alarm.RED"),
        "DAHDI_ALARM_RED"
    );
    assert_eq!(
        u64::from(Alarms::BLUE.bits()),
        get(c, "alarm.BLUE"),
        "DAHDI_ALARM_BLUE"
    );
    assert_eq!(
        u64::from(Alarms::NOTOPEN.bits()),
        get(c, "alarm.NOTOPEN"),
        "DAHDI_ALARM_NOTOPEN"
    );
    assert_eq!(
        u64::from(Alarms::LOS.bits()),
        get(c, "alarm.LOS"),
        "DAHDI_ALARM_LOS"
    );
    assert_eq!(
        u64::from(Alarms::LFA.bits()),
        get(c, "alarm.LFA"),
        "DAHDI_ALARM_LFA"
    );
    assert_eq!(
        u64::from(Alarms::LMFA.bits()),
        get(c, "alarm.LMFA"),
        "DAHDI_ALARM_LMFA"
    );
}
