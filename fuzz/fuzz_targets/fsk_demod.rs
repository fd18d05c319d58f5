//! The FSK caller-ID receiver on arbitrary samples (little-endian i16), fed in chunks
//! whose size comes from the first byte: it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media_dsp::cid::CidRx;
use media_dsp::fsk::FskStandard;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 64) + 1;
    let samples: Vec<i16> = rest
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    for std in [FskStandard::Bell202, FskStandard::V23] {
        let mut rx = CidRx::new(std);
        for c in samples.chunks(chunk) {
            rx.process(c, |_| {});
        }
    }
});
