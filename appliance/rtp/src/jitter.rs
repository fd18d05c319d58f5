//! Adaptive jitter buffer for G.711 audio, played out in 1 ms chunks of 8 samples.
//!
//! **Model.** Packets are written by RTP timestamp into one preallocated ring of
//! [`RING_SAMPLES`] G.711 codes (512 ms) with a validity bit per sample; nothing is allocated
//! after [`JitterBuffer::new`]. The consumer (the media thread) calls
//! [`JitterBuffer::pull`] once per millisecond; each call plays the 8 samples at the playout
//! point and advances it. The number of samples pulled is the receiver's clock.
//!
//! **Adaptation.** For every packet the buffer records `d = arrival clock − timestamp` (the
//! transit time plus an unknown constant) over the last [`WINDOW`] packets. The smallest `d`
//! is the fastest path; the spread to a high percentile of `d` (the third largest in the
//! window, about the 98th percentile) is the jitter to absorb. The target delay is that
//! spread plus 2 ms, clamped to `[min_delay, max_delay]`, and the desired playout point is
//! `clock − min d − target`. When the playout point is 2 ms or more from the desired one
//! (a dead band: the fastest transit wanders by a tick as packets enter and leave the
//! window, and following it would alter a frame every few seconds), the buffer moves it
//! toward the desired one by inserting a concealed chunk (to grow the delay) or skipping
//! a chunk (to shrink it, in quiet audio unless 10 ms or more off), at most one chunk per
//! 16 ms (per 4 ms when more than 20 ms off). The same
//! mechanism absorbs clock drift between sender and receiver: a faster sender makes `d`
//! shrink and chunks get skipped; a slower one makes it grow and chunks get inserted. At a
//! marker bit (RFC 3551 §4.1: start of a talkspurt) with nothing buffered the playout point
//! jumps straight to the desired one, so delay changes between talkspurts cost nothing.
//!
//! **Irregular packets.** Reordered packets land in their slot; a packet whose samples are
//! all present already is a duplicate (counted, dropped); a packet whose samples are all
//! behind the playout point is late (counted, dropped, but its `d` still raises the target);
//! a transit change of more than `max_delay` + 60 ms, confirmed by the next packet, is a
//! timestamp jump (sender restart, stream switched without a marker) and restarts the
//! buffer at the new timestamps; unconfirmed, it is one wildly delayed packet (an
//! outlier, counted and dropped).
//!
//! **Concealment.** A chunk with no data is filled by media-dsp's G.711 Appendix I PLC
//! ([`media_dsp::plc::Plc`], which fades to silence after 60 ms); the first chunk after a
//! loss is cross-faded back. Gaps before data that has already arrived count as
//! concealed (loss); gaps after the newest data count as underruns (the sender stopped, the
//! network stalled, or a lost packet whose successor has not arrived yet: the split is
//! approximate, their sum is the audio concealed; the exact loss count is RTCP's, from
//! sequence numbers).
//!
//! **Limits.** Only sample-based codecs with one octet per sample (G.711). Drop/insert works
//! in whole 1 ms chunks (no time-scale modification), so a speech chunk removed under
//! pressure can be audible as a tiny click; quiet chunks are preferred. Packets longer
//! than half the ring (256 ms) are rejected.

use media_dsp::g711::Law;
use media_dsp::plc::Plc;

/// Ring length in samples (512 ms at 8 kHz); a power of two that divides 2^32, so the ring
/// position of a timestamp survives timestamp wrap-around.
pub const RING_SAMPLES: usize = 4096;
/// Samples per chunk pulled by the media thread (1 ms).
pub const CHUNK: usize = 8;
/// Packets remembered for the delay estimate (2.56 s of 20 ms packets).
pub const WINDOW: usize = 128;
/// How far (samples, 2 ms) the playout point may sit from the desired one before a chunk
/// is inserted or skipped. The fastest transit moves in 1 ms steps (the media thread's
/// tick) as packets enter and leave the window; without this band each step cost an
/// inserted or skipped chunk, an altered 20 ms frame, about every 2 s on a quiet LAN.
const DEAD_BAND: u32 = 2 * CHUNK as u32;
/// Samples of good audio batched before the PLC history is updated.
const PLC_BATCH: usize = 160;
/// The largest `max_delay` accepted, in ms (leaves room in the ring for one more packet).
pub const MAX_DELAY_LIMIT_MS: u16 = 400;

