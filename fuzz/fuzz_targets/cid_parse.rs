//! The caller-ID parsers on arbitrary bytes: the SDMF/MDMF message view and meaning, and
//! the DTMF CLIP digit-string decoder. They must never panic, and whatever parses must
//! survive emit → parse unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media_dsp::cid::{CallerId, DtmfClip, MAX_DTMF_CLIP_LEN, MAX_MESSAGE_LEN, Message};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::new_checked(data) {
        let _ = (m.message_type(), m.body(), m.checksum(), m.total_len());
        if let Ok(id) = CallerId::parse(&m) {
            let mut buf = [0u8; MAX_MESSAGE_LEN];
            let n = id.emit(&mut buf).expect("a parsed message can be emitted");
            let again = Message::new_checked(&buf[..n]).expect("emitted message checks");
            assert_eq!(CallerId::parse(&again), Ok(id));
        }
    }
    if let Ok(clip) = DtmfClip::decode(data) {
        let mut buf = [0u8; MAX_DTMF_CLIP_LEN];
        let n = clip
            .encode(&mut buf)
            .expect("a decoded string can be encoded");
        assert_eq!(DtmfClip::decode(&buf[..n]), Ok(clip));
    }
});
