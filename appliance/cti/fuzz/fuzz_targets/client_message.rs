//! Arbitrary bytes as a client frame: the parser never panics, and whatever parses goes
//! through the model (as an agent and as a supervisor) without panicking.
#![no_main]

use std::time::Duration;

use cti::{AgentId, ClientMessage, Cti, DeviceId, Principal, Role, ServerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = ClientMessage::parse(data) else {
        return;
    };
    let mut m = Cti::new();
    for a in ["2001", "2002"] {
        let _ = m.add_agent(AgentId::new(a), DeviceId::new(a), Duration::from_secs(5));
    }
    let _ = m.add_queue(DeviceId::new("701"));
    let now = tdm::Instant::from_millis(1);
    for role in [Role::Agent, Role::Supervisor] {
        let p = Principal { agent: AgentId::new("2001"), role };
        let out = m.handle_request(now, &p, msg.invoke_id, msg.request.clone());
        let text = ServerMessage::response(msg.invoke_id, out).emit();
        assert!(ServerMessage::parse(text.as_bytes()).is_ok());
        while m.poll_transmit().is_some() {}
        while m.poll_event().is_some() {}
    }
});
