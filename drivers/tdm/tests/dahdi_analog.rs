//! `AnalogChannel` (FXS and FXO ports) over a recorded kernel.
//!
//! **Test double, on purpose:** the DAHDI kernel modules cannot load on the development
//! machines or in CI (no card, no module build), so no real component can answer here.
//! `FakeKernel` implements the backend's `Device`/`ChannelDevice` traits and plays back what
//! dahdi-linux 2.11 answers, per `drivers/dahdi/dahdi-base.c` and `wctdm24xxp/base.c`:
//! `DAHDI_CHANNO` gives the bound channel; `DAHDI_GET_PARAMS` on a bound descriptor answers for
//! it; `DAHDI_SET_PARAMS` takes the timers only; `DAHDI_HOOK` on a non-blocking descriptor
//! answers `EINPROGRESS` for RING/START/WINK/FLASH, `EBUSY` for RING/WINK when not on hook and
//! for FLASH when not off hook, `ENODATA` for RING without a tone zone; `DAHDI_SETPOLARITY`
//! and `DAHDI_ONHOOKTRANSFER` answer `EINVAL` on FXO ports; `read`/`write` fail with errno 500
//! (`ELAST`) while an event waits. The ioctls themselves are checked only for layout and request
//! numbers (tests/dahdi_layout.rs, tests/dahdi_analog_layout.rs) and have never run against a
//! kernel (docs/dahdi.md).
#![cfg(feature = "dahdi")]

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::ffi::c_int;
use std::io;
use std::rc::Rc;

use tdm::dahdi::sys::{self, DahdiBufferInfo, DahdiParams, DahdiSpanInfo};
use tdm::dahdi::{
    AnalogChannel, AnalogEvent, AnalogTimers, ChannelDevice, DahdiError, Device, DeviceRoot,
    HookCommand, Polarity, PortKind, StartKind, chan,
};

const ENODATA: i32 = 61;
const EBUSY: i32 = 16;
const EINVAL: i32 = 22;
const EINPROGRESS: i32 = 115;

fn errno(n: i32) -> io::Error {
    io::Error::from_raw_os_error(n)
}

struct Port {
    params: DahdiParams,
    off_hook: bool,
    ringing: bool,
    hooks: Vec<c_int>,
    polarity: Vec<c_int>,
    oht: Vec<c_int>,
    set_params: Vec<DahdiParams>,
    events: VecDeque<c_int>,
    rx: VecDeque<Vec<u8>>,
    tx: Vec<Vec<u8>>,
    tx_full: bool,
    blocksize: Option<c_int>,
    bufinfo: Option<DahdiBufferInfo>,
    buffer_events: bool,
}

impl Default for Port {
    fn default() -> Self {
        Self {
            params: DahdiParams::for_channel(0),
            off_hook: false,
            ringing: false,
            hooks: Vec::new(),
            polarity: Vec::new(),
            oht: Vec::new(),
            set_params: Vec::new(),
            events: VecDeque::new(),
            rx: VecDeque::new(),
            tx: Vec::new(),
            tx_full: false,
            blocksize: None,
            bufinfo: None,
            buffer_events: false,
        }
    }
}

#[derive(Default)]
struct State {
    ports: BTreeMap<u32, Port>,
    zone_loaded: bool,
    /// A descriptor bound elsewhere than asked (a kernel bug or a reused descriptor).
    misbind: bool,
}

#[derive(Clone, Default)]
struct FakeKernel(Rc<RefCell<State>>);

impl std::fmt::Debug for FakeKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeKernel")
    }
}

#[derive(Debug)]
struct FakeChan {
    channo: u32,
    k: FakeKernel,
}

impl FakeChan {
    fn with<R>(&self, f: impl FnOnce(&mut Port, &mut State) -> R) -> R {
        let mut s = self.k.0.borrow_mut();
        let s = &mut *s;
        let mut port = s.ports.remove(&self.channo).expect("bound channel exists");
        let r = f(&mut port, s);
        s.ports.insert(self.channo, port);
        r
    }
    fn is_fxs_port(p: &Port) -> bool {
        p.params.sigtype & sys::DAHDI_SIG_FXO_BIT != 0
    }
}

