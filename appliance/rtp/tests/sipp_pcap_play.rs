//! Interop: real RTP from sipp (Debian `sip-tester`) into our receive session over loopback.
//!
//! sipp's built-in `uac_pcap` scenario calls a sipp UAS whose SDP answer points the media
//! at our UDP socket; the UAC then plays `/usr/share/sip-tester/g711a.pcap` (about 7 s of
//! PCMA in 30 ms packets) and `dtmf_2833_1.pcap` (an RFC 4733 digit '1', with another
//! SSRC and three identical end packets). A bounded std::net loop drives the sans-IO
//! session with the wall clock. Checks: symmetric RTP latches onto sipp's media port, the
//! audio stream validates and plays continuously: the samples played are, chunk for chunk,
//! the G.711 decoding of the packets in the pcap file (read here independently), apart from
//! the 1 ms chunks the jitter buffer skips while it settles; and the digit comes out as '1'.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant as WallInstant};

use media_dsp::g711::Law;
use rtp::session::{Event, Session, SessionConfig};
use tdm::Instant;

const UAS: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="UAS answering with the rtp test's port">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=rtp-test 1 1 IN IP4 127.0.0.1
      s=-
      c=IN IP4 127.0.0.1
      t=0 0
      m=audio MEDIAPORT RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000

    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
"#;

/// The audio of sipp's g711a.pcap (Ethernet/IPv4/UDP/RTP, PCMA), decoded, in 8-sample
/// chunks, read straight from the file.
fn pcap_audio() -> Vec<[i16; 8]> {
    let d = std::fs::read("/usr/share/sip-tester/g711a.pcap").unwrap();
    assert_eq!(&d[..4], &0xa1b2_c3d4u32.to_le_bytes());
    assert_eq!(d[20], 1, "Ethernet link type");
    let mut off = 24;
    let mut pcm = Vec::new();
    while off + 16 <= d.len() {
        let len = u32::from_le_bytes(d[off + 8..off + 12].try_into().unwrap()) as usize;
        let rtp = &d[off + 16 + 42..off + 16 + len];
        let payload = &rtp[12..];
        let mut out = vec![0i16; payload.len()];
        Law::Alaw.decode(payload, &mut out);
        pcm.extend_from_slice(&out);
        off += 16 + len;
    }
    pcm.chunks_exact(8).map(|c| c.try_into().unwrap()).collect()
}

/// What [`compare`] found.
#[derive(Debug)]
struct Comparison {
    /// Reference chunk where playback was anchored (the first non-constant chunk played).
    anchor: usize,
    /// Reference chunk after the last one matched.
    end: usize,
    /// Played chunks equal to their reference chunk.
    matched: usize,
    /// Reference chunks not played exactly: skipped by the jitter buffer, or cross-faded
    /// by the PLC after a chunk it inserted (a later played chunk matched the reference
    /// again, up to 7 chunks on).
    skipped: usize,
    /// Played chunks matching neither (concealment, inserted chunks, noise).
    other: usize,
}

/// Walks the played chunks against the reference. A chunk matches the next reference
/// chunk, or one a few chunks on (chunks skipped or smoothed in between); playback is anchored
/// at the first distinctive (non-constant) reference chunk played.
fn compare(played: &[[i16; 8]], reference: &[[i16; 8]]) -> Comparison {
    let distinctive = |c: &[i16; 8]| c.iter().any(|&x| x != c[0]);
    let mut j = None;
    let mut anchor = 0;
    let (mut matched, mut skipped, mut other) = (0, 0, 0);
    for c in played {
        match j {
            None => {
                j = reference
                    .iter()
                    .position(|r| distinctive(r) && r == c)
                    .map(|k| {
                        matched += 1;
                        anchor = k;
                        k + 1
                    });
            }
            Some(k) if k >= reference.len() => break,
            Some(k) if reference[k] == *c => {
                matched += 1;
                j = Some(k + 1);
            }
            Some(k) => match reference[k + 1..(k + 8).min(reference.len())]
                .iter()
                .position(|r| r == c)
            {
                // Back in step a few chunks on: those between were skipped, or played
                // cross-faded after an inserted chunk.
                Some(pos) => {
                    matched += 1;
                    skipped += pos + 1;
                    j = Some(k + pos + 2);
                }
                None => other += 1,
            },
        }
    }
    Comparison {
        anchor,
        end: j.unwrap_or(0),
        matched,
        skipped,
        other,
    }
}

/// A free loopback UDP port (bound and released; sipp binds it right after).
fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Killer(Child);

