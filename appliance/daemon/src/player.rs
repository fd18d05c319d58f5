//! Prompt and music-on-hold audio for the media thread.
//!
//! Audio is loaded **off the real-time thread**: [`Prompts`] reads every prompt WAV of the
//! catalogue (`DATA/prompts/<lang>/<id>.wav`, `ivr::prompts::Catalogue`) at start and on
//! SIGHUP on a blocking thread ([`Audio::load`]; the SIGHUP load's result is handed to the
//! engine as a message, so the engine task never waits for the disk), decodes it to 8 kHz
//! linear samples and keeps it as a [`Clip`] (an `Arc<[i16]>`). Playing a prompt sends a
//! clone of that `Arc` to the media thread ([`crate::media::Ctl::PlayClip`]); the media
//! thread reads 8 samples per millisecond from it ([`Player::next`]) and never opens a file
//! or allocates. The engine keeps a reference to every clip it handed out: the cache holds
//! the current ones, and clips a reload replaced (and the previous music on hold) wait in
//! [`Retired`] until the media thread has let go of them, so a clip dropped on the media
//! thread is only a reference-count decrement and its audio is freed on the engine side.
//!
//! Music on hold: `DATA/prompts/moh.wav` when present, else a built-in soft melody
//! ([`built_in_moh`]) made once at start; it loops in the media path's music-on-hold source.
//!
//! What this is not: no resampling (prompt files must be 8 kHz mono, as
//! `scripts/make-prompts.sh` makes them: `ivr::prompts::parse_wav` refuses others), no
//! mixing of a prompt with other audio (a prompt replaces what the leg hears).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ivr::prompts::PromptAudio;
use switch::media::CHUNK;
use tracing::{info, warn};

/// 8 kHz linear samples, shared between the cache and the media thread.
pub(crate) type Clip = Arc<[i16]>;

/// Samples per second.
const RATE: usize = 8000;

/// Decodes prompt audio to linear samples.
pub(crate) fn linear(a: &PromptAudio) -> Vec<i16> {
    match a {
        PromptAudio::Linear(s) => s.clone(),
        PromptAudio::ALaw(b) => b
            .iter()
            .map(|&x| media_dsp::g711::alaw_to_linear(x))
            .collect(),
        _ => Vec::new(),
    }
}

/// The prompt clips, by (prompt id, language code).
#[derive(Debug, Default)]
pub(crate) struct Prompts {
    dir: PathBuf,
    clips: HashMap<(String, String), Clip>,
    /// Prompts without a usable file, with why (for the log): not looked up again until
    /// the next reload.
    missing: HashMap<(String, String), String>,
}

/// What a (re)load reads: the prompt clips and the music on hold.
#[derive(Debug)]
pub(crate) struct Audio {
    /// The prompt clips.
    pub(crate) prompts: Prompts,
    /// The music on hold.
    pub(crate) moh: Clip,
}

impl Audio {
    /// Reads the prompts and the music on hold under `dir` (blocking: call it off the
    /// engine task, e.g. in `spawn_blocking`).
    pub(crate) fn load(dir: &Path) -> Self {
        Self {
            prompts: Prompts::load(dir),
            moh: load_moh(dir),
        }
    }
}

/// Clips the engine no longer uses but the media thread may still be playing: each is
/// dropped (its audio freed, on the engine's side) once the media thread has let go of it.
#[derive(Debug, Default)]
pub(crate) struct Retired {
    clips: Vec<Clip>,
}

impl Retired {
    /// Keeps `clips` until the media thread is done with them.
    pub(crate) fn keep(&mut self, clips: impl IntoIterator<Item = Clip>) {
        self.clips.extend(clips);
        self.release();
    }

    /// Drops the clips only this list still holds (the media thread's copies are gone: it
    /// gets clips only from the engine, so a count of one stays one).
    pub(crate) fn release(&mut self) {
        if !self.clips.is_empty() {
            self.clips.retain(|c| Arc::strong_count(c) > 1);
        }
    }
}

