//! Analog ports through DAHDI (`docs/dahdi.md`): one FXS or FXO channel as an
//! [`AnalogChannel`], with its hook, ring, polarity and on-hook transfer commands
//! (`DAHDI_HOOK`, `DAHDI_SETPOLARITY`, `DAHDI_ONHOOKTRANSFER`), its timers
//! (`DAHDI_GET_PARAMS`/`DAHDI_SET_PARAMS`), its events (`DAHDI_GETEVENT`) as [`AnalogEvent`]s, and
//! its audio in 1 ms chunks.
//!
//! ## FXS and FXO, ports and signalling
//! DAHDI names a channel's *signalling* after the far end, which is the opposite of the port:
//!
//! | port ([`PortKind`]) | faces | DAHDI signalling (`system.conf`) | `sigtype` |
//! |---|---|---|---|
//! | [`PortKind::Fxs`] | a phone | FXO signalling: `fxols`, `fxogs`, `fxoks` | `DAHDI_SIG_FXO*` |
//! | [`PortKind::Fxo`] | a central office line | FXS signalling: `fxsls`, `fxsgs`, `fxsks` | `DAHDI_SIG_FXS*` |
//!
//! What the kernel does and what it leaves to us: it rings an FXS port with the tone zone's
//! cadence (`DAHDI_RING`, `loadzone=cn` gives 1 s on / 4 s off), decodes pulse dialling and
//! debounces hook changes into events, times flash and wink; caller ID is ours: the FSK or
//! DTMF audio is written as chunks after `DAHDI_ONHOOKTRANSFER` (on hook) or between rings.
//!
//! This module is the DAHDI side only: the line state machines (crate `analog`) and the
//! level-0 analog types of `tdm` are bridged to it elsewhere.
#![forbid(unsafe_code)]

use core::ffi::c_int;
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use super::DahdiError;
use super::chan::{BEARER_BLOCKSIZE, bearer_bufinfo};
use super::device::{ChannelDevice, Device, DeviceRoot, SysChannel, SysDevice};
use super::sys::{
    self, DAHDI_ELAST, DAHDI_EVENT_ABORT, DAHDI_EVENT_ALARM, DAHDI_EVENT_BADFCS,
    DAHDI_EVENT_BITSCHANGED, DAHDI_EVENT_DIALCOMPLETE, DAHDI_EVENT_DTMFDOWN, DAHDI_EVENT_DTMFUP,
    DAHDI_EVENT_EC_DISABLED, DAHDI_EVENT_EC_NLP_DISABLED, DAHDI_EVENT_EC_NLP_ENABLED,
    DAHDI_EVENT_HOOKCOMPLETE, DAHDI_EVENT_NEONMWI_ACTIVE, DAHDI_EVENT_NEONMWI_INACTIVE,
    DAHDI_EVENT_NOALARM, DAHDI_EVENT_NONE, DAHDI_EVENT_ONHOOK, DAHDI_EVENT_OVERRUN,
    DAHDI_EVENT_POLARITY, DAHDI_EVENT_PULSE_START, DAHDI_EVENT_PULSEDIGIT,
    DAHDI_EVENT_READ_OVERRUN, DAHDI_EVENT_REMOVED, DAHDI_EVENT_RINGBEGIN, DAHDI_EVENT_RINGEROFF,
    DAHDI_EVENT_RINGERON, DAHDI_EVENT_RINGOFFHOOK, DAHDI_EVENT_RX_CED_DETECTED,
    DAHDI_EVENT_RX_CNG_DETECTED, DAHDI_EVENT_TIMER_EXPIRED, DAHDI_EVENT_TIMER_PING,
    DAHDI_EVENT_TX_CED_DETECTED, DAHDI_EVENT_TX_CNG_DETECTED, DAHDI_EVENT_WINKFLASH,
    DAHDI_EVENT_WRITE_UNDERRUN, DAHDI_FLASH, DAHDI_OFFHOOK, DAHDI_ONHOOK, DAHDI_RING,
    DAHDI_RINGOFF, DAHDI_SIG_FXOGS, DAHDI_SIG_FXOKS, DAHDI_SIG_FXOLS, DAHDI_SIG_FXSGS,
    DAHDI_SIG_FXSKS, DAHDI_SIG_FXSLS, DAHDI_START, DAHDI_WINK, DahdiParams,
};
use crate::span::{CHUNK_SAMPLES, Chunk};

/// `EINPROGRESS`: a non-blocking `DAHDI_HOOK` (ring, start, wink, flash) was started and
/// completes later (`HOOKCOMPLETE`, or the ring cadence's events).
const EINPROGRESS: i32 = 115;

