//! Terminal bytes into the line editor and the command table: never a panic, lines stay
//! within MAX_LINE, hidden input is never echoed.
#![no_main]

use console::editor::{Editor, EditorEvent, MAX_LINE, Mode};
use console::session::COMMANDS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut ed = Editor::new();
    let hidden = data.first().is_some_and(|b| b & 1 == 1);
    let mode = if hidden { Mode::Hidden } else { Mode::Command };
    ed.start("", mode);
    let _ = ed.poll_transmit();
    let mut rest = data;
    while !rest.is_empty() {
        let n = ed.handle_input(rest, &COMMANDS);
        rest = &rest[n.max(1).min(rest.len())..];
        if hidden && let Some(out) = ed.poll_transmit() {
            assert!(out.iter().all(|b| b"\r\n\x07^C\x1b[K".contains(b)));
        }
        while let Some(ev) = ed.poll_event() {
            if let EditorEvent::Line(l) | EditorEvent::Help(l) = ev {
                assert!(l.chars().count() <= MAX_LINE);
                let _ = COMMANDS.resolve(&l);
                let _ = console::commands::help(&COMMANDS, &l);
            }
            ed.start("", mode);
        }
    }
});
