//! Default prompts: scripts/make-prompts.sh (espeak-ng + sox, both real) generates them into
//! a temporary directory; the catalogue covers the demo flow and the number read-out in
//! English and Mandarin, and the loader accepts them. The loader rejects what the media path
//! cannot play, with an error that names the file and the fix.

use std::path::{Path, PathBuf};
use std::process::Command;

use ivr::prompts::{Catalogue, PromptAudio, default_prompt_texts, load_wav, parse_wav};
use ivr::{Flow, Language, PromptError, Rule, say, validate_with_prompts};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/make-prompts.sh")
}

fn generate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .arg(script())
        .arg(dir.path())
        .output()
        .expect("run make-prompts.sh");
    assert!(
        out.status.success(),
        "make-prompts.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn generated_prompts_cover_the_demo_flow_and_read_out_in_both_languages() {
    let dir = generate();
    let cat = Catalogue::scan(dir.path()).unwrap();
    assert_eq!(cat.len(), 2 * default_prompt_texts().len());
    let audio = cat.load_all().unwrap();
    for ((id, lang), a) in &audio {
        let PromptAudio::Linear(s) = a else {
            panic!("{id} {lang:?} not linear")
        };
        // Longer than 0.2 s and not silent.
        assert!(s.len() > 1600, "{id} {lang:?}: {} samples", s.len());
        assert!(
            s.iter().any(|x| x.unsigned_abs() > 1000),
            "{id} {lang:?} silent"
        );
    }
    let demo = Flow::from_json(ivr::DEMO_FLOW_8000).unwrap();
    validate_with_prompts(&demo, &cat).unwrap();
    for lang in Language::ALL {
        cat.require(say::prompt_ids(lang).iter().map(String::as_str), lang)
            .unwrap();
    }
}

#[test]
fn a_missing_recording_is_a_validation_error_per_language() {
    let dir = generate();
    std::fs::remove_file(dir.path().join("zh/goodbye.wav")).unwrap();
    let cat = Catalogue::scan(dir.path()).unwrap();
    let demo = Flow::from_json(ivr::DEMO_FLOW_8000).unwrap();
    let errs = validate_with_prompts(&demo, &cat).unwrap_err();
    // "goodbye" is played by two nodes; only zh is missing.
    for node in ["sorry", "bye"] {
        assert!(
            errs.has(
                Some(node),
                &Rule::UnknownPrompt {
                    field: "prompts",
                    prompt: "goodbye".into(),
                    language: "zh"
                }
            ),
            "{errs}"
        );
    }
    assert_eq!(errs.0.len(), 2, "{errs}");
    assert!(matches!(
        cat.require(["goodbye"], Language::Zh),
        Err(PromptError::Missing { language: "zh", .. })
    ));
}

fn hound_wav(path: &Path, rate: u32, channels: u16, bits: u16) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..800 * u32::from(channels) {
        if bits == 8 {
            w.write_sample((i % 100) as i8).unwrap();
        } else {
            w.write_sample((i % 1000) as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

#[test]
fn loader_accepts_8k_mono_pcm_and_alaw() {
    let d = tempfile::tempdir().unwrap();
    let pcm = d.path().join("ok.wav");
    hound_wav(&pcm, 8000, 1, 16);
    assert_eq!(load_wav(&pcm).unwrap().len(), 800);
    // A-law made by sox from the same file.
    let alaw = d.path().join("alaw.wav");
    let st = Command::new("sox")
        .arg(&pcm)
        .args(["-e", "a-law", "-b", "8"])
        .arg(&alaw)
        .status()
        .unwrap();
    assert!(st.success());
    assert!(matches!(load_wav(&alaw).unwrap(), PromptAudio::ALaw(b) if b.len() == 800));
}

#[test]
fn loader_rejects_wrong_rate_channels_format_and_garbage() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("cd.wav");
    hound_wav(&p, 44_100, 1, 16);
    let e = load_wav(&p).unwrap_err();
    assert!(matches!(e, PromptError::Rate { rate: 44_100, .. }));
    assert!(
        e.to_string().contains("cd.wav") && e.to_string().contains("-r 8000"),
        "{e}"
    );
    hound_wav(&p, 8000, 2, 16);
    assert!(matches!(
        load_wav(&p),
        Err(PromptError::Channels { channels: 2, .. })
    ));
    hound_wav(&p, 8000, 1, 8);
    assert!(matches!(
        load_wav(&p),
        Err(PromptError::Format {
            format: 1,
            bits: 8,
            ..
        })
    ));
    let ulaw = d.path().join("ulaw.wav");
    hound_wav(&p, 8000, 1, 16);
    assert!(
        Command::new("sox")
            .arg(&p)
            .args(["-e", "u-law", "-b", "8"])
            .arg(&ulaw)
            .status()
            .unwrap()
            .success()
    );
    assert!(matches!(
        load_wav(&ulaw),
        Err(PromptError::Format { format: 7, .. })
    ));
    assert!(matches!(
        parse_wav(b"RIFF\x04\0\0\0WAVE", &p),
        Err(PromptError::NotWav { .. })
    ));
    assert!(matches!(
        parse_wav(b"hello", &p),
        Err(PromptError::NotWav { .. })
    ));
    assert!(matches!(
        load_wav(&d.path().join("none.wav")),
        Err(PromptError::Io { .. })
    ));
}
