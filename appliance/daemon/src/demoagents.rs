//! Demo only (`--demo-agents`): simulated agents, so `make demo` shows the whole call-center
//! flow without people.
//!
//! Each simulated agent is what a real one is from the box's side: a SIP phone and a CTI
//! client. The phone is the sip crate's [`Ua`] over a loopback UDP socket of its own,
//! registered (digest auth) with the daemon as the agent's extension through a trunk
//! entry pointing at the daemon's SIP address; the CTI client is the same
//! [`web_admin::CtiBackend`] the panel's WebSocket uses, with the agent's own principal: once
//! the phone is registered it logs on and goes Ready (SetAgentState). When the ACD offers it
//! a call the phone rings for [`Options::ring`], answers, talks for a while (between
//! [`Options::talk_min`] and [`Options::talk_max`], no audio sent) and hangs up; the
//! wrap-up ends by itself (the CTI model's timer) and the agent is Ready again.
//!
//! It runs on a thread of its own with its own runtime: a CTI request waits for the call
//! engine's answer, which must not hold up the daemon's runtime. It is "outside the box"
//! like the simulated carrier ([`crate::carrier`]): it shares nothing with the engine but
//! the SIP socket address and the CTI backend.
//!
//! What this is not: a test of anything (the tests drive sipp phones and a WebSocket
//! client); no audio, no transfers, no not-ready breaks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ::sip::sdp::{Codec, Direction, LocalMedia};
use ::sip::ua::{CallRef, Transport, TrunkConfig, Ua, UaConfig, UaEvent};
use acd::SplitMix64;
use tokio::net::UdpSocket;
use tracing::{info, warn};
use web_admin::CtiBackend;

use crate::clock::Clock;

/// Settings of the simulated agents.
pub(crate) struct Options {
    /// The daemon's SIP address.
    pub(crate) sip: SocketAddr,
    /// Agent numbers (each also a SIP account with password `demo<number>`).
    pub(crate) agents: Vec<String>,
    /// The CTI backend.
    pub(crate) cti: Arc<dyn CtiBackend>,
    /// How long a phone rings before it answers.
    pub(crate) ring: Duration,
    /// Shortest talk time.
    pub(crate) talk_min: Duration,
    /// Longest talk time.
    pub(crate) talk_max: Duration,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("agents", &self.agents)
            .finish_non_exhaustive()
    }
}

/// Starts the simulated agents on a thread of their own (they live until the process exits).
///
/// # Errors
/// The thread could not be started.
pub(crate) fn start(o: Options) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("demo-agents".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    warn!(target: "demo_agents", "runtime: {e}");
                    return;
                }
            };
            rt.block_on(async move {
                let o = Arc::new(o);
                let mut tasks = Vec::new();
                for (i, a) in o.agents.iter().enumerate() {
                    tasks.push(tokio::spawn(agent(Arc::clone(&o), a.clone(), i)));
                }
                for t in tasks {
                    let _ = t.await;
                }
            });
        })?;
    Ok(())
}

fn media(port: u16) -> LocalMedia {
    LocalMedia {
        addr: "127.0.0.1".into(),
        port,
        codecs: vec![Codec::Pcma, Codec::Pcmu],
        telephone_event_pt: Some(101),
        ptime: 20,
        direction: Direction::SendRecv,
    }
}

fn set_state(o: &Options, who: &cti::Principal, state: cti::RequestedAgentState) -> bool {
    let req = cti::ServiceRequest::SetAgentState {
        agent: who.agent.clone(),
        requested_agent_state: state,
    };
    match o.cti.request(who, cti::InvokeId(0), req) {
        Ok(_) => {
            info!(target: "demo_agents", agent = %who.agent.0, ?state, "simulated agent: CTI SetAgentState");
            true
        }
        Err(e) => {
            warn!(target: "demo_agents", agent = %who.agent.0, ?state, "simulated agent: CTI refused: {e}");
            false
        }
    }
}

