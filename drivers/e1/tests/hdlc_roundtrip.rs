//! HDLC encoder -> decoder: arbitrary frames survive any split of the byte stream, with idle
//! flags between them; the decoder never panics on arbitrary bytes; a flipped bit is caught.

use e1::hdlc::{HdlcDecoder, HdlcEncoder, HdlcError, check_fcs};
use proptest::prelude::*;

fn encode(frames: &[Vec<u8>], idle_between: usize) -> Vec<u8> {
    let mut e = HdlcEncoder::with_limits(usize::MAX, 1 << 16);
    let mut out = vec![0u8; 3];
    e.fill(&mut out);
    for f in frames {
        e.push_frame(f).unwrap();
        while !e.is_idle() {
            out.push(e.next_byte());
        }
        for _ in 0..idle_between {
            out.push(e.next_byte());
        }
    }
    // Flush the closing flag.
    for _ in 0..2 {
        out.push(e.next_byte());
    }
    out
}

proptest! {
    #[test]
    fn round_trip_any_split(
        frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 2..300), 1..8),
        idle in 0usize..3,
        splits in prop::collection::vec(1usize..40, 1..20),
    ) {
        let stream = encode(&frames, idle);
        let mut d = HdlcDecoder::with_limits(4, 1 << 16);
        let mut rest = &stream[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = splits[i % splits.len()].min(rest.len());
            d.handle_input(&rest[..n]);
            rest = &rest[n..];
            i += 1;
        }
        let mut got = vec![];
        while let Some(r) = d.poll() {
            got.push(r.unwrap());
        }
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let mut d = HdlcDecoder::new();
        d.handle_input(&bytes);
        while let Some(r) = d.poll() {
            if let Ok(f) = r {
                prop_assert!(f.len() >= 2);
            }
        }
    }

    #[test]
    fn single_bit_error_never_yields_a_wrong_frame(
        frame in prop::collection::vec(any::<u8>(), 3..100),
        pos in any::<prop::sample::Index>(),
    ) {
        let mut stream = encode(std::slice::from_ref(&frame), 0);
        let bit = pos.index(stream.len() * 8);
        stream[bit / 8] ^= 0x80 >> (bit % 8);
        let mut d = HdlcDecoder::new();
        d.handle_input(&stream);
        while let Some(r) = d.poll() {
            if let Ok(f) = r {
                prop_assert_eq!(&f, &frame);
            }
        }
    }
}

#[test]
fn frame_plus_fcs_convention() {
    // What the D-channel socket / libpri exchange: frame + 2 FCS bytes.
    let mut buf = vec![0x02, 0x01, 0x7F];
    e1::hdlc::append_fcs(&mut buf);
    assert_eq!(buf.len(), 5);
    let mut e = HdlcEncoder::new();
    e.push_frame_with_fcs(&buf).unwrap();
    let mut out = vec![0u8; 12];
    e.fill(&mut out);
    let mut d = HdlcDecoder::with_limits(3, 100);
    d.handle_input(&out);
    let got = d.poll().unwrap().unwrap();
    assert_eq!(got, vec![0x02, 0x01, 0x7F]);
    assert_eq!(check_fcs(&buf), Ok(&got[..]));
    assert_eq!(check_fcs(&buf[..4]), Err(HdlcError::BadFcs));
}

#[test]
fn idle_ones_then_frame() {
    let mut e = HdlcEncoder::new();
    e.set_idle(e1::hdlc::Idle::Ones);
    let mut out = vec![0u8; 4];
    e.fill(&mut out);
    assert_eq!(out, vec![0xFF; 4]);
    e.push_frame(b"hello").unwrap();
    let mut more = vec![0u8; 12];
    e.fill(&mut more);
    let mut d = HdlcDecoder::new();
    d.handle_input(&out);
    d.handle_input(&more);
    assert_eq!(d.poll(), Some(Ok(b"hello".to_vec())));
    assert_eq!(d.poll(), None);
}