impl Prompts {
    /// Loads every prompt file under `dir` (a missing directory gives an empty cache; an
    /// unusable file is logged and left out).
    pub(crate) fn load(dir: &Path) -> Self {
        let mut clips = HashMap::new();
        match ivr::prompts::Catalogue::scan(dir) {
            Ok(cat) => {
                for lang in ivr::Language::ALL {
                    for p in default_ids() {
                        let Some(path) = cat.path(p, lang) else {
                            continue;
                        };
                        match ivr::prompts::load_wav(path) {
                            Ok(a) => {
                                clips.insert(
                                    (p.to_owned(), lang.code().to_owned()),
                                    Clip::from(linear(&a)),
                                );
                            }
                            Err(e) => warn!(prompt = p, "prompt file unusable: {e}"),
                        }
                    }
                }
            }
            Err(e) => warn!(dir = %dir.display(), "prompt directory unreadable: {e}"),
        }
        info!(dir = %dir.display(), clips = clips.len(), "prompts loaded");
        Self {
            dir: dir.to_owned(),
            clips,
            missing: HashMap::new(),
        }
    }

    /// Gives up the clips (to keep them in [`Retired`] when a reload replaces the cache).
    pub(crate) fn into_clips(self) -> impl Iterator<Item = Clip> {
        self.clips.into_values()
    }

    /// The clip of a prompt; a prompt outside the default catalogue is read the first time
    /// it is played (on the engine task, never on the media thread) and kept; a prompt
    /// without a usable file is remembered as missing and not read again until the next
    /// reload.
    ///
    /// # Errors
    /// Why the file cannot be used (for the log).
    pub(crate) fn get(&mut self, prompt: &str, language: &str) -> Result<Clip, String> {
        let key = (prompt.to_owned(), language.to_owned());
        if let Some(c) = self.clips.get(&key) {
            return Ok(Arc::clone(c));
        }
        if let Some(why) = self.missing.get(&key) {
            return Err(why.clone());
        }
        match self.read(prompt, language) {
            Ok(c) => {
                self.clips.insert(key, Arc::clone(&c));
                Ok(c)
            }
            Err(why) => {
                self.missing.insert(key, why.clone());
                Err(why)
            }
        }
    }

    fn read(&self, prompt: &str, language: &str) -> Result<Clip, String> {
        let lang = ivr::Language::from_code(language)
            .ok_or_else(|| format!("unknown language {language}"))?;
        let path = self.dir.join(lang.code()).join(format!("{prompt}.wav"));
        let a = ivr::prompts::load_wav(&path).map_err(|e| e.to_string())?;
        Ok(Clip::from(linear(&a)))
    }
}

/// The ids of the default prompt catalogue (appliance/ivr/prompts/default-prompts.tsv).
fn default_ids() -> Vec<&'static str> {
    ivr::prompts::default_prompt_texts()
        .into_iter()
        .map(|(id, _, _)| id)
        .collect()
}

/// The music on hold: `dir/moh.wav` if usable, else [`built_in_moh`].
pub(crate) fn load_moh(dir: &Path) -> Clip {
    let path = dir.join("moh.wav");
    match ivr::prompts::load_wav(&path) {
        Ok(a) if !a.is_empty() => {
            info!(file = %path.display(), "music on hold from file");
            Clip::from(linear(&a))
        }
        Ok(_) | Err(_) => {
            info!(
                "music on hold: the built-in melody (put an 8 kHz mono WAV at DATA/prompts/moh.wav to change it)"
            );
            built_in_moh()
        }
    }
}

/// A soft 8-second melody (sine notes with a raised-cosine envelope, about -20 dBFS), made
/// once at start.
pub(crate) fn built_in_moh() -> Clip {
    // C major arpeggio up and down, 500 ms per note.
    const NOTES_HZ: [f64; 16] = [
        261.63, 329.63, 392.0, 523.25, 392.0, 329.63, 261.63, 196.0, 220.0, 261.63, 329.63, 440.0,
        329.63, 261.63, 220.0, 196.0,
    ];
    let note = RATE / 2;
    let mut out = Vec::with_capacity(NOTES_HZ.len() * note);
    for f in NOTES_HZ {
        for n in 0..note {
            let t = n as f64 / RATE as f64;
            let env = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / note as f64).cos();
            let s = 3000.0 * env * (2.0 * std::f64::consts::PI * f * t).sin();
            out.push(s as i16);
        }
    }
    Clip::from(out)
}

