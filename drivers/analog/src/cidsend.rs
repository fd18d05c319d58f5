//! Caller-ID senders and the audio sources the machines own.

use media_dsp::cid::{CallerId, CidTx, DtmfClip, DtmfClipTx, Name, Number};
use media_dsp::tones::{Segment, ToneGenerator, ToneKind, ToneSpec};

use crate::{AnalogError, AudioChunk, CallerInfo, CidSignalling, SILENCE};

/// A caller-ID signal being sent.
#[derive(Debug, Clone)]
pub(crate) enum CidSender {
    Fsk(Box<CidTx>),
    Dtmf(Box<DtmfClipTx>),
}

impl CidSender {
    pub(crate) fn new(
        sig: CidSignalling,
        who: &CallerInfo,
        level_dbm0: f32,
    ) -> Result<Self, AnalogError> {
        let number = who.number.as_deref().map(Number::number).transpose()?;
        match sig {
            CidSignalling::Fsk(std) => {
                let mut id = CallerId::mdmf();
                id.number = number;
                if number.is_none() {
                    id.number_absence = Some(media_dsp::cid::Absence::Unavailable);
                }
                id.name = who.name.as_deref().map(Name::name).transpose()?;
                Ok(Self::Fsk(Box::new(CidTx::from_caller_id(
                    std, &id, level_dbm0,
                )?)))
            }
            CidSignalling::Dtmf => {
                let clip = match number {
                    Some(n) => DtmfClip::with_number(n),
                    None => {
                        let mut c = DtmfClip::with_number(Number::empty());
                        c.number = None;
                        c.absence = Some(media_dsp::cid::DtmfClipAbsence::Unavailable);
                        c
                    }
                };
                Ok(Self::Dtmf(Box::new(DtmfClipTx::new(&clip, level_dbm0)?)))
            }
        }
    }

    /// Fills `out` (zero-padded at the end); true while the signal lasts.
    fn fill(&mut self, out: &mut AudioChunk) -> bool {
        *out = SILENCE;
        let n = match self {
            Self::Fsk(t) => t.fill(out),
            Self::Dtmf(t) => t.fill(out),
        };
        n == out.len()
    }
}

/// The howler ("receiver off-hook") tone for a phone left off-hook: two of the four
/// Bellcore ROH frequencies (1400 + 2060 Hz), 0.1 s on / 0.1 s off, loud. Our choice: the
/// national plans differ and media-dsp's plans have no howler; `kind` is only a label.
pub static HOWLER: ToneSpec = ToneSpec {
    kind: ToneKind::Congestion,
    segments: &[
        Segment {
            freqs: [1400.0, 2060.0],
            ms: 100,
        },
        Segment {
            freqs: [0.0, 0.0],
            ms: 100,
        },
    ],
    level_dbm0: -6.0,
};

/// Who owns the outgoing audio.
#[derive(Debug, Clone)]
pub(crate) enum AudioSrc {
    /// Not the machine: the caller bridges the call's audio.
    Bridge,
    /// Silence.
    Silence,
    /// A tone.
    Tone(ToneKind, Box<ToneGenerator>),
    /// A caller-ID signal.
    Cid(CidSender),
}

impl AudioSrc {
    pub(crate) fn tone(spec: &'static ToneSpec, level: Option<f32>) -> Self {
        let g = match level {
            Some(l) => ToneGenerator::with_level(spec, l),
            None => ToneGenerator::new(spec),
        };
        Self::Tone(spec.kind, Box::new(g))
    }

    /// The next chunk, and whether a caller-ID signal just ended in it.
    pub(crate) fn next(&mut self) -> (Option<AudioChunk>, bool) {
        let mut out = SILENCE;
        match self {
            Self::Bridge => (None, false),
            Self::Silence => (Some(out), false),
            Self::Tone(_, g) => {
                g.fill(&mut out);
                (Some(out), false)
            }
            Self::Cid(c) => {
                let going = c.fill(&mut out);
                if !going {
                    *self = Self::Silence;
                }
                (Some(out), !going)
            }
        }
    }

    pub(crate) fn is_cid(&self) -> bool {
        matches!(self, Self::Cid(_))
    }
}