/// Tuning of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Companding law of the payload.
    pub law: Law,
    /// Smallest playout delay beyond the packet's own length, ms.
    pub min_delay_ms: u16,
    /// Largest playout delay, ms (at most [`MAX_DELAY_LIMIT_MS`]).
    pub max_delay_ms: u16,
    /// Delay used until the first jitter measurements, ms.
    pub initial_delay_ms: u16,
}

impl Default for JitterConfig {
    /// A-law, 10 ms minimum, 200 ms maximum, 40 ms initial delay.
    fn default() -> Self {
        Self {
            law: Law::Alaw,
            min_delay_ms: 10,
            max_delay_ms: 200,
            initial_delay_ms: 40,
        }
    }
}

/// Counters of a [`JitterBuffer`] (since creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterStats {
    /// Packets written into the ring.
    pub packets: u64,
    /// Packets that arrived after their playout time (dropped).
    pub late: u64,
    /// Packets whose samples were all present already (dropped).
    pub duplicates: u64,
    /// Packets rejected (longer than half the ring).
    pub rejected: u64,
    /// Chunks played from received audio.
    pub played_chunks: u64,
    /// Chunks concealed because their audio never came while later audio had.
    pub concealed_chunks: u64,
    /// Chunks concealed because the buffer had run dry.
    pub underrun_chunks: u64,
    /// Chunks inserted to grow the delay (slower sender, more jitter).
    pub inserted_chunks: u64,
    /// Chunks skipped to shrink the delay (faster sender, less jitter).
    pub dropped_chunks: u64,
    /// Restarts at a timestamp jump.
    pub resyncs: u64,
    /// Packets whose timing was off by more than `max_delay` + 60 ms and not confirmed by
    /// the next packet (a stray, very late packet; or the first packet after a jump).
    pub outliers: u64,
}

