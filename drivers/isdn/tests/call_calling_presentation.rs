//! Calling-number presentation (Q.931 §4.5.10, octet 3a of the Calling party number IE):
//! `SetupParams::calling_pres` goes into the SETUP, the far end reports it in
//! `Event::IncomingCall::calling_pres`; a restricted call without a number sends the IE
//! with no digits. The SETUP our stack put on the line is decoded by the real tshark
//! (Debian package `tshark`), which must read presentation "restricted" and the screening
//! indicator we set. Our `Pri` NT against our `Pri` TE in simulated time.

mod call_pair;

use std::process::Command;
use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{Event, SetupParams};
use isdn::pcap::{Direction, PcapWriter};
use isdn::q931::MessageType;
use isdn::q931::ie::{Ie, PresScreen, Presentation, Screening};
use tdm::Instant;

const MS: Duration = Duration::from_millis(50);

const RESTRICTED: PresScreen = PresScreen {
    presentation: Presentation::Restricted,
    screening: Screening::UserVerifiedPassed,
};

fn call(calling: Option<&str>, pres: Option<PresScreen>) -> Pair {
    let mut p = Pair::new(11);
    p.up();
    let now = p.now;
    let params = SetupParams {
        calling: calling.map(str::to_owned),
        calling_pres: pres,
        ..SetupParams::speech("5678")
    };
    p.te.setup(now, params).unwrap();
    p.run_for(MS);
    p
}

fn incoming(p: &Pair) -> (Option<String>, Option<PresScreen>) {
    p.events(Side::Nt)
        .iter()
        .find_map(|e| match e {
            Event::IncomingCall {
                calling,
                calling_pres,
                ..
            } => Some((calling.clone(), *calling_pres)),
            _ => None,
        })
        .expect("IncomingCall at the NT")
}

#[test]
fn restricted_number_is_presented_restricted() {
    let p = call(Some("0215550100"), Some(RESTRICTED));
    assert_eq!(
        incoming(&p),
        (Some("0215550100".to_owned()), Some(RESTRICTED))
    );
}

#[test]
fn allowed_by_default_without_octet_3a() {
    let p = call(Some("1001"), None);
    assert_eq!(incoming(&p), (Some("1001".to_owned()), None));
}

#[test]
fn restricted_without_a_number_sends_the_ie_with_no_digits() {
    let p = call(None, Some(RESTRICTED));
    assert_eq!(incoming(&p), (None, Some(RESTRICTED)));
    let setup = p
        .q931
        .iter()
        .find(|x| x.1 == Side::Te && x.2.kind == MessageType::Setup)
        .expect("SETUP");
    assert!(setup.2.ies.iter().any(
        |ie| matches!(ie, Ie::CallingNumber(n) if n.digits.is_empty() && n.pres_screen == Some(RESTRICTED))
    ));
}

#[test]
fn tshark_reads_presentation_restricted_in_our_setup() {
    let p = call(Some("0215550100"), Some(RESTRICTED));
    let setup = &p
        .q931
        .iter()
        .find(|x| x.1 == Side::Te && x.2.kind == MessageType::Setup)
        .expect("SETUP")
        .2;
    // A LAPD I frame from the user (C/R 0, TEI 0, N(S) 0 N(R) 0) around the SETUP.
    let mut frame = vec![0x00, 0x01, 0x00, 0x00];
    frame.extend_from_slice(&setup.to_vec().unwrap());
    let mut w = PcapWriter::new(Vec::new(), true, 1_795_000_000_000_000).unwrap();
    w.write_frame(Instant::from_millis(0), Direction::Received, &frame)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("setup.pcap");
    std::fs::write(&path, w.into_inner()).unwrap();
    let out = match Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-T", "fields", "-E", "separator=|"])
        .args([
            "-e",
            "q931.message_type",
            "-e",
            "q931.calling_party_number.digits",
        ])
        .args(["-e", "q931.presentation_ind", "-e", "q931.screening_ind"])
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("cannot run tshark ({e}); Debian package tshark"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).unwrap();
    let f: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(f.len(), 4, "{line}");
    assert_eq!(f[0], "0x05", "SETUP: {line}");
    assert_eq!(f[1], "0215550100", "{line}");
    assert_eq!(f[2], "0x01", "presentation restricted: {line}");
    assert_eq!(f[3], "0x01", "user-provided, verified and passed: {line}");
}