/// Which side of an analog line the port is (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortKind {
    /// Faces a phone: gives battery, rings, sees hook changes (DAHDI FXO signalling).
    Fxs,
    /// Faces a central office line: sees ring and polarity, seizes and releases the line
    /// (DAHDI FXS signalling).
    Fxo,
}

/// How the line is started and supervised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StartKind {
    /// Loop start (`ls`).
    Loop,
    /// Ground start (`gs`).
    Ground,
    /// Kewl start (`ks`): loop start with battery-drop disconnect supervision (recommended).
    Kewl,
}

/// A DAHDI analog signalling type: port kind and start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnalogSignalling {
    /// The port.
    pub port: PortKind,
    /// The start.
    pub start: StartKind,
}

impl AnalogSignalling {
    /// From `dahdi_params.sigtype`; `None` when it is not one of the six FXS/FXO signallings.
    #[must_use]
    pub const fn from_sigtype(sigtype: c_int) -> Option<Self> {
        let (port, start) = match sigtype {
            DAHDI_SIG_FXOLS => (PortKind::Fxs, StartKind::Loop),
            DAHDI_SIG_FXOGS => (PortKind::Fxs, StartKind::Ground),
            DAHDI_SIG_FXOKS => (PortKind::Fxs, StartKind::Kewl),
            DAHDI_SIG_FXSLS => (PortKind::Fxo, StartKind::Loop),
            DAHDI_SIG_FXSGS => (PortKind::Fxo, StartKind::Ground),
            DAHDI_SIG_FXSKS => (PortKind::Fxo, StartKind::Kewl),
            _ => return None,
        };
        Some(Self { port, start })
    }

    /// The `DAHDI_SIG_*` value.
    #[must_use]
    pub const fn sigtype(self) -> c_int {
        match (self.port, self.start) {
            (PortKind::Fxs, StartKind::Loop) => DAHDI_SIG_FXOLS,
            (PortKind::Fxs, StartKind::Ground) => DAHDI_SIG_FXOGS,
            (PortKind::Fxs, StartKind::Kewl) => DAHDI_SIG_FXOKS,
            (PortKind::Fxo, StartKind::Loop) => DAHDI_SIG_FXSLS,
            (PortKind::Fxo, StartKind::Ground) => DAHDI_SIG_FXSGS,
            (PortKind::Fxo, StartKind::Kewl) => DAHDI_SIG_FXSKS,
        }
    }

    /// The `system.conf` keyword (`fxoks`, `fxsks`, ...).
    #[must_use]
    pub const fn system_conf(self) -> &'static str {
        match (self.port, self.start) {
            (PortKind::Fxs, StartKind::Loop) => "fxols",
            (PortKind::Fxs, StartKind::Ground) => "fxogs",
            (PortKind::Fxs, StartKind::Kewl) => "fxoks",
            (PortKind::Fxo, StartKind::Loop) => "fxsls",
            (PortKind::Fxo, StartKind::Ground) => "fxsgs",
            (PortKind::Fxo, StartKind::Kewl) => "fxsks",
        }
    }
}

/// A `DAHDI_HOOK` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookCommand {
    /// `DAHDI_ONHOOK`: FXO port releases the line; FXS port ends the call (stops ringing).
    OnHook,
    /// `DAHDI_OFFHOOK`: FXO port seizes or answers the line; FXS port goes active.
    OffHook,
    /// `DAHDI_WINK`: off hook for `winktime` (E&M style start).
    Wink,
    /// `DAHDI_FLASH`: on hook for `flashtime` (the CO's transfer / call waiting).
    Flash,
    /// `DAHDI_START`: ground start seizure (FXO port), or ringing (FXS port).
    Start,
    /// `DAHDI_RING`: ring an FXS port with the tone zone's cadence.
    Ring,
    /// `DAHDI_RINGOFF`: stop ringing an FXS port.
    RingOff,
}

impl HookCommand {
    /// The `DAHDI_HOOK` value.
    #[must_use]
    pub const fn code(self) -> c_int {
        match self {
            Self::OnHook => DAHDI_ONHOOK,
            Self::OffHook => DAHDI_OFFHOOK,
            Self::Wink => DAHDI_WINK,
            Self::Flash => DAHDI_FLASH,
            Self::Start => DAHDI_START,
            Self::Ring => DAHDI_RING,
            Self::RingOff => DAHDI_RINGOFF,
        }
    }

    /// The ioctl name for errors (`DAHDI_HOOK(RING)`).
    const fn op(self) -> &'static str {
        match self {
            Self::OnHook => "DAHDI_HOOK(ONHOOK)",
            Self::OffHook => "DAHDI_HOOK(OFFHOOK)",
            Self::Wink => "DAHDI_HOOK(WINK)",
            Self::Flash => "DAHDI_HOOK(FLASH)",
            Self::Start => "DAHDI_HOOK(START)",
            Self::Ring => "DAHDI_HOOK(RING)",
            Self::RingOff => "DAHDI_HOOK(RINGOFF)",
        }
    }
}

