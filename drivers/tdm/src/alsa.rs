//! A sound card as a channel (level 3, feature `alsa`): a technician's USB headset for line
//! tests, a paging amplifier output, a music-on-hold line input, opened by its ALSA device
//! name (`docs/alsa.md`) and moved in the same **1 ms chunks of 8 samples** as a
//! [`crate::Span`]'s timeslots, so the switch can later use it as a call leg.
//!
//! **What it is:** [`AlsaChannel`], one ALSA PCM device opened for capture, playback or both
//! at 8 kHz, mono, signed 16-bit native-endian (alsa-lib's `plug` layer converts to what the
//! card does when [`AlsaConfig::convert`] is on, the default), non-blocking: a chunk is read or
//! written only when 8 frames are ready, and "nothing yet" is an answer, not a wait. Its poll
//! descriptors ([`AlsaChannel::poll_fds`]) let the daemon's reactor wait on the card like on a
//! DAHDI channel. Over- and underruns (xruns) are recovered (`snd_pcm_recover`) and counted.
//!
//! **What it is not:** no mixing, no G.711 (chunks are linear samples; the switch's media path
//! encodes), no pacing (the card's clock paces the chunks; the daemon reads what is ready), no
//! volume or mixer control, no hot-plug detection beyond reporting a vanished device.
//!
//! Uses the `alsa` crate's safe wrappers over alsa-lib; this module has no `unsafe`.
//!
//! ```no_run
//! use tdm::alsa::{AlsaChannel, AlsaConfig, Direction};
//! let mut headset = AlsaChannel::open(&AlsaConfig::new("plughw:CARD=Headset", Direction::Both))?;
//! println!("{:?}", headset.setup()); // negotiated rate, period, buffer
//! let mut chunk = [0i16; 8];
//! if headset.read_chunk(&mut chunk)? {
//!     headset.write_chunk(&chunk)?; // loop the technician's voice back
//! }
//! # Ok::<(), tdm::alsa::AlsaError>(())
//! ```
#![forbid(unsafe_code)]

use std::os::fd::RawFd;

use ::alsa::pcm::{Access, Format, HwParams, PCM, State};
use ::alsa::{PollDescriptors, ValueOr};

use crate::span::CHUNK_SAMPLES;

/// The sample rate of every channel of the appliance.
pub const RATE: u32 = 8000;

/// One millisecond of linear audio: 8 signed 16-bit samples (the shape of a [`crate::Chunk`],
/// before G.711).
pub type LinearChunk = [i16; CHUNK_SAMPLES];

const FRAMES: i64 = CHUNK_SAMPLES as i64;

// errno values alsa-lib reports (positive, as `alsa::Error::errno` gives them).
const EPERM: i32 = 1;
const ENOENT: i32 = 2;
const ENXIO: i32 = 6;
const EAGAIN: i32 = 11;
const EACCES: i32 = 13;
const EBUSY: i32 = 16;
const ENODEV: i32 = 19;
const EINVAL: i32 = 22;
const EPIPE: i32 = 32;
const ESTRPIPE: i32 = 86;

/// Which way the audio goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the card (a microphone, a music-on-hold line input).
    Capture,
    /// To the card (an earpiece, a paging amplifier).
    Playback,
    /// Both (a headset).
    Both,
}

impl Direction {
    const fn captures(self) -> bool {
        matches!(self, Self::Capture | Self::Both)
    }
    const fn plays(self) -> bool {
        matches!(self, Self::Playback | Self::Both)
    }
}

/// One stream of a channel, for naming it in errors and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// The capture stream.
    Capture,
    /// The playback stream.
    Playback,
}

impl core::fmt::Display for Stream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Capture => "capture",
            Self::Playback => "playback",
        })
    }
}

/// How to open a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlsaConfig {
    /// The ALSA device name, as `aplay -L` lists it: `default`, `plughw:CARD=Headset,DEV=0`,
    /// `hw:1,0`, or a name defined in an asoundrc.
    pub device: String,
    /// Capture, playback or both.
    pub direction: Direction,
    /// Open `plug:"device"` so alsa-lib converts rate, format and channel count (default on).
    /// Off: the device itself must take 8 kHz mono S16, or [`AlsaError::UnsupportedFormat`].
    pub convert: bool,
    /// Wanted period in frames (the card's interrupt, so how often `poll` wakes): default 80
    /// (10 ms). The card may round it; [`AlsaChannel::setup`] says what it took.
    pub period_frames: u32,
    /// Wanted periods per buffer: default 4 (40 ms of slack).
    pub periods: u32,
}

