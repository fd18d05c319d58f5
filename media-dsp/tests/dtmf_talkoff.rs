//! DTMF talk-off: the detector must report no digit at all on speech and music.
//!
//! The corpus is built at test time: espeak-ng speech in eight languages with several voices
//! and pitches (over 60 s of distinct speech, each run at four levels), and synthetic
//! music-on-hold-like signals (organ chords, plucked arpeggios, a pure-sine melody over a
//! bass line, sweeps, a vibrato pad, pink noise), also at several levels. Music never
//! contains two pure tones that both sit within the detector's tolerance of a DTMF pair,
//! since that would be a genuine digit. spandsp's `dtmf_rx` runs on the same corpus and its
//! count is printed for comparison (not asserted: it is the peer, not the spec).
//!
//! espeak-ng and sox are required: `make deps` installs them. Missing tools fail the test.

mod common;
mod dtmf_support;

use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use dtmf_support::{detect, string_of};
use media_dsp::dtmf::{HIGH_FREQS, LOW_FREQS};
use media_dsp::level::{dbm0, rms_for_dbm0};
use media_dsp::noise::Noise;

/// (language, text) for espeak-ng. Everyday telephone-menu and conversation phrases.
const TEXTS: &[(&str, &str)] = &[
    (
        "en-us",
        "Thank you for calling. All of our agents are busy helping other customers right now. \
         Please stay on the line and your call will be answered in the order it was received. \
         If you know the extension of the person you are trying to reach, you may dial it at \
         any time. For opening hours and directions, please visit our website. We appreciate \
         your patience, and we will be with you shortly.",
    ),
    (
        "de",
        "Vielen Dank für Ihren Anruf. Leider sind im Moment alle Mitarbeiter im Gespräch. \
         Bitte bleiben Sie am Apparat, Sie werden mit dem nächsten freien Platz verbunden. \
         Unsere Geschäftszeiten sind montags bis freitags von acht bis achtzehn Uhr. Wenn Sie \
         eine Nachricht hinterlassen möchten, sprechen Sie bitte nach dem Signalton.",
    ),
    (
        "fr-fr",
        "Bonjour et merci de votre appel. Tous nos conseillers sont actuellement occupés. \
         Nous vous remercions de bien vouloir patienter, votre appel sera traité dans \
         quelques instants. Vous pouvez également consulter notre site internet pour suivre \
         votre commande, modifier votre adresse de livraison ou poser une question.",
    ),
    (
        "es",
        "Gracias por llamar. En este momento todos nuestros agentes están ocupados. Por \
         favor, permanezca en la línea y será atendido lo antes posible. Recuerde que también \
         puede realizar sus consultas a través de nuestra página web, donde encontrará \
         respuestas a las preguntas más frecuentes sobre facturas, pagos y envíos.",
    ),
    (
        "cmn",
        "您好，欢迎致电客户服务中心。现在所有的座席都在忙，请您耐心等待，我们将按照来电顺序为您服务。\
         如果您知道分机号码，请直接拨打。查询账单请按一，办理业务请按二，人工服务请按零。\
         感谢您的耐心等待，祝您生活愉快。今天天气很好，我们下午一起去公园散步，然后去饭店吃晚饭。",
    ),
    (
        "ru",
        "Здравствуйте, спасибо за ваш звонок. В данный момент все операторы заняты. \
         Пожалуйста, оставайтесь на линии, и вам обязательно ответят. Вы также можете \
         найти ответы на часто задаваемые вопросы на нашем сайте. Мы ценим ваше терпение и \
         скоро с вами свяжемся.",
    ),
    (
        "it",
        "Grazie per aver chiamato. Tutti i nostri operatori sono momentaneamente occupati. \
         La preghiamo di restare in linea per non perdere la priorità acquisita. Può anche \
         visitare il nostro sito per controllare lo stato del suo ordine e scaricare le \
         fatture degli ultimi mesi.",
    ),
    (
        "pt-br",
        "Obrigado por ligar. No momento todos os nossos atendentes estão ocupados. Por favor, \
         aguarde na linha que em breve você será atendido. Lembre-se de que você também pode \
         acompanhar seus pedidos e segunda via de boletos pelo nosso aplicativo.",
    ),
];

/// Voice variants: (espeak-ng voice suffix, pitch 0-99, words per minute).
const VOICES: &[(&str, u32, u32)] = &[
    ("", 35, 160),
    ("+f3", 75, 180),
    ("+f5", 99, 140),
    ("+m3", 5, 200),
];

/// Levels the corpus is played at, as the active speech/music level in dBm0.
const LEVELS: &[f32] = &[-3.0, -12.0, -22.0, -32.0];