/// A clip being played into one slot: one chunk per millisecond, no allocation.
#[derive(Debug, Clone)]
pub(crate) struct Player {
    clip: Clip,
    pos: usize,
    looped: bool,
    /// This millisecond's chunk (valid after [`Self::next`]).
    pub(crate) cur: [i16; CHUNK],
}

impl Player {
    pub(crate) fn new(clip: Clip, looped: bool) -> Self {
        Self {
            clip,
            pos: 0,
            looped,
            cur: [0; CHUNK],
        }
    }

    /// Moves to the next chunk (zero-padded at the end). Returns false once a one-shot clip
    /// has been played out (the chunk is then silence).
    pub(crate) fn next(&mut self) -> bool {
        let len = self.clip.len();
        if len == 0 || (!self.looped && self.pos >= len) {
            self.cur = [0; CHUNK];
            return false;
        }
        for s in &mut self.cur {
            if self.pos >= len {
                if self.looped {
                    self.pos = 0;
                } else {
                    *s = 0;
                    continue;
                }
            }
            *s = self.clip[self.pos];
            self.pos += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_shot_clip_plays_out_then_stops() {
        let clip: Clip = (1..=12).collect::<Vec<i16>>().into();
        let mut p = Player::new(clip, false);
        assert!(p.next());
        assert_eq!(p.cur, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(p.next());
        assert_eq!(p.cur, [9, 10, 11, 12, 0, 0, 0, 0]);
        assert!(!p.next());
        assert_eq!(p.cur, [0; CHUNK]);
    }

    #[test]
    fn a_looped_clip_wraps() {
        let clip: Clip = (1..=5).collect::<Vec<i16>>().into();
        let mut p = Player::new(clip, true);
        assert!(p.next());
        assert_eq!(p.cur, [1, 2, 3, 4, 5, 1, 2, 3]);
        assert!(p.next());
        assert_eq!(p.cur, [4, 5, 1, 2, 3, 4, 5, 1]);
    }

    #[test]
    fn a_missing_prompt_is_read_once_until_the_next_load() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Prompts::load(dir.path());
        let first = p.get("custom_greeting", "en").unwrap_err();
        // The file appears: the miss is remembered, so the disk is not read on every play.
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        let wav = dir.path().join("en").join("custom_greeting.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&wav, spec).unwrap();
        for i in 0..80 {
            w.write_sample(i as i16).unwrap();
        }
        w.finalize().unwrap();
        assert_eq!(p.get("custom_greeting", "en").unwrap_err(), first);
        // A reload (SIGHUP) finds it.
        let mut p = Prompts::load(dir.path());
        assert_eq!(p.get("custom_greeting", "en").unwrap().len(), 80);
    }

    #[test]
    fn retired_clips_are_freed_once_the_media_thread_let_go() {
        let mut r = Retired::default();
        let playing: Clip = vec![1i16; 16].into();
        let on_media_thread = Arc::clone(&playing);
        let idle: Clip = vec![2i16; 16].into();
        r.keep([playing, idle]);
        assert_eq!(r.clips.len(), 1, "the clip nobody plays is freed at once");
        r.release();
        assert_eq!(r.clips.len(), 1, "still played");
        drop(on_media_thread);
        assert_eq!(Arc::strong_count(&r.clips[0]), 1);
        r.release();
        assert_eq!(r.clips.len(), 0);
    }

    #[test]
    fn the_built_in_music_is_not_silence_and_does_not_clip() {
        let m = built_in_moh();
        assert_eq!(m.len(), 8 * RATE);
        let peak = m.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!((2000..=3000).contains(&peak), "{peak}");
    }
}