/// An adaptive G.711 jitter buffer with concealment. About 8 KB, all inline.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    cfg: JitterConfig,
    codes: [u8; RING_SAMPLES],
    valid: [u64; RING_SAMPLES / 64],
    plc: Plc,
    /// Played samples not yet given to the PLC's history (deferred so the history moves
    /// once per 20 ms instead of once per chunk; flushed before any concealment).
    plc_pending: [i16; PLC_BATCH],
    plc_pending_len: usize,
    started: bool,
    /// Next RTP timestamp to play.
    play_ts: u32,
    /// Timestamp just after the newest audio received.
    newest_end: u32,
    /// Gaps before this timestamp are expected silence (start of stream or talkspurt),
    /// not loss.
    quiet_until: u32,
    /// Samples pulled since creation: the receiver clock.
    clock: u64,
    /// Transit (`d`, absolute) of an unconfirmed timestamp jump.
    jump_candidate: Option<u32>,
    /// Transit reference: `d` values are stored relative to it.
    d_ref: u32,
    window: [i32; WINDOW],
    window_len: usize,
    window_pos: usize,
    min_d: i32,
    /// Target delay beyond the fastest transit, samples.
    target: u32,
    since_adapt: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer; `max_delay_ms` is capped at [`MAX_DELAY_LIMIT_MS`] and the other
    /// delays are clamped into `[min, max]`.
    #[must_use]
    pub fn new(mut cfg: JitterConfig) -> Self {
        cfg.max_delay_ms = cfg.max_delay_ms.min(MAX_DELAY_LIMIT_MS);
        cfg.min_delay_ms = cfg.min_delay_ms.min(cfg.max_delay_ms);
        cfg.initial_delay_ms = cfg
            .initial_delay_ms
            .clamp(cfg.min_delay_ms, cfg.max_delay_ms);
        Self {
            cfg,
            codes: [0; RING_SAMPLES],
            valid: [0; RING_SAMPLES / 64],
            plc: Plc::new(),
            plc_pending: [0; PLC_BATCH],
            plc_pending_len: 0,
            started: false,
            play_ts: 0,
            newest_end: 0,
            quiet_until: 0,
            clock: 0,
            d_ref: 0,
            jump_candidate: None,
            window: [0; WINDOW],
            window_len: 0,
            window_pos: 0,
            min_d: 0,
            target: u32::from(cfg.initial_delay_ms) * 8,
            since_adapt: 0,
            stats: JitterStats::default(),
        }
    }

    /// The configuration in force (after clamping).
    #[must_use]
    pub fn config(&self) -> JitterConfig {
        self.cfg
    }

    /// Counters.
    #[must_use]
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// The current target delay (beyond the fastest packet's transit), ms.
    #[must_use]
    pub fn target_delay_ms(&self) -> u32 {
        self.target / 8
    }

    /// Audio buffered ahead of the playout point (including gaps), ms.
    #[must_use]
    pub fn buffered_ms(&self) -> u32 {
        let ahead = self.newest_end.wrapping_sub(self.play_ts) as i32;
        ahead.max(0) as u32 / 8
    }

    /// Forgets all audio and measurements (a new source).
    pub fn reset(&mut self) {
        let (cfg, stats, clock) = (self.cfg, self.stats, self.clock);
        *self = Self::new(cfg);
        self.stats = stats;
        self.clock = clock;
    }

    fn max_samples(&self) -> u32 {
        u32::from(self.cfg.max_delay_ms) * 8
    }

    /// Writes one packet's G.711 payload. `timestamp` is its RTP timestamp (8 kHz clock),
    /// `marker` its marker bit. Never allocates.
    pub fn push(&mut self, timestamp: u32, marker: bool, payload: &[u8]) {
        let len = payload.len();
        if len == 0 {
            return;
        }
        if len > RING_SAMPLES / 2 {
            self.stats.rejected += 1;
            return;
        }
        let d_abs = (self.clock as u32).wrapping_sub(timestamp);
        if !self.started {
            self.restart(timestamp, d_abs);
        } else {
            let d = d_abs.wrapping_sub(self.d_ref) as i32;
            let jump = (self.max_samples() + 480) as i32;
            let top = self.window_max();
            if d < self.min_d - jump || d > top + jump {
                // A jump, or one wildly delayed packet: restart only when the next packet
                // confirms the new timing (within 60 ms), as A.1 does for sequence jumps.
                match self.jump_candidate {
                    Some(c) if (d_abs.wrapping_sub(c) as i32).unsigned_abs() <= 480 => {
                        self.jump_candidate = None;
                        self.stats.resyncs += 1;
                        self.restart(timestamp, d_abs);
                    }
                    _ => {
                        self.jump_candidate = Some(d_abs);
                        self.stats.outliers += 1;
                        return;
                    }
                }
            } else {
                self.jump_candidate = None;
                self.record(d);
                if self.window_len == 3 {
                    self.settle_first_target();
                }
            }
        }
        let rel = timestamp.wrapping_sub(self.play_ts) as i32;
        if rel + len as i32 <= 0 {
            self.stats.late += 1;
            return;
        }
        if marker && !self.any_buffered() {
            // Start of a talkspurt with nothing waiting: take the new delay at once.
            let desired = self.desired_play_ts();
            if (timestamp.wrapping_sub(desired) as i32) >= 0 {
                self.play_ts = desired;
                self.quiet_until = timestamp;
            }
        }
        let rel = timestamp.wrapping_sub(self.play_ts) as i32;
        if rel + len as i32 > RING_SAMPLES as i32 {
            // Further ahead than the ring can hold: restart there.
            self.stats.resyncs += 1;
            self.restart(timestamp, d_abs);
        }
        let mut fresh = false;
        for (i, &c) in payload.iter().enumerate() {
            let ts = timestamp.wrapping_add(i as u32);
            if (ts.wrapping_sub(self.play_ts) as i32) < 0 {
                continue;
            }
            let pos = ts as usize & (RING_SAMPLES - 1);
            let (w, b) = (pos / 64, pos % 64);
            if self.valid[w] & (1 << b) == 0 {
                fresh = true;
                self.valid[w] |= 1 << b;
                self.codes[pos] = c;
            }
        }
        if !fresh {
            self.stats.duplicates += 1;
            return;
        }
        self.stats.packets += 1;
        let end = timestamp.wrapping_add(len as u32);
        if (end.wrapping_sub(self.newest_end) as i32) > 0 {
            self.newest_end = end;
        }
    }

    /// Plays the next 1 ms (8 samples) into `out`: received audio, concealment, or
    /// silence before the first packet.
    pub fn pull(&mut self, out: &mut [i16; CHUNK]) {
        self.pull_inner(out);
        // The clock counts chunks already played: a packet pushed between two pulls is
        // stamped with the time of the next one.
        self.clock += CHUNK as u64;
    }

    fn pull_inner(&mut self, out: &mut [i16; CHUNK]) {
        if !self.started {
            *out = [0; CHUNK];
            return;
        }
        self.since_adapt += 1;
        let err = self.play_ts.wrapping_sub(self.desired_play_ts()) as i32;
        let interval = if err.unsigned_abs() > 160 { 4 } else { 16 };
        if self.since_adapt >= interval && err.unsigned_abs() >= DEAD_BAND {
            if err > 0 {
                // Playing too early: stretch by one concealed chunk.
                self.since_adapt = 0;
                self.stats.inserted_chunks += 1;
                self.conceal(out);
                return;
            }
            // Playing too late: skip a chunk, a quiet one unless 10 ms or more behind.
            let quiet = self.chunk_peak(self.play_ts) < 1000;
            if quiet || err < -80 {
                self.since_adapt = 0;
                self.stats.dropped_chunks += 1;
                self.clear_chunk(self.play_ts);
                self.play_ts = self.play_ts.wrapping_add(CHUNK as u32);
            }
        }
        self.play_chunk(out);
    }

    fn play_chunk(&mut self, out: &mut [i16; CHUNK]) {
        let mut codes = [self.cfg.law.silence(); CHUNK];
        let mut present = 0;
        for (i, c) in codes.iter_mut().enumerate() {
            let pos = self.play_ts.wrapping_add(i as u32) as usize & (RING_SAMPLES - 1);
            if self.valid[pos / 64] & (1 << (pos % 64)) != 0 {
                *c = self.codes[pos];
                present += 1;
            }
        }
        self.clear_chunk(self.play_ts);
        if present > 0 {
            self.cfg.law.decode(&codes, out);
            self.good(out);
            self.stats.played_chunks += 1;
        } else {
            let before_data = (self.newest_end.wrapping_sub(self.play_ts) as i32) > CHUNK as i32;
            let expected_quiet = (self.quiet_until.wrapping_sub(self.play_ts) as i32) > 0;
            if before_data && !expected_quiet {
                self.stats.concealed_chunks += 1;
            } else {
                self.stats.underrun_chunks += 1;
            }
            self.conceal(out);
        }
        self.play_ts = self.play_ts.wrapping_add(CHUNK as u32);
    }

    /// Records played audio for the PLC. Right after a loss the PLC must see the chunk at
    /// once (it cross-fades it); otherwise `good_frame` leaves the samples unchanged, so
    /// the history update can wait for a whole batch.
    fn good(&mut self, out: &mut [i16; CHUNK]) {
        if self.plc.in_erasure() {
            self.plc.good_frame(out);
            return;
        }
        let n = self.plc_pending_len;
        self.plc_pending[n..n + CHUNK].copy_from_slice(out);
        self.plc_pending_len += CHUNK;
        if self.plc_pending_len == PLC_BATCH {
            self.flush_plc();
        }
    }

    fn flush_plc(&mut self) {
        let n = self.plc_pending_len;
        if n > 0 {
            self.plc.good_frame(&mut self.plc_pending[..n]);
            self.plc_pending_len = 0;
        }
    }

    fn conceal(&mut self, out: &mut [i16; CHUNK]) {
        self.flush_plc();
        self.plc.lost_frame(out);
    }

    fn chunk_peak(&self, ts: u32) -> i16 {
        let mut peak = 0i16;
        for i in 0..CHUNK {
            let pos = ts.wrapping_add(i as u32) as usize & (RING_SAMPLES - 1);
            if self.valid[pos / 64] & (1 << (pos % 64)) != 0 {
                let s = match self.cfg.law {
                    Law::Alaw => media_dsp::g711::alaw_to_linear(self.codes[pos]),
                    Law::Ulaw => media_dsp::g711::ulaw_to_linear(self.codes[pos]),
                };
                peak = peak.max(s.saturating_abs());
            }
        }
        peak
    }

    fn clear_chunk(&mut self, ts: u32) {
        for i in 0..CHUNK {
            let pos = ts.wrapping_add(i as u32) as usize & (RING_SAMPLES - 1);
            self.valid[pos / 64] &= !(1 << (pos % 64));
        }
    }

    fn any_buffered(&self) -> bool {
        self.valid.iter().any(|&w| w != 0)
    }

    /// Where the playout point should be now.
    fn desired_play_ts(&self) -> u32 {
        (self.clock as u32)
            .wrapping_sub(self.d_ref)
            .wrapping_sub(self.min_d as u32)
            .wrapping_sub(self.target)
    }

    fn restart(&mut self, timestamp: u32, d_abs: u32) {
        self.valid = [0; RING_SAMPLES / 64];
        self.started = true;
        self.d_ref = d_abs;
        self.window_len = 0;
        self.window_pos = 0;
        self.min_d = 0;
        self.target = u32::from(self.cfg.initial_delay_ms) * 8;
        self.record(0);
        self.target = u32::from(self.cfg.initial_delay_ms) * 8;
        self.play_ts = timestamp.wrapping_sub(self.target);
        self.newest_end = timestamp;
        self.quiet_until = timestamp;
    }

    /// At the stream's third packet the first measured target replaces the initial delay:
    /// if that leaves the playout point 2 ms or more behind, it jumps ahead now, cutting
    /// the surplus from the first milliseconds of the stream instead of skipping chunks one
    /// by one later (in noise or continuous tone, where quiet chunks are rare, that took
    /// seconds and altered a frame with every skip).
    fn settle_first_target(&mut self) {
        let behind = self.desired_play_ts().wrapping_sub(self.play_ts) as i32;
        if behind < DEAD_BAND as i32 {
            return;
        }
        let chunks = behind as u32 / CHUNK as u32;
        for _ in 0..chunks {
            self.clear_chunk(self.play_ts);
            self.play_ts = self.play_ts.wrapping_add(CHUNK as u32);
        }
        self.stats.dropped_chunks += u64::from(chunks);
        if (self.quiet_until.wrapping_sub(self.play_ts) as i32) < 0 {
            self.quiet_until = self.play_ts;
        }
    }

    fn window_max(&self) -> i32 {
        self.window[..self.window_len]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// Adds one transit measurement and recomputes the minimum and the target delay.
    fn record(&mut self, d: i32) {
        self.window[self.window_pos] = d;
        self.window_pos = (self.window_pos + 1) % WINDOW;
        self.window_len = (self.window_len + 1).min(WINDOW);
        let w = &self.window[..self.window_len];
        let mut min = i32::MAX;
        let mut top = [i32::MIN; 3];
        for &x in w {
            min = min.min(x);
            if x > top[2] {
                top[2] = x;
                if top[2] > top[1] {
                    top.swap(1, 2);
                    if top[1] > top[0] {
                        top.swap(0, 1);
                    }
                }
            }
        }
        self.min_d = min;
        // Until three packets have been seen, keep the initial delay.
        if self.window_len < 3 {
            return;
        }
        let spread = (top[2] - min).max(0) as u32;
        let lo = u32::from(self.cfg.min_delay_ms) * 8;
        self.target = (spread + 16).clamp(lo, self.max_samples());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(law: Law, n: usize, amp: f32, start: usize) -> Vec<u8> {
        let pcm: Vec<i16> = (0..n)
            .map(|k| (amp * ((start + k) as f32 * 0.3).sin()) as i16)
            .collect();
        let mut out = vec![0u8; n];
        law.encode(&pcm, &mut out);
        out
    }

    #[test]
    fn a_lost_packet_in_a_tone_is_concealed_not_silenced() {
        // Start at the minimum delay so no chunk is skipped while adapting.
        let mut jb = JitterBuffer::new(JitterConfig {
            initial_delay_ms: 10,
            ..JitterConfig::default()
        });
        let mut out = [0i16; 8];
        let mut concealed_peak = 0;
        let mut gap = 0;
        for p in 0..50u32 {
            if p != 30 {
                jb.push(
                    p * 160,
                    p == 0,
                    &frame(Law::Alaw, 160, 8000.0, p as usize * 160),
                );
            }
            for _ in 0..20 {
                let before = jb.stats();
                jb.pull(&mut out);
                let after = jb.stats();
                let plc = after.concealed_chunks + after.underrun_chunks
                    > before.concealed_chunks + before.underrun_chunks;
                if p > 5 && plc {
                    gap += 1;
                    concealed_peak = concealed_peak.max(out.iter().map(|s| s.abs()).max().unwrap());
                }
            }
        }
        // The first half of the gap plays before the next packet shows it is a gap (counted
        // as underrun), the second half after (counted as concealed): 20 chunks of PLC.
        assert_eq!(gap, 20, "{:?}", jb.stats());
        assert!(concealed_peak > 4000, "PLC output peak {concealed_peak}");
    }

    #[test]
    fn a_packet_after_its_playout_time_is_counted_late_and_dropped() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut out = [0i16; 8];
        let f = |p: u32| frame(Law::Alaw, 160, 8000.0, p as usize * 160);
        for p in 0..40u32 {
            if p != 20 {
                jb.push(p * 160, p == 0, &f(p));
            }
            if p == 25 {
                // Packet 20 turns up 100 ms late: its slot has been played (concealed).
                jb.push(20 * 160, false, &f(20));
                let s = jb.stats();
                assert_eq!((s.late, s.packets, s.resyncs), (1, 25, 0), "{s:?}");
            }
            for _ in 0..20 {
                jb.pull(&mut out);
            }
        }
        // Packet 20 once more, now 400 ms late: beyond max delay + 60 ms, and the next
        // packet does not confirm a jump: an outlier, dropped, no restart.
        jb.push(20 * 160, false, &f(20));
        for p in 40..45u32 {
            jb.push(p * 160, false, &f(p));
            for _ in 0..20 {
                jb.pull(&mut out);
            }
        }
        let s = jb.stats();
        assert_eq!((s.late, s.outliers, s.resyncs), (1, 1, 0), "{s:?}");
        // 45 × 20 pulls, less the 40 ms start-up delay and the lost packet's concealment.
        assert!(s.played_chunks >= 900 - 40 - 20, "{s:?}");
    }

    #[test]
    fn steady_stream_plays_without_concealment_and_counts_duplicates() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut out = [0i16; 8];
        let mut ts = 1000u32;
        for p in 0..100 {
            let f = frame(Law::Alaw, 160, 8000.0, p * 160);
            jb.push(ts, p == 0, &f);
            if p == 50 {
                jb.push(ts, false, &f);
            }
            ts = ts.wrapping_add(160);
            for _ in 0..20 {
                jb.pull(&mut out);
            }
        }
        let s = jb.stats();
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.concealed_chunks, 0, "{s:?}");
        assert_eq!(s.late, 0);
        assert!(
            jb.target_delay_ms() <= 12,
            "target {}",
            jb.target_delay_ms()
        );
    }
}