fn require(tool: &str, arg: &str) {
    let ok = Command::new(tool)
        .arg(arg)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{tool}` is missing: the talk-off corpus needs espeak-ng and sox; run `make deps` \
         (or `make test`) to install them"
    );
}

fn read_wav(path: &Path) -> Vec<i16> {
    let r = hound::WavReader::open(path).expect("read converted speech");
    let spec = r.spec();
    assert_eq!(
        (spec.sample_rate, spec.channels, spec.bits_per_sample),
        (8000, 1, 16)
    );
    r.into_samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect()
}

/// Scales `x` so that its RMS over the parts louder than −50 dBm0 (in 20 ms frames) is
/// `level` dBm0: roughly the active level of speech, not diluted by the pauses.
fn set_active_level(x: &[i16], level: f32) -> Vec<i16> {
    let frames: Vec<f32> = x
        .chunks(160)
        .map(dbm0)
        .filter(|&l| l > -50.0)
        .map(|l| 10f32.powf(l / 10.0))
        .collect();
    assert!(!frames.is_empty(), "silent corpus item");
    let active = 10.0 * (frames.iter().sum::<f32>() / frames.len() as f32).log10();
    let gain = 10f32.powf((level - active) / 20.0);
    x.iter()
        .map(|&s| media_dsp::level::saturate(f32::from(s) * gain))
        .collect()
}

/// A corpus item: name and 8 kHz samples at a reference active level of −12 dBm0.
struct Item {
    name: String,
    samples: Vec<i16>,
}

struct Corpus {
    speech: Vec<Item>,
    music: Vec<Item>,
    _dir: tempfile::TempDir,
}

fn corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        require("espeak-ng", "--version");
        require("sox", "--version");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut speech = Vec::new();
        for (lang, text) in TEXTS {
            for (suffix, pitch, speed) in VOICES {
                let name = format!("{lang}{suffix}-p{pitch}");
                let wide = dir.path().join(format!("{name}.22k.wav"));
                let narrow = dir.path().join(format!("{name}.wav"));
                let st = Command::new("espeak-ng")
                    .arg("-v")
                    .arg(format!("{lang}{suffix}"))
                    .arg("-p")
                    .arg(pitch.to_string())
                    .arg("-s")
                    .arg(speed.to_string())
                    .arg("-w")
                    .arg(&wide)
                    .arg(text)
                    .status()
                    .expect("run espeak-ng");
                assert!(st.success(), "espeak-ng failed for {name}");
                // -G: sox lowers the gain if resampling would clip (espeak-ng runs hot).
                let st = Command::new("sox")
                    .arg("-G")
                    .arg(&wide)
                    .args(["-r", "8000", "-b", "16", "-c", "1"])
                    .arg(&narrow)
                    .status()
                    .expect("run sox");
                assert!(st.success(), "sox failed for {name}");
                let samples = set_active_level(&read_wav(&narrow), -12.0);
                speech.push(Item { name, samples });
            }
        }
        Corpus {
            speech,
            music: music(),
            _dir: dir,
        }
    })
}

/// The corpus item at `level` dBm0 active level.
fn at_level(item: &Item, level: f32) -> Vec<i16> {
    set_active_level(&item.samples, level)
}

fn seconds(items: &[Item]) -> f64 {
    items.iter().map(|i| i.samples.len()).sum::<usize>() as f64 / 8000.0
}

// ---------------------------------------------------------------------------------------
// Music-on-hold-like signals.

fn note(semitones_from_a4: f64) -> f64 {
    440.0 * 2f64.powf(semitones_from_a4 / 12.0)
}

/// True if two pure tones at `f1` and `f2` would form a DTMF pair within `tol`.
fn dtmf_like(f1: f64, f2: f64, tol: f64) -> bool {
    let near = |f: f64, set: &[f32]| set.iter().any(|&d| (f / f64::from(d) - 1.0).abs() <= tol);
    let (lo, hi) = if f1 < f2 { (f1, f2) } else { (f2, f1) };
    near(lo, &LOW_FREQS) && near(hi, &HIGH_FREQS)
}

/// Adds a harmonic-rich note (harmonics 1..=n with amplitudes 1/k^tilt) with an ADSR-ish
/// envelope and optional vibrato.
#[allow(clippy::too_many_arguments)]
fn add_note(
    out: &mut [f64],
    start: usize,
    len: usize,
    f: f64,
    harmonics: usize,
    tilt: f64,
    decay_per_s: f64,
    vibrato: f64,
) {
    let attack = 160.0;
    for n in 0..len.min(out.len().saturating_sub(start)) {
        let t = n as f64 / 8000.0;
        let env = (n as f64 / attack).min(1.0)
            * (-decay_per_s * t).exp()
            * ((len - n) as f64 / 240.0).min(1.0);
        let ph = 2.0 * PI * f * t + vibrato * (2.0 * PI * 5.5 * t).sin();
        let mut v = 0.0;
        for k in 1..=harmonics {
            if f * k as f64 > 3800.0 {
                break;
            }
            v += (k as f64 * ph).sin() / (k as f64).powf(tilt);
        }
        out[start + n] += env * v;
    }
}

fn to_i16(x: &[f64]) -> Vec<i16> {
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    x.iter()
        .map(|v| (v / peak * 20_000.0).round() as i16)
        .collect()
}

fn music() -> Vec<Item> {
    let sec = |s: f64| (s * 8000.0) as usize;
    let mut items = Vec::new();

    // Organ chord progression (I–vi–IV–V in several keys and inversions), 6 harmonics.
    let mut x = vec![0.0; sec(24.0)];
    let progressions: [[i32; 3]; 4] = [[0, 4, 7], [-3, 0, 4], [-7, -3, 0], [-5, -1, 2]];
    for (i, key) in [-9, -4, 3, -2, 5, 0].iter().enumerate() {
        for (j, chord) in progressions.iter().enumerate() {
            let start = sec(i as f64 * 4.0 + j as f64);
            for &s in chord {
                for octave in [-12, 0] {
                    let f = note(f64::from(key + s + octave));
                    add_note(&mut x, start, sec(1.0), f, 6, 1.0, 0.3, 0.0);
                }
            }
        }
    }
    items.push(Item {
        name: "organ chords".into(),
        samples: to_i16(&x),
    });

    // Plucked arpeggios (harmonic-rich, decaying, overlapping tails) over two octaves.
    let mut x = vec![0.0; sec(20.0)];
    let pattern = [0, 4, 7, 12, 16, 12, 7, 4];
    for bar in 0..20 {
        let root = [-9, -4, -2, 3, -7][bar % 5];
        for (k, &s) in pattern.iter().enumerate() {
            let start = sec(bar as f64 + k as f64 * 0.125);
            add_note(
                &mut x,
                start,
                sec(0.6),
                note(f64::from(root + s)),
                8,
                0.8,
                4.0,
                0.0,
            );
        }
    }
    items.push(Item {
        name: "plucked arpeggios".into(),
        samples: to_i16(&x),
    });

    // A pure-sine melody (one note at a time, legato) over a pure-sine bass: two pure tones
    // at once, so every pair is checked not to be DTMF-like (within 4 %).
    let mut x = vec![0.0; sec(20.0)];
    let melody = [
        3, 5, 7, 8, 10, 12, 10, 8, 7, 5, 3, 0, 2, 3, 7, 12, 15, 14, 12, 10,
    ];
    let bass = [-21, -24, -19, -17];
    for i in 0..80 {
        let m = note(f64::from(melody[i % melody.len()]));
        let b = note(f64::from(bass[(i / 4) % bass.len()]));
        assert!(
            !dtmf_like(m, b, 0.04),
            "melody {m} over bass {b} is DTMF-like"
        );
        let start = sec(i as f64 * 0.25);
        add_note(&mut x, start, sec(0.27), m, 1, 1.0, 0.5, 0.0);
        add_note(&mut x, start, sec(0.27), b, 1, 1.0, 0.2, 0.0);
    }
    items.push(Item {
        name: "sine melody over bass".into(),
        samples: to_i16(&x),
    });

    // Sweeps: a pure tone gliding 300 Hz → 3.4 kHz and back, and a harmonic-rich glide.
    let mut x = vec![0.0; sec(16.0)];
    let mut ph: f64 = 0.0;
    let mut ph2: f64 = 0.0;
    for (n, v) in x.iter_mut().enumerate() {
        let t = n as f64 / 8000.0;
        let u = if t < 4.0 {
            t / 4.0
        } else if t < 8.0 {
            (8.0 - t) / 4.0
        } else {
            -1.0
        };
        if u >= 0.0 {
            ph += 2.0 * PI * 300.0 * (3400.0f64 / 300.0).powf(u) / 8000.0;
            *v = ph.sin();
        } else {
            let w = (t - 8.0) / 8.0;
            ph2 += 2.0 * PI * 110.0 * 4f64.powf(w) / 8000.0;
            *v = (1..=10).map(|k| (k as f64 * ph2).sin() / k as f64).sum();
        }
    }
    items.push(Item {
        name: "sweeps".into(),
        samples: to_i16(&x),
    });

    // Sustained pad: a slowly changing chord of sawtooth-like voices with vibrato.
    let mut x = vec![0.0; sec(16.0)];
    for (i, chord) in [
        [-9, -5, -2, 3],
        [-7, -3, 0, 5],
        [-4, 0, 3, 8],
        [-5, -1, 2, 7],
    ]
    .iter()
    .enumerate()
    {
        for &s in chord {
            add_note(
                &mut x,
                sec(i as f64 * 4.0),
                sec(4.2),
                note(f64::from(s)),
                12,
                1.0,
                0.0,
                0.02,
            );
        }
    }
    items.push(Item {
        name: "vibrato pad".into(),
        samples: to_i16(&x),
    });

    // Pink-ish noise (white noise through a one-pole low-pass) with a kick-drum-like thump.
    let mut x = vec![0.0; sec(8.0)];
    let mut rng = Noise::new(99);
    let mut lp = 0.0;
    for (n, v) in x.iter_mut().enumerate() {
        lp = 0.9 * lp + 0.1 * f64::from(rng.gaussian());
        let beat = (n % 4000) as f64 / 8000.0;
        *v = lp + 3.0 * (-30.0 * beat).exp() * (2.0 * PI * 60.0 * beat).sin();
    }
    items.push(Item {
        name: "noise and drum".into(),
        samples: to_i16(&x),
    });
    items
}

// ---------------------------------------------------------------------------------------

/// Runs our detector over every item at every level; returns (hits, report lines).
fn our_false_digits(items: &[Item]) -> (usize, Vec<String>) {
    let mut hits = 0;
    let mut report = Vec::new();
    for item in items {
        for &level in LEVELS {
            let found = detect(&at_level(item, level));
            if !found.is_empty() {
                hits += found.len();
                report.push(format!(
                    "{} at {level} dBm0: {} at {:?}",
                    item.name,
                    string_of(&found),
                    found.iter().map(|d| d.start).collect::<Vec<_>>()
                ));
            }
        }
    }
    (hits, report)
}

#[test]
fn speech_corpus_is_long_enough_and_multilingual() {
    let c = corpus();
    let secs = seconds(&c.speech);
    let langs: std::collections::BTreeSet<&str> = TEXTS.iter().map(|t| t.0).collect();
    println!(
        "speech corpus: {:.1} s in {} languages × {} voices; music: {:.1} s",
        secs,
        langs.len(),
        VOICES.len(),
        seconds(&c.music)
    );
    assert!(secs >= 60.0, "only {secs:.1} s of speech");
    assert!(langs.len() >= 5);
    for item in &c.speech {
        assert!(
            item.samples.len() > 8000 * 5,
            "{}: espeak-ng produced only {} samples",
            item.name,
            item.samples.len()
        );
    }
}

#[test]
fn no_digit_in_speech() {
    let (hits, report) = our_false_digits(&corpus().speech);
    assert_eq!(hits, 0, "false digits on speech:\n{}", report.join("\n"));
}

#[test]
fn no_digit_in_music() {
    let (hits, report) = our_false_digits(&corpus().music);
    assert_eq!(hits, 0, "false digits on music:\n{}", report.join("\n"));
}

/// Our count next to spandsp's on the same corpus (all levels), printed for the record.
#[test]
fn spandsp_on_the_same_corpus() {
    let c = corpus();
    let exe = common::build_peer("dtmf_spandsp_rx", &["spandsp"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut names = Vec::new();
    for (kind, items) in [("speech", &c.speech), ("music", &c.music)] {
        for item in items {
            for &level in LEVELS {
                let path = dir.path().join(format!("{}.raw", files.len()));
                let bytes: Vec<u8> = at_level(item, level)
                    .iter()
                    .flat_map(|s| s.to_le_bytes())
                    .collect();
                std::fs::write(&path, bytes).expect("write raw");
                files.push(path);
                names.push((kind, item.name.clone(), level));
            }
        }
    }
    let out = Command::new(&exe)
        .args(&files)
        .output()
        .expect("run spandsp peer");
    assert!(out.status.success(), "spandsp peer failed");
    let text = String::from_utf8(out.stdout).expect("utf8");
    let (mut speech, mut music) = (0usize, 0usize);
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 3 && f[1] == "total" {
            let i: usize = f[0].parse().expect("index");
            let n: usize = f[2].parse().expect("count");
            if n > 0 {
                println!(
                    "spandsp: {} {} at {} dBm0: {n} digit(s)",
                    names[i].0, names[i].1, names[i].2
                );
            }
            if names[i].0 == "speech" {
                speech += n;
            } else {
                music += n;
            }
        }
    }
    let (ours_speech, _) = our_false_digits(&c.speech);
    let (ours_music, _) = our_false_digits(&c.music);
    println!(
        "talk-off over {} levels: speech {:.0} s each — media-dsp {ours_speech}, spandsp {speech}; \
         music {:.0} s each — media-dsp {ours_music}, spandsp {music}",
        LEVELS.len(),
        seconds(&c.speech),
        seconds(&c.music)
    );
    assert!(rms_for_dbm0(0.0) > 0.0);
}