impl AlsaConfig {
    /// `device` in `direction`, converting through `plug`, 10 ms periods, 4 of them.
    #[must_use]
    pub fn new(device: impl Into<String>, direction: Direction) -> Self {
        Self {
            device: device.into(),
            direction,
            convert: true,
            period_frames: 80,
            periods: 4,
        }
    }

    /// The same without the `plug` conversion layer.
    #[must_use]
    pub fn without_conversion(mut self) -> Self {
        self.convert = false;
        self
    }

    /// The same with another period (frames) and period count.
    #[must_use]
    pub fn with_period(mut self, period_frames: u32, periods: u32) -> Self {
        self.period_frames = period_frames;
        self.periods = periods;
        self
    }

    /// The name handed to `snd_pcm_open`.
    #[must_use]
    pub fn pcm_name(&self) -> String {
        if self.convert {
            let quoted = self.device.replace('\\', "\\\\").replace('"', "\\\"");
            format!("plug:\"{quoted}\"")
        } else {
            self.device.clone()
        }
    }
}

/// What one stream negotiated with alsa-lib (`snd_pcm_hw_params`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamSetup {
    /// Sample rate, always [`RATE`] (anything else is refused at open).
    pub rate: u32,
    /// Channels (1).
    pub channels: u32,
    /// Frames per period.
    pub period_frames: u64,
    /// Frames in the buffer.
    pub buffer_frames: u64,
}

/// What the channel negotiated, per stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AlsaSetup {
    /// The capture stream, when opened.
    pub capture: Option<StreamSetup>,
    /// The playback stream, when opened.
    pub playback: Option<StreamSetup>,
}

/// Counters since open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AlsaCounters {
    /// Chunks read.
    pub chunks_read: u64,
    /// Chunks written.
    pub chunks_written: u64,
    /// Capture overruns recovered (audio was lost: nobody read in time).
    pub capture_xruns: u64,
    /// Playback underruns recovered (the card ran dry: silence was heard).
    pub playback_xruns: u64,
}

/// One poll descriptor of a channel, as `struct pollfd` wants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollFd {
    /// The stream it belongs to.
    pub stream: Stream,
    /// The descriptor.
    pub fd: RawFd,
    /// The `poll` events to wait for (`POLLIN`, `POLLOUT`, ...).
    pub events: i16,
}

/// What can go wrong with a sound-card channel; each names the device.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlsaError {
    /// The name is not a device alsa-lib knows (`aplay -L` lists them), or the card is gone.
    #[error("no ALSA device {device:?} ({stream}): see `aplay -L`")]
    NoSuchDevice {
        /// The device name.
        device: String,
        /// The stream being opened.
        stream: Stream,
    },
    /// Another program holds the device (PulseAudio, PipeWire, another appliance process).
    #[error("ALSA device {device:?} ({stream}) is busy: another program holds it")]
    DeviceBusy {
        /// The device name.
        device: String,
        /// The stream being opened.
        stream: Stream,
    },
    /// No permission on `/dev/snd/*` (the `audio` group).
    #[error("no permission to open ALSA device {device:?} ({stream}): join the audio group")]
    PermissionDenied {
        /// The device name.
        device: String,
        /// The stream being opened.
        stream: Stream,
    },
    /// The device does not take 8 kHz mono S16 (open it with `convert` on, or a `plughw:` name).
    #[error("ALSA device {device:?} ({stream}) does not take {what} (use the plug layer)")]
    UnsupportedFormat {
        /// The device name.
        device: String,
        /// The stream.
        stream: Stream,
        /// What was refused: `"interleaved access"`, `"S16 samples"`, `"mono"`, `"8000 Hz"`,
        /// `"the period and buffer sizes"`.
        what: &'static str,
    },
    /// The device name has a NUL byte or is empty.
    #[error("bad ALSA device name {device:?}")]
    BadName {
        /// The name.
        device: String,
    },
    /// Reading from a channel without capture, or writing to one without playback.
    #[error("ALSA device {device:?} was not opened for {stream}")]
    NotOpenFor {
        /// The device name.
        device: String,
        /// The stream asked for.
        stream: Stream,
    },
    /// Any other alsa-lib failure.
    #[error("{op} on ALSA device {device:?} ({stream}) failed: {source}")]
    Alsa {
        /// The device name.
        device: String,
        /// The stream.
        stream: Stream,
        /// The alsa-lib call (`snd_pcm_readi`, ...).
        op: &'static str,
        /// alsa-lib's error (its errno).
        source: ::alsa::Error,
    },
}

