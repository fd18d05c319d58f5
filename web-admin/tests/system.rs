//! System pages through the API: network and NTP written as the console's files, backup
//! download and restore upload, firmware update through the image's real
//! `scripts/image-update.sh` (minisign signature and hashes checked before the inactive
//! slot of a disk image is written), the log tail. Admin only, CSRF-checked, audited;
//! malformed input → 4xx and nothing changes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::{Client, Harness, PASSWORD, Resp};
use console::system::Network;
use serde_json::json;
use web_admin::system::SystemSettings;

struct Sys {
    h: Harness,
    dir: tempfile::TempDir,
}

fn settings(dir: &Path, update: Vec<String>) -> SystemSettings {
    SystemSettings {
        root: dir.join("root"),
        interface: "en*".into(),
        log_file: dir.join("appliance.log"),
        log_command: None,
        staging: dir.join("staging"),
        update_command: update,
        update_timeout: Duration::from_secs(25),
        max_upload: web_admin::system::MAX_UPLOAD,
    }
}

fn harness(update: Vec<String>) -> Sys {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    assert!(h.state.set_system(settings(dir.path(), update)));
    Sys { h, dir }
}

async fn upload(c: &mut Client, path: &str, bytes: Vec<u8>, csrf: bool) -> Resp {
    let mut b = c
        .builder(Method::POST, path)
        .header(header::CONTENT_TYPE, "application/octet-stream");
    if let (true, Some(t)) = (csrf, &c.csrf) {
        b = b.header("x-csrf-token", t);
    }
    c.send(b.body(Body::from(bytes)).unwrap()).await
}

fn audit_entities(h: &Harness, since: i64) -> Vec<(String, String)> {
    h.peek()
        .changes_since(since)
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.change.entity.as_str().to_owned()))
        .collect()
}

