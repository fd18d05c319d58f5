//! Caller-ID FSK receiver: demodulator plus message assembly.

use super::{CallerId, CidError, MAX_MESSAGE_LEN, Message};
use crate::fsk::{FskDemodulator, FskStandard, UartEvent};

/// Mark bits the receiver needs before a character to take it as a message type. The
/// seizure's alternating bits frame as back-to-back characters with no mark between them,
/// and both standards send at least 55 ms (66 bits) of mark before the message.
pub const MIN_MARK_BITS: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assembly {
    Hunting,
    Length,
    Body { total: usize },
}

/// Receives caller-ID messages from FSK samples in blocks of any size.
#[derive(Debug, Clone)]
pub struct CidRx {
    demod: FskDemodulator,
    state: Assembly,
    buf: [u8; MAX_MESSAGE_LEN],
    len: usize,
}

impl CidRx {
    /// A receiver for `standard`.
    #[must_use]
    pub fn new(standard: FskStandard) -> Self {
        Self {
            demod: FskDemodulator::new(standard),
            state: Assembly::Hunting,
            buf: [0; MAX_MESSAGE_LEN],
            len: 0,
        }
    }

    /// Processes `samples`; calls `on_message` once per message, as soon as its checksum
    /// byte is in: the caller ID, or why the message was rejected (bad checksum, framing
    /// error or carrier loss inside it, a field breaking its rule, another message type).
    pub fn process(
        &mut self,
        samples: &[i16],
        mut on_message: impl FnMut(Result<CallerId, CidError>),
    ) {
        let Self {
            demod,
            state,
            buf,
            len,
        } = self;
        demod.process(samples, |ev| {
            if let Some(r) = assemble(state, buf, len, ev) {
                on_message(r);
            }
        });
    }

    /// Whether the carrier detector is on.
    #[must_use]
    pub fn carrier(&self) -> bool {
        self.demod.carrier()
    }
}

fn assemble(
    state: &mut Assembly,
    buf: &mut [u8; MAX_MESSAGE_LEN],
    len: &mut usize,
    ev: UartEvent,
) -> Option<Result<CallerId, CidError>> {
    match (*state, ev) {
        (Assembly::Hunting, UartEvent::Byte { value, idle_bits }) => {
            if idle_bits >= MIN_MARK_BITS {
                buf[0] = value;
                *len = 1;
                *state = Assembly::Length;
            }
            None
        }
        (Assembly::Hunting, _) => None,
        (Assembly::Length, UartEvent::Byte { value, .. }) => {
            buf[1] = value;
            *len = 2;
            *state = Assembly::Body {
                total: 3 + usize::from(value),
            };
            None
        }
        (Assembly::Body { total }, UartEvent::Byte { value, .. }) => {
            buf[*len] = value;
            *len += 1;
            if *len < total {
                return None;
            }
            *state = Assembly::Hunting;
            Some(Message::new_checked(&buf[..total]).and_then(|m| CallerId::parse(&m)))
        }
        (_, UartEvent::FramingError) => {
            *state = Assembly::Hunting;
            Some(Err(CidError::Framing))
        }
        (_, UartEvent::CarrierLost) => {
            *state = Assembly::Hunting;
            Some(Err(CidError::CarrierLost))
        }
    }
}
