//! Interop: real RTP from sipp (Debian `sip-tester`) into our receive session over loopback.
//!
//! sipp's built-in `uac_pcap` scenario calls a sipp UAS whose SDP answer points the media
//! at our UDP socket; the UAC then plays `/usr/share/sip-tester/g711a.pcap` (about 7 s of
//! PCMA in 30 ms packets) and `dtmf_2833_1.pcap` (an RFC 4733 digit '1', with another
//! SSRC and three identical end packets). A bounded std::net loop drives the sans-IO
//! session with the wall clock. Checks: symmetric RTP latches onto sipp's media port, the
//! audio stream validates and plays continuously (no loss, almost no concealment), and
//! the digit comes out as '1'.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant as WallInstant};

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
    assert_eq!(js.late, 0, "{js:?}");
    assert!(
        js.played_chunks >= 200 * 30 && js.concealed_chunks <= js.played_chunks / 50,
        "{js:?}"
    );
    let loud = out
        .chunks(8)
        .filter(|c| c.iter().any(|x| x.abs() > 500))
        .count();
    assert!(loud >= 1000, "only {loud} ms of audible audio");
}