/// One simulated agent: its phone's event loop.
async fn agent(o: Arc<Options>, number: String, index: usize) {
    let clock = Clock::new();
    let (sock, rtp) = match (
        UdpSocket::bind("127.0.0.1:0").await,
        std::net::UdpSocket::bind("127.0.0.1:0"),
    ) {
        (Ok(s), Ok(r)) => (s, r),
        (Err(e), _) | (_, Err(e)) => {
            warn!(target: "demo_agents", agent = %number, "socket: {e}");
            return;
        }
    };
    let (Ok(local), Ok(rtp_addr)) = (sock.local_addr(), rtp.local_addr()) else {
        return;
    };
    let mut cfg = UaConfig::new(local);
    cfg.seed = u64::try_from(Clock::wall_now().0).unwrap_or(1) ^ (index as u64) << 48;
    cfg.user_agent = format!("appliance-demo-agent/{number}");
    let mut trunk = TrunkConfig::new(
        "pbx",
        o.sip,
        &o.sip.ip().to_string(),
        &number,
        &format!("demo{number}"),
    );
    trunk.keepalive = None;
    trunk.retry_base = Duration::from_secs(2);
    trunk.retry_max = Duration::from_secs(10);
    cfg.trunks = vec![trunk];
    let mut ua = Ua::new(cfg);
    let who = cti::Principal {
        agent: cti::AgentId::new(&number),
        role: cti::Role::Agent,
    };
    let mut logged_on = false;
    let mut call: Option<CallRef> = None;
    let mut answer_at: Option<tdm::Instant> = None;
    let mut hangup_at: Option<tdm::Instant> = None;
    // Talk times: seeded per agent, so a demo run repeats its mix.
    let mut talk_rng = SplitMix64::new(index as u64);
    let mut buf = vec![0u8; 65_535];
    // A registration kick: the UA registers on its first timeout.
    ua.handle_timeout(clock.now());
    loop {
        while let Some(t) = ua.poll_transmit() {
            if let Err(e) = sock.send_to(&t.bytes, t.to).await {
                warn!(target: "demo_agents", agent = %number, "send: {e}");
            }
        }
        let now = clock.now();
        while let Some(ev) = ua.poll_event() {
            match ev {
                UaEvent::TrunkRegistered { .. } if !logged_on => {
                    info!(target: "demo_agents", agent = %number, "simulated agent: phone registered");
                    // Logged on already (a restart of the demo with a kept database) is fine.
                    let _ = set_state(&o, &who, cti::RequestedAgentState::LoggedOn);
                    logged_on = set_state(&o, &who, cti::RequestedAgentState::Ready);
                }
                UaEvent::Incoming {
                    call: c, calling, ..
                } if call.is_none() => {
                    info!(target: "demo_agents", agent = %number, from = %calling, "simulated agent: ringing");
                    if ua.ringing(now, c, None).is_ok() {
                        call = Some(c);
                        answer_at = Some(now + o.ring);
                    }
                }
                UaEvent::Incoming { call: c, .. } => {
                    let _ = ua.reject(now, c, 486);
                }
                UaEvent::Hangup { call: c, reason } if Some(c) == call => {
                    info!(target: "demo_agents", agent = %number, ?reason, "simulated agent: call ended");
                    call = None;
                    answer_at = None;
                    hangup_at = None;
                }
                _ => {}
            }
        }
        if let (Some(c), Some(at)) = (call, answer_at)
            && now >= at
        {
            answer_at = None;
            match ua.answer(now, c, media(rtp_addr.port())) {
                Ok(_) => {
                    let span = o.talk_max.saturating_sub(o.talk_min).as_millis();
                    let extra = u64::try_from(span).unwrap_or(0);
                    let jitter = if extra == 0 { 0 } else { talk_rng.below(extra) };
                    let talk = o.talk_min + Duration::from_millis(jitter);
                    info!(target: "demo_agents", agent = %number, talk_ms = talk.as_millis(), "simulated agent: answered");
                    hangup_at = Some(now + talk);
                }
                Err(e) => {
                    warn!(target: "demo_agents", agent = %number, "answer: {e}");
                    call = None;
                }
            }
            continue;
        }
        if let (Some(c), Some(at)) = (call, hangup_at)
            && now >= at
        {
            hangup_at = None;
            info!(target: "demo_agents", agent = %number, "simulated agent: hanging up");
            // The call is over for the agent once its BYE is out: the user agent reports no
            // Hangup for its own BYE, and a phone still holding the call would answer every
            // later offer with 486.
            let _ = ua.hangup(now, c);
            call = None;
            info!(target: "demo_agents", agent = %number, "simulated agent: call ended");
            continue;
        }
        let next = [ua.poll_timeout(), answer_at, hangup_at]
            .into_iter()
            .flatten()
            .min();
        let wait = next
            .map_or(Duration::from_secs(1), |t| t.saturating_duration_since(now))
            .min(Duration::from_secs(1));
        tokio::select! {
            r = sock.recv_from(&mut buf) => match r {
                Ok((n, from)) => ua.handle_datagram(clock.now(), Transport::Udp, from, &buf[..n]),
                Err(e) => warn!(target: "demo_agents", agent = %number, "recv: {e}"),
            },
            () = tokio::time::sleep(wait) => {}
        }
        let now = clock.now();
        if ua.poll_timeout().is_some_and(|t| t <= now) {
            ua.handle_timeout(now);
        }
    }
}
