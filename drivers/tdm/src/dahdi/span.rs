//! DAHDI spans: what `DAHDI_SPANSTAT` reports, mapped onto the level-0 [`crate::span`]
//! types (as `dahdi_scan` prints it), event codes onto [`SpanEvent`]s, loopbacks onto
//! `DAHDI_MAINT` commands; [`describe_spans`]/[`scan`] (discovery like `dahdi_scan`) and
//! [`DahdiSpan`], the [`Span`] over one DAHDI span.
#![forbid(unsafe_code)]

use core::ffi::c_int;
use std::collections::VecDeque;
use std::io;

use super::DahdiError;
use super::chan::{
    BEARER_BLOCKSIZE, ChannelRole, DCHANNEL_BUFSIZE, MAX_DCHANNEL_FRAME, bearer_bufinfo,
    dchannel_bufinfo, hdlc_rx_frame_len, hdlc_tx_buffer, slot_of,
};
use super::device::{ChannelDevice, Device, DeviceRoot, SysDevice};
use super::sys::{DAHDI_ELAST, DAHDI_MAX_CHANNELS, DAHDI_MAX_SPANS};
use crate::span::{CHUNK_SAMPLES, Chunk, E1_TIMESLOTS, Span};

use super::sys::{
    self, DAHDI_CONFIG_CCS, DAHDI_CONFIG_CRC4, DAHDI_CONFIG_HDB3, DAHDI_EVENT_ABORT,
    DAHDI_EVENT_ALARM, DAHDI_EVENT_BADFCS, DAHDI_EVENT_BITSCHANGED, DAHDI_EVENT_NOALARM,
    DAHDI_EVENT_NONE, DAHDI_EVENT_OVERRUN, DAHDI_EVENT_READ_OVERRUN, DAHDI_EVENT_REMOVED,
    DAHDI_EVENT_WRITE_UNDERRUN, DAHDI_MAINT_LOCALLOOP, DAHDI_MAINT_NETWORKLINELOOP,
    DAHDI_MAINT_NETWORKPAYLOADLOOP, DAHDI_MAINT_NONE, DahdiSpanInfo,
};
use crate::span::{
    Alarms, ClockSource, Coding, Framing, Loopback, SpanCounters, SpanEvent, SpanInfo, SpanKind,
};

/// One span as `dahdi_scan` lists it: the level-0 [`SpanInfo`] when this backend drives its
/// kind (E1, analog), and the card's own strings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpanDescription {
    /// Span number, 1-based.
    pub span: u32,
    /// `name=` (e.g. `TE2/0/1`).
    pub name: String,
    /// `desc=`.
    pub description: String,
    /// `manufacturer=` (e.g. `Digium`).
    pub manufacturer: String,
    /// `devicetype=`.
    pub device_type: String,
    /// `location=` (e.g. the PCI address).
    pub location: String,
    /// `type=` as the driver reports it (`E1`, `T1`, `FXS`, `FXO`, `BRI_TE`, ...).
    pub span_type: String,
    /// `lbo=` in words.
    pub lbo_name: String,
    /// Configured channels (`numchans`).
    pub configured_channels: u32,
    /// The span in level-0 terms; `None` for kinds this backend does not drive (T1, J1, BRI).
    pub info: Option<SpanInfo>,
}

/// The level-0 kind of a span from its `spantype` text, falling back on `linecompat` for
/// drivers that leave the text empty; `None` for T1/J1/BRI and unknown kinds.
#[must_use]
pub fn span_kind(span_type: &str, linecompat: c_int) -> Option<SpanKind> {
    match span_type {
        "E1" => Some(SpanKind::E1),
        "FXS" | "FXO" | "ANALOG_MIXED" | "ANALOG" => Some(SpanKind::Analog),
        "" if linecompat == 0 => Some(SpanKind::Analog),
        "" if linecompat & (DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_CRC4) != 0 => Some(SpanKind::E1),
        _ => None,
    }
}

/// Alarms from `dahdi_spaninfo.alarms` (same bits as [`Alarms`]).
#[must_use]
pub const fn alarms_from(raw: c_int) -> Alarms {
    Alarms::from_bits(raw as u32)
}

fn count(raw: i64) -> u64 {
    u64::try_from(raw).unwrap_or(0)
}

