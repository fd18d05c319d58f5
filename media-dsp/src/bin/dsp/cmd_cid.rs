//! `dsp cid-gen` and `dsp cid-decode`.
//!
//! `cid-gen` writes a caller-ID signal: an MDMF call set-up message (number or reason for
//! its absence, optional name) on a V.23 or Bell 202 carrier with the standard preamble,
//! or a DTMF CLIP digit string (`A<number>C`, or `B10C`/`B00C`). The number may be given
//! as `private` or `unavailable` to send the reason for absence instead.
//!
//! `cid-decode` runs the FSK receivers and the DTMF CLIP receiver over the file and
//! prints one JSON object per caller-ID message found. No message, or only rejected ones
//! (bad checksum, framing error...), is an error with exit code 2.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use media_dsp::cid::{
    Absence, CallerId, CidError, CidRx, CidTx, DtmfClip, DtmfClipAbsence, DtmfClipFormat,
    DtmfClipRx, DtmfClipTx, Format, Name, Number,
};
use media_dsp::fsk::FskStandard;
use media_dsp::goertzel::{Goertzel, GoertzelCoeff};
use serde_json::{Value, json};

use crate::CidStandard;

/// Level of the FSK signal: the nominal CPE-side level of GR-30 and EN 300 659-1.
const FSK_LEVEL_DBM0: f32 = -13.0;
/// Level of each DTMF tone.
const DTMF_LEVEL_DBM0: f32 = -10.0;
/// Silence before and after the signal, in samples (100 ms).
const PAD: usize = 800;

/// What the `--number` argument asks for.
enum Who {
    Number(String),
    Absent(Absence),
}

fn who(number: &str) -> Who {
    match number.to_ascii_lowercase().as_str() {
        "private" | "p" => Who::Absent(Absence::Private),
        "unavailable" | "o" => Who::Absent(Absence::Unavailable),
        _ => Who::Number(number.to_owned()),
    }
}

/// Writes a caller-ID signal for `number` (and `name`) to `out`.
pub(crate) fn generate(
    standard: CidStandard,
    number: &str,
    name: Option<&str>,
    out: &Path,
) -> Result<()> {
    let samples = match standard {
        CidStandard::V23 => fsk_signal(FskStandard::V23, number, name)?,
        CidStandard::Bell202 => fsk_signal(FskStandard::Bell202, number, name)?,
        CidStandard::Dtmf => {
            if name.is_some() {
                bail!("cid-gen: DTMF CLIP cannot carry a name (use v23 or bell202)");
            }
            dtmf_signal(number)?
        }
    };
    crate::wav::write(out, &samples)
}

fn fsk_signal(standard: FskStandard, number: &str, name: Option<&str>) -> Result<Vec<i16>> {
    let mut id = CallerId::mdmf();
    match who(number) {
        Who::Number(n) => {
            id.number =
                Some(Number::number(&n).map_err(|e| anyhow!("cid-gen: number {n:?}: {e}"))?);
        }
        Who::Absent(a) => id.number_absence = Some(a),
    }
    if let Some(name) = name {
        id.name = Some(Name::name(name).map_err(|_| {
            anyhow!(
                "cid-gen: name is {} bytes; at most {} fit",
                name.len(),
                media_dsp::cid::MAX_NAME_LEN
            )
        })?);
    }
    let mut tx = CidTx::from_caller_id(standard, &id, FSK_LEVEL_DBM0)
        .map_err(|e| anyhow!("cid-gen: {e}"))?;
    let mut s = vec![0i16; PAD + tx.total_samples() + PAD];
    let n = tx.fill(&mut s[PAD..]);
    s.truncate(PAD + n + PAD);
    Ok(s)
}

fn dtmf_signal(number: &str) -> Result<Vec<i16>> {
    let mut clip = DtmfClip {
        format: DtmfClipFormat::CTerminated,
        number: None,
        redirect: None,
        absence: None,
    };
    match who(number) {
        Who::Number(n) => {
            if let Some(c) = n.chars().find(|c| !c.is_ascii_digit()) {
                bail!("cid-gen: number {n:?}: DTMF CLIP numbers are digits only, not {c:?}");
            }
            clip.number =
                Some(Number::number(&n).map_err(|e| anyhow!("cid-gen: number {n:?}: {e}"))?);
        }
        Who::Absent(Absence::Private) => clip.absence = Some(DtmfClipAbsence::Private),
        Who::Absent(Absence::Unavailable) => clip.absence = Some(DtmfClipAbsence::Unavailable),
    }
    let mut tx = DtmfClipTx::new(&clip, DTMF_LEVEL_DBM0).map_err(|e| anyhow!("cid-gen: {e}"))?;
    let mut s = vec![0i16; PAD + tx.total_samples() + PAD];
    let n = tx.fill(&mut s[PAD..]);
    s.truncate(PAD + n + PAD);
    Ok(s)
}