impl Device for FakeKernel {
    type Channel = FakeChan;
    fn spanstat(&self, _span: u32) -> io::Result<DahdiSpanInfo> {
        Err(errno(EINVAL))
    }
    fn params(&self, channo: u32) -> io::Result<DahdiParams> {
        let s = self.0.borrow();
        s.ports
            .get(&channo)
            .map(|p| p.params)
            .ok_or_else(|| errno(EINVAL))
    }
    fn maint(&self, _span: u32, _command: c_int) -> io::Result<()> {
        Err(errno(EINVAL))
    }
    fn open_channel(&self, channo: u32) -> io::Result<FakeChan> {
        if !self.0.borrow().ports.contains_key(&channo) {
            return Err(errno(6)); // ENXIO
        }
        Ok(FakeChan {
            channo,
            k: self.clone(),
        })
    }
}

impl ChannelDevice for FakeChan {
    fn set_blocksize(&mut self, size: c_int) -> io::Result<()> {
        self.with(|p, _| p.blocksize = Some(size));
        Ok(())
    }
    fn set_bufinfo(&mut self, info: &DahdiBufferInfo) -> io::Result<()> {
        self.with(|p, _| p.bufinfo = Some(*info));
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.with(|p, _| {
            if !p.events.is_empty() {
                return Err(errno(sys::DAHDI_ELAST));
            }
            let data = p.rx.pop_front().ok_or(io::ErrorKind::WouldBlock)?;
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            Ok(n)
        })
    }
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.with(|p, _| {
            if !p.events.is_empty() {
                return Err(errno(sys::DAHDI_ELAST));
            }
            if p.tx_full {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            p.tx.push(buf.to_vec());
            Ok(buf.len())
        })
    }
    fn event(&mut self) -> io::Result<c_int> {
        Ok(self.with(|p, _| p.events.pop_front().unwrap_or(0)))
    }
    fn rx_bits(&self) -> io::Result<c_int> {
        Err(errno(EINVAL))
    }
    fn set_tx_bits(&mut self, _bits: c_int) -> io::Result<()> {
        Err(errno(EINVAL))
    }
    fn set_buffer_events(&mut self, on: bool) -> io::Result<()> {
        self.with(|p, _| p.buffer_events = on);
        Ok(())
    }
    fn channo(&self) -> io::Result<c_int> {
        let misbind = self.k.0.borrow().misbind;
        Ok(self.channo as c_int + c_int::from(misbind))
    }
    fn params(&self) -> io::Result<DahdiParams> {
        let s = self.k.0.borrow();
        let p = &s.ports[&self.channo];
        let mut params = p.params;
        params.rxisoffhook = c_int::from(p.off_hook);
        Ok(params)
    }
    fn set_params(&mut self, params: &DahdiParams) -> io::Result<()> {
        self.with(|p, _| {
            p.set_params.push(*params);
            // dahdi_ioctl_setparams: the timers only; sigtype is *not* included.
            let t = &mut p.params;
            t.prewinktime = params.prewinktime;
            t.preflashtime = params.preflashtime;
            t.winktime = params.winktime;
            t.flashtime = params.flashtime;
            t.starttime = params.starttime;
            t.rxwinktime = params.rxwinktime;
            t.rxflashtime = params.rxflashtime;
            t.debouncetime = params.debouncetime;
            t.pulsemaketime = params.pulsemaketime;
            t.pulsebreaktime = params.pulsebreaktime;
            t.pulseaftertime = params.pulseaftertime;
        });
        Ok(())
    }
    fn hook(&mut self, command: c_int) -> io::Result<()> {
        self.with(|p, s| {
            p.hooks.push(command);
            match command {
                sys::DAHDI_ONHOOK => {
                    p.off_hook = false;
                    p.ringing = false;
                    Ok(())
                }
                sys::DAHDI_OFFHOOK => {
                    p.off_hook = true;
                    p.ringing = false;
                    Ok(())
                }
                sys::DAHDI_RING | sys::DAHDI_START => {
                    if !s.zone_loaded {
                        Err(errno(ENODATA))
                    } else if p.off_hook || p.ringing {
                        Err(errno(EBUSY))
                    } else {
                        p.ringing = Self::is_fxs_port(p);
                        Err(errno(EINPROGRESS))
                    }
                }
                sys::DAHDI_WINK if p.off_hook => Err(errno(EBUSY)),
                sys::DAHDI_FLASH if !p.off_hook => Err(errno(EBUSY)),
                sys::DAHDI_WINK | sys::DAHDI_FLASH => Err(errno(EINPROGRESS)),
                sys::DAHDI_RINGOFF => {
                    p.ringing = false;
                    Ok(())
                }
                _ => Err(errno(EINVAL)),
            }
        })
    }
    fn set_polarity(&mut self, reversed: c_int) -> io::Result<()> {
        self.with(|p, _| {
            if !Self::is_fxs_port(p) || p.ringing {
                return Err(errno(EINVAL));
            }
            p.polarity.push(reversed);
            Ok(())
        })
    }
    fn onhook_transfer(&mut self, ms: c_int) -> io::Result<()> {
        self.with(|p, _| {
            if !Self::is_fxs_port(p) || p.off_hook {
                return Err(errno(EINVAL));
            }
            p.oht.push(ms);
            Ok(())
        })
    }
}

