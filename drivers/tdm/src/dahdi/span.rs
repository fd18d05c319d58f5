//! DAHDI spans: what `DAHDI_SPANSTAT` reports, mapped onto the level-0 [`crate::span`]
//! types (as `dahdi_scan` prints it), event codes onto [`SpanEvent`]s, loopbacks onto
//! `DAHDI_MAINT` commands.
#![forbid(unsafe_code)]

use core::ffi::c_int;

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
