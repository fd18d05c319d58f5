#![allow(dead_code, unreachable_pub, missing_docs)]
//! Measuring audio in end-to-end tests with media-dsp: tones (Goertzel), DTMF digits (the
//! Q.24 detector), RTP packets and RFC 4733 events on a socket the test owns.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use media_dsp::dtmf::{Digit, DtmfDetector, DtmfEvent, GeneratorConfig};
use media_dsp::goertzel::{Goertzel, GoertzelCoeff};

/// Samples per analysis window (20 ms).
pub const WINDOW: usize = 160;

/// `ms` milliseconds of a sine at `hz`, amplitude `amp`, 8 kHz.
pub fn sine(hz: f32, ms: usize, amp: f32) -> Vec<i16> {
    (0..ms * 8)
        .map(|n| {
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            let x = (core::f32::consts::TAU * hz * n as f32 / 8000.0).sin() * amp;
            #[allow(clippy::cast_possible_truncation)]
            let s = x as i16;
            s
        })
        .collect()
}

/// In-band DTMF for `digits`: 100 ms tone, 100 ms silence each, −10 dBm0.
pub fn dtmf(digits: &str) -> Vec<i16> {
    let ds: Vec<Digit> = digits.chars().filter_map(Digit::from_char).collect();
    let cfg = GeneratorConfig::default();
    let mut out = vec![0i16; media_dsp::dtmf::generated_len(ds.len(), &cfg)];
    media_dsp::dtmf::generate(&ds, &cfg, &mut out).expect("generate");
    out
}

/// Number of 20 ms windows in which `hz` carries at least half of the window's energy and
/// the window is not near silence: how long the tone was heard.
pub fn tone_windows(samples: &[i16], hz: f32) -> usize {
    let coeff = GoertzelCoeff::new(hz);
    samples
        .chunks_exact(WINDOW)
        .filter(|w| {
            let mut g = Goertzel::new(coeff);
            g.update(w);
            let bin = g.finish();
            let total: f32 = w.iter().map(|&s| f32::from(s) * f32::from(s)).sum();
            // A sine of amplitude A over N samples: bin ≈ (A·N/2)², total ≈ A²·N/2, so the
            // bin is about N/2 times the total for a pure tone.
            #[allow(clippy::cast_precision_loss)]
            let n = WINDOW as f32;
            let rms = (total / n).sqrt();
            rms > 300.0 && bin > 0.5 * total * n / 2.0
        })
        .count()
}

/// The DTMF digits the Q.24 detector finds in `samples`, in order.
pub fn dtmf_digits(samples: &[i16]) -> String {
    let mut d = DtmfDetector::new();
    let mut out = String::new();
    let mut on = |e: DtmfEvent| {
        if let DtmfEvent::Digit(ev) = e {
            out.push(ev.digit.as_char());
        }
    };
    d.process(samples, &mut on);
    d.finish(&mut on);
    out
}

/// An RTP packet (version 2, no CSRC).
pub fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, pt | if marker { 0x80 } else { 0 }];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// What a phone's RTP socket received.
#[derive(Debug, Default)]
pub struct Received {
    /// Decoded audio of the PCMA packets, in arrival order.
    pub audio: Vec<i16>,
    /// RFC 4733 digits, once per event (by its RTP timestamp), in order.
    pub digits: String,
    /// Packets of any kind.
    pub packets: usize,
    last_event_ts: Option<u32>,
}

impl Received {
    /// Takes one datagram.
    pub fn take(&mut self, d: &[u8]) {
        if d.len() < 12 || d[0] >> 6 != 2 {
            return;
        }
        self.packets += 1;
        let pt = d[1] & 0x7f;
        let ts = u32::from_be_bytes([d[4], d[5], d[6], d[7]]);
        let body = &d[12..];
        match pt {
            8 => self
                .audio
                .extend(body.iter().map(|&b| media_dsp::g711::alaw_to_linear(b))),
            101 if body.len() >= 4 && self.last_event_ts != Some(ts) => {
                self.last_event_ts = Some(ts);
                if let Some(c) = event_char(body[0]) {
                    self.digits.push(c);
                }
            }
            _ => {}
        }
    }
}

fn event_char(e: u8) -> Option<char> {
    Some(match e {
        0..=9 => char::from(b'0' + e),
        10 => '*',
        11 => '#',
        12..=15 => char::from(b'A' + e - 12),
        _ => return None,
    })
}

fn event_code(c: char) -> u8 {
    match c {
        '0'..='9' => c as u8 - b'0',
        '*' => 10,
        '#' => 11,
        'A'..='D' => c as u8 - b'A' + 12,
        _ => 0,
    }
}

/// A phone's media stream, sent paced from the test's own socket: 20 ms PCMA packets of
/// `audio` (silence after it), RFC 4733 events for `digits` (100 ms each, 100 ms apart,
/// starting after the audio), for `total`; everything received meanwhile is returned.
pub fn phone_media(
    sock: &UdpSocket,
    to: SocketAddr,
    audio: &[i16],
    digits: &str,
    total: Duration,
) -> Received {
    sock.set_read_timeout(Some(Duration::from_millis(2)))
        .expect("timeout");
    let ssrc = 0x5e1f_0001;
    let mut got = Received::default();
    let mut buf = [0u8; 2048];
    let t0 = Instant::now();
    let packets = total.as_millis() / 20;
    let audio_packets = audio.len().div_ceil(WINDOW);
    let digits: Vec<char> = digits.chars().collect();
    let mut seq = 0u16;
    for i in 0..usize::try_from(packets).unwrap_or(0) {
        let ts = u32::try_from(i * WINDOW).unwrap_or(0);
        // Each digit: 5 packets of event (100 ms), then 5 of silence.
        let digit_at = i.checked_sub(audio_packets).map(|k| (k / 10, k % 10));
        let pkt = match digit_at {
            Some((d, k)) if d < digits.len() && k < 5 => {
                let start = u32::try_from((audio_packets + d * 10) * WINDOW).unwrap_or(0);
                let dur = u16::try_from((k + 1) * WINDOW).unwrap_or(0);
                let end = if k == 4 { 0x80 } else { 0 };
                let mut ev = vec![event_code(digits[d]), end | 10];
                ev.extend_from_slice(&dur.to_be_bytes());
                let p = rtp(101, k == 0, seq, start, ssrc, &ev);
                if k == 4 {
                    // The end packet goes three times (RFC 4733 §2.5.1.4).
                    let _ = sock.send_to(&p, to);
                    seq = seq.wrapping_add(1);
                    let _ = sock.send_to(&rtp(101, false, seq, start, ssrc, &ev), to);
                    seq = seq.wrapping_add(1);
                    rtp(101, false, seq, start, ssrc, &ev)
                } else {
                    p
                }
            }
            _ => {
                let mut pcma = [0xd5u8; WINDOW];
                if let Some(chunk) = audio.get(i * WINDOW..(i * WINDOW + WINDOW).min(audio.len())) {
                    for (o, &s) in pcma.iter_mut().zip(chunk) {
                        *o = media_dsp::g711::linear_to_alaw(s);
                    }
                }
                rtp(8, i == 0, seq, ts, ssrc, &pcma)
            }
        };
        let _ = sock.send_to(&pkt, to);
        seq = seq.wrapping_add(1);
        let next = t0 + Duration::from_millis(20 * (u64::try_from(i).unwrap_or(0) + 1));
        while Instant::now() < next {
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                got.take(&buf[..n]);
            }
        }
    }
    got
}