/// The line counters of `DAHDI_SPANSTAT` (negative values, which drivers never report, read 0);
/// slips and the D-channel counters are the backend's own and left 0 here.
#[must_use]
pub fn counters_from(raw: &DahdiSpanInfo) -> SpanCounters {
    SpanCounters {
        bpv: count(i64::from(raw.bpvcount)),
        crc4: count(i64::from(raw.crc4count)),
        ebit: count(i64::from(raw.ebitcount)),
        fas: count(i64::from(raw.fascount)),
        errsec: u64::from(raw.errsec),
        ..SpanCounters::default()
    }
}

/// A `DAHDI_SPANSTAT` answer as `dahdi_scan` shows it. `clock` and `loopback` are not in the
/// answer: they are what this process last set (DAHDI keeps the timing priority of
/// `system.conf` to itself).
#[must_use]
pub fn describe(raw: &DahdiSpanInfo, clock: ClockSource, loopback: Loopback) -> SpanDescription {
    let span_type = sys::c_text(&raw.spantype);
    let lineconfig = raw.lineconfig;
    let info = span_kind(&span_type, raw.linecompat).map(|kind| {
        let (framing, coding, crc4) = match kind {
            SpanKind::Analog => (Framing::Cas, Coding::None, false),
            _ => (
                if lineconfig & DAHDI_CONFIG_CCS != 0 {
                    Framing::Ccs
                } else {
                    Framing::Cas
                },
                if lineconfig & DAHDI_CONFIG_HDB3 != 0 {
                    Coding::Hdb3
                } else {
                    Coding::Ami
                },
                lineconfig & DAHDI_CONFIG_CRC4 != 0,
            ),
        };
        SpanInfo {
            span: u32::try_from(raw.spanno).unwrap_or(0),
            kind,
            total_channels: u16::try_from(raw.totalchans).unwrap_or(0),
            framing,
            coding,
            crc4,
            lbo: u8::try_from(raw.lbo).unwrap_or(0),
            clock,
            sync_source: u32::try_from(raw.syncsrc).ok().filter(|&s| s != 0),
            alarms: alarms_from(raw.alarms),
            loopback,
        }
    });
    SpanDescription {
        span: u32::try_from(raw.spanno).unwrap_or(0),
        name: sys::c_text(&raw.name),
        description: sys::c_text(&raw.desc),
        manufacturer: sys::c_text(&raw.manufacturer),
        device_type: sys::c_text(&raw.devicetype),
        location: sys::c_text(&raw.location),
        span_type,
        lbo_name: sys::c_text(&raw.lboname),
        configured_channels: u32::try_from(raw.numchans).unwrap_or(0),
        info,
    }
}

/// The `DAHDI_MAINT` command for a loopback.
#[must_use]
pub const fn maint_command(mode: Loopback) -> c_int {
    match mode {
        Loopback::None => DAHDI_MAINT_NONE,
        Loopback::Local => DAHDI_MAINT_LOCALLOOP,
        Loopback::Network => DAHDI_MAINT_NETWORKLINELOOP,
        Loopback::Payload => DAHDI_MAINT_NETWORKPAYLOADLOOP,
    }
}

/// A `DAHDI_GETEVENT` code, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelEvent {
    /// `DAHDI_EVENT_NONE`.
    None,
    /// The span went into alarm: read the alarms with `DAHDI_SPANSTAT`.
    Alarm,
    /// The span left alarm.
    NoAlarm,
    /// HDLC abort received.
    Abort,
    /// HDLC receive overrun (frame lost).
    Overrun,
    /// HDLC frame with a bad FCS dropped.
    BadFcs,
    /// Received CAS bits changed: read them with `DAHDI_GETRXBITS`.
    BitsChanged,
    /// Received audio dropped because nobody read it.
    ReadOverrun,
    /// The transmit buffer ran dry.
    WriteUnderrun,
    /// The device went away (card unplugged or driver unloaded).
    Removed,
    /// Any other code (analog hook events, echo canceller, ...): not a span event.
    Other(c_int),
}