/// A TDM410P-like card: ports 1, 2 FXS modules (`fxoks=1-2`), 3, 4 FXO modules
/// (`fxsks=3`, `fxsls=4`), and channel 5 a clear channel of an E1 span.
fn kernel() -> FakeKernel {
    let k = FakeKernel::default();
    {
        let mut s = k.0.borrow_mut();
        s.zone_loaded = true;
        for (channo, sigtype) in [
            (1, sys::DAHDI_SIG_FXOKS),
            (2, sys::DAHDI_SIG_FXOKS),
            (3, sys::DAHDI_SIG_FXSKS),
            (4, sys::DAHDI_SIG_FXSLS),
            (5, sys::DAHDI_SIG_CLEAR),
        ] {
            let mut params = DahdiParams::for_channel(channo);
            params.spanno = 1;
            params.chanpos = channo;
            params.sigtype = sigtype;
            sys::set_c_text(&mut params.name, &format!("WCTDM/0/{}", channo - 1));
            AnalogTimers::DAHDI_DEFAULT.apply_to(&mut params);
            s.ports.insert(
                channo as u32,
                Port {
                    params,
                    ..Port::default()
                },
            );
        }
    }
    k
}

fn port(k: &FakeKernel, channo: u32) -> std::cell::RefMut<'_, Port> {
    std::cell::RefMut::map(k.0.borrow_mut(), |s| s.ports.get_mut(&channo).unwrap())
}

fn events(ch: &mut AnalogChannel<FakeChan>) -> Vec<AnalogEvent> {
    let mut out = Vec::new();
    for _ in 0..100 {
        match ch.poll_event().expect("DAHDI_GETEVENT") {
            Some(e) => out.push(e),
            None => return out,
        }
    }
    panic!("more than 100 events queued");
}

#[test]
fn opening_checks_binding_and_signalling_and_sets_1ms_blocks() {
    let k = kernel();
    let ch = AnalogChannel::open_on(&k, 1).expect("FXS port");
    assert_eq!(ch.channo(), 1);
    assert_eq!(ch.port(), PortKind::Fxs);
    assert_eq!(ch.signalling().start, StartKind::Kewl);
    assert_eq!(ch.signalling().system_conf(), "fxoks");
    {
        let p = port(&k, 1);
        assert_eq!(p.blocksize, Some(8));
        assert_eq!(p.bufinfo, Some(chan::bearer_bufinfo()));
        assert!(p.buffer_events);
    }
    let params = ch.params().unwrap();
    assert_eq!((params.channo, params.span, params.chanpos), (1, 1, 1));
    assert_eq!(params.name, "WCTDM/0/0");
    assert_eq!(params.timers, AnalogTimers::DAHDI_DEFAULT);
    assert!(!params.rx_off_hook);

    let fxo = AnalogChannel::open_on(&k, 4).expect("FXO port");
    assert_eq!(fxo.port(), PortKind::Fxo);
    assert_eq!(fxo.signalling().start, StartKind::Loop);

    assert!(matches!(
        AnalogChannel::open_on(&k, 5),
        Err(DahdiError::NotAnalog { channo: 5, sigtype }) if sigtype == sys::DAHDI_SIG_CLEAR
    ));
    let err = AnalogChannel::open_on(&k, 9).unwrap_err();
    assert!(
        matches!(&err, DahdiError::Ioctl { op: "DAHDI_SPECIFY", target, .. } if target == "channel 9"),
        "{err:?}"
    );
    k.0.borrow_mut().misbind = true;
    assert!(matches!(
        AnalogChannel::open_on(&k, 2),
        Err(DahdiError::ChannelMismatch { asked: 2, bound: 3 })
    ));
}