/// Line polarity of an FXS port (`DAHDI_SETPOLARITY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Polarity {
    /// Normal battery.
    #[default]
    Forward,
    /// Reversed battery (answer and disconnect signal, caller ID alert).
    Reversed,
}

/// A `DAHDI_GETEVENT` code on an analog channel, decoded. Meanings per port in the docs of
/// each variant; codes DAHDI shares with spans keep the same names as
/// [`super::span::ChannelEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnalogEvent {
    /// `ONHOOK`: FXS port: the phone hung up. FXO port (kewl start): battery dropped, the far
    /// end disconnected.
    OnHook,
    /// `RINGOFFHOOK`: FXS port: the phone went off hook. FXO port: a ring burst was received
    /// (reported when it ends and the ring trailer expired; count rings with it).
    RingOffHook,
    /// `WINKFLASH`: FXS port: the phone flashed the hook (on hook shorter than `rxflashtime`).
    /// FXO port with kewl start: a short battery interruption (kernels built with `FXSFLASH`).
    WinkFlash,
    /// `ALARM`: the span went into alarm.
    Alarm,
    /// `NOALARM`: the span left alarm.
    NoAlarm,
    /// `ABORT`: HDLC abort (not on analog lines).
    Abort,
    /// `OVERRUN`: HDLC overrun (not on analog lines).
    Overrun,
    /// `BADFCS`: HDLC bad FCS (not on analog lines).
    BadFcs,
    /// `DIALCOMPLETE`: the kernel's dialler (`DAHDI_DIAL`) finished.
    DialComplete,
    /// `RINGERON`: FXS port: a ring burst started (the cadence's "on").
    RingerOn,
    /// `RINGEROFF`: FXS port: a ring burst ended (send caller ID between rings now).
    RingerOff,
    /// `HOOKCOMPLETE`: a wink, flash or start finished.
    HookComplete,
    /// `BITSCHANGED`: received CAS bits changed (not on analog lines).
    BitsChanged,
    /// `PULSE_START`: FXS port: the first break of a dial pulse train.
    PulseStart,
    /// `TIMER_EXPIRED`: the channel timer expired.
    TimerExpired,
    /// `TIMER_PING`: a queued timer ping.
    TimerPing,
    /// `POLARITY`: FXO port: battery polarity reversed (answer, disconnect, or caller ID alert).
    Polarity,
    /// `RINGBEGIN`: FXO port: ring voltage appeared (the start of a burst, before debounce).
    RingBegin,
    /// `EC_DISABLED`: the echo canceller disabled itself (answer tone).
    EcDisabled,
    /// `REMOVED`: the device went away: close the channel.
    Removed,
    /// `NEONMWI_ACTIVE`: FXO port: neon message-waiting pulses seen.
    NeonMwiActive,
    /// `NEONMWI_INACTIVE`: FXO port: neon message-waiting pulses stopped.
    NeonMwiInactive,
    /// `TX_CED_DETECTED`: fax/modem answer tone sent.
    TxCedDetected,
    /// `RX_CED_DETECTED`: fax/modem answer tone received.
    RxCedDetected,
    /// `TX_CNG_DETECTED`: fax calling tone sent.
    TxCngDetected,
    /// `RX_CNG_DETECTED`: fax calling tone received.
    RxCngDetected,
    /// `EC_NLP_DISABLED`: the echo canceller's NLP was disabled.
    EcNlpDisabled,
    /// `EC_NLP_ENABLED`: the echo canceller's NLP was enabled.
    EcNlpEnabled,
    /// `READ_OVERRUN`: received audio dropped (nobody read in time).
    ReadOverrun,
    /// `WRITE_UNDERRUN`: the transmit buffer ran dry.
    WriteUnderrun,
    /// `PULSEDIGIT | digit`: FXS port: a pulse-dialled digit, as ASCII (`b'0'..=b'9'`; `*`
    /// and `#` for 11 and 12 pulses).
    PulseDigit(u8),
    /// `DTMFDOWN | digit`: hardware DTMF detector: a digit's tone started (ASCII).
    DtmfDown(u8),
    /// `DTMFUP | digit`: hardware DTMF detector: a digit's tone ended (ASCII).
    DtmfUp(u8),
    /// A code this version does not know.
    Unknown(c_int),
}

