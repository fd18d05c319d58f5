//! PROGRESS and NOTIFY against the real libpri 1.6, both ways and both roles: libpri's
//! `pri_progress` / `pri_progress_with_cause` / `pri_notify` reach our user as
//! `Event::Progress` / `Event::Notify` with the indicator libpri put in, and what we send
//! with `Calls::progress` / `Calls::notify` comes out of libpri as `PRI_EVENT_PROGRESS`
//! (progress mask) and `PRI_EVENT_NOTIFY` (notification description). FACILITY is only
//! tested ours against ours (`call_passthrough.rs`): libpri emits and accepts FACILITY only
//! for the ROSE operations it implements itself.

use isdn::call::{CallId, ChannelRequest, Event, SetupParams};
use isdn::q931::ie::{Location, Notification, Progress, ProgressDescription};
use isdn::q931::{CauseValue, Role};

mod libpri;
use libpri::SERIAL;
use libpri::session::{LIMIT, Session};

/// libpri's progress mask bit for "in-band information available" (`PRI_PROG_INBAND_AVAILABLE`).
const PRI_PROG_INBAND_AVAILABLE: u32 = 1 << 3;

/// An incomplete SETUP from us that libpri (overlap dialling on) holds in overlap receiving:
/// a call libpri is the called side of, not answered, so it can send PROGRESS.
fn held_call(role: Role) -> (Session, CallId) {
    let mut s = Session::new(role);
    s.command("overlap");
    s.bring_up();
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(6),
        sending_complete: false,
        ..SetupParams::speech("77")
    };
    let call = s.pri.setup(now, params).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::SetupAcknowledged { call })
    });
    assert!(ok, "no SETUP ACKNOWLEDGE:\n{}", s.report());
    (s, call)
}

fn libpri_sends_progress_and_notify(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (mut s, call) = held_call(role);
    s.command("progress");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::Progress { call: c, .. } if *c == call))
    });
    assert!(ok, "no PROGRESS from pri_progress:\n{}", s.report());
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
    let ok = s.run_until(LIMIT, |s| {
        s.events.iter().any(|e| {
            matches!(e, Event::Progress { call: c, cause: Some(CauseValue::USER_BUSY), progress }
                if *c == call && progress.description == ProgressDescription::InbandAvailable)
        })
    });
    assert!(ok, "no PROGRESS with cause 17:\n{}", s.report());
    s.command("notify 121");
    let ok = s.run_until(LIMIT, |s| {
        s.events.iter().any(|e| {
            matches!(e, Event::Notify { call: c, notification } if *c == call && notification.description == 0x79)
        })
    });
    assert!(ok, "no NOTIFY remote hold from pri_notify:\n{}", s.report());
}

fn we_send_progress_and_notify(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    // libpri calls us; we hold the call in Call received and tell libpri about progress.
    s.command("call 4711 5");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::IncomingCall { .. }))
    });
    assert!(ok, "no incoming call:\n{}", s.report());
    let call = s
        .find_event(|e| match e {
            Event::IncomingCall { call, .. } => Some(*call),
            _ => None,
        })
        .unwrap();
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
    let ok = s.run_until(LIMIT, |s| {
        s.peer_lines.iter().any(|l| {
            l.strip_prefix("EVENT PRI_EVENT_PROGRESS progressmask=")
                .and_then(|r| r.split(' ').next())
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m & PRI_PROG_INBAND_AVAILABLE != 0)
        })
    });
    assert!(
        ok,
        "libpri saw no PROGRESS with in-band available:\n{}",
        s.report()
    );
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
    let ok = s.run_until(LIMIT, |s| s.peer_said("EVENT PRI_EVENT_NOTIFY info=121"));
    assert!(ok, "libpri saw no NOTIFY remote hold:\n{}", s.report());
}

/// libpri's ALERTING with a progress indicator (`pri_acknowledge(.., info = 1)`): our user
/// gets `Alerting`, then `Progress` with in-band information available.
fn libpri_alerting_with_progress(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (mut s, call) = held_call(role);
    s.command("alertpi");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::Progress { call: c, .. } if *c == call))
    });
    assert!(ok, "no progress from ALERTING:\n{}", s.report());
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
