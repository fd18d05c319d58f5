//! PROGRESS and NOTIFY against the real libpri 1.6, both ways and both roles: libpri's
//! `pri_progress` / `pri_progress_with_cause` / `pri_notify` reach our user as
//! `Event::Progress` / `Event::Notify` with the indicator libpri put in, and what we send
//! with `Calls::progress` / `Calls::notify` comes out of libpri as `PRI_EVENT_PROGRESS`
//! (progress mask) and `PRI_EVENT_NOTIFY` (notification description). FACILITY is only
//! tested ours against ours (`call_passthrough.rs`): libpri emits and accepts FACILITY only
//! for the ROSE operations it implements itself.

use isdn::call::{CallId, ChannelRequest, Event, SetupParams};
use isdn::q931::ie::{Location, Notification, Progress, ProgressDescription};
use isdn::q931::{CauseValue, Role, Variant};

mod libpri;
use libpri::session::Session;

/// libpri's progress mask bit for "in-band information available" (`PRI_PROG_INBAND_AVAILABLE`).
const PRI_PROG_INBAND_AVAILABLE: u32 = 1 << 3;

/// An incomplete SETUP from us that libpri (overlap dialling on) holds in overlap receiving:
/// a call libpri is the called side of, not answered, so it can send PROGRESS.
fn held_call(role: Role) -> (Session, CallId) {
    let mut s = Session::serial(role, Variant::EuroIsdn);
    s.command("overlap");
    s.bring_up();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(6),
        sending_complete: false,
        ..SetupParams::speech("77")
    };
    let call = s.call_until_setup_ack(params, "");
    (s, call)
}

fn libpri_sends_progress_and_notify(role: Role) {
    let (mut s, call) = held_call(role);
    s.command("progress");
    s.expect("no PROGRESS from pri_progress", |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::Progress { call: c, .. } if *c == call))
    });
    let first = s
        .find_event(|e| match e {
            Event::Progress {
                progress, cause, ..
            } => Some((*progress, *cause)),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (first.0.description, first.1),
        (ProgressDescription::InbandAvailable, None),
        "{}",
        s.report()
    );
    s.command("progress 17");
    s.expect("no PROGRESS with cause 17", |s| {
        s.events.iter().any(|e| {
            matches!(e, Event::Progress { call: c, cause: Some(CauseValue::USER_BUSY), progress }
                if *c == call && progress.description == ProgressDescription::InbandAvailable)
        })
    });
    s.command("notify 121");
    s.expect("no NOTIFY remote hold from pri_notify", |s| {
        s.events.iter().any(|e| {
            matches!(e, Event::Notify { call: c, notification } if *c == call && notification.description == 0x79)
        })
    });
}

fn we_send_progress_and_notify(role: Role) {
    let mut s = Session::serial(role, Variant::EuroIsdn);
    s.bring_up();
    // libpri calls us; we hold the call in Call received and tell libpri about progress.
    s.command("call 4711 5");
    let call = s.incoming_call().call;
    let now = s.now();
    s.pri.proceeding(now, call).unwrap();
    s.pri.alerting(now, call).unwrap();
    let inband = Progress {
        coding_standard: 0,
        location: Location::PrivateLocal,
        description: ProgressDescription::InbandAvailable,
    };
    s.pri
        .with_calls(now, |cc, _| cc.progress(call, inband, None))
        .unwrap();
    s.expect("libpri saw no PROGRESS with in-band available", |s| {
        s.peer_lines.iter().any(|l| {
            l.strip_prefix("EVENT PRI_EVENT_PROGRESS progressmask=")
                .and_then(|r| r.split(' ').next())
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m & PRI_PROG_INBAND_AVAILABLE != 0)
        })
    });
    let now = s.now();
    s.pri
        .with_calls(now, |cc, _| {
            cc.notify(
                call,
                Notification {
                    description: 0x79,
                    extra: Vec::new(),
                },
            )
        })
        .unwrap();
    s.expect("libpri saw no NOTIFY remote hold", |s| {
        s.peer_said("EVENT PRI_EVENT_NOTIFY info=121")
    });
}

/// libpri's ALERTING with a progress indicator (`pri_acknowledge(.., info = 1)`): our user
/// gets `Alerting`, then `Progress` with in-band information available.
fn libpri_alerting_with_progress(role: Role) {
    let (mut s, call) = held_call(role);
    s.command("alertpi");
    s.expect("no progress from ALERTING", |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::Progress { call: c, .. } if *c == call))
    });
    let alerting = s.events.iter().position(|e| *e == Event::Alerting { call });
    let progress = s.events.iter().position(|e| {
        matches!(e, Event::Progress { call: c, progress, cause: None }
            if *c == call && progress.description == ProgressDescription::InbandAvailable)
    });
    assert!(
        alerting.is_some() && progress.is_some() && alerting < progress,
        "{}",
        s.report()
    );
}

#[test]
fn libpri_nt_alerting_with_progress_reaches_our_te() {
    libpri_alerting_with_progress(Role::User);
}

#[test]
fn libpri_te_alerting_with_progress_reaches_our_nt() {
    libpri_alerting_with_progress(Role::Network);
}

#[test]
fn libpri_nt_progress_and_notify_reach_our_te() {
    libpri_sends_progress_and_notify(Role::User);
}

#[test]
fn libpri_te_progress_and_notify_reach_our_nt() {
    libpri_sends_progress_and_notify(Role::Network);
}

#[test]
fn our_nt_progress_and_notify_reach_libpri_te() {
    we_send_progress_and_notify(Role::Network);
}

#[test]
fn our_te_progress_and_notify_reach_libpri_nt() {
    we_send_progress_and_notify(Role::User);
}