impl ChannelEvent {
    /// Decodes a `DAHDI_EVENT_*` code.
    #[must_use]
    pub const fn from_code(code: c_int) -> Self {
        match code {
            DAHDI_EVENT_NONE => Self::None,
            DAHDI_EVENT_ALARM => Self::Alarm,
            DAHDI_EVENT_NOALARM => Self::NoAlarm,
            DAHDI_EVENT_ABORT => Self::Abort,
            DAHDI_EVENT_OVERRUN => Self::Overrun,
            DAHDI_EVENT_BADFCS => Self::BadFcs,
            DAHDI_EVENT_BITSCHANGED => Self::BitsChanged,
            DAHDI_EVENT_READ_OVERRUN => Self::ReadOverrun,
            DAHDI_EVENT_WRITE_UNDERRUN => Self::WriteUnderrun,
            DAHDI_EVENT_REMOVED => Self::Removed,
            c => Self::Other(c),
        }
    }

    /// The span event, given the alarms read after it (for `Alarm`/`NoAlarm`), the channel
    /// it came from and its received ABCD bits (for `BitsChanged`). `None` for events that
    /// only move counters or that are not span events.
    #[must_use]
    pub const fn to_span_event(self, alarms: Alarms, channel: u8, abcd: u8) -> Option<SpanEvent> {
        match self {
            Self::Alarm | Self::NoAlarm => Some(SpanEvent::Alarms(alarms)),
            Self::Abort | Self::Overrun => Some(SpanEvent::Abort),
            Self::BadFcs => Some(SpanEvent::BadFcs),
            Self::BitsChanged => Some(SpanEvent::AbcdChanged {
                channel,
                abcd: abcd & 0x0f,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a TE205P E1 port configured for PRI reports (values as dahdi_scan prints them).
    fn te_e1() -> DahdiSpanInfo {
        let mut s = DahdiSpanInfo::for_span(1);
        sys::set_c_text(&mut s.name, "TE2/0/1");
        sys::set_c_text(&mut s.desc, "T2XXP (PCI) Card 0 Span 1");
        sys::set_c_text(&mut s.manufacturer, "Digium");
        sys::set_c_text(&mut s.devicetype, "Wildcard TE205P (4th Gen)");
        sys::set_c_text(&mut s.location, "PCI Bus 02 Slot 01");
        sys::set_c_text(&mut s.spantype, "E1");
        sys::set_c_text(&mut s.lboname, "0 db (CSU)/0-133 feet (DSX-1)");
        s.alarms = 0;
        s.totalchans = 31;
        s.numchans = 31;
        s.syncsrc = 1;
        s.lineconfig = DAHDI_CONFIG_CCS | DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_CRC4;
        s.linecompat = DAHDI_CONFIG_CCS | DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_CRC4;
        s.bpvcount = 3;
        s.crc4count = 5;
        s.ebitcount = 7;
        s.fascount = 11;
        s.errsec = 13;
        s
    }

    #[test]
    fn e1_pri_span_reads_like_dahdi_scan() {
        let d = describe(&te_e1(), ClockSource { priority: 1 }, Loopback::None);
        assert_eq!(d.name, "TE2/0/1");
        assert_eq!(d.manufacturer, "Digium");
        assert_eq!(d.span_type, "E1");
        assert_eq!(d.configured_channels, 31);
        let i = d.info.expect("E1 is driven");
        assert_eq!((i.span, i.kind, i.total_channels), (1, SpanKind::E1, 31));
        assert_eq!(
            (i.framing, i.coding, i.crc4),
            (Framing::Ccs, Coding::Hdb3, true)
        );
        assert_eq!(i.sync_source, Some(1));
        assert_eq!(i.clock, ClockSource { priority: 1 });
        assert!(i.alarms.is_empty());
    }

    #[test]
    fn cas_ami_free_running_red_span() {
        let mut s = te_e1();
        s.lineconfig = 0;
        s.syncsrc = 0;
        s.alarms = (Alarms::RED | Alarms::LOS).bits() as c_int;
        let i = describe(&s, ClockSource::INTERNAL, Loopback::None)
            .info
            .unwrap();
        assert_eq!(
            (i.framing, i.coding, i.crc4),
            (Framing::Cas, Coding::Ami, false)
        );
        assert_eq!(i.sync_source, None);
        assert_eq!(format!("{}", i.alarms), "RED|LOS");
    }

    #[test]
    fn kinds_from_spantype_and_linecompat() {
        assert_eq!(span_kind("E1", 0), Some(SpanKind::E1));
        assert_eq!(span_kind("FXS", 0), Some(SpanKind::Analog));
        assert_eq!(span_kind("FXO", 0), Some(SpanKind::Analog));
        assert_eq!(span_kind("", 0), Some(SpanKind::Analog));
        assert_eq!(
            span_kind("", DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_CCS),
            Some(SpanKind::E1)
        );
        assert_eq!(span_kind("T1", 0), None);
        assert_eq!(span_kind("BRI_TE", 0), None);
        let mut s = te_e1();
        sys::set_c_text(&mut s.spantype, "T1");
        assert!(
            describe(&s, ClockSource::INTERNAL, Loopback::None)
                .info
                .is_none()
        );
    }

    #[test]
    fn analog_span_has_no_line_code() {
        let mut s = DahdiSpanInfo::for_span(2);
        sys::set_c_text(&mut s.spantype, "FXS");
        s.totalchans = 4;
        let i = describe(&s, ClockSource::INTERNAL, Loopback::None)
            .info
            .unwrap();
        assert_eq!(
            (i.kind, i.coding, i.total_channels),
            (SpanKind::Analog, Coding::None, 4)
        );
    }

    #[test]
    fn counters_from_spanstat() {
        let c = counters_from(&te_e1());
        assert_eq!((c.bpv, c.crc4, c.ebit, c.fas, c.errsec), (3, 5, 7, 11, 13));
        let mut s = te_e1();
        s.bpvcount = -1;
        assert_eq!(counters_from(&s).bpv, 0);
    }

    #[test]
    fn loopbacks_to_maint_commands() {
        assert_eq!(maint_command(Loopback::None), 0);
        assert_eq!(maint_command(Loopback::Local), 1);
        assert_eq!(maint_command(Loopback::Network), 2);
        assert_eq!(maint_command(Loopback::Payload), 13);
    }

    #[test]
    fn event_codes_to_span_events() {
        let red = Alarms::RED;
        assert_eq!(ChannelEvent::from_code(0), ChannelEvent::None);
        assert_eq!(
            ChannelEvent::from_code(4).to_span_event(red, 0, 0),
            Some(SpanEvent::Alarms(red))
        );
        assert_eq!(
            ChannelEvent::from_code(5).to_span_event(Alarms::NONE, 0, 0),
            Some(SpanEvent::Alarms(Alarms::NONE))
        );
        assert_eq!(
            ChannelEvent::from_code(6).to_span_event(red, 0, 0),
            Some(SpanEvent::Abort)
        );
        assert_eq!(
            ChannelEvent::from_code(7).to_span_event(red, 0, 0),
            Some(SpanEvent::Abort)
        );
        assert_eq!(
            ChannelEvent::from_code(8).to_span_event(red, 0, 0),
            Some(SpanEvent::BadFcs)
        );
        assert_eq!(
            ChannelEvent::from_code(13).to_span_event(red, 5, 0x1d),
            Some(SpanEvent::AbcdChanged {
                channel: 5,
                abcd: 0xd
            })
        );
        assert_eq!(ChannelEvent::from_code(29), ChannelEvent::ReadOverrun);
        assert_eq!(ChannelEvent::from_code(29).to_span_event(red, 0, 0), None);
        assert_eq!(ChannelEvent::from_code(30), ChannelEvent::WriteUnderrun);
        assert_eq!(ChannelEvent::from_code(20), ChannelEvent::Removed);
        assert_eq!(ChannelEvent::from_code(2), ChannelEvent::Other(2));
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery and the span.

/// What a timeslot that carries nothing reads as (A-law idle).
const IDLE: u8 = 0xD5;

/// Every span the kernel knows, as `dahdi_scan` lists them (spans 1..128 answering
/// `DAHDI_SPANSTAT`).
pub fn describe_spans<D: Device>(dev: &D) -> Vec<SpanDescription> {
    (1..DAHDI_MAX_SPANS)
        .filter_map(|s| dev.spanstat(s).ok())
        .map(|raw| describe(&raw, ClockSource::INTERNAL, Loopback::None))
        .collect()
}

/// The spans this backend drives (E1, analog) under `root`, like `dahdi_scan`.
///
/// # Errors
/// [`DahdiError::Open`] when `root/ctl` cannot be opened.
pub fn scan(root: &DeviceRoot) -> Result<Vec<SpanInfo>, DahdiError> {
    let dev = SysDevice::open(root)?;
    Ok(describe_spans(&dev)
        .into_iter()
        .filter_map(|d| d.info)
        .collect())
}

fn is_elast(e: &io::Error) -> bool {
    e.raw_os_error() == Some(DAHDI_ELAST)
}

fn is_no_such(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(22 | 6 | 19)) // EINVAL, ENXIO, ENODEV
}

#[derive(Debug)]
struct Channel<C> {
    channo: u32,
    slot: usize,
    role: ChannelRole,
    dev: C,
}

/// Counters DAHDI does not keep per span: ours.
#[derive(Debug, Default, Clone, Copy)]
struct OwnCounters {
    rx_overruns: u64,
    dchan_rx: u64,
    dchan_tx: u64,
    bad_fcs: u64,
    aborts: u64,
}

/// One DAHDI span as a [`Span`]: its B-channels read and written one 8-sample block per
/// channel descriptor, its D-channel as an HDLC channel (frame plus 2 FCS bytes), alarms and
/// line counters from `DAHDI_SPANSTAT`, events from `DAHDI_GETEVENT`, loopbacks with
/// `DAHDI_MAINT`.
///
/// Generic over the [`Device`] so the logic above the ioctls runs without a card; the real
/// one is [`SysDevice`] ([`DahdiSpan::open`]).
#[derive(Debug)]
pub struct DahdiSpan<D: Device = SysDevice> {
    dev: D,
    span: u32,
    desc: SpanDescription,
    slots: usize,
    bearers: Vec<Channel<D::Channel>>,
    dchan: Option<Channel<D::Channel>>,
    clock: ClockSource,
    loopback: Loopback,
    own: OwnCounters,
    last_alarms: Alarms,
    events: VecDeque<SpanEvent>,
    rxbuf: Vec<u8>,
}

impl DahdiSpan<SysDevice> {
    /// Opens span `span` (1-based) under `root` (`/dev/dahdi` by default), configured
    /// beforehand by `dahdi_cfg`.
    ///
    /// # Errors
    /// [`DahdiError::Open`] naming the path when `root` has no DAHDI devices; see
    /// [`DahdiSpan::with_device`] for the rest.
    pub fn open(root: &DeviceRoot, span: u32) -> Result<Self, DahdiError> {
        Self::with_device(SysDevice::open(root)?, span)
    }
}

impl<D: Device> DahdiSpan<D> {
    /// Opens span `span` through `dev`: reads its status, finds its channels
    /// (`DAHDI_GET_PARAMS` on channels 1..=1024 until the span's channels are all seen),
    /// opens every configured B-channel (block size 8, [`bearer_bufinfo`], buffer events on
    /// when the kernel has them) and the
    /// D-channel ([`dchannel_bufinfo`]). Unconfigured channels stay closed.
    ///
    /// # Errors
    /// [`DahdiError::NoSuchSpan`], [`DahdiError::UnsupportedSpan`] (T1, BRI),
    /// [`DahdiError::Ioctl`] when a channel cannot be opened or set up.
    pub fn with_device(dev: D, span: u32) -> Result<Self, DahdiError> {
        let raw = dev.spanstat(span).map_err(|source| {
            if is_no_such(&source) {
                DahdiError::NoSuchSpan(span)
            } else {
                DahdiError::Ioctl {
                    op: "DAHDI_SPANSTAT",
                    target: format!("span {span}"),
                    source,
                }
            }
        })?;
        let desc = describe(&raw, ClockSource::INTERNAL, Loopback::None);
        let Some(info) = desc.info else {
            return Err(DahdiError::UnsupportedSpan {
                span,
                span_type: desc.span_type,
            });
        };
        let total = usize::from(info.total_channels);
        let mut bearers = Vec::new();
        let mut dchan = None;
        let mut seen = 0;
        let mut max_slot = 0;
        for channo in 1..=DAHDI_MAX_CHANNELS {
            if seen >= total {
                break;
            }
            let Ok(params) = dev.params(channo) else {
                continue;
            };
            if u32::try_from(params.spanno).ok() != Some(span) {
                continue;
            }
            seen += 1;
            let Some(slot) = slot_of(params.chanpos) else {
                continue;
            };
            max_slot = max_slot.max(slot);
            let role = ChannelRole::from_sigtype(params.sigtype);
            let ioctl_err = |op: &'static str| {
                move |source| DahdiError::Ioctl {
                    op,
                    target: format!("channel {channo}"),
                    source,
                }
            };
            match role {
                r if r.is_bearer() => {
                    let mut c = dev
                        .open_channel(channo)
                        .map_err(ioctl_err("DAHDI_SPECIFY"))?;
                    c.set_blocksize(BEARER_BLOCKSIZE)
                        .map_err(ioctl_err("DAHDI_SET_BLOCKSIZE"))?;
                    c.set_bufinfo(&bearer_bufinfo())
                        .map_err(ioctl_err("DAHDI_SET_BUFINFO"))?;
                    // Best effort: kernels before DAHDI 2.5 lack it; rx_overruns then stays 0.
                    let _ = c.set_buffer_events(true);
                    bearers.push(Channel {
                        channo,
                        slot,
                        role,
                        dev: c,
                    });
                }
                ChannelRole::DChannel { .. } => {
                    let mut c = dev
                        .open_channel(channo)
                        .map_err(ioctl_err("DAHDI_SPECIFY"))?;
                    c.set_bufinfo(&dchannel_bufinfo())
                        .map_err(ioctl_err("DAHDI_SET_BUFINFO"))?;
                    dchan = Some(Channel {
                        channo,
                        slot,
                        role,
                        dev: c,
                    });
                }
                _ => {}
            }
        }
        let slots = match info.kind {
            SpanKind::E1 => E1_TIMESLOTS,
            _ => max_slot + 1,
        };
        Ok(Self {
            dev,
            span,
            last_alarms: info.alarms,
            desc,
            slots,
            bearers,
            dchan,
            clock: ClockSource::INTERNAL,
            loopback: Loopback::None,
            own: OwnCounters::default(),
            events: VecDeque::new(),
            rxbuf: vec![0; DCHANNEL_BUFSIZE as usize],
        })
    }

    /// The span as `dahdi_scan` lists it, as of opening (names, type, configured channels).
    #[must_use]
    pub fn description(&self) -> &SpanDescription {
        &self.desc
    }

    /// Channel numbers of the opened B-channels with their timeslot, in order.
    #[must_use]
    pub fn bearer_channels(&self) -> Vec<(u32, usize)> {
        self.bearers.iter().map(|c| (c.channo, c.slot)).collect()
    }

    /// Channel number and timeslot of the D-channel, and whether the card does its HDLC.
    #[must_use]
    pub fn dchannel(&self) -> Option<(u32, usize, bool)> {
        self.dchan.as_ref().map(|c| {
            let hw = matches!(c.role, ChannelRole::DChannel { hardware: true });
            (c.channo, c.slot, hw)
        })
    }

    /// The device layer (the real kernel, or a test's).
    #[must_use]
    pub fn device(&self) -> &D {
        &self.dev
    }

    fn live_alarms(&self) -> Alarms {
        self.dev
            .spanstat(self.span)
            .map_or(Alarms::NOTOPEN, |raw| alarms_from(raw.alarms))
    }

    /// Reads every waiting event of one channel (`None`: the D-channel) into the queue and
    /// the counters.
    fn drain_events(&mut self, bearer: Option<usize>) {
        loop {
            let (code, channel, rx_bits) = {
                let chan = match bearer {
                    Some(i) => &mut self.bearers[i],
                    None => match self.dchan.as_mut() {
                        Some(c) => c,
                        None => return,
                    },
                };
                let Ok(code) = chan.dev.event() else { return };
                let rx = if code == DAHDI_EVENT_BITSCHANGED {
                    chan.dev.rx_bits().unwrap_or(0)
                } else {
                    0
                };
                (code, chan.slot, rx)
            };
            let ev = ChannelEvent::from_code(code);
            match ev {
                ChannelEvent::None => return,
                ChannelEvent::BadFcs => self.own.bad_fcs += 1,
                ChannelEvent::Abort | ChannelEvent::Overrun => self.own.aborts += 1,
                ChannelEvent::ReadOverrun => self.own.rx_overruns += 1,
                _ => {}
            }
            let alarms = match ev {
                ChannelEvent::Removed => Alarms::NOTOPEN,
                ChannelEvent::Alarm | ChannelEvent::NoAlarm => self.live_alarms(),
                _ => self.last_alarms,
            };
            let span_event = if ev == ChannelEvent::Removed {
                Some(SpanEvent::Alarms(alarms))
            } else {
                ev.to_span_event(
                    alarms,
                    u8::try_from(channel).unwrap_or(0),
                    u8::try_from(rx_bits & 0x0f).unwrap_or(0),
                )
            };
            match span_event {
                // DAHDI posts a span's alarm on every channel: report each change once.
                Some(SpanEvent::Alarms(a)) if a == self.last_alarms => {}
                Some(SpanEvent::Alarms(a)) => {
                    self.last_alarms = a;
                    self.events.push_back(SpanEvent::Alarms(a));
                }
                Some(e) => self.events.push_back(e),
                None => {}
            }
        }
    }

    fn io_err(channo: u32) -> impl FnOnce(io::Error) -> DahdiError {
        move |source| DahdiError::Io { channo, source }
    }
}

impl<D: Device> Span for DahdiSpan<D> {
    type Error = DahdiError;

    fn info(&self) -> SpanInfo {
        let raw = self.dev.spanstat(self.span).ok();
        let fresh = raw.and_then(|r| describe(&r, self.clock, self.loopback).info);
        fresh.unwrap_or_else(|| {
            let mut i = self.desc.info.unwrap_or_default();
            i.clock = self.clock;
            i.loopback = self.loopback;
            i.alarms = Alarms::NOTOPEN;
            i
        })
    }

    /// Reads one 8-byte block from each B-channel. Returns 0 when the first B-channel has
    /// nothing yet (the card fills every channel on the same interrupt, so the others are then
    /// read too); a later channel with nothing reads as idle. Timeslots that are not
    /// B-channels (TS0, the D-channel, unconfigured ones) read as idle (0xD5).
    fn read_chunk(&mut self, out: &mut [Chunk]) -> Result<usize, DahdiError> {
        if out.len() < self.slots {
            return Err(DahdiError::BufferTooShort {
                need: self.slots,
                got: out.len(),
            });
        }
        let mut got_any = false;
        for i in 0..self.bearers.len() {
            let mut block = [IDLE; CHUNK_SAMPLES];
            let mut tries = 0;
            let n = loop {
                match self.bearers[i].dev.read(&mut block) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break 0,
                    Err(e) if is_elast(&e) && tries == 0 => {
                        tries += 1;
                        self.drain_events(Some(i));
                    }
                    Err(e) if is_elast(&e) => break 0,
                    Err(e) => return Err(Self::io_err(self.bearers[i].channo)(e)),
                }
            };
            if i == 0 && n == 0 {
                return Ok(0);
            }
            got_any |= n > 0;
            block[n.min(CHUNK_SAMPLES)..].fill(IDLE);
            out[self.bearers[i].slot] = block;
        }
        if !got_any {
            return Ok(0);
        }
        let mut is_bearer = vec![false; self.slots];
        for c in &self.bearers {
            is_bearer[c.slot] = true;
        }
        for (slot, chunk) in out[..self.slots].iter_mut().enumerate() {
            if !is_bearer[slot] {
                *chunk = [IDLE; CHUNK_SAMPLES];
            }
        }
        Ok(self.slots)
    }

    /// Writes one 8-byte block to each B-channel; other timeslots are ignored.
    /// [`DahdiError::QueueFull`] when the kernel's buffers are full.
    fn write_chunk(&mut self, chunk: &[Chunk]) -> Result<(), DahdiError> {
        if chunk.len() < self.slots {
            return Err(DahdiError::BufferTooShort {
                need: self.slots,
                got: chunk.len(),
            });
        }
        for i in 0..self.bearers.len() {
            let block = chunk[self.bearers[i].slot];
            let mut tries = 0;
            loop {
                match self.bearers[i].dev.write(&block) {
                    Ok(_) => break,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        return Err(DahdiError::QueueFull);
                    }
                    Err(e) if is_elast(&e) && tries == 0 => {
                        tries += 1;
                        self.drain_events(Some(i));
                    }
                    Err(e) => return Err(Self::io_err(self.bearers[i].channo)(e)),
                }
            }
        }
        Ok(())
    }

    /// One `read` on the D-channel: the frame and its 2 FCS bytes, which are dropped (the
    /// card or the kernel checked them; bad frames come out as events, not frames).
    fn read_dchannel(&mut self, buf: &mut [u8]) -> Result<Option<usize>, DahdiError> {
        let Some(chan) = self.dchan.as_mut() else {
            return Err(DahdiError::NoDChannel(self.span));
        };
        let channo = chan.channo;
        let n = match chan.dev.read(&mut self.rxbuf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if is_elast(&e) => {
                self.drain_events(None);
                return Ok(None);
            }
            Err(e) => return Err(Self::io_err(channo)(e)),
        };
        let Some(len) = hdlc_rx_frame_len(n) else {
            self.own.aborts += 1;
            self.events.push_back(SpanEvent::Abort);
            return Ok(None);
        };
        if buf.len() < len {
            return Err(DahdiError::BufferTooShort {
                need: len,
                got: buf.len(),
            });
        }
        buf[..len].copy_from_slice(&self.rxbuf[..len]);
        self.own.dchan_rx += 1;
        Ok(Some(len))
    }

    /// One `write` on the D-channel: the frame then 2 bytes the card or kernel fills with
    /// the FCS.
    fn write_dchannel(&mut self, frame: &[u8]) -> Result<(), DahdiError> {
        let Some(buf) = hdlc_tx_buffer(frame) else {
            return Err(DahdiError::FrameLength {
                len: frame.len(),
                max: MAX_DCHANNEL_FRAME,
            });
        };
        let mut tries = 0;
        loop {
            let Some(chan) = self.dchan.as_mut() else {
                return Err(DahdiError::NoDChannel(self.span));
            };
            let channo = chan.channo;
            match chan.dev.write(&buf) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(DahdiError::QueueFull);
                }
                Err(e) if is_elast(&e) && tries == 0 => {
                    tries += 1;
                    self.drain_events(None);
                }
                Err(e) => return Err(Self::io_err(channo)(e)),
            }
        }
        self.own.dchan_tx += 1;
        Ok(())
    }

