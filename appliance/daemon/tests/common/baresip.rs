#![allow(dead_code, unreachable_pub, missing_docs)]
//! baresip (Debian's baresip 1.0, a real softphone) as a test phone: a config folder that
//! binds it to loopback, plays a WAV file as its microphone (module aufile) and dumps what
//! it sends and receives to WAV files (module sndfile, `…-enc.wav` / `…-dec.wav`); runs are
//! bounded by baresip's own `-t` and a kill.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BARESIP: &str = "/usr/bin/baresip";
pub const MODULES: &str = "/usr/lib/baresip/modules";

/// Whether baresip and the modules used here are installed (a message otherwise: skip).
pub fn have_baresip() -> bool {
    let ok = Path::new(BARESIP).exists()
        && [
            "g711.so",
            "aufile.so",
            "sndfile.so",
            "alsa.so",
            "account.so",
            "menu.so",
        ]
        .iter()
        .all(|m| Path::new(MODULES).join(m).exists());
    if !ok {
        eprintln!("SKIP: baresip or its modules (g711, aufile, sndfile, alsa) not installed");
    }
    ok
}

/// A 16-bit mono 8 kHz WAV file.
pub fn write_wav(path: &Path, samples: &[i16]) {
    let data = u32::try_from(samples.len() * 2).expect("size");
    let mut b = Vec::with_capacity(44 + samples.len() * 2);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&16000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, b).expect("write wav");
}

/// The sample rate and samples of a 16-bit PCM WAV (the first channel), read to the end of
/// the file whatever the data chunk's size says (a dump may not have been closed).
pub fn read_wav(path: &Path) -> (u32, Vec<i16>) {
    let b = std::fs::read(path).expect("read wav");
    assert!(
        b.len() > 44 && &b[..4] == b"RIFF",
        "{} is no WAV",
        path.display()
    );
    let mut at = 12;
    let (mut rate, mut channels) = (0u32, 1usize);
    while at + 8 <= b.len() {
        let id = &b[at..at + 4];
        let len = u32::from_le_bytes([b[at + 4], b[at + 5], b[at + 6], b[at + 7]]) as usize;
        let body = at + 8;
        if id == b"fmt " && body + 8 <= b.len() {
            channels = usize::from(u16::from_le_bytes([b[body + 2], b[body + 3]]));
            rate = u32::from_le_bytes([b[body + 4], b[body + 5], b[body + 6], b[body + 7]]);
        } else if id == b"data" {
            let s = b[body..]
                .chunks_exact(2 * channels.max(1))
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            return (rate, s);
        }
        at = body + len + (len & 1);
    }
    panic!("{}: no data chunk", path.display());
}

/// A baresip home folder: `config` and `accounts` for account `user` (password
/// `demo<user>`, PCMA) at the daemon's `sip` address, the microphone playing `source`,
/// dumps into `<home>/snd`.
pub struct Phone {
    pub home: PathBuf,
    pub snd: PathBuf,
}

impl Phone {
    pub fn new(dir: &Path, sip: &str, user: &str, source: &Path) -> Self {
        let home = dir.join(format!("baresip-{user}"));
        let snd = home.join("snd");
        std::fs::create_dir_all(&snd).expect("baresip dirs");
        std::fs::write(
            home.join("config"),
            format!(
                "module_path {MODULES}\nsip_listen 127.0.0.1:0\nnet_interface 127.0.0.1\n\
                 audio_player alsa,null\naudio_source aufile,{}\nsnd_path {}\n\
                 module g711.so\nmodule aufile.so\nmodule alsa.so\nmodule sndfile.so\n\
                 module menu.so\nmodule_app account.so\n",
                source.display(),
                snd.display()
            ),
        )
        .expect("baresip config");
        std::fs::write(
            home.join("accounts"),
            format!(
                "<sip:{user}@{sip};transport=udp>;auth_pass=demo{user};regint=60;audio_codecs=PCMA\n"
            ),
        )
        .expect("baresip accounts");
        Self { home, snd }
    }

    /// Starts baresip: it registers, dials `uri` at once and quits after `secs` seconds.
    pub fn dial(&self, uri: &str, secs: u32) -> Child {
        Command::new(BARESIP)
            .arg("-f")
            .arg(&self.home)
            .args(["-t", &secs.to_string(), "-e", &format!("/dial {uri}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start baresip")
    }

    /// The dump of what baresip received (`…-dec.wav`), 8 kHz samples.
    pub fn received(&self) -> Vec<i16> {
        let dec: Vec<PathBuf> = std::fs::read_dir(&self.snd)
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            dec.len(),
            1,
            "one sndfile dump of received audio in {}",
            self.snd.display()
        );
        let (rate, s) = read_wav(&dec[0]);
        assert_eq!(rate, 8000, "dump sample rate");
        s
    }
}

/// Waits (bounded) for baresip to quit by itself, then makes sure it is gone.
pub fn wait_quit(mut child: Child, within: Duration) {
    let deadline = Instant::now() + within;
    while child.try_wait().expect("wait").is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
