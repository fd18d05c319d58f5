//! `dsp tone-detect`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use media_dsp::ans::{AnsDetector, AnsEvent, CngDetector, CngEvent};
use media_dsp::tones::{self, ToneDetector, ToneEvent};
use serde::Serialize;

use crate::Country;
use crate::wav::ms;

/// Prints JSON lines of call-progress tone events found in `file`.
///
/// The file is fed in 1 ms chunks (8 samples), as the media thread does, to the
/// call-progress detector of `country` (dial, ringback, busy, congestion, SIT), to the
/// 2100 Hz answer-tone detector and to the 1100 Hz fax calling-tone (CNG) detector. One line is printed per tone, when it ends (or at the end
/// of the file), in that order:
///
/// ```text
/// {"file":"x.wav","tone":"busy","start_ms":500,"end_ms":4350,"detected_ms":1860}
/// {"file":"x.wav","tone":"ans","start_ms":100,"end_ms":3100,"detected_ms":560,"phase_reversals":6,"reversal_ms":[550,1000,1450,1900,2350,2800]}
/// ```
///
/// - `tone`: `dial`, `ringback`, `busy`, `congestion` (reorder in North America), `sit`,
///   `ans` (2100 Hz answer tone, V.25 ANS or V.8 ANSam) or `cng` (one T.30 fax calling-tone
///   burst; a calling fax repeats it every 3.5 s).
/// - `start_ms`/`end_ms`: where the tone's first on-segment began and its last ended.
/// - `detected_ms`: when the detector confirmed the tone (frequency and cadence), i.e. when
///   a live call would have learnt it.
/// - answer tones also carry `phase_reversals` (0 for plain ANS/ANSam, which does not
///   disable an echo canceller; ANS/PR and ANSam/PR do) and the reversal times.
///
/// A file without tones prints nothing. Unreadable or non-8 kHz-mono-16-bit files fail
/// with an error naming the file.
pub(crate) fn detect(file: &Path, country: Country) -> Result<()> {
    let samples = crate::wav::read(file)?;
    let name = file.display().to_string();
    let country = match country {
        Country::Cn => tones::Country::China,
        Country::Etsi => tones::Country::Etsi,
        Country::Us => tones::Country::NorthAmerica,
    };
    let mut cp = ToneDetector::new(country);
    let mut ans = AnsDetector::new();
    let mut cng = CngDetector::new();
    let mut out = std::io::stdout().lock();
    let mut lines = Vec::new();
    let mut cp_detected = None;
    let mut ans_state = AnsState::default();
    let chunks = samples.chunks(8);
    let n = chunks.len();
    for (i, chunk) in chunks.enumerate() {
        cp.process(chunk);
        ans.process(chunk);
        cng.process(chunk);
        if i + 1 == n {
            cp.finish();
            ans.finish();
        }
        while let Some(ev) = cp.poll_event() {
            match ev {
                ToneEvent::Detected { at_sample, .. } => cp_detected = Some(at_sample),
                ToneEvent::Ended {
                    tone,
                    start_sample,
                    end_sample,
                } => lines.push(Line {
                    file: &name,
                    tone: tone.name(),
                    start_ms: Some(ms(start_sample)),
                    end_ms: ms(end_sample),
                    detected_ms: cp_detected.take().map(ms),
                    phase_reversals: None,
                    reversal_ms: None,
                }),
                _ => {}
            }
        }
        let at = ((i + 1) * 8).min(samples.len()) as u64;
        while let Some(ev) = ans.poll_event() {
            if let Some(line) = ans_state.event(ev, at, &name) {
                lines.push(line);
            }
        }
        while let Some(ev) = cng.poll_event() {
            if let CngEvent::Burst {
                start_sample,
                end_sample,
            } = ev
            {
                lines.push(Line {
                    file: &name,
                    tone: "cng",
                    start_ms: Some(ms(start_sample)),
                    end_ms: ms(end_sample),
                    detected_ms: Some(ms(at)),
                    phase_reversals: None,
                    reversal_ms: None,
                });
            }
        }
        for line in lines.drain(..) {
            let text = serde_json::to_string(&line).context("encoding JSON")?;
            writeln!(out, "{text}").context("writing to stdout")?;
        }
    }
    out.flush().context("writing to stdout")?;
    Ok(())
}

/// One output line (fields in this order).
#[derive(Debug, Serialize)]
struct Line<'a> {
    file: &'a str,
    tone: &'static str,
    start_ms: Option<u64>,
    end_ms: u64,
    detected_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phase_reversals: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reversal_ms: Option<Vec<u64>>,
}

/// Collects one answer tone's events into one JSON line.
#[derive(Debug, Default)]
struct AnsState {
    start: Option<u64>,
    detected: Option<u64>,
    reversals: Vec<u64>,
}

impl AnsState {
    fn event<'a>(&mut self, ev: AnsEvent, now: u64, file: &'a str) -> Option<Line<'a>> {
        match ev {
            AnsEvent::ToneOn { start_sample, .. } => {
                self.start = Some(start_sample);
                self.detected = Some(now);
                None
            }
            AnsEvent::PhaseReversal { at_sample, .. } => {
                self.reversals.push(ms(at_sample));
                None
            }
            AnsEvent::ToneOff {
                end_sample,
                reversals,
            } => Some(Line {
                file,
                tone: "ans",
                start_ms: self.start.take().map(ms),
                end_ms: ms(end_sample),
                detected_ms: self.detected.take().map(ms),
                phase_reversals: Some(reversals),
                reversal_ms: Some(std::mem::take(&mut self.reversals)),
            }),
            _ => None,
        }
    }
}
