//! Any bytes, cut at the first byte's value, through the TCP stream decoder and the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip::framing::{StreamDecoder, StreamItem};

fuzz_target!(|data: &[u8]| {
    let cut = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let mut d = StreamDecoder::new(4096, 4096);
    for part in [&data[..cut], &data[cut..]] {
        d.push(part);
        while let Ok(Some(item)) = d.poll() {
            if let StreamItem::Message(m) = item {
                let _ = sip::Message::parse(&m);
            }
        }
    }
});