/// Prints the caller-ID messages decoded from `file` as JSON, one per line.
pub(crate) fn decode(file: &Path) -> Result<()> {
    let samples = crate::wav::read(file)?;
    let mut rejected: Option<CidError> = None;
    let mut lines = Vec::new();
    // The two FSK receivers overlap (each can decode the other's tones): report the
    // messages of the modem whose tones the file carries, or else of the other one.
    let preferred = likely_modem(&samples);
    for std in [preferred, other(preferred)] {
        let mut rx = CidRx::new(std);
        for chunk in samples.chunks(160) {
            rx.process(chunk, |r| match r {
                Ok(id) => lines.push(fsk_json(std, &id)),
                Err(e) => {
                    rejected.get_or_insert(e);
                }
            });
        }
        if !lines.is_empty() {
            break;
        }
    }
    let mut rx = DtmfClipRx::new();
    let mut on_clip = |r: Result<DtmfClip, CidError>| match r {
        Ok(clip) => lines.push(dtmf_json(&clip)),
        Err(e) => {
            rejected.get_or_insert(e);
        }
    };
    for chunk in samples.chunks(160) {
        rx.process(chunk, &mut on_clip);
    }
    rx.finish(&mut on_clip);
    if lines.is_empty() {
        if let Some(e) = rejected {
            bail!("{}: caller ID rejected: {e}", file.display());
        }
        bail!("{}: no caller ID found", file.display());
    }
    for l in &lines {
        println!("{l}");
    }
    Ok(())
}

fn other(s: FskStandard) -> FskStandard {
    match s {
        FskStandard::Bell202 => FskStandard::V23,
        FskStandard::V23 => FskStandard::Bell202,
    }
}

/// Which tone pair carries more energy over the whole file (the receivers overlap: each
/// can decode the other's signal, so the label comes from the spectrum).
fn likely_modem(samples: &[i16]) -> FskStandard {
    let energy = |f: u32| {
        let mut g = Goertzel::new(GoertzelCoeff::new(f as f32));
        g.update(samples);
        g.energy()
    };
    let bell = energy(1200) + energy(2200);
    let v23 = energy(1300) + energy(2100);
    if bell > v23 {
        FskStandard::Bell202
    } else {
        FskStandard::V23
    }
}

fn absence_json(a: Option<Absence>) -> Value {
    match a {
        Some(Absence::Private) => json!("private"),
        Some(Absence::Unavailable) => json!("unavailable"),
        None => Value::Null,
    }
}

fn fsk_json(std: FskStandard, id: &CallerId) -> Value {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    json!({
        "standard": match std { FskStandard::Bell202 => "bell202", FskStandard::V23 => "v23" },
        "message_type": match id.format { Format::Sdmf => "sdmf", Format::Mdmf => "mdmf" },
        "date_time": id.date_time.map(|d| json!({
            "month": d.month, "day": d.day, "hour": d.hour, "minute": d.minute
        })),
        "number": id.number.map(|n| text(n.as_bytes())),
        "number_absence": absence_json(id.number_absence),
        "name": id.name.map(|n| text(n.as_bytes())),
        "name_absence": absence_json(id.name_absence),
        "unknown_parameters": id.unknown_params().map(|(t, v)| json!({"type": t, "value": v})).collect::<Vec<_>>(),
        "checksum_ok": true,
    })
}

fn dtmf_json(clip: &DtmfClip) -> Value {
    let text = |n: Option<Number>| n.map(|n| String::from_utf8_lossy(n.as_bytes()).into_owned());
    json!({
        "standard": "dtmf",
        "message_type": match clip.format {
            DtmfClipFormat::CTerminated => "c_terminated",
            DtmfClipFormat::HashTerminated => "hash_terminated",
        },
        "date_time": Value::Null,
        "number": text(clip.number),
        "number_absence": match clip.absence {
            Some(DtmfClipAbsence::Private) => json!("private"),
            Some(DtmfClipAbsence::Unavailable) => json!("unavailable"),
            Some(DtmfClipAbsence::International) => json!("international"),
            None => Value::Null,
        },
        "redirect_number": text(clip.redirect),
        "name": Value::Null,
        "name_absence": Value::Null,
        // DTMF CLIP has no checksum.
        "checksum_ok": Value::Null,
    })
}
