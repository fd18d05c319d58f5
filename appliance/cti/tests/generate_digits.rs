//! GenerateDigits: DTMF on a connected call only, valid digits only.
mod common;
use common::*;
use cti::*;

#[test]
fn generate_digits() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    b.take_commands();
    b.req(
        &agent("2001"),
        ServiceRequest::GenerateDigits {
            connection_to_send_digits: conn(1, "2001"),
            char_to_send: "12#*AD".into(),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::SendDigits {
            leg: LegId(11),
            digits: "12#*AD".into()
        })]
    );
    for bad in ["", "12x", "E", &"1".repeat(33)] {
        assert_eq!(
            b.req(
                &agent("2001"),
                ServiceRequest::GenerateDigits {
                    connection_to_send_digits: conn(1, "2001"),
                    char_to_send: bad.to_owned()
                }
            ),
            Err(CstaError::InvalidDigits),
            "{bad:?}"
        );
    }
    b.hap(Happening::Held { leg: LegId(11) });
    assert_eq!(
        b.req(
            &agent("2001"),
            ServiceRequest::GenerateDigits {
                connection_to_send_digits: conn(1, "2001"),
                char_to_send: "1".into()
            }
        ),
        Err(CstaError::InvalidObjectState)
    );
    assert_eq!(
        b.req(
            &agent("2001"),
            ServiceRequest::GenerateDigits {
                connection_to_send_digits: conn(9, "2001"),
                char_to_send: "1".into()
            }
        ),
        Err(CstaError::InvalidCallId)
    );
    assert!(b.take_commands().is_empty());
}