#[test]
fn an_fxs_port_rings_sends_caller_id_and_sees_the_phone() {
    let k = kernel();
    let mut ch = AnalogChannel::open_on(&k, 1).unwrap();
    // Caller ID before the first ring: reverse polarity, open the on-hook path, write FSK.
    ch.set_polarity(Polarity::Reversed).unwrap();
    ch.onhook_transfer(2500).unwrap();
    ch.write_chunk(&[0x55; 8]).unwrap();
    ch.set_polarity(Polarity::Forward).unwrap();
    // Ring: the kernel answers EINPROGRESS (started, cadence from the tone zone).
    ch.hook(HookCommand::Ring).unwrap();
    {
        let mut p = port(&k, 1);
        assert_eq!(p.polarity, [1, 0]);
        assert_eq!(p.oht, [2500]);
        assert_eq!(p.tx, [vec![0x55; 8]]);
        assert_eq!(p.hooks, [sys::DAHDI_RING]);
        p.events.extend([
            sys::DAHDI_EVENT_RINGERON,
            sys::DAHDI_EVENT_RINGEROFF,
            sys::DAHDI_EVENT_RINGERON,
            sys::DAHDI_EVENT_RINGOFFHOOK,
        ]);
    }
    // Polarity cannot change while ringing (wctdm24xxp answers EINVAL).
    let err = ch.set_polarity(Polarity::Reversed).unwrap_err();
    assert!(
        matches!(&err, DahdiError::Ioctl { op: "DAHDI_SETPOLARITY", source, .. } if source.raw_os_error() == Some(EINVAL)),
        "{err:?}"
    );
    assert_eq!(
        events(&mut ch),
        [
            AnalogEvent::RingerOn,
            AnalogEvent::RingerOff,
            AnalogEvent::RingerOn,
            AnalogEvent::RingOffHook
        ]
    );
    // The phone answered: stop ringing, go active, reverse polarity (answer signal).
    ch.hook(HookCommand::OffHook).unwrap();
    ch.set_polarity(Polarity::Reversed).unwrap();
    port(&k, 1).off_hook = true;
    assert!(ch.params().unwrap().rx_off_hook);
    // Ringing an off-hook line: EBUSY, typed and naming the request.
    let err = ch.hook(HookCommand::Ring).unwrap_err();
    assert!(
        matches!(&err, DahdiError::Ioctl { op: "DAHDI_HOOK(RING)", target, source } if target == "channel 1" && source.raw_os_error() == Some(EBUSY)),
        "{err:?}"
    );
    // On-hook transfer needs the phone on hook.
    assert!(matches!(
        ch.onhook_transfer(100),
        Err(DahdiError::Ioctl {
            op: "DAHDI_ONHOOKTRANSFER",
            ..
        })
    ));
    assert_eq!(
        port(&k, 1).hooks,
        [sys::DAHDI_RING, sys::DAHDI_OFFHOOK, sys::DAHDI_RING]
    );
}

#[test]
fn an_fxs_port_reports_pulse_digits_flash_and_hang_up() {
    let k = kernel();
    let mut ch = AnalogChannel::open_on(&k, 2).unwrap();
    port(&k, 2).events.extend([
        sys::DAHDI_EVENT_RINGOFFHOOK,
        sys::DAHDI_EVENT_PULSE_START,
        sys::DAHDI_EVENT_PULSEDIGIT | c_int::from(b'3'),
        sys::DAHDI_EVENT_PULSE_START,
        sys::DAHDI_EVENT_PULSEDIGIT | c_int::from(b'0'),
        sys::DAHDI_EVENT_WINKFLASH,
        sys::DAHDI_EVENT_ONHOOK,
    ]);
    assert_eq!(
        events(&mut ch),
        [
            AnalogEvent::RingOffHook,
            AnalogEvent::PulseStart,
            AnalogEvent::PulseDigit(b'3'),
            AnalogEvent::PulseStart,
            AnalogEvent::PulseDigit(b'0'),
            AnalogEvent::WinkFlash,
            AnalogEvent::OnHook,
        ]
    );
    assert_eq!(ch.poll_event().unwrap(), None);
}