    fn set_abcd(&mut self, channel: u8, abcd: u8) -> Result<(), DahdiError> {
        let Some(c) = self
            .bearers
            .iter_mut()
            .find(|c| c.slot == usize::from(channel) && c.role == ChannelRole::Cas)
        else {
            return Err(DahdiError::NotCas(channel));
        };
        let channo = c.channo;
        c.dev
            .set_tx_bits(c_int::from(abcd & 0x0f))
            .map_err(|source| DahdiError::Ioctl {
                op: "DAHDI_SETTXBITS",
                target: format!("channel {channo}"),
                source,
            })
    }

    fn abcd(&self, channel: u8) -> Option<u8> {
        let c = self
            .bearers
            .iter()
            .find(|c| c.slot == usize::from(channel) && c.role == ChannelRole::Cas)?;
        c.dev
            .rx_bits()
            .ok()
            .and_then(|b| u8::try_from(b & 0x0f).ok())
    }

    fn alarms(&self) -> Alarms {
        self.live_alarms()
    }

    fn counters(&self) -> SpanCounters {
        let mut c = self
            .dev
            .spanstat(self.span)
            .map_or_else(|_| SpanCounters::default(), |raw| counters_from(&raw));
        c.rx_overruns = self.own.rx_overruns;
        c.dchan_rx = self.own.dchan_rx;
        c.dchan_tx = self.own.dchan_tx;
        c.dchan_bad_fcs = self.own.bad_fcs;
        c.dchan_aborts = self.own.aborts;
        c
    }

    /// Queued events first; otherwise reads `DAHDI_GETEVENT` on the D-channel and every
    /// B-channel.
    fn poll_event(&mut self) -> Option<SpanEvent> {
        if self.events.is_empty() {
            self.drain_events(None);
            for i in 0..self.bearers.len() {
                self.drain_events(Some(i));
            }
        }
        self.events.pop_front()
    }

    fn set_loopback(&mut self, mode: Loopback) -> Result<(), DahdiError> {
        self.dev
            .maint(self.span, maint_command(mode))
            .map_err(|source| DahdiError::Ioctl {
                op: "DAHDI_MAINT",
                target: format!("span {}", self.span),
                source,
            })?;
        self.loopback = mode;
        Ok(())
    }

    /// Recorded and reported by [`Span::info`] only: DAHDI takes a span's timing priority
    /// from `system.conf` when `dahdi_cfg` runs, and has no ioctl to change it alone.
    fn set_clock_source(&mut self, clock: ClockSource) {
        self.clock = clock;
    }
}