impl Drop for Killer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sipp_uac_pcap_audio_and_digit_reach_our_session() {
    assert!(
        Command::new("sipp").arg("-v").output().is_ok(),
        "sipp not installed (Debian sip-tester, `make deps`)"
    );
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    sock.set_read_timeout(Some(Duration::from_millis(2)))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("uas.xml"),
        UAS.replace("MEDIAPORT", &port.to_string()),
    )
    .unwrap();
    // uac_pcap opens "pcap/g711a.pcap" relative to its working directory.
    std::os::unix::fs::symlink("/usr/share/sip-tester", dir.path().join("pcap")).unwrap();
    let (uas_port, uac_port) = (free_port(), free_port());
    let quiet = || Stdio::null();
    let _uas = Killer(
        Command::new("sipp")
            .current_dir(dir.path())
            .args(["-sf", "uas.xml", "-i", "127.0.0.1", "-p"])
            .arg(uas_port.to_string())
            .args(["-m", "1", "-nostdin", "-timeout", "25s"])
            .stdout(quiet())
            .stderr(quiet())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let mut uac = Killer(
        Command::new("sipp")
            .current_dir(dir.path())
            .args(["-sn", "uac_pcap"])
            .arg(format!("127.0.0.1:{uas_port}"))
            .args(["-i", "127.0.0.1", "-p"])
            .arg(uac_port.to_string())
            .args(["-m", "1", "-nostdin", "-timeout", "25s"])
            .stdout(quiet())
            .stderr(quiet())
            .spawn()
            .unwrap(),
    );

    let mut s = Session::new(
        Instant::ZERO,
        SessionConfig {
            seed: 42,
            ..SessionConfig::default()
        },
    );
    let start = WallInstant::now();
    let now = || Instant::from_micros(start.elapsed().as_micros() as u64);
    let mut buf = [0u8; 2048];
    let mut events = Vec::new();
    let mut pulled_ms = 0u64;
    let mut out = Vec::new();
    let mut uac_done: Option<WallInstant> = None;
    // Bounded: 25 s at most, or 1 s after the UAC has hung up.
    while start.elapsed() < Duration::from_secs(25)
        && uac_done.is_none_or(|t| t.elapsed() < Duration::from_secs(1))
    {
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            let _ = s.handle_input(now(), &buf[..n], from);
        }
        let t = now();
        if s.poll_timeout().is_some_and(|d| d <= t) {
            s.handle_timeout(t);
        }
        while pulled_ms < t.as_millis() {
            let mut chunk = [0i16; 8];
            s.pull_chunk(&mut chunk);
            out.extend_from_slice(&chunk);
            pulled_ms += 1;
        }
        while s.poll_transmit(t, &mut buf).is_some() {}
        while let Some(e) = s.poll_event() {
            events.push(e);
        }
        if uac_done.is_none() && uac.0.try_wait().unwrap().is_some() {
            uac_done = Some(WallInstant::now());
        }
    }
    let status = uac.0.wait().unwrap();
    assert!(status.success(), "sipp uac_pcap failed: {status}");

    assert!(
        matches!(events.first(), Some(Event::Latched { addr }) if addr.ip().is_loopback()),
        "{events:?}"
    );
    let digits: Vec<char> = events
        .iter()
        .filter_map(|e| match e {
            Event::Digit { digit, .. } => Some(*digit),
            _ => None,
        })
        .collect();
    assert_eq!(digits, ['1'], "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::SsrcChanged { .. })),
        "the DTMF pcap has its own SSRC: {events:?}"
    );

    let js = s.jitter_stats();
    let st = s.stats();
    eprintln!("{st:?}\n{js:?}");
    // g711a.pcap: about 230 packets of 30 ms; loopback loses none.
    assert!(st.rtp_received >= 200, "{st:?}");
    // Loopback loses nothing; the loop runs on the wall clock of a shared machine, so a
    // scheduling stall may make a packet or two late (the bit-exact walk below bounds it).
    assert!(js.late <= 3, "{js:?}");
    assert!(
        js.played_chunks >= 200 * 30 && js.concealed_chunks <= js.played_chunks / 50,
        "{js:?}"
    );
    let loud = out
        .chunks(8)
        .filter(|c| c.iter().any(|x| x.abs() > 500))
        .count();
    assert!(loud >= 1000, "only {loud} ms of audible audio");
    let reference = pcap_audio();
    let played: Vec<[i16; 8]> = out.chunks_exact(8).map(|c| c.try_into().unwrap()).collect();
    let c = compare(&played, &reference);
    eprintln!("{} reference chunks: {c:?}", reference.len());
    // Played to the end of the recording; every chunk from the anchor on was either played
    // bit-exactly or skipped while the buffer settled; nothing else was played.
    assert_eq!(c.end, reference.len(), "{c:?}");
    assert_eq!(c.matched + c.skipped, c.end - c.anchor, "{c:?}");
    assert!(c.skipped <= 50 && c.other <= 20, "{c:?}");
    // The anchor: the recording's leading constant chunks, or the first packet, which is
    // spent on source validation (A.1 probation): 30 chunks.
    let leading = reference
        .iter()
        .take_while(|r| r.iter().all(|&x| x == r[0]))
        .count();
    assert!(
        c.anchor <= leading.max(30) + 30,
        "{c:?}, {leading} leading constant chunks"
    );
}

/// The comparison itself: skipped chunks, inserted and cross-faded chunks, back to back.
#[test]
fn comparison_follows_skips_and_insertions() {
    let reference: Vec<[i16; 8]> = (0..100i16).map(|k| [k, 1, 2, 3, 4, 5, 6, 7]).collect();
    let odd = [-1i16; 8];
    let mut played: Vec<[i16; 8]> = vec![[0; 8]; 5]; // leading silence
    played.extend_from_slice(&reference[3..30]);
    played.extend_from_slice(&[odd, odd]); // inserted, then reference[30] cross-faded
    played.extend_from_slice(&[odd, odd]); // and again with reference[31]
    played.extend_from_slice(&reference[32..50]);
    played.extend_from_slice(&reference[51..]); // reference[50] skipped
    let c = compare(&played, &reference);
    assert_eq!((c.anchor, c.end), (3, 100), "{c:?}");
    assert_eq!((c.skipped, c.other), (3, 4), "{c:?}");
    assert_eq!(c.matched + c.skipped, c.end - c.anchor);
}
