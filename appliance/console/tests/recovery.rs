//! Recovery from the console with the daemon down: reset the web admin password (checked
//! with store::verify_login), backup then restore, factory reset only after the typed
//! confirmation; network, time, firmware slots and reboot in dry-run mode.

mod common;

use common::{Console, PROMPT, Rig, TECH, TECH_PASSWORD, free_addr};
use store::Timestamp;

#[test]
fn admin_password_backup_restore_and_factory_reset() {
    let b = Rig::new();
    b.store()
        .seed_demo(Timestamp::from_secs(1))
        .unwrap()
        .unwrap();
    let mut c = Console::start(&b, &free_addr(), &[]);
    c.login_tech();

    // Reset the web admin's password; mismatched entries change nothing.
    c.send(b"admin password\r");
    c.answer("New password", "mismatch-one-1");
    c.answer("Again: ", "mismatch-two-2");
    let out = c.expect(PROMPT);
    assert!(out.contains("differ"), "{out}");
    c.send(b"admin password\r");
    c.answer("New password", "console-reset-1");
    c.answer("Again: ", "console-reset-1");
    let out = c.expect(PROMPT);
    assert!(out.contains("password of web user admin set"), "{out}");
    assert!(!c.seen.contains("console-reset-1"), "password echoed");
    {
        let s = b.store();
        let u = s
            .verify_login("admin", "console-reset-1")
            .unwrap()
            .expect("new password");
        assert!(u.must_change_password);
        assert!(
            s.verify_login("admin", store::DEMO_ADMIN_PASSWORD)
                .unwrap()
                .is_none()
        );
    }

    // Backup into a folder (a USB stick) and to a file.
    let usb = b.dir.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let out = c.cmd(&format!("backup {}", usb.display()));
    assert!(out.contains("backup written"), "{out}");
    assert_eq!(std::fs::read_dir(&usb).unwrap().count(), 1);
    let file = b.dir.path().join("b.db");
    let out = c.cmd(&format!("backup {}", file.display()));
    assert!(out.contains("backup written"), "{out}");

    // A change after the backup, then restore: the change is gone.
    {
        let mut s = b.store();
        let id = s.users().unwrap()[0].id;
        s.execute(
            store::CommandContext {
                actor: "test",
                ts: Timestamp(2),
            },
            &store::Command::SetUserPassword {
                id,
                password: "after-backup-1".into(),
                must_change_password: false,
            },
        )
        .unwrap();
    }
    c.send(format!("restore {}\r", file.display()).as_bytes());
    c.answer("Restore now? (yes/no): ", "no");
    let out = c.expect(PROMPT);
    assert!(out.contains("cancelled"), "{out}");
    assert!(
        b.store()
            .verify_login("admin", "after-backup-1")
            .unwrap()
            .is_some()
    );
    c.send(format!("restore {}\r", file.display()).as_bytes());
    c.answer("Restore now? (yes/no): ", "yes");
    let out = c.expect(PROMPT);
    assert!(out.contains("restored"), "{out}");
    assert!(
        b.store()
            .verify_login("admin", "console-reset-1")
            .unwrap()
            .is_some()
    );
    assert!(
        b.store()
            .verify_login("admin", "after-backup-1")
            .unwrap()
            .is_none()
    );
    let out = c.cmd("restore /nonexistent/x.db");
    assert!(out.contains("no such file"), "{out}");

    // Factory reset: anything but the exact phrase cancels.
    c.send(b"factory reset\r");
    c.answer("to erase everything: ", "yes");
    let out = c.expect(PROMPT);
    assert!(out.contains("cancelled: nothing erased"), "{out}");
    assert!(!b.store().spans().unwrap().is_empty());
    c.send(b"factory reset\r");
    c.answer("to erase everything: ", "factory reset");
    let out = c.expect(PROMPT);
    assert!(out.contains("database erased"), "{out}");
    {
        let s = b.store();
        assert!(s.spans().unwrap().is_empty());
        assert!(s.users().unwrap().is_empty());
        assert_eq!(s.config_revision().unwrap(), 0);
    }
    // The technician can still log in, and can create the admin again.
    c.logout();
    c.login_tech();
    c.send(b"admin password\r");
    let out = c.expect("New password");
    assert!(out.contains("will be created as admin"), "{out}");
    c.send(b"fresh-admin-1\r");
    c.answer("Again: ", "fresh-admin-1");
    c.expect(PROMPT);
    let u = b
        .store()
        .verify_login("admin", "fresh-admin-1")
        .unwrap()
        .expect("admin created");
    assert_eq!(u.role, store::config::Role::Admin);
    let _ = (TECH, TECH_PASSWORD);
}

