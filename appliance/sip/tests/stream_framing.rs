//! TCP stream framing: messages cut by Content-Length whatever the segmenting, keep-alive
//! pings and pongs, limits.

use proptest::prelude::*;
use sip::FramingError;
use sip::framing::{StreamDecoder, StreamItem};

const MSG: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nabcd";

fn drain(d: &mut StreamDecoder) -> Vec<StreamItem> {
    let mut out = Vec::new();
    for _ in 0..100 {
        match d.poll().expect("no framing error") {
            Some(i) => out.push(i),
            None => break,
        }
    }
    out
}

#[test]
fn two_messages_and_a_ping_in_one_segment() {
    let mut d = StreamDecoder::default();
    let mut all = MSG.to_vec();
    all.extend_from_slice(b"\r\n\r\n");
    all.extend_from_slice(MSG);
    d.push(&all);
    let items = drain(&mut d);
    assert_eq!(
        items,
        vec![
            StreamItem::Message(MSG.to_vec()),
            StreamItem::Ping,
            StreamItem::Message(MSG.to_vec())
        ]
    );
    assert_eq!(d.buffered(), 0);
    let StreamItem::Message(m) = &items[0] else {
        panic!()
    };
    assert!(sip::Message::parse(m).is_ok());
}

#[test]
fn pong_before_a_message() {
    let mut d = StreamDecoder::default();
    d.push(b"\r\n");
    assert_eq!(drain(&mut d), vec![]);
    d.push(MSG);
    assert_eq!(
        drain(&mut d),
        vec![StreamItem::Pong, StreamItem::Message(MSG.to_vec())]
    );
}

#[test]
fn missing_content_length_is_an_error_on_a_stream() {
    let mut d = StreamDecoder::default();
    d.push(b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: c\r\n\r\n");
    assert_eq!(d.poll(), Err(FramingError::BadContentLength));
}

#[test]
fn limits() {
    let mut d = StreamDecoder::new(64, 2);
    d.push(&[b'a'; 65]);
    assert_eq!(d.poll(), Err(FramingError::HeadersTooLarge));
    let mut d = StreamDecoder::new(1024, 2);
    d.push(MSG);
    assert_eq!(d.poll(), Err(FramingError::BodyTooLarge));
}

proptest! {
    #[test]
    fn any_segmenting_gives_the_same_messages(cuts in proptest::collection::vec(1usize..40, 0..20)) {
        let mut stream = MSG.to_vec();
        stream.extend_from_slice(MSG);
        let mut d = StreamDecoder::default();
        let mut items = Vec::new();
        let mut pos = 0;
        for c in cuts {
            let end = (pos + c).min(stream.len());
            d.push(&stream[pos..end]);
            pos = end;
            items.extend(drain(&mut d));
        }
        d.push(&stream[pos..]);
        items.extend(drain(&mut d));
        prop_assert_eq!(items, vec![StreamItem::Message(MSG.to_vec()), StreamItem::Message(MSG.to_vec())]);
    }

    #[test]
    fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut d = StreamDecoder::default();
        d.push(&bytes);
        for _ in 0..64 {
            match d.poll() {
                Ok(Some(StreamItem::Message(m))) => { let _ = sip::Message::parse(&m); }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }
}
