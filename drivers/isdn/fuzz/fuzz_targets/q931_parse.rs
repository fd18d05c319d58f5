//! Q.931: the view, the representation and the §5.8 check never panic on any input, and
//! whatever parses re-emits to bytes that parse to the same message.
#![no_main]

use isdn::q931::validate::{Context, check_bytes};
use isdn::q931::{Message, MessageView, Role, Variant};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first octet picks the context; the rest is the message.
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    if let Ok(v) = MessageView::new_checked(bytes) {
        let _ = (v.call_ref(), v.message_type(), v.ies().count());
    }
    if let Ok(m) = Message::parse(bytes) {
        let again = m.to_vec().expect("a parsed message emits");
        assert_eq!(
            Message::parse(&again).as_ref(),
            Ok(&m),
            "parse(emit(parse(b))) != parse(b)"
        );
    }
    let ctx = Context {
        variant: if sel & 1 == 0 {
            Variant::EuroIsdn
        } else {
            Variant::Qsig
        },
        role: if sel & 2 == 0 {
            Role::User
        } else {
            Role::Network
        },
        call_known: sel & 4 != 0,
    };
    let (m, action) = check_bytes(bytes, &ctx);
    if let Some(m) = m
        && let Some(r) = action.response(m.call_ref, ctx.role, sel >> 3)
    {
        let _ = r.to_vec().expect("a response emits");
    }
});
