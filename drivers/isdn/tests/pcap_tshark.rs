//! Interop: a capture of a whole EuroISDN call written with `isdn::pcap` and decoded by the
//! real `tshark` (Debian package `tshark`, installed by `make deps`): every message is
//! decoded with the right message type and fields, and nothing is malformed.

use isdn::pcap::{Direction, PcapWriter};
use isdn::q931::ie::ChannelList;
use isdn::q931::ie::{
    BearerCapability, CallState, Cause, ChannelId, DateTime, Ie, Location, Notification,
    NumberingPlan, PartyNumber, PresScreen, Presentation, Progress, ProgressDescription,
    RestartClass, Screening, TypeOfNumber,
};
use isdn::q931::{CallRef, CauseValue, Message, MessageType};
use std::process::Command;
use tdm::Instant;

/// We capture on the network side of a PRI (TEI 0, SAPI 0).
const WE_ARE_NETWORK: bool = true;

/// Minimal LAPD I-frame around `info` (Q.921 §3.2-§3.4; the real codec is `isdn::q921`).
/// Commands carry C/R = 1 from the network and 0 from the user (Q.921 Table 1).
struct Lapd {
    vs: [u8; 2],
}

impl Lapd {
    fn i_frame(&mut self, from_network: bool, info: &[u8]) -> Vec<u8> {
        let (mine, theirs) = if from_network { (0, 1) } else { (1, 0) };
        let ns = self.vs[mine];
        let nr = self.vs[theirs];
        self.vs[mine] = (ns + 1) % 128;
        let sapi_cr = if from_network { 0x02 } else { 0x00 };
        let mut f = vec![sapi_cr, 0x01, ns << 1, nr << 1];
        f.extend_from_slice(info);
        f
    }
}

fn cause(v: CauseValue) -> Ie {
    Ie::Cause(Cause::new(Location::User, v))
}

/// The call: (sent by the network?, message).
fn call() -> Vec<(bool, Message)> {
    let user = CallRef::pri(0x0021, false); // allocated by the user: flag 0 from the user
    let net = user.reply();
    let called = PartyNumber::new(TypeOfNumber::Unknown, NumberingPlan::Isdn, "5678");
    let calling = PartyNumber {
        pres_screen: Some(PresScreen {
            presentation: Presentation::Allowed,
            screening: Screening::UserNotScreened,
        }),
        ..PartyNumber::new(TypeOfNumber::National, NumberingPlan::Isdn, "0212345678")
    };
    vec![
        (
            true,
            Message::new(CallRef::global(false), MessageType::Restart)
                .with(Ie::RestartIndicator(RestartClass::AllInterfaces)),
        ),
        (
            false,
            Message::new(CallRef::global(true), MessageType::RestartAck)
                .with(Ie::RestartIndicator(RestartClass::AllInterfaces)),
        ),
        (
            false,
            Message::new(user, MessageType::Setup)
                .with(Ie::BearerCapability(BearerCapability::speech_alaw()))
                .with(Ie::ChannelId(ChannelId::pri_channel(1, false)))
                .with(Ie::CallingNumber(calling))
                .with(Ie::CalledNumber(called)),
        ),
        (
            true,
            Message::new(net, MessageType::SetupAck)
                .with(Ie::ChannelId(ChannelId::pri_channel(1, true))),
        ),
        (
            false,
            Message::new(user, MessageType::Information)
                .with(Ie::SendingComplete)
                .with(Ie::CalledNumber(PartyNumber::new(
                    TypeOfNumber::Unknown,
                    NumberingPlan::Isdn,
                    "9",
                ))),
        ),
        (true, Message::new(net, MessageType::CallProceeding)),
        (
            true,
            Message::new(net, MessageType::Progress).with(Ie::Progress(Progress {
                coding_standard: 0,
                location: Location::PrivateLocal,
                description: ProgressDescription::InbandAvailable,
            })),
        ),
        (true, Message::new(net, MessageType::Alerting)),
        (
            true,
            Message::new(net, MessageType::Notify).with(Ie::Notification(Notification {
                description: 0x79,
                extra: vec![],
            })),
        ),
        (
            true,
            Message::new(net, MessageType::Facility)
                // Remote operations protocol: invoke id 1, operation 0 (QSIG callingName),
                // argument namePresentationAllowedSimple "Alice" (ECMA-164).
                .with(Ie::Facility(
                    [
                        0x91, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05,
                    ]
                    .iter()
                    .chain(b"Alice")
                    .copied()
                    .collect(),
                )),
        ),
        (
            true,
            Message::new(net, MessageType::Connect)
                .with(Ie::DateTime(DateTime {
                    year: 26,
                    month: 11,
                    day: 24,
                    hour: Some(14),
                    minute: Some(35),
                    second: None,
                }))
                .with(Ie::ConnectedNumber(PartyNumber::new(
                    TypeOfNumber::Unknown,
                    NumberingPlan::Isdn,
                    "56789",
                ))),
        ),
        (false, Message::new(user, MessageType::ConnectAck)),
        (false, Message::new(user, MessageType::StatusEnquiry)),
        (
            true,
            Message::new(net, MessageType::Status)
                .with(cause(CauseValue::RESPONSE_TO_STATUS_ENQUIRY))
                .with(Ie::CallState(CallState {
                    coding_standard: 0,
                    state: 10,
                })),
        ),
        (
            true,
            Message::new(net, MessageType::Information).with(Ie::Display(b"Queue 3".to_vec())),
        ),
        (
            false,
            Message::new(user, MessageType::Disconnect).with(cause(CauseValue::NORMAL_CLEARING)),
        ),
        (
            true,
            Message::new(net, MessageType::Release).with(cause(CauseValue::NORMAL_CLEARING)),
        ),
        (false, Message::new(user, MessageType::ReleaseComplete)),
    ]
}