impl AnalogEvent {
    /// Decodes a `DAHDI_EVENT_*` code; `None` for `DAHDI_EVENT_NONE`.
    #[must_use]
    pub const fn from_code(code: c_int) -> Option<Self> {
        let digit = (code & 0xff) as u8;
        if code & DAHDI_EVENT_PULSEDIGIT != 0 {
            return Some(Self::PulseDigit(digit));
        }
        if code & DAHDI_EVENT_DTMFDOWN != 0 {
            return Some(Self::DtmfDown(digit));
        }
        if code & DAHDI_EVENT_DTMFUP != 0 {
            return Some(Self::DtmfUp(digit));
        }
        Some(match code {
            DAHDI_EVENT_NONE => return None,
            DAHDI_EVENT_ONHOOK => Self::OnHook,
            DAHDI_EVENT_RINGOFFHOOK => Self::RingOffHook,
            DAHDI_EVENT_WINKFLASH => Self::WinkFlash,
            DAHDI_EVENT_ALARM => Self::Alarm,
            DAHDI_EVENT_NOALARM => Self::NoAlarm,
            DAHDI_EVENT_ABORT => Self::Abort,
            DAHDI_EVENT_OVERRUN => Self::Overrun,
            DAHDI_EVENT_BADFCS => Self::BadFcs,
            DAHDI_EVENT_DIALCOMPLETE => Self::DialComplete,
            DAHDI_EVENT_RINGERON => Self::RingerOn,
            DAHDI_EVENT_RINGEROFF => Self::RingerOff,
            DAHDI_EVENT_HOOKCOMPLETE => Self::HookComplete,
            DAHDI_EVENT_BITSCHANGED => Self::BitsChanged,
            DAHDI_EVENT_PULSE_START => Self::PulseStart,
            DAHDI_EVENT_TIMER_EXPIRED => Self::TimerExpired,
            DAHDI_EVENT_TIMER_PING => Self::TimerPing,
            DAHDI_EVENT_POLARITY => Self::Polarity,
            DAHDI_EVENT_RINGBEGIN => Self::RingBegin,
            DAHDI_EVENT_EC_DISABLED => Self::EcDisabled,
            DAHDI_EVENT_REMOVED => Self::Removed,
            DAHDI_EVENT_NEONMWI_ACTIVE => Self::NeonMwiActive,
            DAHDI_EVENT_NEONMWI_INACTIVE => Self::NeonMwiInactive,
            DAHDI_EVENT_TX_CED_DETECTED => Self::TxCedDetected,
            DAHDI_EVENT_RX_CED_DETECTED => Self::RxCedDetected,
            DAHDI_EVENT_TX_CNG_DETECTED => Self::TxCngDetected,
            DAHDI_EVENT_RX_CNG_DETECTED => Self::RxCngDetected,
            DAHDI_EVENT_EC_NLP_DISABLED => Self::EcNlpDisabled,
            DAHDI_EVENT_EC_NLP_ENABLED => Self::EcNlpEnabled,
            DAHDI_EVENT_READ_OVERRUN => Self::ReadOverrun,
            DAHDI_EVENT_WRITE_UNDERRUN => Self::WriteUnderrun,
            c => Self::Unknown(c),
        })
    }
}

/// The analog timers of a channel, in milliseconds (`struct dahdi_params`), as
/// `DAHDI_GET_PARAMS` reports and `DAHDI_SET_PARAMS` sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AnalogTimers {
    /// On hook before a wink (`prewinktime`).
    pub prewink: u32,
    /// Off hook before a flash (`preflashtime`).
    pub preflash: u32,
    /// Wink length sent (`winktime`).
    pub wink: u32,
    /// Flash length sent (`flashtime`).
    pub flash: u32,
    /// Start (ground start seizure) length (`starttime`).
    pub start: u32,
    /// Longest received wink (`rxwinktime`).
    pub rx_wink: u32,
    /// Longest received flash: a longer on-hook is a hang-up (`rxflashtime`).
    pub rx_flash: u32,
    /// Hook debounce (`debouncetime`).
    pub debounce: u32,
    /// Dial pulse break, line open (`pulsebreaktime`).
    pub pulse_break: u32,
    /// Dial pulse make, line closed (`pulsemaketime`).
    pub pulse_make: u32,
    /// Pause that ends a pulse-dialled digit (`pulseaftertime`).
    pub pulse_after: u32,
}

impl AnalogTimers {
    /// DAHDI's defaults (`include/dahdi/kernel.h` `DAHDI_DEFAULT_*TIME`; checked against the
    /// header by tests/dahdi_analog_layout.rs).
    pub const DAHDI_DEFAULT: Self = Self {
        prewink: 50,
        preflash: 50,
        wink: 150,
        flash: 750,
        start: 1500,
        rx_wink: 300,
        rx_flash: 1250,
        debounce: 600,
        pulse_break: 50,
        pulse_make: 50,
        pulse_after: 750,
    };