impl AlsaError {
    /// The errno behind an alsa-lib failure, if this is one.
    #[must_use]
    pub fn errno(&self) -> Option<i32> {
        match self {
            Self::Alsa { source, .. } => Some(source.errno()),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Pcm {
    pcm: PCM,
    stream: Stream,
    setup: StreamSetup,
}

/// One sound-card device as a channel of 1 ms chunks; see the [module docs](self).
#[derive(Debug)]
pub struct AlsaChannel {
    device: String,
    capture: Option<Pcm>,
    playback: Option<Pcm>,
    counters: AlsaCounters,
    bytes: [u8; CHUNK_SAMPLES * 2],
    /// Chunks were queued for playback since it was last prepared (open, xrun).
    queued_unstarted: bool,
}

impl AlsaChannel {
    /// Opens `config.device` for `config.direction`, non-blocking, at 8 kHz mono S16, and
    /// starts the capture stream (playback starts once a period is queued).
    ///
    /// # Errors
    /// [`AlsaError::NoSuchDevice`], [`AlsaError::DeviceBusy`], [`AlsaError::PermissionDenied`],
    /// [`AlsaError::UnsupportedFormat`], [`AlsaError::BadName`], or [`AlsaError::Alsa`].
    pub fn open(config: &AlsaConfig) -> Result<Self, AlsaError> {
        if config.device.is_empty() || config.device.contains('\0') {
            return Err(AlsaError::BadName {
                device: config.device.clone(),
            });
        }
        let capture = if config.direction.captures() {
            let p = open_stream(config, Stream::Capture)?;
            p.pcm
                .start()
                .map_err(alsa_err(config, Stream::Capture, "snd_pcm_start"))?;
            Some(p)
        } else {
            None
        };
        let playback = if config.direction.plays() {
            Some(open_stream(config, Stream::Playback)?)
        } else {
            None
        };
        Ok(Self {
            device: config.device.clone(),
            capture,
            playback,
            counters: AlsaCounters::default(),
            bytes: [0; CHUNK_SAMPLES * 2],
            queued_unstarted: false,
        })
    }

    /// The device name it was opened with.
    #[must_use]
    pub fn device(&self) -> &str {
        &self.device
    }

    /// What was negotiated.
    #[must_use]
    pub fn setup(&self) -> AlsaSetup {
        AlsaSetup {
            capture: self.capture.as_ref().map(|p| p.setup),
            playback: self.playback.as_ref().map(|p| p.setup),
        }
    }

    /// Counters since open.
    #[must_use]
    pub fn counters(&self) -> AlsaCounters {
        self.counters
    }

    /// Reads the next millisecond into `out`: `Ok(true)`, or `Ok(false)` when fewer than 8
    /// frames have been captured (nothing is consumed then). A capture overrun is recovered,
    /// counted in [`AlsaCounters::capture_xruns`], and reads as "nothing yet".
    ///
    /// # Errors
    /// [`AlsaError::NotOpenFor`] without capture; [`AlsaError::NoSuchDevice`] when the card went
    /// away; [`AlsaError::Alsa`] for anything else.
    pub fn read_chunk(&mut self, out: &mut LinearChunk) -> Result<bool, AlsaError> {
        let Some(p) = self.capture.as_ref() else {
            return Err(self.not_open(Stream::Capture));
        };
        let avail = match p.pcm.avail_update() {
            Ok(n) => n,
            Err(e) => return self.io_error(Stream::Capture, "snd_pcm_avail_update", e),
        };
        if avail < FRAMES {
            return Ok(false);
        }
        let read = p.pcm.io_bytes().readi(&mut self.bytes);
        let n = match read {
            Ok(n) => n,
            Err(e) => return self.io_error(Stream::Capture, "snd_pcm_readi", e),
        };
        if n < CHUNK_SAMPLES {
            // alsa-lib said 8 frames were there; a short read means they vanished (an xrun
            // in between): drop the partial chunk rather than hand out a torn one.
            return Ok(false);
        }
        for (s, b) in out.iter_mut().zip(self.bytes.chunks_exact(2)) {
            *s = i16::from_ne_bytes([b[0], b[1]]);
        }
        self.counters.chunks_read += 1;
        Ok(true)
    }

    /// Queues one millisecond: `Ok(true)`, or `Ok(false)` when the card's buffer has no room
    /// for 8 frames (nothing is queued then: try again after `poll`). A playback underrun is
    /// recovered, counted in [`AlsaCounters::playback_xruns`], and the chunk is queued after it.
    ///
    /// # Errors
    /// [`AlsaError::NotOpenFor`] without playback; [`AlsaError::NoSuchDevice`] when the card
    /// went away; [`AlsaError::Alsa`] for anything else.
    pub fn write_chunk(&mut self, chunk: &LinearChunk) -> Result<bool, AlsaError> {
        for (b, s) in self.bytes.chunks_exact_mut(2).zip(chunk) {
            b.copy_from_slice(&s.to_ne_bytes());
        }
        for attempt in 0..2 {
            let Some(p) = self.playback.as_ref() else {
                return Err(self.not_open(Stream::Playback));
            };
            let avail = match p.pcm.avail_update() {
                Ok(n) => n,
                Err(e) if attempt == 0 && is_xrun(&e) => {
                    self.recover(Stream::Playback, e)?;
                    continue;
                }
                Err(e) => return self.io_error(Stream::Playback, "snd_pcm_avail_update", e),
            };
            if avail < FRAMES {
                return Ok(false);
            }
            let written = p.pcm.io_bytes().writei(&self.bytes);
            match written {
                Ok(n) if n == CHUNK_SAMPLES => {
                    self.counters.chunks_written += 1;
                    self.queued_unstarted = true;
                    return Ok(true);
                }
                Ok(_) => return Ok(false),
                Err(e) if e.errno() == EAGAIN => return Ok(false),
                Err(e) if attempt == 0 && is_xrun(&e) => self.recover(Stream::Playback, e)?,
                Err(e) => return self.io_error(Stream::Playback, "snd_pcm_writei", e),
            }
        }
        Ok(false)
    }

    /// Finishing playback without blocking: starts the stream if chunks are queued but fewer
    /// than the one period that starts it, and says whether everything queued has been played
    /// (`snd_pcm_delay` down to 0, or the underrun that follows the last sample). Call it until
    /// it answers `true` before closing, or the last buffer of a prompt is cut. `true` without
    /// playback.
    ///
    /// # Errors
    /// [`AlsaError::NoSuchDevice`] when the card went away; [`AlsaError::Alsa`].
    pub fn flush(&mut self) -> Result<bool, AlsaError> {
        let Some(p) = self.playback.as_ref() else {
            return Ok(true);
        };
        // alsa-lib starts playback once a period is queued; fewer chunks wait in PREPARED.
        if p.pcm.state() == State::Prepared {
            if !self.queued_unstarted {
                return Ok(true);
            }
            if let Err(e) = p.pcm.start() {
                return Err(self.typed(Stream::Playback, "snd_pcm_start", e));
            }
            self.queued_unstarted = false;
        }
        match p.pcm.delay() {
            Ok(d) => Ok(d <= 0),
            // Ran dry after the last sample: everything was played; ready for the next prompt.
            Err(e) if is_xrun(&e) => match p.pcm.try_recover(e, true) {
                Ok(()) => {
                    self.queued_unstarted = false;
                    Ok(true)
                }
                Err(e) => Err(self.typed(Stream::Playback, "snd_pcm_recover", e)),
            },
            Err(e) => Err(self.typed(Stream::Playback, "snd_pcm_delay", e)),
        }
    }

    /// Frames queued for playback and not yet played (`snd_pcm_delay`), 0 without playback.
    ///
    /// # Errors
    /// [`AlsaError::Alsa`].
    pub fn playback_delay(&self) -> Result<i64, AlsaError> {
        match &self.playback {
            None => Ok(0),
            Some(p) => p.pcm.delay().map_err(|source| AlsaError::Alsa {
                device: self.device.clone(),
                stream: Stream::Playback,
                op: "snd_pcm_delay",
                source,
            }),
        }
    }

    /// The stream's state as alsa-lib reports it (`snd_pcm_state`), `None` when not opened.
    #[must_use]
    pub fn state(&self, stream: Stream) -> Option<State> {
        self.pcm(stream).map(|p| p.pcm.state())
    }

    /// The descriptors to `poll` (capture first, then playback), with the events each waits
    /// for. After `poll`, hand the descriptors back with their `revents` to
    /// [`AlsaChannel::ready`]: for plugin devices the raw events do not mean "a chunk is ready".
    ///
    /// # Errors
    /// [`AlsaError::Alsa`] (`snd_pcm_poll_descriptors`).
    pub fn poll_fds(&self) -> Result<Vec<PollFd>, AlsaError> {
        let mut out = Vec::new();
        for p in [&self.capture, &self.playback].into_iter().flatten() {
            let fds = p.pcm.get().map_err(|source| AlsaError::Alsa {
                device: self.device.clone(),
                stream: p.stream,
                op: "snd_pcm_poll_descriptors",
                source,
            })?;
            out.extend(fds.iter().map(|f| PollFd {
                stream: p.stream,
                fd: f.fd,
                events: f.events,
            }));
        }
        Ok(out)
    }

    /// Which streams are ready after `poll`: `revents` holds, for each entry of
    /// [`AlsaChannel::poll_fds`] in the same order, the `revents` `poll` returned.
    /// `(capture_ready, playback_ready)`, translated by `snd_pcm_poll_descriptors_revents`.
    ///
    /// # Errors
    /// [`AlsaError::Alsa`]; a `revents` slice of the wrong length is `EINVAL`.
    pub fn ready(&self, revents: &[i16]) -> Result<(bool, bool), AlsaError> {
        let mut ready = (false, false);
        let mut at = 0;
        for p in [&self.capture, &self.playback].into_iter().flatten() {
            let err = |source| AlsaError::Alsa {
                device: self.device.clone(),
                stream: p.stream,
                op: "snd_pcm_poll_descriptors_revents",
                source,
            };
            let mut fds = p.pcm.get().map_err(err)?;
            let Some(got) = revents.get(at..at + fds.len()) else {
                return Err(err(::alsa::Error::new("ready", EINVAL)));
            };
            at += fds.len();
            for (f, &r) in fds.iter_mut().zip(got) {
                f.revents = r;
            }
            let flags = p.pcm.revents(&fds).map_err(err)?;
            match p.stream {
                Stream::Capture => ready.0 = flags.contains(::alsa::poll::Flags::IN),
                Stream::Playback => ready.1 = flags.contains(::alsa::poll::Flags::OUT),
            }
        }
        if at != revents.len() {
            return Err(AlsaError::Alsa {
                device: self.device.clone(),
                stream: Stream::Capture,
                op: "ready",
                source: ::alsa::Error::new("ready", EINVAL),
            });
        }
        Ok(ready)
    }

    fn pcm(&self, stream: Stream) -> Option<&Pcm> {
        match stream {
            Stream::Capture => self.capture.as_ref(),
            Stream::Playback => self.playback.as_ref(),
        }
    }

    fn not_open(&self, stream: Stream) -> AlsaError {
        AlsaError::NotOpenFor {
            device: self.device.clone(),
            stream,
        }
    }

    /// An error from I/O on `stream`: an xrun is recovered and reads as "nothing moved";
    /// anything else is returned, typed.
    fn io_error(
        &mut self,
        stream: Stream,
        op: &'static str,
        e: ::alsa::Error,
    ) -> Result<bool, AlsaError> {
        if e.errno() == EAGAIN {
            return Ok(false);
        }
        if is_xrun(&e) {
            self.recover(stream, e)?;
            return Ok(false);
        }
        Err(self.typed(stream, op, e))
    }

    fn typed(&self, stream: Stream, op: &'static str, e: ::alsa::Error) -> AlsaError {
        match e.errno() {
            ENODEV | ENXIO => AlsaError::NoSuchDevice {
                device: self.device.clone(),
                stream,
            },
            _ => AlsaError::Alsa {
                device: self.device.clone(),
                stream,
                op,
                source: e,
            },
        }
    }

    /// `snd_pcm_recover` after an xrun (`EPIPE`) or a suspend (`ESTRPIPE`), counted; the
    /// capture stream is started again.
    fn recover(&mut self, stream: Stream, e: ::alsa::Error) -> Result<(), AlsaError> {
        let Some(p) = self.pcm(stream) else {
            return Err(self.not_open(stream));
        };
        if let Err(err) = p.pcm.try_recover(e, true) {
            return Err(self.typed(stream, "snd_pcm_recover", err));
        }
        if stream == Stream::Capture {
            if let Err(err) = p.pcm.start() {
                return Err(self.typed(stream, "snd_pcm_start", err));
            }
            self.counters.capture_xruns += 1;
        } else {
            self.counters.playback_xruns += 1;
            self.queued_unstarted = false;
        }
        Ok(())
    }
}

fn is_xrun(e: &::alsa::Error) -> bool {
    matches!(e.errno(), EPIPE | ESTRPIPE)
}

fn alsa_err(
    config: &AlsaConfig,
    stream: Stream,
    op: &'static str,
) -> impl FnOnce(::alsa::Error) -> AlsaError {
    let device = config.device.clone();
    move |source| AlsaError::Alsa {
        device,
        stream,
        op,
        source,
    }
}

fn open_stream(config: &AlsaConfig, stream: Stream) -> Result<Pcm, AlsaError> {
    let device = || config.device.clone();
    let dir = match stream {
        Stream::Capture => ::alsa::Direction::Capture,
        Stream::Playback => ::alsa::Direction::Playback,
    };
    let pcm = PCM::new(&config.pcm_name(), dir, true).map_err(|e| match e.errno() {
        ENOENT | ENODEV | ENXIO => AlsaError::NoSuchDevice {
            device: device(),
            stream,
        },
        EBUSY | EAGAIN => AlsaError::DeviceBusy {
            device: device(),
            stream,
        },
        EACCES | EPERM => AlsaError::PermissionDenied {
            device: device(),
            stream,
        },
        _ => alsa_err(config, stream, "snd_pcm_open")(e),
    })?;
    let unsupported = |what| {
        move |_| AlsaError::UnsupportedFormat {
            device: device(),
            stream,
            what,
        }
    };
    let setup = {
        let hw = HwParams::any(&pcm).map_err(alsa_err(config, stream, "snd_pcm_hw_params_any"))?;
        hw.set_access(Access::RWInterleaved)
            .map_err(unsupported("interleaved access"))?;
        hw.set_format(Format::s16())
            .map_err(unsupported("S16 samples"))?;
        hw.set_channels(1).map_err(unsupported("mono"))?;
        hw.set_rate(RATE, ValueOr::Nearest)
            .map_err(unsupported("8000 Hz"))?;
        let period = i64::from(config.period_frames.max(1));
        let period = hw
            .set_period_size_near(period, ValueOr::Nearest)
            .map_err(unsupported("the period and buffer sizes"))?;
        hw.set_buffer_size_near(period * i64::from(config.periods.max(2)))
            .map_err(unsupported("the period and buffer sizes"))?;
        pcm.hw_params(&hw)
            .map_err(unsupported("the period and buffer sizes"))?;
        let cur = pcm.hw_params_current().map_err(alsa_err(
            config,
            stream,
            "snd_pcm_hw_params_current",
        ))?;
        let get = |r: Result<i64, ::alsa::Error>| {
            r.map_err(alsa_err(config, stream, "snd_pcm_hw_params_get"))
                .map(|v| u64::try_from(v).unwrap_or(0))
        };
        StreamSetup {
            rate: cur
                .get_rate()
                .map_err(alsa_err(config, stream, "snd_pcm_hw_params_get_rate"))?,
            channels: cur.get_channels().map_err(alsa_err(
                config,
                stream,
                "snd_pcm_hw_params_get_channels",
            ))?,
            period_frames: get(cur.get_period_size())?,
            buffer_frames: get(cur.get_buffer_size())?,
        }
    };
    if setup.rate != RATE || setup.channels != 1 {
        return Err(AlsaError::UnsupportedFormat {
            device: device(),
            stream,
            what: if setup.rate != RATE {
                "8000 Hz"
            } else {
                "mono"
            },
        });
    }
    {
        let sw = pcm.sw_params_current().map_err(alsa_err(
            config,
            stream,
            "snd_pcm_sw_params_current",
        ))?;
        let period = i64::try_from(setup.period_frames).unwrap_or(FRAMES);
        // Wake `poll` once a period is in (capture) or free (playback); start playing once one
        // period is queued, so the first chunks are not held back a whole buffer.
        sw.set_avail_min(period).map_err(alsa_err(
            config,
            stream,
            "snd_pcm_sw_params_set_avail_min",
        ))?;
        if stream == Stream::Playback {
            sw.set_start_threshold(period).map_err(alsa_err(
                config,
                stream,
                "snd_pcm_sw_params_set_start_threshold",
            ))?;
        }
        pcm.sw_params(&sw)
            .map_err(alsa_err(config, stream, "snd_pcm_sw_params"))?;
    }
    Ok(Pcm { pcm, stream, setup })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Xrun recovery over alsa-lib's built-in `null` device (from the system's alsa.conf).
    ///
    /// `null` is not clocked (it takes and gives audio as fast as asked), so it never over- or
    /// underruns by itself and no card is here to make it: the xrun's errno (`EPIPE`, what
    /// `snd_pcm_readi`/`snd_pcm_writei` return after one) is handed to the error path, and
    /// what follows is real: `snd_pcm_recover` on the device, the capture restart, the count,
    /// and chunks moving again.
    #[test]
    fn xruns_are_recovered_counted_and_the_streams_go_on() {
        let mut ch = AlsaChannel::open(&AlsaConfig::new("null", Direction::Both)).expect("null");
        assert_eq!(ch.state(Stream::Capture), Some(State::Running));
        let mut chunk = [0i16; 8];
        assert!(ch.read_chunk(&mut chunk).unwrap());
        assert!(ch.write_chunk(&[1; 8]).unwrap());

        let xrun = |op| ::alsa::Error::new(op, EPIPE);
        assert!(
            !ch.io_error(Stream::Capture, "snd_pcm_readi", xrun("snd_pcm_readi"))
                .unwrap()
        );
        assert_eq!(ch.state(Stream::Capture), Some(State::Running), "restarted");
        assert!(
            !ch.io_error(Stream::Playback, "snd_pcm_writei", xrun("snd_pcm_writei"))
                .unwrap()
        );
        assert_eq!(
            ch.state(Stream::Playback),
            Some(State::Prepared),
            "ready to refill"
        );
        let suspended = ::alsa::Error::new("snd_pcm_writei", ESTRPIPE);
        assert!(
            !ch.io_error(Stream::Playback, "snd_pcm_writei", suspended)
                .unwrap()
        );
        let c = ch.counters();
        assert_eq!((c.capture_xruns, c.playback_xruns), (1, 2));

        assert!(ch.read_chunk(&mut chunk).unwrap());
        assert!(ch.write_chunk(&[2; 8]).unwrap());
        assert_eq!(
            (ch.counters().chunks_read, ch.counters().chunks_written),
            (2, 2)
        );

        // "Try again" is not an error; anything else is, typed and naming the device.
        assert!(
            !ch.io_error(
                Stream::Capture,
                "snd_pcm_readi",
                ::alsa::Error::new("x", EAGAIN)
            )
            .unwrap()
        );
        let err = ch
            .io_error(
                Stream::Capture,
                "snd_pcm_readi",
                ::alsa::Error::new("snd_pcm_readi", 5),
            )
            .unwrap_err();
        assert!(
            matches!(&err, AlsaError::Alsa { device, op: "snd_pcm_readi", .. } if device == "null")
        );
        assert_eq!(err.errno(), Some(5));
        let gone = ch.io_error(
            Stream::Playback,
            "snd_pcm_writei",
            ::alsa::Error::new("w", ENODEV),
        );
        assert!(matches!(
            gone,
            Err(AlsaError::NoSuchDevice {
                stream: Stream::Playback,
                ..
            })
        ));
    }

    #[test]
    fn plug_names_are_quoted() {
        let c = AlsaConfig::new(r#"file:'/tmp/a "b"',raw"#, Direction::Playback);
        assert_eq!(c.pcm_name(), r#"plug:"file:'/tmp/a \"b\"',raw""#);
        assert_eq!(c.clone().without_conversion().pcm_name(), c.device);
        let c = c.with_period(160, 3);
        assert_eq!((c.period_frames, c.periods), (160, 3));
    }
}
