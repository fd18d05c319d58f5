//! Sound-card extensions: a `sound` line port (`alsa:<pcm>`, e.g. a paging amplifier) is an
//! extension that answers at once and plays the call to the ALSA device through
//! [`tdm::alsa::AlsaChannel`] (playback only, 8 kHz mono 16-bit, alsa-lib's `plug` layer
//! converting to what the card takes).
//!
//! The device is opened at start and handed to the media thread ([`SoundMedia`]); while a
//! call is up on the port's slot, every millisecond of what the leg hears (the far end, or a
//! prompt) is written to it; with no call nothing is written (the card underruns, which
//! alsa-lib recovers and counts). The call engine's side is [`crate::lines`] (the port is
//! one of its ports, answered by the engine itself).
//!
//! **What it is not:** no capture (a headset's microphone, a music-on-hold input), no
//! volume, no pacing of our own: a device that takes samples faster or slower than the
//! media thread's 1 ms tick drops or repeats nothing, it is simply written once per tick.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use media_dsp::g711::Law;
use store::lines::StoredLinePort;
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
    let chan = AlsaChannel::open(&AlsaConfig::new(pcm, Direction::Playback))
        .with_context(|| format!("opening ALSA device {pcm:?} for playback"))?;
    info!(port = %name, device = pcm, setup = ?chan.setup(), "sound card opened");
    let slot = crate::media::LINE_BASE + index;
    if !media.add_sound(SoundMedia {
        name,
        slot,
        chan,
        playing: false,
        failed: false,
    }) {
        bail!("the media thread did not take the sound card (queue full)");
    }
    crate::lines::sound_status(shared, p, "open");
    Ok(())
}