#[test]
fn an_fxo_port_sees_ring_polarity_and_battery_drop_and_seizes_the_line() {
    let k = kernel();
    let mut ch = AnalogChannel::open_on(&k, 3).unwrap();
    assert_eq!(ch.port(), PortKind::Fxo);
    // dahdi-base.c on FXS signalling: RINGBEGIN when ring voltage appears, RINGOFFHOOK when
    // the burst's ring trailer expires (caller ID comes between the two bursts).
    port(&k, 3).events.extend([
        sys::DAHDI_EVENT_POLARITY, // caller ID alert before the first ring
        sys::DAHDI_EVENT_RINGBEGIN,
        sys::DAHDI_EVENT_RINGOFFHOOK,
        sys::DAHDI_EVENT_RINGBEGIN,
        sys::DAHDI_EVENT_RINGOFFHOOK,
    ]);
    assert_eq!(
        events(&mut ch),
        [
            AnalogEvent::Polarity,
            AnalogEvent::RingBegin,
            AnalogEvent::RingOffHook,
            AnalogEvent::RingBegin,
            AnalogEvent::RingOffHook,
        ]
    );
    // Answer, flash for the CO's transfer (started: EINPROGRESS, then HOOKCOMPLETE).
    ch.hook(HookCommand::OffHook).unwrap();
    port(&k, 3).off_hook = true;
    ch.hook(HookCommand::Flash).unwrap();
    port(&k, 3)
        .events
        .extend([sys::DAHDI_EVENT_HOOKCOMPLETE, sys::DAHDI_EVENT_ONHOOK]);
    // The far end hung up: kewl start reports the battery drop as ONHOOK.
    assert_eq!(
        events(&mut ch),
        [AnalogEvent::HookComplete, AnalogEvent::OnHook]
    );
    ch.hook(HookCommand::OnHook).unwrap();
    assert_eq!(
        port(&k, 3).hooks,
        [sys::DAHDI_OFFHOOK, sys::DAHDI_FLASH, sys::DAHDI_ONHOOK]
    );
    // A flash while on hook: EBUSY from the kernel.
    assert!(matches!(
        ch.hook(HookCommand::Flash),
        Err(DahdiError::Ioctl { op: "DAHDI_HOOK(FLASH)", source, .. }) if source.raw_os_error() == Some(EBUSY)
    ));
    // FXS-port requests are refused before reaching the kernel.
    for (err, op) in [
        (ch.hook(HookCommand::Ring).unwrap_err(), "DAHDI_HOOK(RING)"),
        (
            ch.hook(HookCommand::RingOff).unwrap_err(),
            "DAHDI_HOOK(RINGOFF)",
        ),
        (
            ch.set_polarity(Polarity::Reversed).unwrap_err(),
            "DAHDI_SETPOLARITY",
        ),
        (ch.onhook_transfer(500).unwrap_err(), "DAHDI_ONHOOKTRANSFER"),
    ] {
        assert!(
            matches!(&err, DahdiError::WrongPort { channo: 3, op: o, port: PortKind::Fxo } if *o == op),
            "{err:?}"
        );
        assert!(err.to_string().contains("Fxo port"), "{err}");
    }
    assert_eq!(port(&k, 3).hooks.len(), 4, "refused requests sent nothing");
    assert!(port(&k, 3).polarity.is_empty() && port(&k, 3).oht.is_empty());
}

#[test]
fn ring_without_a_tone_zone_is_a_typed_error() {
    let k = kernel();
    k.0.borrow_mut().zone_loaded = false;
    let mut ch = AnalogChannel::open_on(&k, 1).unwrap();
    let err = ch.hook(HookCommand::Ring).unwrap_err();
    assert!(
        matches!(&err, DahdiError::Ioctl { op: "DAHDI_HOOK(RING)", source, .. } if source.raw_os_error() == Some(ENODATA)),
        "{err:?}"
    );
}