fn tshark(args: &[&str]) -> String {
    let out = match Command::new("tshark").args(args).output() {
        Ok(o) => o,
        Err(e) => {
            panic!("cannot run tshark ({e}); install it with `make deps` (Debian package tshark)")
        }
    };
    assert!(
        out.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tshark_decodes_a_whole_call_without_malformed_packets() {
    let msgs = call();
    let mut w = PcapWriter::new(Vec::new(), WE_ARE_NETWORK, 1_795_000_000_000_000).unwrap();
    let mut lapd = Lapd { vs: [0, 0] };
    for (i, (from_network, m)) in msgs.iter().enumerate() {
        let dir = if *from_network == WE_ARE_NETWORK {
            Direction::Sent
        } else {
            Direction::Received
        };
        let frame = lapd.i_frame(*from_network, &m.to_vec().unwrap());
        w.write_frame(Instant::from_millis(20 * i as u64), dir, &frame)
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.pcap");
    std::fs::write(&path, w.into_inner()).unwrap();
    let file = path.to_str().unwrap();

    // One line per packet: message type, called digits, cause value.
    let fields = tshark(&[
        "-r",
        file,
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "q931.message_type",
        "-e",
        "q931.called_party_number.digits",
        "-e",
        "q931.cause_value",
        "-e",
        "q931.calling_party_number.digits",
    ]);
    let lines: Vec<&str> = fields.lines().collect();
    assert_eq!(lines.len(), msgs.len(), "{fields}");
    for ((_, m), line) in msgs.iter().zip(&lines) {
        let cols: Vec<&str> = line.split('|').collect();
        let ty = u8::from_str_radix(cols[0].trim_start_matches("0x"), 16)
            .unwrap_or_else(|_| panic!("no message type in {line:?}"));
        assert_eq!(ty, m.kind.to_u8(), "{line}");
        let digits = m.called_number().map_or("", |n| n.digits.as_str());
        assert_eq!(cols[1], digits, "called digits of {:?}: {line}", m.kind);
        let cause = m.cause().map_or(String::new(), |c| c.value.0.to_string());
        assert_eq!(cols[2], cause, "cause of {:?}: {line}", m.kind);
    }
    assert_eq!(lines[2].split('|').nth(3), Some("0212345678"));

    // Nothing malformed, no expert info at warning level or above (0x00600000 = warning).
    let malformed = tshark(&[
        "-r",
        file,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x00600000",
    ]);
    assert!(
        malformed.trim().is_empty(),
        "malformed or erroneous packets:\n{malformed}"
    );

    // The verbose decode names every message.
    let verbose = tshark(&["-r", file, "-V"]);
    for (_, m) in &msgs {
        let name = m.kind.name().unwrap();
        let want = format!("Message type: {name} (0x{:02x})", m.kind.to_u8());
        assert!(verbose.contains(&want), "tshark -V lacks {want:?}");
    }
    assert!(verbose.contains("Q.931"));
    assert!(!verbose.contains("Malformed"), "{verbose}");
}

/// The messages of `tests/data/q931_vectors.hex`.
fn vector_file() -> Vec<Vec<u8>> {
    include_str!("data/q931_vectors.hex")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").replace(' ', ""))
        .filter(|l| !l.is_empty())
        .map(|l| {
            (0..l.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect()
}

/// The tshark fields compared, and how we compute each from our parse.
const FIELDS: &[&str] = &[
    "q931.message_type",
    "q931.information_transfer_capability",
    "q931.uil1",
    "q931.channel.exclusive",
    "q931.channel.number",
    "q931.presentation_ind",
    "q931.screening_ind",
    "q931.progress_indicator.description",
    "q931.progress_indicator.location",
    "q931.restart_indicator",
    "q931.call_state",
    "q931.extension.reason",
    "q931.called_party_number.digits",
    "q931.calling_party_number.digits",
    "q931.redirecting_number.digits",
    "q931.date_time",
    "q931.cause_value",
    "q931.cause_location",
    "q931.display_information",
];

fn ours(m: &Message) -> Vec<String> {
    let hex = |v: u8| format!("0x{v:02x}");
    let mut f = vec![String::new(); FIELDS.len()];
    f[0] = hex(m.kind.to_u8());
    for ie in &m.ies {
        match ie {
            Ie::BearerCapability(b) => {
                f[1] = hex(b.capability.to_u8());
                f[2] = b.layer1.map(|l| hex(l.to_u8())).unwrap_or_default();
            }
            Ie::ChannelId(c) => {
                f[3] = u8::from(c.exclusive).to_string();
                if let Some(ChannelList::Numbers(n)) = &c.channels {
                    f[4] = n.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
                }
            }
            Ie::CallingNumber(n) | Ie::ConnectedNumber(n) | Ie::RedirectingNumber(n) => {
                if let Some(ps) = n.pres_screen {
                    f[5] = hex(ps.presentation.to_u8());
                    f[6] = hex(ps.screening.to_u8());
                }
                if let Some(r) = n.reason {
                    f[11] = hex(r.to_u8());
                }
                if let Ie::CallingNumber(_) = ie {
                    f[13].clone_from(&n.digits);
                }
                if let Ie::RedirectingNumber(_) = ie {
                    f[14].clone_from(&n.digits);
                }
            }
            Ie::Progress(p) => {
                f[7] = hex(p.description.to_u8());
                f[8] = hex(p.location.to_u8());
            }
            Ie::RestartIndicator(c) => f[9] = hex(c.to_u8()),
            Ie::CallState(s) => f[10] = hex(s.state),
            Ie::CalledNumber(n) => f[12].clone_from(&n.digits),
            Ie::DateTime(t) => {
                let mut b = vec![t.year, t.month, t.day];
                b.extend(t.hour.iter().chain(&t.minute).chain(&t.second));
                f[15] = b.iter().map(|x| format!("{x:02x}")).collect();
            }
            Ie::Cause(c) => {
                f[16] = c.value.0.to_string();
                f[17] = c.location.to_u8().to_string();
            }
            Ie::Display(d) => f[18] = String::from_utf8(d.clone()).unwrap(),
            _ => {}
        }
    }
    f
}

#[test]
fn tshark_agrees_with_our_decode_of_the_known_vectors() {
    let vectors = vector_file();
    let mut w = PcapWriter::new(Vec::new(), WE_ARE_NETWORK, 0).unwrap();
    let mut lapd = Lapd { vs: [0, 0] };
    for (i, b) in vectors.iter().enumerate() {
        let frame = lapd.i_frame(false, b);
        w.write_frame(Instant::from_millis(i as u64), Direction::Received, &frame)
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vectors.pcap");
    std::fs::write(&path, w.into_inner()).unwrap();
    let file = path.to_str().unwrap();
    let mut args = vec!["-r", file, "-T", "fields", "-E", "separator=|"];
    for f in FIELDS {
        args.extend(["-e", f]);
    }
    let out = tshark(&args);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), vectors.len(), "{out}");
    for (b, line) in vectors.iter().zip(&lines) {
        let m = Message::parse(b).unwrap();
        let theirs: Vec<&str> = line.split('|').collect();
        for ((name, t), o) in FIELDS.iter().zip(&theirs).zip(ours(&m)) {
            assert_eq!(*t, o, "{name} of {b:02X?}");
        }
    }
    let bad = tshark(&[
        "-r",
        file,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x00600000",
    ]);
    assert!(
        bad.trim().is_empty(),
        "malformed or erroneous packets:\n{bad}"
    );
}