#[tokio::test]
async fn network_is_written_as_the_consoles_networkd_file() {
    let s = harness(vec![]);
    let mut c = s.h.login("root", PASSWORD).await;
    let r = c.get("/api/v1/system/network").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["mode"], "dhcp");
    let rev = s.h.revision();
    let r = c
        .json(
            Method::PUT,
            "/api/v1/system/network",
            &json!({"mode": "static", "address": "192.168.7.10/24", "gateway": "192.168.7.1", "dns": "192.168.7.1, 8.8.8.8"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let file = s
        .dir
        .path()
        .join("root/etc/systemd/network/10-appliance.network");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("Name=en*") && text.contains("Address=192.168.7.10/24"));
    // The console reads back what the panel wrote.
    assert_eq!(
        Network::parse(&text),
        Some(Network::Static {
            address: "192.168.7.10".parse().unwrap(),
            prefix: 24,
            gateway: Some("192.168.7.1".parse().unwrap()),
            dns: vec!["192.168.7.1".parse().unwrap(), "8.8.8.8".parse().unwrap()],
        })
    );
    assert_eq!(
        audit_entities(&s.h, rev),
        vec![("web:root".to_owned(), "network".to_owned())]
    );
    // Malformed: 4xx with a message, the file and the log unchanged.
    let rev = s.h.revision();
    for bad in [
        json!({"mode": "static", "address": "300.1.1.1/24"}),
        json!({"mode": "static", "address": "192.168.7.10"}),
        json!({"mode": "static", "address": "192.168.7.10/24", "gateway": "gw"}),
        json!({"mode": "static", "address": "192.168.7.10/24", "dns": "8.8.8.8 nope"}),
        json!({"mode": "ppp"}),
        json!({"mode": "dhcp", "extra": 1}),
    ] {
        let r = c.json(Method::PUT, "/api/v1/system/network", &bad).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.text);
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    // Without the CSRF token: refused.
    let r = c
        .json_no_csrf(
            Method::PUT,
            "/api/v1/system/network",
            &json!({"mode": "dhcp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(s.h.revision(), rev);
    // DHCP back.
    let r = c
        .json(
            Method::PUT,
            "/api/v1/system/network",
            &json!({"mode": "dhcp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        Network::parse(&std::fs::read_to_string(&file).unwrap()),
        Some(Network::Dhcp)
    );
    // Supervisors do not reach the system pages.
    let mut sup = s.h.login("sup", PASSWORD).await;
    assert_eq!(
        sup.get("/api/v1/system/network").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(sup.get("/admin/system").await.status, StatusCode::FORBIDDEN);
    let page = c.get("/admin/system").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("id=\"sys-network\""));
}

#[tokio::test]
async fn ntp_servers_are_written_as_the_consoles_timesyncd_drop_in() {
    let s = harness(vec![]);
    let mut c = s.h.login("root", PASSWORD).await;
    let rev = s.h.revision();
    let r = c
        .json(
            Method::PUT,
            "/api/v1/system/time",
            &json!({"ntp": ["ntp.example.org", "10.0.0.1"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let file = s
        .dir
        .path()
        .join("root/etc/systemd/timesyncd.conf.d/10-appliance.conf");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        console::system::parse_ntp(&text),
        vec!["ntp.example.org", "10.0.0.1"]
    );
    let r = c.get("/api/v1/system/time").await;
    assert_eq!(r.json()["ntp"], json!(["ntp.example.org", "10.0.0.1"]));
    assert!(
        r.json()["now_utc"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-24 09:00")
    );
    for bad in [
        json!({"ntp": []}),
        json!({"ntp": ["bad host!"]}),
        json!({"ntp": "ntp.example.org"}),
    ] {
        let r = c.json(Method::PUT, "/api/v1/system/time", &bad).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.text);
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(
        audit_entities(&s.h, rev),
        vec![("web:root".to_owned(), "time".to_owned())]
    );
}

#[tokio::test]
async fn backup_download_and_restore_upload() {
    let s = harness(vec![]);
    let mut c = s.h.login("root", PASSWORD).await;
    let r = c.get("/api/v1/system/backup").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("appliance-backup-2026-11-24.db")
    );
    // The body is binary: fetch it again as bytes.
    let req = c
        .builder(Method::GET, "/api/v1/system/backup")
        .body(Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(c.app.clone(), req)
        .await
        .unwrap();
    let backup = axum::body::to_bytes(resp.into_body(), 1 << 26)
        .await
        .unwrap()
        .to_vec();
    assert_eq!(&backup[..16], b"SQLite format 3\0");
    // A change after the backup…
    let r = c
        .json(
            Method::POST,
            "/api/v1/skills",
            &json!({"name": "after-backup"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // …garbage, an empty body and a missing CSRF token are refused and change nothing…
    let rev = s.h.revision();
    let r = upload(
        &mut c,
        "/api/v1/system/restore",
        b"not a database".repeat(100),
        true,
    )
    .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.json()["error"].as_str().unwrap().contains("restore.file"));
    let r = upload(&mut c, "/api/v1/system/restore", Vec::new(), true).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    let r = upload(&mut c, "/api/v1/system/restore", backup.clone(), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(s.h.revision(), rev);
    let has = |h: &Harness| {
        h.peek()
            .skills()
            .unwrap()
            .iter()
            .any(|s| s.config.name == "after-backup")
    };
    assert!(has(&s.h));
    // …and the backup restores: the later change is gone, the restore is audited.
    let r = upload(&mut c, "/api/v1/system/restore", backup, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!has(&s.h));
    let last = s.h.peek().changes_since(s.h.revision() - 1).unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(
        (last[0].actor.as_str(), last[0].change.entity.as_str()),
        ("web:root", "database")
    );
    // The session still works against the restored database.
    assert_eq!(c.get("/api/v1/skills").await.status, StatusCode::OK);
}

/// An upload over the limit is refused with 413 while it streams: no restore, no update
/// run, no file left in the staging folder.
#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_nothing_is_kept() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("update-ran");
    let mut set = settings(
        dir.path(),
        vec![
            "sh".into(),
            "-c".into(),
            format!("touch {}", marker.display()),
        ],
    );
    set.max_upload = 64 << 10;
    assert!(h.state.set_system(set));
    let mut c = h.login("root", PASSWORD).await;
    let rev = h.revision();
    for path in ["/api/v1/system/restore", "/api/v1/system/firmware"] {
        let r = upload(&mut c, path, vec![7; (64 << 10) + 1], true).await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{path}: {}",
            r.text
        );
        assert!(
            r.json()["error"]
                .as_str()
                .unwrap()
                .contains("larger than 65536 bytes"),
            "{}",
            r.text
        );
    }
    assert_eq!(h.revision(), rev, "nothing restored");
    assert!(!marker.exists(), "the update command never ran");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("staging"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "staging keeps nothing: {left:?}");
    // Exactly at the limit, the body is read through (and refused as a database instead).
    let r = upload(&mut c, "/api/v1/system/restore", vec![7; 64 << 10], true).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
}

#[tokio::test]
async fn log_tail() {
    let s = harness(vec![]);
    let mut c = s.h.login("root", PASSWORD).await;
    let r = c.get("/api/v1/system/logs").await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "no log file yet: {}",
        r.text
    );
    let lines: Vec<String> = (1..=300).map(|i| format!("line {i}")).collect();
    std::fs::write(s.dir.path().join("appliance.log"), lines.join("\n")).unwrap();
    let r = c.get("/api/v1/system/logs?lines=3").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json()["lines"],
        json!(["line 298", "line 299", "line 300"])
    );
    assert_eq!(r.json()["lines"].as_array().unwrap().len(), 3, "{}", r.text);
    assert_eq!(
        c.get("/api/v1/system/logs?lines=0").await.status.as_u16(),
        422
    );
    let page = c.get("/admin/system").await;
    assert!(page.text.contains("line 300") && !page.text.contains("line 250\n"));
}

/// The appliance reads its log from the journal through a command; here `seq` stands in
/// for `journalctl -n {lines}` (the image's hil scenario runs the real one), and a failing
/// command is a 404 with its message.
#[tokio::test]
async fn log_from_a_command() {
    let h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = settings(dir.path(), vec![]);
    cfg.log_command = Some(vec!["seq".into(), "{lines}".into()]);
    assert!(h.state.set_system(cfg));
    let mut c = h.login("root", PASSWORD).await;
    let r = c.get("/api/v1/system/logs?lines=4").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["lines"], json!(["1", "2", "3", "4"]));
    assert_eq!(r.json()["file"], "seq 4");
    let page = c.get("/admin/system").await;
    assert!(page.text.contains("50"), "{}", page.text);

    let h = Harness::new();
    let mut cfg = settings(dir.path(), vec![]);
    cfg.log_command = Some(vec![
        "sh".into(),
        "-c".into(),
        "echo no journal >&2; exit 1".into(),
    ]);
    assert!(h.state.set_system(cfg));
    let mut c = h.login("root", PASSWORD).await;
    let r = c.get("/api/v1/system/logs").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert!(r.text.contains("no journal"), "{}", r.text);
}

// ------------------------------------------------------------------ firmware

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sh(dir: &Path, script: &str) {
    let out = Process::new("bash")
        .arg("-euc")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A small GPT disk image like the appliance's (esp, root-a, root-b), a signing key pair
/// and a second one, and a bundle signed with the first.
fn firmware_fixture(dir: &Path) {
    let update = repo().join("scripts/image-update.sh");
    sh(
        dir,
        &format!(
            "truncate -s 12M disk.img
             printf 'label: gpt\\nunit: sectors\\nfirst-lba: 2048\\nstart=2048, size=8192, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"esp\"\\nstart=10240, size=4096, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=\"root-a\"\\nstart=14336, size=4096, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=\"root-b\"\\n' | sfdisk -q disk.img
             mformat -i disk.img@@1048576 -T 8192 -h 2 -s 32 ::
             mmd -i disk.img@@1048576 ::/loader ::/loader/entries
             mkdir -p b && head -c 300000 /dev/urandom > b/root.erofs && echo kernel > b/vmlinuz && echo initrd > b/initrd.img
             minisign -G -W -f -p good.pub -s good.key >/dev/null
             minisign -G -W -f -p other.pub -s other.key >/dev/null
             {u} bundle --dir b --version 0.9.1 --key good.key --out good.tar >/dev/null
             {u} bundle --dir b --version 0.9.2 --key other.key --out other.tar >/dev/null",
            u = update.display()
        ),
    );
}

fn slot_b(dir: &Path) -> Vec<u8> {
    let disk = std::fs::read(dir.join("disk.img")).unwrap();
    disk[14336 * 512..(14336 + 4096) * 512].to_vec()
}

#[tokio::test]
async fn firmware_bundle_is_verified_then_written_to_the_inactive_slot() {
    let fx = tempfile::tempdir().unwrap();
    firmware_fixture(fx.path());
    let d = fx.path().display().to_string();
    let s = harness(vec![
        repo().join("scripts/image-update.sh").display().to_string(),
        "apply".into(),
        "{bundle}".into(),
        "--pubkey".into(),
        format!("{d}/good.pub"),
        "--disk".into(),
        format!("{d}/disk.img"),
        "--slot".into(),
        "b".into(),
    ]);
    let mut c = s.h.login("root", PASSWORD).await;
    let rev = s.h.revision();
    let before = std::fs::read(fx.path().join("disk.img")).unwrap();
    // Signed by another key: refused before anything is written.
    let other = std::fs::read(fx.path().join("other.tar")).unwrap();
    let r = upload(&mut c, "/api/v1/system/firmware", other, true).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.text.contains("SIGNATURE CHECK FAILED"), "{}", r.text);
    // Not a bundle at all.
    let r = upload(&mut c, "/api/v1/system/firmware", b"junk".repeat(64), true).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.text.contains("not an update bundle"), "{}", r.text);
    assert_eq!(std::fs::read(fx.path().join("disk.img")).unwrap(), before);
    assert_eq!(s.h.revision(), rev);
    // A good one lands in slot b with a tries-counted boot entry.
    let good = std::fs::read(fx.path().join("good.tar")).unwrap();
    let r = upload(&mut c, "/api/v1/system/firmware", good, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json()["output"]
            .as_str()
            .unwrap()
            .contains("slot b holds 0.9.1")
    );
    let root = std::fs::read(fx.path().join("b/root.erofs")).unwrap();
    assert_eq!(&slot_b(fx.path())[..root.len()], &root[..]);
    let out = Process::new("mdir")
        .args(["-b", "-i"])
        .arg(format!("{d}/disk.img@@1048576"))
        .arg("::/loader/entries")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("slot-b+3.conf"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        audit_entities(&s.h, rev),
        vec![("web:root".to_owned(), "firmware".to_owned())]
    );
    // Staging is left empty.
    assert_eq!(
        std::fs::read_dir(s.dir.path().join("staging"))
            .unwrap()
            .count(),
        0
    );
}

/// On the box the daemon's user cannot write a slot: `appliance-update request` hands the
/// upload to root through the spool and waits for the answer. The test plays root's side
/// as the image's `.path` unit does: when a request appears, `serve-spool` runs (here with
/// the test disk and key as its apply options). A refused bundle comes back refused, a good
/// one is written, and the spool is left empty.
#[tokio::test]
async fn firmware_through_the_root_spool() {
    let fx = tempfile::tempdir().unwrap();
    firmware_fixture(fx.path());
    let d = fx.path().display().to_string();
    let (spool, results) = (fx.path().join("spool"), fx.path().join("results"));
    std::fs::create_dir(&spool).unwrap();
    let script = repo().join("scripts/image-update.sh");
    let env = [
        format!("APPLIANCE_UPDATE_SPOOL={}", spool.display()),
        format!("APPLIANCE_UPDATE_RESULTS={}", results.display()),
        "APPLIANCE_UPDATE_WAIT=30".to_owned(),
    ];
    let mut cmd = vec!["env".to_owned()];
    cmd.extend(env.iter().cloned());
    cmd.extend([
        script.display().to_string(),
        "request".into(),
        "{bundle}".into(),
    ]);
    let s = harness(cmd);
    // Root's side: serve each request as it appears (two uploads, 60 s at most).
    let root = {
        let (spool, script) = (spool.clone(), script.clone());
        let env = env.clone();
        let opts = format!("--pubkey {d}/good.pub --disk {d}/disk.img --slot b");
        std::thread::spawn(move || {
            let mut served = 0;
            let until = std::time::Instant::now() + Duration::from_secs(60);
            while served < 2 && std::time::Instant::now() < until {
                if spool.join("request").exists() {
                    let st = Process::new("env")
                        .args(&env)
                        .arg(format!("APPLIANCE_UPDATE_SPOOL_APPLY_OPTS={opts}"))
                        .arg(&script)
                        .arg("serve-spool")
                        .status()
                        .unwrap();
                    assert!(st.success(), "serve-spool: {st}");
                    served += 1;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            served
        })
    };
    let mut c = s.h.login("root", PASSWORD).await;
    let before = std::fs::read(fx.path().join("disk.img")).unwrap();
    let other = std::fs::read(fx.path().join("other.tar")).unwrap();
    let r = upload(&mut c, "/api/v1/system/firmware", other, true).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.text.contains("SIGNATURE CHECK FAILED"), "{}", r.text);
    assert_eq!(std::fs::read(fx.path().join("disk.img")).unwrap(), before);
    let good = std::fs::read(fx.path().join("good.tar")).unwrap();
    let r = upload(&mut c, "/api/v1/system/firmware", good, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json()["output"]
            .as_str()
            .unwrap()
            .contains("slot b holds 0.9.1"),
        "{}",
        r.text
    );
    let root_fs = std::fs::read(fx.path().join("b/root.erofs")).unwrap();
    assert_eq!(&slot_b(fx.path())[..root_fs.len()], &root_fs[..]);
    assert_eq!(root.join().unwrap(), 2);
    let left: Vec<_> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "lock")
        .collect();
    assert!(left.is_empty(), "spool left: {left:?}");
}

#[tokio::test]
async fn without_settings_the_system_pages_say_so() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let r = c.get("/api/v1/system/network").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("not configured")
    );
}
