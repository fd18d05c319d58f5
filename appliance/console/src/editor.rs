//! A sans-IO line editor for a VT100-style serial terminal: bytes from the terminal go in
//! through [`Editor::handle_input`], bytes to echo come out of [`Editor::poll_transmit`], and
//! finished lines, help requests and interrupts come out of [`Editor::poll_event`].
//!
//! Keys: printable characters (UTF-8) insert at the cursor; Backspace (DEL or BS) deletes
//! left of it; Delete (`ESC [ 3 ~`) deletes under it; Ctrl-U deletes from the start of the
//! line to the cursor; Left/Right (`ESC [ D`/`ESC [ C`, also `ESC O D/C`), Ctrl-A/Ctrl-E
//! (and Home/End) move; Up/Down walk the history; Tab completes the word at the cursor
//! through a [`Complete`]r; `?` asks for help ([`EditorEvent::Help`]); Enter (CR, LF or CRLF)
//! ends the line; Ctrl-C abandons it; Ctrl-D on an empty line is end of input.
//!
//! Hidden input (passwords) echoes nothing and keeps no history; `?` is then an ordinary
//! character.
//!
//! It does no I/O and reads no clock: the tests feed it bytes and read back what a terminal
//! would have been sent.

use std::collections::VecDeque;

/// Longest line accepted, in characters; further input is refused with a bell.
pub const MAX_LINE: usize = 512;
/// Lines kept in the history.
pub const HISTORY_LEN: usize = 100;

/// How the line being typed is shown and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Echoed, remembered in the history, `?` asks for help, Tab completes.
    Command,
    /// Echoed, not remembered; `?` and Tab are ordinary characters (user names, answers).
    Plain,
    /// Not echoed, not remembered (passwords).
    Hidden,
}

/// What the editor reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorEvent {
    /// Enter was pressed: the line (the editor waits for [`Editor::start`] before taking
    /// more input into a new line).
    Line(String),
    /// `?` was typed (command mode): help for the text left of the cursor. The editor has
    /// moved to a new line; print the help, then call [`Editor::redraw`].
    Help(String),
    /// Ctrl-C: the line was abandoned.
    Interrupt,
    /// Ctrl-D on an empty line.
    Eof,
}

/// Completes the word at the cursor: given the text left of the cursor, the full words that
/// may stand in place of its last (possibly empty) word.
pub trait Complete {
    /// Candidates for the last word of `before_cursor`.
    fn complete(&self, before_cursor: &str) -> Vec<String>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    /// ESC seen.
    Start,
    /// `ESC [` or `ESC O`, with the numeric parameter so far.
    Seq(u16),
}

/// The editor's state; see the [module docs](self).
#[derive(Debug)]
pub struct Editor {
    prompt: String,
    mode: Mode,
    line: Vec<char>,
    cursor: usize,
    history: Vec<String>,
    /// Index into `history` while walking it; `None` = the line being typed.
    walk: Option<usize>,
    /// The line being typed, kept while walking the history.
    draft: Vec<char>,
    esc: Esc,
    utf8: Vec<u8>,
    last_cr: bool,
    /// No line is open (after Enter, before the next `start`).
    idle: bool,
    out: Vec<u8>,
    events: VecDeque<EditorEvent>,
}

impl Default for Editor {
    fn default() -> Self {
        Self::new()
    }
}

impl Editor {
    /// An idle editor with an empty history.
    #[must_use]
    pub fn new() -> Self {
        Self {
            prompt: String::new(),
            mode: Mode::Command,
            line: Vec::new(),
            cursor: 0,
            history: Vec::new(),
            walk: None,
            draft: Vec::new(),
            esc: Esc::None,
            utf8: Vec::new(),
            last_cr: false,
            idle: true,
            out: Vec::new(),
            events: VecDeque::new(),
        }
    }