    /// From a `DAHDI_GET_PARAMS` answer (negative values, which the kernel never keeps, read 0).
    #[must_use]
    pub fn from_params(p: &DahdiParams) -> Self {
        let ms = |v: c_int| u32::try_from(v).unwrap_or(0);
        Self {
            prewink: ms(p.prewinktime),
            preflash: ms(p.preflashtime),
            wink: ms(p.winktime),
            flash: ms(p.flashtime),
            start: ms(p.starttime),
            rx_wink: ms(p.rxwinktime),
            rx_flash: ms(p.rxflashtime),
            debounce: ms(p.debouncetime),
            pulse_break: ms(p.pulsebreaktime),
            pulse_make: ms(p.pulsemaketime),
            pulse_after: ms(p.pulseaftertime),
        }
    }

    /// Writes the timers into `p` (values above `i32::MAX` ms are clamped).
    pub fn apply_to(&self, p: &mut DahdiParams) {
        let ms = |v: u32| c_int::try_from(v).unwrap_or(c_int::MAX);
        p.prewinktime = ms(self.prewink);
        p.preflashtime = ms(self.preflash);
        p.winktime = ms(self.wink);
        p.flashtime = ms(self.flash);
        p.starttime = ms(self.start);
        p.rxwinktime = ms(self.rx_wink);
        p.rxflashtime = ms(self.rx_flash);
        p.debouncetime = ms(self.debounce);
        p.pulsebreaktime = ms(self.pulse_break);
        p.pulsemaketime = ms(self.pulse_make);
        p.pulseaftertime = ms(self.pulse_after);
    }
}

impl Default for AnalogTimers {
    fn default() -> Self {
        Self::DAHDI_DEFAULT
    }
}

/// What `DAHDI_GET_PARAMS` says about an analog channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnalogParams {
    /// Channel number.
    pub channo: u32,
    /// Span number.
    pub span: u32,
    /// Position in the span (port number on the card, 1-based).
    pub chanpos: u32,
    /// Port kind and start.
    pub signalling: AnalogSignalling,
    /// The far end is off hook (FXS port: the phone is off hook; `rxisoffhook`).
    pub rx_off_hook: bool,
    /// The driver's channel name (`WCTDM/0/1`).
    pub name: String,
    /// The timers.
    pub timers: AnalogTimers,
    /// The channel's alarms (`chan_alarms`, `DAHDI_ALARM_*` bits).
    pub alarms: u32,
}

impl AnalogParams {
    /// From a `DAHDI_GET_PARAMS` answer; `None` when the channel is not FXS/FXO.
    #[must_use]
    pub fn from_raw(p: &DahdiParams) -> Option<Self> {
        Some(Self {
            channo: u32::try_from(p.channo).unwrap_or(0),
            span: u32::try_from(p.spanno).unwrap_or(0),
            chanpos: u32::try_from(p.chanpos).unwrap_or(0),
            signalling: AnalogSignalling::from_sigtype(p.sigtype)?,
            rx_off_hook: p.rxisoffhook != 0,
            name: sys::c_text(&p.name),
            timers: AnalogTimers::from_params(p),
            alarms: p.chan_alarms,
        })
    }
}

fn ioctl_err(channo: u32, op: &'static str) -> impl FnOnce(io::Error) -> DahdiError {
    move |source| DahdiError::Ioctl {
        op,
        target: format!("channel {channo}"),
        source,
    }
}

fn is_elast(e: &io::Error) -> bool {
    e.raw_os_error() == Some(DAHDI_ELAST)
}

/// One analog port: a bound DAHDI channel of FXS or FXO signalling. Non-blocking; the
/// descriptor ([`AsFd`]) is readable when a chunk is in, and has `POLLPRI` when an event waits.
#[derive(Debug)]
pub struct AnalogChannel<C> {
    channo: u32,
    signalling: AnalogSignalling,
    dev: C,
    events: VecDeque<AnalogEvent>,
    rx_overruns: u64,
}

impl AnalogChannel<SysChannel> {
    /// Opens channel `channo` under `root` (`/dev/dahdi/channel` + `DAHDI_SPECIFY`).
    ///
    /// # Errors
    /// [`DahdiError::Open`] (DAHDI not loaded), [`DahdiError::Ioctl`] (no such channel, busy),
    /// [`DahdiError::NotAnalog`], [`DahdiError::ChannelMismatch`].
    pub fn open(root: &DeviceRoot, channo: u32) -> Result<Self, DahdiError> {
        Self::open_on(&SysDevice::open(root)?, channo)
    }
}

impl<C: ChannelDevice> AnalogChannel<C> {
    /// Opens channel `channo` through `dev` (the real kernel or a test's).
    ///
    /// # Errors
    /// As [`AnalogChannel::with_channel`], and [`DahdiError::Ioctl`] `DAHDI_SPECIFY` when the
    /// channel cannot be opened (no such channel, `EBUSY`).
    pub fn open_on<D: Device<Channel = C>>(dev: &D, channo: u32) -> Result<Self, DahdiError> {
        let chan = dev
            .open_channel(channo)
            .map_err(|source| DahdiError::Ioctl {
                op: "DAHDI_SPECIFY",
                target: format!("channel {channo}"),
                source,
            })?;
        Self::with_channel(channo, chan)
    }

