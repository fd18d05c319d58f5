//! Caller ID towards a SIP provider through the real daemon: the SIP trunk's stored caller-ID
//! rule (store v14) and its P-Asserted-Identity flag, and an extension's own outbound
//! number and default presentation. A sipp phone (digest auth) dials `0215550199`; the
//! demo's rule `0.` sends it to trunk group `carrier`, whose only member here is a SIP
//! trunk to a sipp provider on 127.0.0.2. Each provider scenario checks the INVITE's From,
//! `Privacy` and `P-Asserted-Identity` (RFC 3323, RFC 3325 §9.1) and fails the call when
//! one is wrong; the phone's scenario passes only when the provider answered and the BYE
//! went through.
//!
//! | test | trunk rule | trusted (PAI) | caller | provider checks |
//! |---|---|---|---|---|
//! | prefix | prefix 555 | yes | 1001 | From 5551001, PAI 5551001, no Privacy |
//! | fixed | fixed 5550000 | no | 1001 | From 5550000 (not 1001), no PAI |
//! | withheld, trusted | pass | yes | 1002 (restricted, own 5551002) | anonymous From, Privacy: id, PAI 5551002 |
//! | withheld, untrusted | pass | no | 1002 (restricted, own 5551002) | anonymous From, Privacy: id, no PAI, no number |

mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::sipp::{SIPP, finish, free_port, scenario};
use nix::sys::signal::Signal;
use store::config::{
    CallerIdMode, ExtensionCallerId, Presentation, SipTrunkConfig, Transport, TrunkCallerId,
    TrunkGroupConfig, TrunkRef,
};

/// A sipp provider on 127.0.0.2:`port` running `xml`.
fn provider(xml: &str, port: u16) -> (Child, UdpSocket) {
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("provider rtp");
    let child = Command::new(SIPP)
        .args(["-sf", &scenario(xml)])
        .args(["-i", "127.0.0.2", "-p", &port.to_string()])
        .args([
            "-key",
            "rtp_port",
            &rtp.local_addr().unwrap().port().to_string(),
        ])
        // `-m 2`: the trunk's OPTIONS keep-alive counts as a call (answered by `-aa`).
        .args([
            "-aa",
            "-nostdin",
            "-m",
            "2",
            "-timeout",
            "30",
            "-timeout_error",
        ])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipp provider");
    (child, rtp)
}

/// The demo with trunk group `carrier` = one SIP trunk to 127.0.0.2:`port` with caller-ID
/// rule `cid`; extension 1002 withholds its number and has its own number 5551002.
fn seeded_with_trunk(port: u16, cid: TrunkCallerId) -> (tempfile::TempDir, std::path::PathBuf) {
    e2e::seeded(|st| {
        let ctx = store::CommandContext {
            actor: "test",
            ts: store::Timestamp::from_secs(1_700_000_001),
        };
        let id = st
            .execute(
                ctx,
                &store::Command::CreateSipTrunk(SipTrunkConfig {
                    name: "provider".into(),
                    host: "127.0.0.2".into(),
                    port,
                    transport: Transport::Udp,
                    username: None,
                    password: None,
                    register: false,
                    outbound_proxy: None,
                    max_channels: 4,
                    enabled: true,
                    caller_id: cid,
                }),
            )
            .expect("trunk")
            .id;
        let group = st
            .trunk_groups()
            .expect("groups")
            .into_iter()
            .find(|g| g.config.name == "carrier")
            .expect("group");
        st.execute(
            ctx,
            &store::Command::UpdateTrunkGroup {
                id: group.id,
                config: TrunkGroupConfig {
                    name: "carrier".into(),
                    members: vec![TrunkRef::SipTrunk(id)],
                },
            },
        )
        .expect("group update");
        let mut e = st.extension_by_number("1002").expect("read").expect("1002");
        e.config.caller_id = ExtensionCallerId {
            number: Some("5551002".into()),
            presentation: Presentation::Restricted,
        };
        st.execute(
            ctx,
            &store::Command::UpdateExtension {
                id: e.id,
                config: e.config,
            },
        )
        .expect("extension update");
    })
}

/// Phone `user` calls 0215550199 out over the SIP trunk (rule `cid`); the provider runs
/// `xml`, which fails the call if the INVITE's caller ID is wrong.
fn call_out(user: &str, cid: TrunkCallerId, xml: &str) {
    if !e2e::have_sipp() {
        return;
    }
    // One call at a time: four daemons and eight sipps at once on a loaded 2-core box
    // raced for free ports and missed the log deadline.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let port = free_port();
    let (prov, _prov_rtp) = provider(xml, port);
    let (dir, data) = seeded_with_trunk(port, cid);
    let (mut d, sip) = e2e::start(dir, data);
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let p = e2e::sipp(
        &sip,
        "call_auth.xml",
        user,
        "0215550199",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &[],
    );
    d.wait_log(&["INVITE sent"]);
    finish(
        p,
        &format!("phone {user} out over the SIP trunk ({xml})"),
        Duration::from_secs(25),
    );
    // The provider answered only because its checks passed (a failed check aborts its call
    // unanswered, and the phone's scenario fails above).
    let mut prov = prov;
    let _ = prov.kill();
    let _ = prov.wait();
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}

fn cid(mode: CallerIdMode, number: &str, trusted: bool) -> TrunkCallerId {
    TrunkCallerId {
        mode,
        number: number.into(),
        send_restricted: trusted,
    }
}

#[test]
fn prefix_rule_in_from_and_the_number_asserted_to_a_trusted_provider() {
    call_out(
        "1001",
        cid(CallerIdMode::Prefix, "555", true),
        "provider_uas_cid_prefix.xml",
    );
}

#[test]
fn fixed_rule_sends_the_company_number_and_no_assertion_when_untrusted() {
    call_out(
        "1001",
        cid(CallerIdMode::Fixed, "5550000", false),
        "provider_uas_cid_fixed.xml",
    );
}

#[test]
fn a_withholding_extension_is_anonymous_with_its_own_number_asserted_to_a_trusted_provider() {
    call_out(
        "1002",
        cid(CallerIdMode::Pass, "", true),
        "provider_uas_cid_withheld_pai.xml",
    );
}

#[test]
fn a_withholding_extension_is_anonymous_without_any_number_to_an_untrusted_provider() {
    call_out(
        "1002",
        cid(CallerIdMode::Pass, "", false),
        "provider_uas_cid_withheld_untrusted.xml",
    );
}
