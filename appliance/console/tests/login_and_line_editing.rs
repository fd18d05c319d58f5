//! Login, lockout, `?` help, Tab completion, history recall and `show system`, typed on the
//! real serial device end of a pty with the daemon down.

mod common;

use common::{Console, PROMPT, Rig, TECH, TECH_PASSWORD, free_addr};

#[test]
fn wrong_password_is_rejected_then_login_works() {
    let b = Rig::new();
    let mut c = Console::start(&b, &free_addr(), &[]);
    let out = c.login(TECH, "not-the-password");
    assert!(out.contains("Login incorrect"), "{out}");
    // The password was not echoed.
    assert!(!c.seen.contains("not-the-password"), "{}", c.seen);
    let out = c.login(TECH, TECH_PASSWORD);
    assert!(out.contains("Logged in as technician tech"), "{out}");
    assert!(out.ends_with(PROMPT), "{out}");
    // Unknown names are refused the same way.
    c.logout();
    let out = c.login("nobody", TECH_PASSWORD);
    assert!(out.contains("Login incorrect"), "{out}");
    c.login_tech();
}

#[test]
fn repeated_failures_lock_the_account() {
    let b = Rig::new();
    b.add_technician("tech2", "second-account-1");
    let mut c = Console::start(&b, &free_addr(), &[]);
    for _ in 0..4 {
        let out = c.login("tech2", "wrong-password");
        assert!(
            out.contains("Login incorrect") && !out.contains("locked"),
            "{out}"
        );
    }
    let out = c.login("tech2", "wrong-password");
    assert!(out.contains("locked"), "{out}");
    // The right password is refused while locked ...
    let out = c.login("tech2", "second-account-1");
    assert!(out.contains("locked"), "{out}");
    // ... and the other account is not affected.
    c.login_tech();
    let t = b.store().technicians().unwrap();
    assert!(
        t.iter()
            .any(|t| t.username == "tech2" && t.locked_until.is_some())
    );
}

#[test]
fn help_completion_history_and_show_system() {
    let b = Rig::new();
    let mut c = Console::start(&b, &free_addr(), &[]);
    c.login_tech();

    // `?` on an empty line lists every command with its help, then redraws the prompt.
    c.send(b"?");
    let out = c.expect(PROMPT);
    for cmd in [
        "show system",
        "show span <N>",
        "factory reset",
        "backup <PATH>",
        "firmware switch",
    ] {
        assert!(out.contains(cmd), "{cmd} missing in:\n{out}");
    }
    // `?` after a word lists only what follows it; the typed text stays on the line.
    c.send(b"network ?");
    let out = c.expect("network ");
    let out = out + &c.expect("\x1b[K");
    assert!(
        out.contains("network set static") && !out.contains("show system"),
        "{out}"
    );
    // Ctrl-U clears the line (and redraws the prompt).
    c.send(b"\x15");
    c.expect(PROMPT);

    // Tab completes a unique word, lists ambiguous ones.
    c.send(b"sh\t");
    c.expect("show ");
    c.send(b"sy\t");
    c.expect("system ");
    c.send(b"\r");
    let out = c.expect(PROMPT);
    assert!(out.contains("version     console"), "{out}");
    assert!(out.contains("uptime"), "{out}");
    assert!(out.contains("memory"), "{out}");
    assert!(out.contains("disk data"), "{out}");
    assert!(out.contains("schema v"), "{out}");
    assert!(out.contains("no slot state file"), "{out}");
    assert!(out.contains("daemon not running"), "{out}");
    // "sp" completes to the common prefix "span"; a second Tab lists span and spans.
    c.send(b"show sp\t");
    c.expect("show span");
    c.send(b"\t");
    let out = c.expect("\x1b[K");
    assert!(out.contains("span  spans"), "{out}");
    // Ctrl-U clears the line (and redraws the prompt).
    c.send(b"\x15");
    c.expect(PROMPT);

    // Unknown and ambiguous words are explained.
    let out = c.cmd("frobnicate");
    assert!(out.contains("unknown command word \"frobnicate\""), "{out}");

    // History: Up recalls `frobnicate`, Up again `show system`; it runs again.
    // (Each Up redraws the prompt and the recalled line.)
    c.send(b"\x1b[A\x1b[A\r");
    let out = c.expect("\r\nversion     console");
    assert!(
        out.ends_with("show system\x1b[K\r\nversion     console"),
        "{out}"
    );
    c.expect(PROMPT);
    // Editing: Left and Backspace in the middle of a line.
    c.send(b"show systxem\x1b[D\x1b[D\x7f\r");
    let out = c.expect(PROMPT);
    assert!(out.contains("uptime"), "{out}");
}

#[test]
fn an_idle_session_is_logged_out() {
    let b = Rig::new();
    let mut c = Console::start(&b, &free_addr(), &["--idle-logout-secs", "1"]);
    c.login_tech();
    let out = c.expect("login: ");
    assert!(out.contains("idle for too long: logged out"), "{out}");
    // Waiting at the login prompt is not limited; a new login works.
    c.send(format!("{TECH}\r").as_bytes());
    c.expect("Password: ");
    c.send(format!("{TECH_PASSWORD}\r").as_bytes());
    c.expect(PROMPT);
}
