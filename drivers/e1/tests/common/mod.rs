//! Two framers back to back over a simulated E1 line with seeded faults.
#![allow(dead_code, unreachable_pub, missing_docs)]

use e1::{Config, Event, Framer};

/// xorshift64*: deterministic noise for bit errors.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// What the line does to the signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineState {
    #[default]
    Normal,
    /// All zeros (loss of signal).
    Los,
    /// All ones (AIS).
    Ais,
}

/// One direction of the line.
#[derive(Debug, Clone)]
pub struct Line {
    pub state: LineState,
    /// Bit error rate.
    pub ber: f64,
    pub rng: Rng,
    /// Drop the next frame (a slip).
    pub drop_next: bool,
    /// Send the next frame twice (a slip).
    pub repeat_next: bool,
    /// Bits flipped so far.
    pub flipped: u64,
}

impl Line {
    pub fn new(seed: u64) -> Self {
        Self {
            state: LineState::Normal,
            ber: 0.0,
            rng: Rng::new(seed),
            drop_next: false,
            repeat_next: false,
            flipped: 0,
        }
    }

    /// Applies the line to one transmitted frame; returns the bytes received (0, 32 or 64).
    pub fn carry(&mut self, frame: [u8; 32]) -> Vec<u8> {
        let mut f = match self.state {
            LineState::Normal => frame,
            LineState::Los => [0; 32],
            LineState::Ais => [0xFF; 32],
        };
        if self.ber > 0.0 {
            for b in &mut f {
                for i in 0..8 {
                    if self.rng.chance(self.ber) {
                        *b ^= 1 << i;
                        self.flipped += 1;
                    }
                }
            }
        }
        if std::mem::take(&mut self.drop_next) {
            return vec![];
        }
        if std::mem::take(&mut self.repeat_next) {
            return [f, f].concat();
        }
        f.to_vec()
    }
}

/// Side A and side B, with their lines and the events each reported.
pub struct Pair {
    pub a: Framer,
    pub b: Framer,
    /// A -> B.
    pub ab: Line,
    /// B -> A.
    pub ba: Line,
    pub events_a: Vec<(u64, Event)>,
    pub events_b: Vec<(u64, Event)>,
    pub frames: u64,
    pub payload: [u8; 32],
}

impl Pair {
    pub fn new(cfg_a: Config, cfg_b: Config) -> Self {
        let mut payload = [0u8; 32];
        for (i, b) in payload.iter_mut().enumerate() {
            *b = 0xD5 ^ (i as u8 * 7);
        }
        Self {
            a: Framer::new(Config {
                frame_queue: 0,
                ..cfg_a
            }),
            b: Framer::new(Config {
                frame_queue: 0,
                ..cfg_b
            }),
            ab: Line::new(1),
            ba: Line::new(2),
            events_a: vec![],
            events_b: vec![],
            frames: 0,
            payload,
        }
    }

    /// Runs `n` frame periods in both directions.
    pub fn step(&mut self, n: u64) {
        for _ in 0..n {
            // Varying B-channel content, like speech (constant content would make CRC-4 blind
            // to some slips).
            let mut h = self.frames.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            for b in self.payload.iter_mut() {
                h ^= h >> 29;
                h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
                *b = (h >> 56) as u8;
            }
            let fa = self.a.build_frame(&self.payload);
            let fb = self.b.build_frame(&self.payload);
            let ra = self.ab.carry(fa);
            let rb = self.ba.carry(fb);
            self.b.handle_input(&ra);
            self.a.handle_input(&rb);
            self.frames += 1;
            while let Some(e) = self.a.poll_event() {
                self.events_a.push((self.frames, e));
            }
            while let Some(e) = self.b.poll_event() {
                self.events_b.push((self.frames, e));
            }
        }
    }

    /// Runs until `pred` holds, at most `max` frames; returns the frames it took.
    pub fn step_until(&mut self, max: u64, mut pred: impl FnMut(&Self) -> bool) -> Option<u64> {
        for i in 0..max {
            if pred(self) {
                return Some(i);
            }
            self.step(1);
        }
        pred(self).then_some(max)
    }

    /// Events B reported, without their frame numbers.
    pub fn ev_b(&self) -> Vec<Event> {
        self.events_b.iter().map(|e| e.1).collect()
    }

    /// Events A reported, without their frame numbers.
    pub fn ev_a(&self) -> Vec<Event> {
        self.events_a.iter().map(|e| e.1).collect()
    }

    pub fn clear_events(&mut self) {
        self.events_a.clear();
        self.events_b.clear();
    }
}

/// Frame number at which `side` first reported `ev`.
pub fn first(events: &[(u64, Event)], ev: Event) -> Option<u64> {
    events.iter().find(|e| e.1 == ev).map(|e| e.0)
}