#[test]
fn audio_moves_in_1ms_chunks_and_events_blocking_it_are_queued() {
    let k = kernel();
    let mut ch = AnalogChannel::open_on(&k, 1).unwrap();
    let mut chunk = [0u8; 8];
    assert!(!ch.read_chunk(&mut chunk).unwrap(), "nothing received yet");
    port(&k, 1).rx.extend([vec![1; 8], vec![2; 8]]);
    assert!(ch.read_chunk(&mut chunk).unwrap());
    assert_eq!(chunk, [1; 8]);
    // An event waits: the read fails with ELAST; the event is queued and the read retried.
    port(&k, 1)
        .events
        .extend([sys::DAHDI_EVENT_RINGOFFHOOK, sys::DAHDI_EVENT_READ_OVERRUN]);
    assert!(ch.read_chunk(&mut chunk).unwrap());
    assert_eq!(chunk, [2; 8]);
    assert_eq!(ch.rx_overruns(), 1);
    // Same on write.
    port(&k, 1).events.push_back(sys::DAHDI_EVENT_ONHOOK);
    ch.write_chunk(&[9; 8]).unwrap();
    assert_eq!(port(&k, 1).tx, [vec![9; 8]]);
    assert_eq!(
        events(&mut ch),
        [
            AnalogEvent::RingOffHook,
            AnalogEvent::ReadOverrun,
            AnalogEvent::OnHook
        ]
    );
    port(&k, 1).tx_full = true;
    assert!(matches!(
        ch.write_chunk(&[9; 8]),
        Err(DahdiError::QueueFull)
    ));
}

#[test]
fn timers_are_set_through_set_params_keeping_the_rest() {
    let k = kernel();
    let mut ch = AnalogChannel::open_on(&k, 2).unwrap();
    let mut t = ch.params().unwrap().timers;
    t.rx_flash = 800;
    t.debounce = 300;
    t.pulse_after = 500;
    ch.set_timers(&t).unwrap();
    {
        let p = port(&k, 2);
        let sent = p.set_params.last().expect("DAHDI_SET_PARAMS sent");
        assert_eq!(
            (sent.rxflashtime, sent.debouncetime, sent.pulseaftertime),
            (800, 300, 500)
        );
        assert_eq!(sent.sigtype, sys::DAHDI_SIG_FXOKS, "the rest as read");
        assert_eq!(sent.channo, 2);
        assert_eq!(sent.flashtime, 750);
    }
    assert_eq!(ch.params().unwrap().timers, t);
}

#[test]
fn a_missing_device_root_is_a_typed_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = DeviceRoot::new(dir.path().join("no-dahdi"));
    let err = AnalogChannel::open(&root, 1).unwrap_err();
    assert!(
        matches!(&err, DahdiError::Open { path, .. } if *path == root.ctl()),
        "{err:?}"
    );
}

proptest::proptest! {
    /// Every `int` the kernel could hand back decodes without panicking; digit events keep
    /// their ASCII digit; plain codes 1..=30 are never `Unknown`.
    #[test]
    fn any_event_code_decodes(code in proptest::num::i32::ANY) {
        match AnalogEvent::from_code(code) {
            None => proptest::prop_assert_eq!(code, 0),
            Some(AnalogEvent::PulseDigit(d)) => {
                proptest::prop_assert!(code & sys::DAHDI_EVENT_PULSEDIGIT != 0);
                proptest::prop_assert_eq!(c_int::from(d), code & 0xff);
            }
            Some(AnalogEvent::DtmfDown(d) | AnalogEvent::DtmfUp(d)) => {
                proptest::prop_assert_eq!(c_int::from(d), code & 0xff);
            }
            Some(AnalogEvent::Unknown(c)) => {
                proptest::prop_assert_eq!(c, code);
                proptest::prop_assert!(!(1..=30).contains(&code));
            }
            Some(_) => proptest::prop_assert!((1..=30).contains(&code)),
        }
    }

    /// Timers survive `DAHDI_SET_PARAMS` and `DAHDI_GET_PARAMS` (as `int` milliseconds).
    #[test]
    fn timers_round_trip(v in proptest::collection::vec(0u32..=i32::MAX as u32, 11)) {
        let mut t = AnalogTimers::DAHDI_DEFAULT;
        t.prewink = v[0];
        t.preflash = v[1];
        t.wink = v[2];
        t.flash = v[3];
        t.start = v[4];
        t.rx_wink = v[5];
        t.rx_flash = v[6];
        t.debounce = v[7];
        t.pulse_break = v[8];
        t.pulse_make = v[9];
        t.pulse_after = v[10];
        let mut p = DahdiParams::for_channel(1);
        t.apply_to(&mut p);
        proptest::prop_assert_eq!(AnalogTimers::from_params(&p), t);
    }
}