    /// Takes over `dev`, a descriptor bound to channel `channo`: checks the binding
    /// (`DAHDI_CHANNO`) and the signalling (`DAHDI_GET_PARAMS`), then sets 1 ms blocks
    /// (`DAHDI_SET_BLOCKSIZE` 8, `DAHDI_SET_BUFINFO`) and, best effort, buffer events.
    ///
    /// # Errors
    /// [`DahdiError::ChannelMismatch`] when bound to another channel, [`DahdiError::NotAnalog`]
    /// when the signalling is not FXS/FXO, [`DahdiError::Ioctl`] naming the failed request.
    pub fn with_channel(channo: u32, mut dev: C) -> Result<Self, DahdiError> {
        let err = |op: &'static str| {
            move |source| DahdiError::Ioctl {
                op,
                target: format!("channel {channo}"),
                source,
            }
        };
        let bound = dev.channo().map_err(err("DAHDI_CHANNO"))?;
        if u32::try_from(bound).ok() != Some(channo) {
            return Err(DahdiError::ChannelMismatch {
                asked: channo,
                bound,
            });
        }
        let params = dev.params().map_err(err("DAHDI_GET_PARAMS"))?;
        let Some(signalling) = AnalogSignalling::from_sigtype(params.sigtype) else {
            return Err(DahdiError::NotAnalog {
                channo,
                sigtype: params.sigtype,
            });
        };
        dev.set_blocksize(BEARER_BLOCKSIZE)
            .map_err(err("DAHDI_SET_BLOCKSIZE"))?;
        dev.set_bufinfo(&bearer_bufinfo())
            .map_err(err("DAHDI_SET_BUFINFO"))?;
        // Best effort: kernels before DAHDI 2.5 lack it; `rx_overruns` then stays 0.
        let _ = dev.set_buffer_events(true);
        Ok(Self {
            channo,
            signalling,
            dev,
            events: VecDeque::new(),
            rx_overruns: 0,
        })
    }

    /// The channel number.
    #[must_use]
    pub fn channo(&self) -> u32 {
        self.channo
    }

    /// Port kind and start, as configured in `system.conf`.
    #[must_use]
    pub fn signalling(&self) -> AnalogSignalling {
        self.signalling
    }

    /// The port kind.
    #[must_use]
    pub fn port(&self) -> PortKind {
        self.signalling.port
    }

    /// The device layer (the real kernel, or a test's).
    #[must_use]
    pub fn device(&self) -> &C {
        &self.dev
    }

    /// Received chunks dropped because nobody read them (`READ_OVERRUN` events).
    #[must_use]
    pub fn rx_overruns(&self) -> u64 {
        self.rx_overruns
    }

    fn only_on(&self, port: PortKind, op: &'static str) -> Result<(), DahdiError> {
        if self.port() == port {
            Ok(())
        } else {
            Err(DahdiError::WrongPort {
                channo: self.channo,
                op,
                port: self.port(),
            })
        }
    }

    /// `DAHDI_GET_PARAMS`: the channel's parameters now (hook state, timers, alarms).
    ///
    /// # Errors
    /// [`DahdiError::Ioctl`]; [`DahdiError::NotAnalog`] if the signalling changed under us
    /// (`dahdi_cfg` was run again).
    pub fn params(&self) -> Result<AnalogParams, DahdiError> {
        let raw = self
            .dev
            .params()
            .map_err(ioctl_err(self.channo, "DAHDI_GET_PARAMS"))?;
        AnalogParams::from_raw(&raw).ok_or(DahdiError::NotAnalog {
            channo: self.channo,
            sigtype: raw.sigtype,
        })
    }

    /// Sets the timers (`DAHDI_GET_PARAMS`, then `DAHDI_SET_PARAMS` with the timers changed;
    /// the kernel takes only the timers from it).
    ///
    /// # Errors
    /// [`DahdiError::Ioctl`].
    pub fn set_timers(&mut self, timers: &AnalogTimers) -> Result<(), DahdiError> {
        let mut raw = self
            .dev
            .params()
            .map_err(ioctl_err(self.channo, "DAHDI_GET_PARAMS"))?;
        timers.apply_to(&mut raw);
        let e = ioctl_err(self.channo, "DAHDI_SET_PARAMS");
        self.dev.set_params(&raw).map_err(e)
    }

    /// `DAHDI_HOOK`. Ring, start, wink and flash are started here and finish later: ringing
    /// follows the tone zone's cadence (`RingerOn`/`RingerOff` events), the others end with
    /// [`AnalogEvent::HookComplete`] (the kernel's `EINPROGRESS` answer is that "started").
    ///
    /// # Errors
    /// [`DahdiError::WrongPort`] for `Ring`/`RingOff` on an FXO port; [`DahdiError::Ioctl`]
    /// (`EBUSY`: ring or wink while not on hook, flash while not off hook; `ENODATA`: ring
    /// without a tone zone loaded; `EINVAL`).
    pub fn hook(&mut self, command: HookCommand) -> Result<(), DahdiError> {
        if matches!(command, HookCommand::Ring | HookCommand::RingOff) {
            self.only_on(PortKind::Fxs, command.op())?;
        }
        match self.dev.hook(command.code()) {
            Ok(()) => Ok(()),
            Err(e) if e.raw_os_error() == Some(EINPROGRESS) => Ok(()),
            Err(e) => Err(ioctl_err(self.channo, command.op())(e)),
        }
    }

    /// `DAHDI_SETPOLARITY` on an FXS port (reversal on answer and disconnect, caller ID alert).
    ///
    /// # Errors
    /// [`DahdiError::WrongPort`] on an FXO port; [`DahdiError::Ioctl`] (`EINVAL` from the
    /// driver while ringing, or when it cannot reverse).
    pub fn set_polarity(&mut self, polarity: Polarity) -> Result<(), DahdiError> {
        self.only_on(PortKind::Fxs, "DAHDI_SETPOLARITY")?;
        let e = ioctl_err(self.channo, "DAHDI_SETPOLARITY");
        self.dev
            .set_polarity(c_int::from(polarity == Polarity::Reversed))
            .map_err(e)
    }

    /// `DAHDI_ONHOOKTRANSFER`: for `ms` milliseconds the on-hook FXS port passes the audio
    /// written to it, for caller ID before the first ring (after a polarity reversal) or a
    /// message-waiting indication. Write the FSK/DTMF chunks after calling it.
    ///
    /// # Errors
    /// [`DahdiError::WrongPort`] on an FXO port; [`DahdiError::Ioctl`] (`EINVAL`: the driver
    /// does not do it, or the port is off hook).
    pub fn onhook_transfer(&mut self, ms: u32) -> Result<(), DahdiError> {
        self.only_on(PortKind::Fxs, "DAHDI_ONHOOKTRANSFER")?;
        let e = ioctl_err(self.channo, "DAHDI_ONHOOKTRANSFER");
        self.dev
            .onhook_transfer(c_int::try_from(ms).unwrap_or(c_int::MAX))
            .map_err(e)
    }

    /// Reads every waiting event into the queue (stops at `NONE` or an error).
    fn drain_events(&mut self) {
        while let Ok(code) = self.dev.event() {
            let Some(ev) = AnalogEvent::from_code(code) else {
                return;
            };
            if ev == AnalogEvent::ReadOverrun {
                self.rx_overruns += 1;
            }
            self.events.push_back(ev);
        }
    }

    /// The next event: queued ones first (read while a `read`/`write` met `ELAST`), then
    /// `DAHDI_GETEVENT`. `None` when none waits.
    ///
    /// # Errors
    /// [`DahdiError::Ioctl`] `DAHDI_GETEVENT`.
    pub fn poll_event(&mut self) -> Result<Option<AnalogEvent>, DahdiError> {
        if let Some(ev) = self.events.pop_front() {
            return Ok(Some(ev));
        }
        let code = self
            .dev
            .event()
            .map_err(ioctl_err(self.channo, "DAHDI_GETEVENT"))?;
        let ev = AnalogEvent::from_code(code);
        if ev == Some(AnalogEvent::ReadOverrun) {
            self.rx_overruns += 1;
        }
        Ok(ev)
    }

    /// Reads the next millisecond (8 G.711 bytes): `Ok(true)`, or `Ok(false)` when none is in
    /// yet. When an event blocks the read (`ELAST`), the events are queued for
    /// [`AnalogChannel::poll_event`] and the read is tried once more.
    ///
    /// # Errors
    /// [`DahdiError::Io`].
    pub fn read_chunk(&mut self, out: &mut Chunk) -> Result<bool, DahdiError> {
        let mut block = [0u8; CHUNK_SAMPLES];
        for attempt in 0..2 {
            match self.dev.read(&mut block) {
                Ok(n) if n >= CHUNK_SAMPLES => {
                    *out = block;
                    return Ok(true);
                }
                Ok(_) => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if is_elast(&e) && attempt == 0 => self.drain_events(),
                Err(e) if is_elast(&e) => return Ok(false),
                Err(source) => {
                    return Err(DahdiError::Io {
                        channo: self.channo,
                        source,
                    });
                }
            }
        }
        Ok(false)
    }

    /// Queues one millisecond (8 G.711 bytes). When an event blocks the write (`ELAST`), the
    /// events are queued for [`AnalogChannel::poll_event`] and the write is tried once more.
    ///
    /// # Errors
    /// [`DahdiError::QueueFull`] when the kernel's buffers are full; [`DahdiError::Io`].
    pub fn write_chunk(&mut self, chunk: &Chunk) -> Result<(), DahdiError> {
        for attempt in 0..2 {
            match self.dev.write(chunk) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(DahdiError::QueueFull);
                }
                Err(e) if is_elast(&e) && attempt == 0 => self.drain_events(),
                Err(source) => {
                    return Err(DahdiError::Io {
                        channo: self.channo,
                        source,
                    });
                }
            }
        }
        Err(DahdiError::QueueFull)
    }
}

