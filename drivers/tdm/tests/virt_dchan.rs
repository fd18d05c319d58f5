//! D-channel-only virtual line: one SOCK_SEQPACKET packet per LAPD frame + FCS-16.
#![cfg(feature = "virt")]

use tdm::virt::{Listener, VirtDchan, VirtError};

/// A Q.921 SABME, command from the network side (SAPI 0, TEI 0, P=1).
const SABME: [u8; 3] = [0x02, 0x01, 0x7F];

#[test]
fn good_frames_pass_both_ways_with_fcs_on_the_wire() {
    let (mut a, mut b) = VirtDchan::pair().unwrap();
    let mut buf = [0u8; 512];
    assert_eq!(b.recv(&mut buf).unwrap(), None, "non-blocking, nothing yet");
    a.send(&SABME).unwrap();
    let info: Vec<u8> = (0..=255).collect();
    let mut iframe = vec![0x00, 0x01, 0x00, 0x00];
    iframe.extend_from_slice(&info);
    a.send(&iframe).unwrap();
    assert_eq!(b.recv(&mut buf).unwrap(), Some(3));
    assert_eq!(buf[..3], SABME);
    assert_eq!(b.recv(&mut buf).unwrap(), Some(iframe.len()));
    assert_eq!(buf[..iframe.len()], iframe[..]);
    assert_eq!(b.recv(&mut buf).unwrap(), None);

    b.send(&[0x02, 0x01, 0x73]).unwrap(); // UA
    assert_eq!(a.recv(&mut buf).unwrap(), Some(3));
    assert_eq!(buf[..3], [0x02, 0x01, 0x73]);
    assert_eq!(a.counters().tx_frames, 2);
    assert_eq!(b.counters().rx_frames, 2);
}

#[test]
fn the_packet_is_the_frame_then_fcs_low_byte_first() {
    // Seen from a foreign tool reading the raw socket: SABME + FCS-16 (CRC-16/X.25).
    let (a, raw) = tdm::virt::pair().unwrap();
    let mut a = VirtDchan::new(a).unwrap();
    a.send(&SABME).unwrap();
    let mut buf = [0u8; 16];
    let n = std::io::Read::read(&mut &raw, &mut buf).unwrap();
    let fcs = e1::hdlc::fcs16(&SABME).to_le_bytes();
    assert_eq!(buf[..n], [SABME[0], SABME[1], SABME[2], fcs[0], fcs[1]]);
    // CRC-16/X.25 check value of "123456789" is 0x906E: the same FCS the wire uses.
    assert_eq!(e1::hdlc::fcs16(b"123456789"), 0x906E);
}

#[test]
fn a_frame_with_a_bad_fcs_is_dropped_and_counted() {
    let (mut a, mut b) = VirtDchan::pair().unwrap();
    let mut pkt = SABME.to_vec();
    e1::hdlc::append_fcs(&mut pkt);
    let last = pkt.len() - 1;
    pkt[last] ^= 0x01;
    a.send_raw(&pkt).unwrap();
    a.send_raw(&[0x02]).unwrap(); // too short to carry an FCS
    a.send(&SABME).unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(
        b.recv(&mut buf).unwrap(),
        Some(3),
        "the good frame after them"
    );
    assert_eq!(b.recv(&mut buf).unwrap(), None);
    let c = b.counters();
    assert_eq!((c.rx_frames, c.bad_fcs, c.too_short), (1, 1, 1));
}

#[test]
fn listen_connect_on_a_path_and_close_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dchan.sock");
    let l = Listener::bind(&path).unwrap();
    let mut c = VirtDchan::connect(&path).unwrap();
    let mut s = VirtDchan::new(l.accept().unwrap()).unwrap();
    c.send(&SABME).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(s.recv(&mut buf).unwrap(), Some(3));
    let mut small = [0u8; 2];
    c.send(&SABME).unwrap();
    assert!(matches!(
        s.recv(&mut small),
        Err(VirtError::BufferTooSmall { need: 3, got: 2 })
    ));
    drop(c);
    assert!(matches!(s.recv(&mut buf), Err(VirtError::Closed)));
}

#[test]
fn the_known_vector_for_sabme_is_on_the_wire() {
    let (a, raw) = tdm::virt::pair().unwrap();
    let mut a = VirtDchan::new(a).unwrap();
    a.send(&SABME).unwrap();
    let mut buf = [0u8; 16];
    let n = std::io::Read::read(&mut &raw, &mut buf).unwrap();
    assert_eq!(buf[..n], [0x02, 0x01, 0x7F, 0xDC, 0xE1]);
}

/// The Python peer of docs/virtual-lines.md attaches to our listener.
#[test]
fn a_foreign_python_peer_attaches_as_documented() {
    let doc = include_str!("../../../docs/virtual-lines.md");
    let start = doc.find("```python\n").expect("python block") + "```python\n".len();
    let script = &doc[start..start + doc[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.sock");
    let l = Listener::bind(&path).unwrap();
    let child = match std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("python3 not available ({e}); skipping");
            return;
        }
    };
    let mut s = VirtDchan::new(l.accept().unwrap()).unwrap();
    let mut buf = [0u8; 64];
    let t0 = std::time::Instant::now();
    let n = loop {
        if let Some(n) = s.recv(&mut buf).unwrap() {
            break n;
        }
        assert!(t0.elapsed().as_secs() < 5, "no SABME from the script");
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert_eq!(buf[..n], SABME);
    s.send(&[0x02, 0x01, 0x73]).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "frame 020173");
    assert_eq!(s.counters().bad_fcs, 0);
}