    /// Opens a new, empty line: writes `prompt` and takes input in `mode`.
    pub fn start(&mut self, prompt: &str, mode: Mode) {
        prompt.clone_into(&mut self.prompt);
        self.mode = mode;
        self.line.clear();
        self.cursor = 0;
        self.walk = None;
        self.draft.clear();
        self.esc = Esc::None;
        self.idle = false;
        self.out.extend_from_slice(prompt.as_bytes());
    }

    /// Stops taking input (bytes are dropped until the next [`Self::start`]).
    pub fn stop(&mut self) {
        self.idle = true;
    }

    /// Rewrites the prompt and the line on the current terminal line, cursor in place.
    pub fn redraw(&mut self) {
        self.out.extend_from_slice(b"\r");
        self.out.extend_from_slice(self.prompt.as_bytes());
        if self.mode != Mode::Hidden {
            let text: String = self.line.iter().collect();
            self.out.extend_from_slice(text.as_bytes());
            self.out.extend_from_slice(b"\x1b[K");
            self.back(self.line.len() - self.cursor);
        } else {
            self.out.extend_from_slice(b"\x1b[K");
        }
    }

    /// Lines in the history, oldest first.
    #[must_use]
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Takes the bytes to send to the terminal, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.out.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.out))
        }
    }

    /// Queues text for the terminal as is (the caller's own output between lines).
    pub fn write(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    /// The next event, if any. Call after each [`Self::handle_input`].
    #[must_use]
    pub fn poll_event(&mut self) -> Option<EditorEvent> {
        self.events.pop_front()
    }

    /// Feeds bytes received from the terminal; returns how many were taken. Input stops
    /// after a line ends (Enter, Ctrl-C, Ctrl-D): feed the rest after [`Self::start`] opened
    /// the next line. Bytes fed while no line is open are dropped (and counted as taken).
    pub fn handle_input(&mut self, bytes: &[u8], completer: &dyn Complete) -> usize {
        for (i, &b) in bytes.iter().enumerate() {
            let cr = self.last_cr;
            self.last_cr = b == b'\r';
            if self.idle {
                continue;
            }
            self.byte(b, cr, completer);
            if self.idle {
                return i + 1;
            }
        }
        bytes.len()
    }

    fn byte(&mut self, b: u8, cr: bool, completer: &dyn Complete) {
        {
            match self.esc {
                Esc::Start => {
                    self.esc = if b == b'[' || b == b'O' {
                        Esc::Seq(0)
                    } else {
                        Esc::None
                    };
                    return;
                }
                Esc::Seq(n) => {
                    if b.is_ascii_digit() {
                        self.esc =
                            Esc::Seq(n.saturating_mul(10).saturating_add(u16::from(b - b'0')));
                    } else if b == b';' {
                        // Modifier parameters are ignored.
                    } else {
                        self.esc = Esc::None;
                        self.escape(b, n);
                    }
                    return;
                }
                Esc::None => {}
            }
            match b {
                0x1b => self.esc = Esc::Start,
                b'\n' if cr => {}
                b'\r' | b'\n' => self.enter(),
                0x7f | 0x08 => self.backspace(),
                0x15 => self.kill_to_start(),
                0x03 => {
                    self.out.extend_from_slice(b"^C\r\n");
                    self.line.clear();
                    self.cursor = 0;
                    self.idle = true;
                    self.events.push_back(EditorEvent::Interrupt);
                }
                0x04 => {
                    if self.line.is_empty() {
                        self.idle = true;
                        self.events.push_back(EditorEvent::Eof);
                    }
                }
                0x01 => self.home(),
                0x05 => self.end(),
                b'\t' if self.mode == Mode::Command => self.complete(completer),
                b'?' if self.mode == Mode::Command => {
                    let before: String = self.line[..self.cursor].iter().collect();
                    self.out.extend_from_slice(b"?\r\n");
                    self.events.push_back(EditorEvent::Help(before));
                }
                _ if b < 0x20 => {}
                _ => self.utf8_byte(b),
            }
        }
    }

    fn escape(&mut self, last: u8, n: u16) {
        match (last, n) {
            (b'A', _) => self.history_step(true),
            (b'B', _) => self.history_step(false),
            (b'C', _) if self.cursor < self.line.len() => {
                self.cursor += 1;
                if self.mode != Mode::Hidden {
                    self.out.extend_from_slice(b"\x1b[C");
                }
            }
            (b'D', _) if self.cursor > 0 => {
                self.cursor -= 1;
                self.back(1);
            }
            (b'H', _) | (b'~', 1 | 7) => self.home(),
            (b'F', _) | (b'~', 4 | 8) => self.end(),
            (b'~', 3) if self.cursor < self.line.len() => {
                self.line.remove(self.cursor);
                self.redraw_tail(1);
            }
            _ => {}
        }
    }

    fn utf8_byte(&mut self, b: u8) {
        self.utf8.push(b);
        match std::str::from_utf8(&self.utf8) {
            Ok(s) => {
                let chars: Vec<char> = s.chars().collect();
                self.utf8.clear();
                for c in chars {
                    self.insert(c);
                }
            }
            Err(e) if e.error_len().is_some() || self.utf8.len() >= 4 => self.utf8.clear(),
            Err(_) => {}
        }
    }

    fn insert(&mut self, c: char) {
        if self.line.len() >= MAX_LINE {
            self.out.push(0x07);
            return;
        }
        self.line.insert(self.cursor, c);
        self.cursor += 1;
        if self.mode == Mode::Hidden {
            return;
        }
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        self.redraw_tail(0);
    }

    /// Rewrites from the cursor to the end of the line, blanks `erased` cells after it and
    /// puts the cursor back.
    fn redraw_tail(&mut self, erased: usize) {
        if self.mode == Mode::Hidden {
            return;
        }
        let tail: String = self.line[self.cursor..].iter().collect();
        let n = self.line.len() - self.cursor;
        self.out.extend_from_slice(tail.as_bytes());
        self.out.extend(std::iter::repeat_n(b' ', erased));
        self.back(n + erased);
    }

    fn back(&mut self, n: usize) {
        if n > 0 && self.mode != Mode::Hidden {
            self.out.extend_from_slice(format!("\x1b[{n}D").as_bytes());
        }
    }

    fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        self.cursor -= 1;
        self.line.remove(self.cursor);
        if self.mode != Mode::Hidden {
            self.out.push(0x08);
            self.redraw_tail(1);
        }
    }

    fn kill_to_start(&mut self) {
        self.line.drain(..self.cursor);
        self.cursor = 0;
        self.redraw();
    }

    fn home(&mut self) {
        self.back(self.cursor);
        self.cursor = 0;
    }

    fn end(&mut self) {
        let n = self.line.len() - self.cursor;
        if n > 0 && self.mode != Mode::Hidden {
            self.out.extend_from_slice(format!("\x1b[{n}C").as_bytes());
        }
        self.cursor = self.line.len();
    }

    fn enter(&mut self) {
        let text: String = self.line.iter().collect();
        self.out.extend_from_slice(b"\r\n");
        if self.mode == Mode::Command {
            let t = text.trim();
            if !t.is_empty() && self.history.last().map(String::as_str) != Some(t) {
                if self.history.len() == HISTORY_LEN {
                    self.history.remove(0);
                }
                self.history.push(t.to_owned());
            }
        }
        self.idle = true;
        self.events.push_back(EditorEvent::Line(text));
    }

    fn history_step(&mut self, older: bool) {
        if self.mode != Mode::Command || self.history.is_empty() {
            return;
        }
        let next = match (self.walk, older) {
            (None, true) => {
                self.draft = self.line.clone();
                Some(self.history.len() - 1)
            }
            (None, false) => return,
            (Some(0), true) => return,
            (Some(i), true) => Some(i - 1),
            (Some(i), false) if i + 1 < self.history.len() => Some(i + 1),
            (Some(_), false) => None,
        };
        self.walk = next;
        self.line = match next {
            Some(i) => self.history[i].chars().collect(),
            None => std::mem::take(&mut self.draft),
        };
        self.cursor = self.line.len();
        self.redraw();
    }

    fn complete(&mut self, completer: &dyn Complete) {
        let before: String = self.line[..self.cursor].iter().collect();
        let partial: String = before
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("")
            .to_owned();
        let cands = completer.complete(&before);
        let add = match cands.as_slice() {
            [] => {
                self.out.push(0x07);
                return;
            }
            [one] => format!("{} ", one.get(partial.len()..).unwrap_or("")),
            many => {
                let common = common_prefix(many);
                if common.chars().count() > partial.chars().count() {
                    common.get(partial.len()..).unwrap_or("").to_owned()
                } else {
                    self.out.extend_from_slice(b"\r\n");
                    self.out.extend_from_slice(many.join("  ").as_bytes());
                    self.out.extend_from_slice(b"\r\n");
                    self.redraw();
                    return;
                }
            }
        };
        for c in add.chars() {
            self.insert(c);
        }
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut n = first.len();
    for w in &words[1..] {
        n = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(n);
    }
    first[..n].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Words(&'static [&'static str]);
    impl Complete for Words {
        fn complete(&self, before: &str) -> Vec<String> {
            let last = before.rsplit(' ').next().unwrap_or("");
            self.0
                .iter()
                .filter(|w| w.starts_with(last))
                .map(|w| (*w).to_owned())
                .collect()
        }
    }
    const W: Words = Words(&["show", "shutdown", "span", "spans"]);

    fn feed(ed: &mut Editor, bytes: &[u8]) -> (Vec<EditorEvent>, String) {
        let _ = ed.handle_input(bytes, &W);
        let mut ev = Vec::new();
        while let Some(e) = ed.poll_event() {
            ev.push(e);
        }
        let out = ed.poll_transmit().unwrap_or_default();
        (ev, String::from_utf8_lossy(&out).into_owned())
    }

    fn line(ev: &[EditorEvent]) -> &str {
        match ev {
            [EditorEvent::Line(l)] => l,
            other => panic!("expected one line, got {other:?}"),
        }
    }

    #[test]
    fn typing_echoes_and_enter_ends_the_line() {
        let mut ed = Editor::new();
        ed.start("> ", Mode::Command);
        let (ev, out) = feed(&mut ed, b"ab\r\n");
        assert_eq!(line(&ev), "ab");
        assert_eq!(out, "> ab\r\n");
        // Bytes after Enter wait for the next start.
        assert_eq!(feed(&mut ed, b"zz").0, []);
    }

    #[test]
    fn backspace_ctrl_u_and_arrows_edit_in_the_middle() {
        let mut ed = Editor::new();
        ed.start("", Mode::Command);
        // "helo", left, left, "l" -> "hello"; BS at the end of "hellox" -> "hello".
        let (ev, _) = feed(&mut ed, b"helo\x1b[D\x1b[Dl\x1b[C\x1b[Cx\x7f\r");
        assert_eq!(line(&ev), "hello");
        ed.start("", Mode::Command);
        let (ev, _) = feed(&mut ed, b"garbage\x15show\r");
        assert_eq!(line(&ev), "show");
        ed.start("", Mode::Command);
        // Ctrl-U with the cursor inside keeps the right part.
        let (ev, _) = feed(&mut ed, b"xxspans\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x15\r");
        assert_eq!(line(&ev), "spans");
        ed.start("", Mode::Command);
        let (ev, _) = feed(&mut ed, b"abc\x01X\x05Y\x1b[H\x1b[3~\r");
        assert_eq!(line(&ev), "abcY");
    }

    #[test]
    fn history_walks_up_and_down_and_keeps_the_draft() {
        let mut ed = Editor::new();
        for l in ["one", "two", "two", " "] {
            ed.start("", Mode::Command);
            let _ = feed(&mut ed, format!("{l}\r").as_bytes());
        }
        assert_eq!(ed.history(), ["one", "two"]);
        ed.start("", Mode::Command);
        let (ev, _) = feed(&mut ed, b"dr\x1b[A\x1b[A\x1b[A\r");
        assert_eq!(line(&ev), "one");
        ed.start("", Mode::Command);
        let (ev, _) = feed(&mut ed, b"dr\x1b[A\x1b[A\x1b[B\x1b[B\r");
        assert_eq!(line(&ev), "dr");
        ed.start("", Mode::Command);
        // "dr" was entered last, so it is the newest entry now.
        let (ev, _) = feed(&mut ed, b"\x1bOA\r");
        assert_eq!(line(&ev), "dr");
        assert_eq!(ed.history(), ["one", "two", "one", "dr"]);
    }

    #[test]
    fn tab_completes_unique_words_and_lists_ambiguous_ones() {
        let mut ed = Editor::new();
        ed.start("> ", Mode::Command);
        let (_, out) = feed(&mut ed, b"sho\t");
        assert!(out.ends_with("show "), "{out:?}");
        let (_, out) = feed(&mut ed, b"s\t");
        // "span", "spans", "show", "shutdown": listed, then the line is redrawn.
        assert!(out.contains("show  shutdown  span  spans"), "{out:?}");
        assert!(out.ends_with("\r> show s\x1b[K"), "{out:?}");
        let (_, out) = feed(&mut ed, b"p\t");
        // Common prefix "span" of span/spans.
        assert!(out.ends_with("an"), "{out:?}");
        let (ev, _) = feed(&mut ed, b"\r");
        assert_eq!(line(&ev), "show span");
        ed.start("", Mode::Command);
        let (_, out) = feed(&mut ed, b"zz\t");
        assert!(out.ends_with('\x07'));
    }

    #[test]
    fn question_mark_asks_for_help_in_command_mode_only() {
        let mut ed = Editor::new();
        ed.start("> ", Mode::Command);
        let (ev, out) = feed(&mut ed, b"show ?");
        assert_eq!(ev, [EditorEvent::Help("show ".into())]);
        assert!(out.ends_with("?\r\n"));
        ed.redraw();
        assert!(
            String::from_utf8(ed.poll_transmit().unwrap())
                .unwrap()
                .ends_with("> show \x1b[K")
        );
        ed.start("Password: ", Mode::Hidden);
        let (ev, out) = feed(&mut ed, b"a?b\t\x7fc\r");
        assert_eq!(line(&ev), "a?c", "Tab is ignored, BS deleted the b");
        assert_eq!(out, "Password: \r\n", "nothing of a password is echoed");
        assert_eq!(ed.history().len(), 0);
    }

    #[test]
    fn ctrl_c_ctrl_d_and_utf8() {
        let mut ed = Editor::new();
        ed.start("", Mode::Command);
        assert_eq!(feed(&mut ed, b"abc\x03").0, [EditorEvent::Interrupt]);
        ed.start("", Mode::Command);
        assert_eq!(feed(&mut ed, b"\x04").0, [EditorEvent::Eof]);
        ed.start("", Mode::Plain);
        let (ev, _) = feed(&mut ed, "技术\x7f员?\r".as_bytes());
        assert_eq!(line(&ev), "技员?");
        ed.start("", Mode::Plain);
        let mut bad = "技".as_bytes().to_vec();
        bad.push(0xff);
        bad.extend_from_slice("术\r".as_bytes());
        let (ev, _) = feed(&mut ed, &bad);
        assert_eq!(line(&ev), "技术");
    }

    #[test]
    fn long_lines_are_capped() {
        let mut ed = Editor::new();
        ed.start("", Mode::Plain);
        let (_, out) = feed(&mut ed, &[b'x'; MAX_LINE + 3]);
        assert_eq!(out.matches('\x07').count(), 3);
        let (ev, _) = feed(&mut ed, b"\r");
        assert_eq!(line(&ev).len(), MAX_LINE);
    }
}
