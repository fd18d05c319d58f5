//! The analog virtual line: packet round trips (proptest), garbage never panics the
//! decoder and is counted, and a flash-length hook opening crosses the loop as exactly the
//! packets it lasted.
#![cfg(feature = "virt")]

use proptest::prelude::*;
use tdm::virt::{
    ANALOG_PACKET_LEN, AnalogPacket, AnalogPacketRepr, VirtAnalogLine, decode_packet,
    encode_packet, pair,
};
use tdm::{AnalogPort, Hook, LineSignal, LineState, PortKind};

proptest! {
    #[test]
    fn repr_round_trips(bits in 0u8..16, seq in any::<u16>(), samples in any::<[i16; 8]>()) {
        let r = AnalogPacketRepr { state: LineState::from_bits(bits), seq, samples };
        let mut buf = [0u8; ANALOG_PACKET_LEN];
        r.emit(&mut buf);
        let p = AnalogPacket::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(AnalogPacketRepr::parse(&p), r);
    }

    #[test]
    fn decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_packet(&bytes);
        if let Ok(p) = AnalogPacket::new_checked(&bytes[..]) {
            let _ = (p.state(), p.seq(), p.samples());
        }
    }
}

#[test]
fn garbage_is_dropped_and_counted_and_gaps_are_lost_packets() {
    let (raw, ours) = pair().unwrap();
    let mut phone = VirtAnalogLine::new(ours, PortKind::Fxo).unwrap();
    let battery = LineState::from_bits(0b1000);
    raw.send(b"hello").unwrap();
    raw.send(&[0u8; ANALOG_PACKET_LEN]).unwrap();
    raw.send(&encode_packet(battery, 0, &[1; 8])).unwrap();
    // Packets 1 and 2 never come; the off-hook bit from the exchange end is not its to set.
    raw.send(&encode_packet(LineState::from_bits(0b1001), 3, &[2; 8]))
        .unwrap();
    assert_eq!(phone.read_chunk().unwrap(), Some([1; 8]));
    assert_eq!(phone.poll_signal(), Some(LineSignal::Battery(true)));
    assert_eq!(phone.read_chunk().unwrap(), Some([2; 8]));
    assert_eq!(phone.poll_signal(), None);
    assert_eq!(phone.read_chunk().unwrap(), None);
    let s = phone.stats();
    assert_eq!((s.bad_packets, s.lost_packets, s.rx_packets), (2, 2, 2));
}

#[test]
fn a_hook_flash_is_a_run_of_packets_with_the_hook_bit_clear() {
    let (mut co, mut phone) = VirtAnalogLine::pair().unwrap();
    let mut seen = Vec::new();
    let mut n = 0u32;
    for ms in 0..700u32 {
        match ms {
            0 | 601 => phone.send_signal(LineSignal::Hook(Hook::Off)).unwrap(),
            1 => phone.send_signal(LineSignal::Hook(Hook::On)).unwrap(),
            _ => {}
        }
        phone.write_chunk(&[0; 8]).unwrap();
        // Read as we go: the socket buffer holds a few hundred packets, not a whole second.
        while co.read_chunk().unwrap().is_some() {
            while let Some(s) = co.poll_signal() {
                seen.push((n, s));
            }
            n += 1;
        }
    }
    assert_eq!(
        seen,
        [
            (0, LineSignal::Hook(Hook::Off)),
            (1, LineSignal::Hook(Hook::On)),
            (601, LineSignal::Hook(Hook::Off))
        ]
    );
    assert_eq!(co.stats().rx_packets, 700);
}
