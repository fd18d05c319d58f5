//! Sound-card extensions: a `sound` line port (`alsa:<pcm>`, e.g. a paging amplifier or a
//! headset) is an extension that answers at once, plays the call to the ALSA device and
//! sends what the device captures (the headset's microphone) to the far end, through
//! [`tdm::alsa::AlsaChannel`] (8 kHz mono 16-bit, alsa-lib's `plug` layer converting to
//! what the card takes).
//!
//! The device is opened at start for playback and capture, or for playback alone when it
//! has no capture side (a paging amplifier; logged), and handed to the media thread
//! ([`SoundMedia`]). While a call is up on the port's slot, every millisecond of what the
//! leg hears (the far end, or a prompt) is written to it, and each captured millisecond goes
//! into the media path as that slot's received audio (echo canceller and DTMF detection,
//! like a line). With no call nothing is written (the card underruns, which alsa-lib
//! recovers and counts) and captured audio is read and dropped, so the capture buffer never
//! holds old sound when a call starts. The call engine's side is [`crate::lines`] (the port
//! is one of its ports, answered by the engine itself).
//!
//! **What it is not:** no volume, no pacing of our own: a device that takes or gives
//! samples faster or slower than the media thread's 1 ms tick is simply served once per
//! tick (a capture side running fast overruns now and then, which alsa-lib recovers and
//! counts).

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use media_dsp::g711::Law;
use store::lines::StoredLinePort;
use tdm::CHUNK_SAMPLES;
use tdm::alsa::{AlsaChannel, AlsaConfig, Direction};
use tracing::{info, warn};

use crate::Shared;
use crate::media::Media;

/// A sound port as the media thread runs it.
pub(crate) struct SoundMedia {
    pub(crate) name: String,
    pub(crate) slot: usize,
    chan: AlsaChannel,
    /// Something was written already (the first write is logged).
    playing: bool,
    failed: bool,
    /// The device captures (opened for both directions).
    captures: bool,
    /// Something captured went to a call already (the first is logged).
    capturing: bool,
}

impl std::fmt::Debug for SoundMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoundMedia")
            .field("name", &self.name)
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

impl SoundMedia {
    /// Before the media path's tick: the next captured millisecond, A-law, when the device
    /// has one; `None` without capture or when it has nothing yet. `in_call` says whether
    /// it goes anywhere (the first one that does is logged).
    pub(crate) fn tick_in(&mut self, in_call: bool) -> Option<[u8; CHUNK_SAMPLES]> {
        if !self.captures {
            return None;
        }
        let mut lin = [0i16; CHUNK_SAMPLES];
        match self.chan.read_chunk(&mut lin) {
            Ok(true) => {
                if in_call && !self.capturing {
                    self.capturing = true;
                    info!(port = %self.name, device = self.chan.device(), "sound card: capturing into the call");
                }
                let mut a = [0u8; CHUNK_SAMPLES];
                Law::Alaw.encode(&lin, &mut a);
                Some(a)
            }
            Ok(false) => None,
            Err(e) => {
                warn!(port = %self.name, "sound card read: {e}; the port's microphone stays silent");
                self.captures = false;
                None
            }
        }
    }

    /// After the media path's tick: what the port's leg hears goes to the card (A-law
    /// decoded), when a call is up.
    pub(crate) fn tick_out(&mut self, heard: Option<&[u8; 8]>) {
        let Some(h) = heard else { return };
        if self.failed {
            return;
        }
        let mut lin = [0i16; 8];
        Law::Alaw.decode(h, &mut lin);
        match self.chan.write_chunk(&lin) {
            Ok(_) => {
                if !self.playing {
                    self.playing = true;
                    info!(port = %self.name, device = self.chan.device(), "sound card: playing the call");
                }
            }
            Err(e) => {
                warn!(port = %self.name, "sound card write: {e}; the port stays silent");
                self.failed = true;
            }
        }
    }
}

/// Opens sound port `p` (number `index` among the daemon's ports) for playback and hands it
/// to the media thread.
///
/// # Errors
/// The device name is not `alsa:<pcm>`, alsa-lib cannot open it, or the media thread's
/// queue is full.
pub(crate) fn open(
    index: usize,
    p: &StoredLinePort,
    media: &Arc<Media>,
    shared: &Shared,
) -> Result<()> {
    let name = crate::lines::endpoint(p);
    let Some(pcm) = p.config.device.strip_prefix("alsa:") else {
        bail!("device {} is not alsa:<pcm>", p.config.device);
    };
    // A headset captures too; a paging amplifier (or any playback-only PCM) is opened for
    // playback alone.
    let (chan, captures) = match AlsaChannel::open(&AlsaConfig::new(pcm, Direction::Both)) {
        Ok(c) => (c, true),
        Err(e) => {
            info!(port = %name, device = pcm, "sound card has no capture side ({e}): playback only");
            let c = AlsaChannel::open(&AlsaConfig::new(pcm, Direction::Playback))
                .with_context(|| format!("opening ALSA device {pcm:?} for playback"))?;
            (c, false)
        }
    };
    info!(port = %name, device = pcm, captures, setup = ?chan.setup(), "sound card opened");
    let slot = crate::media::LINE_BASE + index;
    if !media.add_sound(SoundMedia {
        name,
        slot,
        chan,
        playing: false,
        failed: false,
        captures,
        capturing: false,
    }) {
        bail!("the media thread did not take the sound card (queue full)");
    }
    crate::lines::sound_status(shared, p, "open");
    Ok(())
}