impl<C: AsFd> AsFd for AnalogChannel<C> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.dev.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signallings_name_the_port_by_what_it_faces() {
        let fxoks = AnalogSignalling::from_sigtype(DAHDI_SIG_FXOKS).unwrap();
        assert_eq!((fxoks.port, fxoks.start), (PortKind::Fxs, StartKind::Kewl));
        assert_eq!(fxoks.system_conf(), "fxoks");
        let fxsls = AnalogSignalling::from_sigtype(DAHDI_SIG_FXSLS).unwrap();
        assert_eq!((fxsls.port, fxsls.start), (PortKind::Fxo, StartKind::Loop));
        for s in [
            DAHDI_SIG_FXOLS,
            DAHDI_SIG_FXOGS,
            DAHDI_SIG_FXOKS,
            DAHDI_SIG_FXSLS,
            DAHDI_SIG_FXSGS,
            DAHDI_SIG_FXSKS,
        ] {
            assert_eq!(AnalogSignalling::from_sigtype(s).unwrap().sigtype(), s);
        }
        assert_eq!(AnalogSignalling::from_sigtype(sys::DAHDI_SIG_CLEAR), None);
        assert_eq!(AnalogSignalling::from_sigtype(sys::DAHDI_SIG_EM), None);
        assert_eq!(AnalogSignalling::from_sigtype(0), None);
    }

    #[test]
    fn event_codes_decode_with_their_digits() {
        assert_eq!(AnalogEvent::from_code(0), None);
        assert_eq!(AnalogEvent::from_code(1), Some(AnalogEvent::OnHook));
        assert_eq!(AnalogEvent::from_code(2), Some(AnalogEvent::RingOffHook));
        assert_eq!(AnalogEvent::from_code(17), Some(AnalogEvent::Polarity));
        assert_eq!(AnalogEvent::from_code(18), Some(AnalogEvent::RingBegin));
        assert_eq!(AnalogEvent::from_code(30), Some(AnalogEvent::WriteUnderrun));
        assert_eq!(AnalogEvent::from_code(31), Some(AnalogEvent::Unknown(31)));
        assert_eq!(
            AnalogEvent::from_code((1 << 16) | c_int::from(b'7')),
            Some(AnalogEvent::PulseDigit(b'7'))
        );
        assert_eq!(
            AnalogEvent::from_code((1 << 16) | c_int::from(b'#')),
            Some(AnalogEvent::PulseDigit(b'#'))
        );
        assert_eq!(
            AnalogEvent::from_code((1 << 17) | c_int::from(b'5')),
            Some(AnalogEvent::DtmfDown(b'5'))
        );
        assert_eq!(
            AnalogEvent::from_code((1 << 18) | c_int::from(b'*')),
            Some(AnalogEvent::DtmfUp(b'*'))
        );
    }

    #[test]
    fn hook_commands_are_user_h_values() {
        let codes: Vec<c_int> = [
            HookCommand::OnHook,
            HookCommand::OffHook,
            HookCommand::Wink,
            HookCommand::Flash,
            HookCommand::Start,
            HookCommand::Ring,
            HookCommand::RingOff,
        ]
        .iter()
        .map(|c| c.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn timers_round_trip_through_dahdi_params() {
        let mut p = DahdiParams::for_channel(3);
        let t = AnalogTimers {
            rx_flash: 900,
            debounce: 400,
            ..AnalogTimers::DAHDI_DEFAULT
        };
        t.apply_to(&mut p);
        assert_eq!(
            (p.rxflashtime, p.debouncetime, p.flashtime),
            (900, 400, 750)
        );
        assert_eq!(AnalogTimers::from_params(&p), t);
        p.winktime = -1;
        assert_eq!(AnalogTimers::from_params(&p).wink, 0);
        let big = AnalogTimers {
            start: u32::MAX,
            ..t
        };
        big.apply_to(&mut p);
        assert_eq!(p.starttime, c_int::MAX);
    }
}
