//! SIP trunks to providers: the store's trunk settings turned into the user agent's
//! [`TrunkConfig`] (outbound proxy, transport, registration), the TCP connections the
//! daemon opens itself toward a trunk on TCP, and the trunk registration state reported in
//! the log and in /metrics (`appliance_sip_trunk_registered`,
//! `appliance_sip_trunk_registrations`); the control API's `/status` (and so the console's
//! `show sip`) asks the user agent directly.
//!
//! Not here: DNS (the host, or the outbound proxy when one is set, must be an IP address),
//! TLS, and TCP connection reuse across trunks beyond one connection per address.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ::sip::ua::{TrunkConfig, TrunkRef};
use store::config::SipTrunkConfig;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tracing::{info, warn};

use crate::calls::{Engine, ToEngine};
use crate::metrics::{TrunkLabels, TrunkResultLabels};
use crate::sipside::{SipEv, serve_tcp};

/// Where a trunk's requests go: the outbound proxy when one is set, else the host; `None`
/// when that is no IP address (the trunk is then not used).
pub(crate) fn next_hop(t: &SipTrunkConfig) -> Option<IpAddr> {
    t.outbound_proxy
        .as_deref()
        .unwrap_or(&t.host)
        .parse::<IpAddr>()
        .ok()
}

/// How long opening a TCP connection to a trunk may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The user agent's trunk for a stored one: requests go to the outbound proxy when one is
/// set (else to the host), on the trunk's port and transport; the host is the provider's
/// domain (Request-URI and To/From host). `None` (with a warning) when the address to send
/// to is no IP address.
pub(crate) fn trunk_config(t: &SipTrunkConfig) -> Option<TrunkConfig> {
    let Some(ip) = next_hop(t) else {
        let host = t.outbound_proxy.as_deref().unwrap_or(&t.host);
        warn!(trunk = %t.name, %host, "SIP trunk skipped: host (or outbound proxy) must be an IP address (no DNS yet)");
        return None;
    };
    let mut tc = TrunkConfig::new(
        &t.name,
        SocketAddr::new(ip, t.port),
        &t.host,
        t.username.as_deref().unwrap_or(""),
        t.password.as_deref().unwrap_or(""),
    );
    tc.register = t.register;
    // A trusted provider gets the caller's number in P-Asserted-Identity (RFC 3325).
    tc.assert_identity = t.caller_id.send_restricted;
    tc.transport = match t.transport {
        store::config::Transport::Tcp => ::sip::ua::Transport::Tcp,
        _ => ::sip::ua::Transport::Udp,
    };
    // Calls from the provider may come from its host as well as from the proxy.
    if let Ok(host) = t.host.parse::<IpAddr>()
        && host != ip
    {
        tc.peers.push(host);
    }
    Some(tc)
}

/// Opens a TCP connection to `to` in the background (RFC 3261 §18.1.1: the client opens
/// it when there is none); returns its writer at once: bytes sent before the connection is
/// up wait in it. The connection then works like an accepted one; a failure to connect is
/// reported as a closed connection.
pub(crate) fn connect(
    to: SocketAddr,
    engine: mpsc::UnboundedSender<ToEngine>,
) -> mpsc::UnboundedSender<Vec<u8>> {
    let (tx, rx) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(to)).await {
            Ok(Ok(conn)) => {
                info!(peer = %to, "sip tcp connection opened");
                serve_tcp(conn, to, rx, engine).await;
            }
            Ok(Err(e)) => {
                warn!(peer = %to, "sip tcp connect: {e}");
                let _ = engine.send(ToEngine::Sip(SipEv::Conn {
                    peer: to,
                    writer: None,
                }));
            }
            Err(_) => {
                warn!(peer = %to, "sip tcp connect: timed out");
                let _ = engine.send(ToEngine::Sip(SipEv::Conn {
                    peer: to,
                    writer: None,
                }));
            }
        }
    });
    tx
}

/// A trunk registration ended: `expires` granted (registered) or the final `status` of a
/// failed attempt.
pub(crate) fn registered(e: &mut Engine, trunk: TrunkRef, expires: Option<u32>, status: u16) {
    let Some(name) = e
        .sip_mut()
        .and_then(|s| s.trunk_name(trunk))
        .map(str::to_owned)
    else {
        return;
    };
    let m = e.metrics();
    let label = TrunkLabels {
        trunk: name.clone(),
    };
    let result = match expires {
        Some(expires) => {
            info!(trunk = %name, expires, "sip trunk registered");
            m.sip_trunk_registered.get_or_create(&label).set(1);
            "ok"
        }
        None => {
            warn!(trunk = %name, status, "sip trunk registration failed");
            m.sip_trunk_registered.get_or_create(&label).set(0);
            "failed"
        }
    };
    m.sip_trunk_registrations
        .get_or_create(&TrunkResultLabels {
            trunk: name,
            result: result.to_owned(),
        })
        .inc();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunk(host: &str, proxy: Option<&str>) -> SipTrunkConfig {
        SipTrunkConfig {
            name: "provider".into(),
            host: host.into(),
            port: 5060,
            transport: store::config::Transport::Tcp,
            username: Some("acme".into()),
            password: Some("secret".into()),
            register: true,
            outbound_proxy: proxy.map(Into::into),
            max_channels: 30,
            enabled: true,
            caller_id: Default::default(),
        }
    }

    #[test]
    fn requests_go_to_the_outbound_proxy_and_calls_may_also_come_from_the_host() {
        let tc = trunk_config(&trunk("192.0.2.10", Some("192.0.2.20"))).unwrap();
        assert_eq!(tc.proxy, "192.0.2.20:5060".parse().unwrap());
        assert_eq!(tc.domain, "192.0.2.10");
        assert_eq!(tc.peers, ["192.0.2.10".parse::<IpAddr>().unwrap()]);
        assert_eq!(tc.transport, ::sip::ua::Transport::Tcp);
        assert!(tc.register);
        // Without a proxy the host is the next hop and no second peer is added.
        let tc = trunk_config(&trunk("192.0.2.10", None)).unwrap();
        assert_eq!(tc.proxy, "192.0.2.10:5060".parse().unwrap());
        assert!(tc.peers.is_empty());
    }

    #[test]
    fn a_trunk_named_by_a_dns_name_is_skipped() {
        assert!(trunk_config(&trunk("sip.example.net", None)).is_none());
        assert!(trunk_config(&trunk("192.0.2.10", Some("proxy.example.net"))).is_none());
    }
}