#[test]
fn network_time_firmware_and_reboot_dry_run() {
    let b = Rig::new();
    let slots = b.root.join("data/firmware/slots");
    std::fs::create_dir_all(slots.parent().unwrap()).unwrap();
    std::fs::write(
        &slots,
        "booted=a\ndefault=a\nnext=\na.version=0.1.0\na.state=good\nb.version=0.2.0\nb.state=good\n",
    )
    .unwrap();
    let mut c = Console::start(&b, &free_addr(), &[]);
    c.login_tech();

    let out = c.cmd("network set static 192.168.10.5/24 192.168.10.1 192.168.10.1");
    assert!(
        out.contains("dry run: would run: networkctl reload"),
        "{out}"
    );
    let net =
        std::fs::read_to_string(b.root.join("etc/systemd/network/10-appliance.network")).unwrap();
    assert!(
        net.contains("Address=192.168.10.5/24") && net.contains("Gateway=192.168.10.1"),
        "{net}"
    );
    let out = c.cmd("network show");
    assert!(out.contains("static 192.168.10.5/24"), "{out}");
    let out = c.cmd("network set static 300.1.1.1/24");
    assert!(out.contains("not an IPv4 address"), "{out}");
    let out = c.cmd("network set dhcp");
    assert!(out.contains("written"), "{out}");
    assert!(c.cmd("network show").contains("DHCP"));

    let out = c.cmd("time ntp ntp1.example.net 10.0.0.1");
    assert!(out.contains("written"), "{out}");
    let out = c.cmd("time show");
    assert!(
        out.contains("ntp1.example.net 10.0.0.1") && out.contains(" UTC"),
        "{out}"
    );
    let out = c.cmd("time set 2026-11-24 25:00:00");
    assert!(out.contains("not a time"), "{out}");
    let out = c.cmd("time set 2026-11-24 20:00:00");
    assert!(
        out.contains("dry run: would run: timedatectl set-time 2026-11-24 20:00:00"),
        "{out}"
    );

    let out = c.cmd("firmware status");
    assert!(out.contains("booted, default"), "{out}");
    let out = c.cmd("firmware switch");
    assert!(out.contains("slot B will be tried once"), "{out}");
    assert!(
        std::fs::read_to_string(&slots)
            .unwrap()
            .contains("next=b\n")
    );
    assert!(c.cmd("show system").contains("next boot tries B once"));

    c.send(b"reboot\r");
    c.answer("Reboot now? (yes/no): ", "yes");
    let out = c.expect(PROMPT);
    assert!(
        out.contains("dry run: would run: systemctl reboot"),
        "{out}"
    );
}

#[test]
fn show_logs_streams_a_file_and_ctrl_c_stops_follow() {
    let b = Rig::new();
    let log = b.dir.path().join("daemon.log");
    std::fs::write(&log, "line one\nspan1 up\n").unwrap();
    let mut c = Console::start(&b, &free_addr(), &["--log-file", log.to_str().unwrap()]);
    c.login_tech();
    let out = c.cmd("show logs");
    assert!(out.contains("line one\r\nspan1 up\r\n"), "{out}");
    c.send(b"show logs follow\r");
    c.expect("span1 up");
    std::fs::write(&log, "line one\nspan1 up\nappended later\n").unwrap();
    c.expect("appended later");
    c.send(b"\x03");
    let out = c.expect(PROMPT);
    assert!(out.contains("^C"), "{out}");
    // The console answers again.
    assert!(c.cmd("show system").contains("uptime"));
}
