//! Properties of the line editor over arbitrary terminal input: no panic, lines within
//! MAX_LINE, hidden input never echoed, every finished line resolves or is refused with a
//! typed error (never a panic) by the command table.

use console::editor::{Editor, EditorEvent, MAX_LINE, Mode};
use console::session::COMMANDS;
use proptest::prelude::*;

fn drive(mode: Mode, input: &[u8]) -> (Vec<EditorEvent>, Vec<u8>) {
    let mut ed = Editor::new();
    ed.start("", mode);
    let _ = ed.poll_transmit();
    let (mut events, mut out) = (Vec::new(), Vec::new());
    let mut rest = input;
    // Each pass takes at least one byte: bounded by the input length.
    while !rest.is_empty() {
        let n = ed.handle_input(rest, &COMMANDS);
        rest = &rest[n.max(1).min(rest.len())..];
        out.extend(ed.poll_transmit().unwrap_or_default());
        while let Some(ev) = ed.poll_event() {
            events.push(ev);
            ed.start("", mode);
        }
    }
    (events, out)
}

/// Bytes that matter to the editor, mixed with printable text and UTF-8.
fn terminal_bytes() -> impl Strategy<Value = Vec<u8>> {
    let special = prop::sample::select(vec![
        b"\r".to_vec(),
        b"\n".to_vec(),
        b"\x7f".to_vec(),
        b"\x15".to_vec(),
        b"\x03".to_vec(),
        b"\x04".to_vec(),
        b"\t".to_vec(),
        b"?".to_vec(),
        b"\x1b[A".to_vec(),
        b"\x1b[B".to_vec(),
        b"\x1b[C".to_vec(),
        b"\x1b[D".to_vec(),
        b"\x1b[3~".to_vec(),
        b"\x1b[".to_vec(),
        "技".as_bytes().to_vec(),
        b"show ".to_vec(),
    ]);
    let any = prop::collection::vec(any::<u8>(), 0..8);
    prop::collection::vec(prop_oneof![special, any], 0..64).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn command_mode_never_panics_and_lines_resolve(input in terminal_bytes()) {
        let (events, _) = drive(Mode::Command, &input);
        for ev in events {
            if let EditorEvent::Line(l) | EditorEvent::Help(l) = ev {
                prop_assert!(l.chars().count() <= MAX_LINE);
                let _ = COMMANDS.resolve(&l);
                let _ = console::commands::help(&COMMANDS, &l);
            }
        }
    }

    #[test]
    fn hidden_input_is_never_echoed(secret in "[a-zA-Z0-9!-~]{1,40}") {
        let mut input = secret.into_bytes();
        input.extend_from_slice(b"\x1b[D\x7f\x1b[C\r");
        let (events, out) = drive(Mode::Hidden, &input);
        prop_assert_eq!(out, b"\r\n".to_vec());
        prop_assert_eq!(events.len(), 1);
    }

    #[test]
    fn plain_text_comes_back_as_typed(text in "[ -~&&[^?]]{0,100}") {
        let mut input = text.clone().into_bytes();
        input.push(b'\r');
        let (events, _) = drive(Mode::Plain, &input);
        prop_assert_eq!(events, vec![EditorEvent::Line(text)]);
    }
}
